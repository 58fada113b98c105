"""Flows a new user meets (issue 16): asking again after a cancellation, an approver who links
late, and the HR unit named as the organisation's setting says."""
from __future__ import annotations

from sqlalchemy import select

from models.linking import create_link_code
from models.org import set_setting
from models.registration import Registration, RegStatus
from tests.support import factories as f
from tests.support.chat import Chat, button, texts


def _request(chat: Chat, user: str) -> list[dict]:
    """File a request for the one open course the way a person does: อบรม, สมัคร, ข้าม, ยืนยัน."""
    listing = chat.say(user, "อบรม")
    summary = chat.tap(user, button(chat.tap(user, button(listing, "สมัคร")["data"]), "ข้าม")["data"])
    return chat.tap(user, button(summary, "ยืนยัน")["data"])


def test_a_request_can_be_filed_again_after_a_cancellation(chat: Chat, tx) -> None:
    with tx() as s:
        _top, boss, worker = f.chain(s, 2)
        course = f.course(s, title="การบริหารความเสี่ยง")
        user, course_id = worker.line_user_id, course.id
    assert "ส่งคำขอแล้ว" in texts(_request(chat, user))
    cards = next(m for m in chat.say(user, "คำขอของฉัน") if m["type"] == "flex")["contents"]["contents"]
    confirm = chat.tap(user, button(cards, "ยกเลิกคำขอ")["data"])
    assert "ยกเลิกคำขอเข้ารับการอบรม" in texts(chat.tap(user, button(confirm, "ยืนยันยกเลิกคำขอ")["data"]))
    # The course offers สมัคร again, and the new request goes through.
    assert "ส่งคำขอแล้ว" in texts(_request(chat, user))
    with tx() as s:
        regs = list(s.scalars(select(Registration).where(Registration.course_id == course_id)
                              .order_by(Registration.id)))
        # The cancelled request stays as it was, for the audit trail.
        assert [r.status for r in regs] == [RegStatus.CANCELLED, RegStatus.PENDING]


def test_an_approver_who_links_late_is_told_what_waits(chat: Chat, tx) -> None:
    with tx() as s:
        boss = f.staff(s, position="ผู้อำนวยการกองคลัง")  # not linked yet
        f.staff(s, supervisor=boss, line_user_id="Uearly")
        f.hr(s)
        f.course(s)
        boss_id = boss.id
    assert "ส่งคำขอแล้ว" in texts(_request(chat, "Uearly"))
    with tx() as s:
        code, _ = create_link_code(session=s, staff=s.get(type(boss), boss_id))
    reply = chat.say("Ulate", code)
    said = texts(reply)
    assert "ผูกบัญชีเรียบร้อยแล้ว" in said and "(ผู้อำนวยการกองคลัง)" in said
    assert "มีคำขอเข้ารับการอบรมรอการอนุมัติจากท่าน 1 รายการ" in said
    assert reply[-1]["quickReply"]["items"][0]["action"]["text"] == "รออนุมัติ"  # the button it names


def test_a_person_without_a_position_is_not_shown_with_a_dash(chat: Chat, tx) -> None:
    with tx() as s:
        person = f.staff(s, position="")
        code, _ = create_link_code(session=s, staff=person)
    said = texts(chat.say("Unopos", code))
    assert "ผูกบัญชีเรียบร้อยแล้ว" in said and "(-)" not in said and "()" not in said


def test_the_hr_unit_is_named_as_the_setting_says(chat: Chat, tx) -> None:
    with tx() as s:
        set_setting(session=s, key="hr_unit_name", value="กองการเจ้าหน้าที่")
        f.staff(s, line_user_id="Uimage")
    said = texts(chat.say("Ustranger", "สวัสดี"))
    assert "กองการเจ้าหน้าที่" in said and "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" not in said
    assert "กองการเจ้าหน้าที่" in texts(chat.say("Ustranger", "1234-5678"))  # a wrong code: ask HR


def test_an_image_outside_the_report_is_not_said_to_be_received(chat: Chat, tx) -> None:
    with tx() as s:
        f.staff(s, line_user_id="Uimage")
    reply = chat.send_image("Uimage", b"\xff\xd8\xff\xe0 not really a jpeg")
    assert "ได้รับรูปภาพแล้ว" not in texts(reply) and "ยังไม่ได้เก็บรูปภาพนี้" in texts(reply)
    assert [i["action"]["text"] for i in reply[-1]["quickReply"]["items"]] == ["ส่งรายงาน"]
