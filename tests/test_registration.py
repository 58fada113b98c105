"""Finding courses and registering in the chat; the domain rules of a request."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.audit import AuditLog
from models.conversation import Conversation
from models.org import DEFAULT_SETTINGS
from models.registration import (
    AlreadyRegistered,
    ApprovalStep,
    CourseClosed,
    CourseFull,
    NoApprover,
    NotEligible,
    Registration,
    RegStatus,
    StepDecision,
    open_courses_for,
    register,
)
from tests.support import factories as f
from tests.support.chat import Chat, actions, button, texts
from thai.dates import format_date_range, today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


def carousel_titles(messages: list[dict]) -> list[str]:
    """Return the header titles of every bubble of the carousels in messages."""
    titles = []
    for m in messages:
        if m.get("type") == "flex" and m["contents"]["type"] == "carousel":
            for b in m["contents"]["contents"]:
                titles.append(b["header"]["contents"][0]["text"])
    return titles


# --- domain ---------------------------------------------------------------------------------------


def test_register_creates_steps_up_the_chain(session) -> None:
    top, mid, head, worker = f.chain(session, 3)
    course = f.course(session)
    reg = register(session=session, staff=worker, course=course, reason=" ใช้ในงาน ", today=today_bangkok(),
                   settings=SETTINGS)
    assert reg.status == RegStatus.PENDING and reg.reason == "ใช้ในงาน"
    assert reg.approval_levels == 2 and reg.current_step == 1
    assert [(s.step, s.approver_id, s.decision) for s in reg.steps] == [
        (1, head.id, StepDecision.WAITING), (2, mid.id, StepDecision.QUEUED)]
    assert reg.steps[0].reached_at is not None and reg.steps[1].reached_at is None
    logged = session.scalar(select(AuditLog).where(AuditLog.action == "registration.requested"))
    assert logged.actor_id == worker.id and logged.subject_id == reg.id and logged.at is not None


def test_course_levels_override_the_setting_and_a_short_chain_stops_at_the_top(session) -> None:
    top, worker = f.chain(session, 1)
    course = f.course(session, approval_levels=3)
    reg = register(session=session, staff=worker, course=course, reason="", today=today_bangkok(),
                   settings=SETTINGS)
    assert reg.approval_levels == 1 and [s.approver_id for s in reg.steps] == [top.id]
    _, _, head, other = f.chain(session, 3)
    one = f.course(session, approval_levels=1)
    reg = register(session=session, staff=other, course=one, reason="", today=today_bangkok(), settings=SETTINGS)
    assert [s.approver_id for s in reg.steps] == [head.id]


def test_person_without_supervisor_is_approved_by_hr_never_by_themselves(session) -> None:
    chief = f.staff(session, line_user_id="Uchief")
    course = f.course(session)
    with pytest.raises(NoApprover) as refused:
        register(session=session, staff=chief, course=course, reason="", today=today_bangkok(), settings=SETTINGS)
    assert "งานบุคคล" in str(refused.value)
    officer = f.hr(session)
    reg = register(session=session, staff=chief, course=course, reason="", today=today_bangkok(), settings=SETTINGS)
    assert [s.approver_id for s in reg.steps] == [officer.id] and reg.approval_levels == 1
    # An HR officer with no supervisor is not their own approver.
    course2 = f.course(session)
    with pytest.raises(NoApprover):
        register(session=session, staff=officer, course=course2, reason="", today=today_bangkok(),
                 settings=SETTINGS)


def test_inactive_supervisor_is_passed_over(session) -> None:
    top, mid, head, worker = f.chain(session, 3)
    head.active = False
    reg = register(session=session, staff=worker, course=f.course(session), reason="", today=today_bangkok(),
                   settings=SETTINGS)
    assert [s.approver_id for s in reg.steps] == [mid.id, top.id]


def test_second_request_for_the_same_course_answers_with_the_first(session) -> None:
    *_, worker = f.chain(session, 2)
    course = f.course(session)
    first = register(session=session, staff=worker, course=course, reason="", today=today_bangkok(),
                     settings=SETTINGS)
    with pytest.raises(AlreadyRegistered) as again:
        register(session=session, staff=worker, course=course, reason="", today=today_bangkok(), settings=SETTINGS)
    assert again.value.registration.id == first.id
    assert "รอการอนุมัติจาก" in str(again.value)
    assert session.scalar(select(func.count()).select_from(Registration)) == 1


@pytest.mark.parametrize("fields,error", [
    (dict(deadline_in=-1), CourseClosed),
    (dict(starts_in=0, deadline_in=0), CourseClosed),
    (dict(active=False), CourseClosed),
    (dict(targets=("ครู",)), NotEligible),
])
def test_closed_or_not_eligible_courses_refuse(session, fields, error) -> None:
    *_, worker = f.chain(session, 2)
    course = f.course(session, **fields)
    with pytest.raises(error) as refused:
        register(session=session, staff=worker, course=course, reason="", today=today_bangkok(), settings=SETTINGS)
    assert str(refused.value).endswith("ค่ะ") or "ค่ะ" in str(refused.value)
    assert session.scalar(select(func.count()).select_from(Registration)) == 0


def test_full_course_refuses_and_a_cancelled_seat_is_free_again(session) -> None:
    boss = f.staff(session)
    a, b, c = (f.staff(session, supervisor=boss) for _ in range(3))
    course = f.course(session, seats=2)
    today = today_bangkok()
    register(session=session, staff=a, course=course, reason="", today=today, settings=SETTINGS)
    reg_b = register(session=session, staff=b, course=course, reason="", today=today, settings=SETTINGS)
    with pytest.raises(CourseFull):
        register(session=session, staff=c, course=course, reason="", today=today, settings=SETTINGS)
    assert open_courses_for(session=session, staff=c, today=today) == []
    reg_b.status = RegStatus.REJECTED
    session.flush()
    assert register(session=session, staff=c, course=course, reason="", today=today, settings=SETTINGS)


def test_zero_seats_means_no_limit(session) -> None:
    *_, worker = f.chain(session, 1)
    course = f.course(session, seats=0)
    [item] = open_courses_for(session=session, staff=worker, today=today_bangkok())
    assert item.course.id == course.id and item.seats_left is None


def test_open_courses_filter_deadline_type_and_seats(session) -> None:
    *_, worker = f.chain(session, 1)
    today = today_bangkok()
    ok = f.course(session, title="เปิดอยู่")
    f.course(session, title="ปิดแล้ว", deadline_in=-1)
    f.course(session, title="สำหรับครู", targets=("ครู",))
    mine_too = f.course(session, title="สำหรับพนักงาน", targets=("พนักงานส่วนตำบล", "ครู"), starts_in=30)
    titles = [i.course.title for i in open_courses_for(session=session, staff=worker, today=today)]
    assert titles == [ok.title, mine_too.title]


# --- dialogs --------------------------------------------------------------------------------------


@pytest.fixture
def org(tx):
    """A worker with two supervisors above and an HR officer; one open course."""
    with tx() as s:
        top, mid, head, worker = f.chain(s, 3)
        officer = f.hr(s)
        course = f.course(s, title="การจัดซื้อจัดจ้างภาครัฐด้วยระบบ e-GP", fee=3500, seats=10)
    return dict(top=top, mid=mid, head=head, worker=worker, hr=officer, course=course)


def test_typing_อบรม_shows_a_carousel_with_thai_dates_and_fee(chat: Chat, org) -> None:
    worker, course = org["worker"], org["course"]
    reply = chat.say(worker.line_user_id, "อบรม")
    body = texts(reply)
    assert course.title in carousel_titles(reply)
    assert format_date_range(course.start_date, course.end_date) in body
    assert "3,500 บาท" in body and "10 ที่" in body and "การพัฒนาทรัพยากรบุคคล" in body
    assert button(reply, "สมัคร")["type"] == "postback"


def test_search_words_narrow_the_courses(chat: Chat, org, tx) -> None:
    with tx() as s:
        f.course(s, title="การบัญชีภาครัฐ ระบบ e-LAAS")
    reply = chat.say(org["worker"].line_user_id, "อยากสมัครอบรม e-GP ค่ะ")
    assert carousel_titles(reply) == [org["course"].title]
    reply = chat.say(org["worker"].line_user_id, "อบรม ดำน้ำลึก")
    assert "ไม่พบหลักสูตรที่ตรงกับ" in texts(reply) and len(carousel_titles(reply)) == 2


def test_more_than_twelve_courses_page_with_ดูเพิ่มเติม(chat: Chat, org, tx) -> None:
    with tx() as s:
        for i in range(14):
            f.course(s, title=f"หลักสูตรเพิ่ม {i}", starts_in=30 + i)
    user = org["worker"].line_user_id
    reply = chat.say(user, "หลักสูตร")
    bubbles = [m for m in reply if m.get("type") == "flex"][0]["contents"]["contents"]
    assert len(bubbles) == 12
    more = button(reply, "ดูเพิ่มเติม")
    assert len(more["data"]) <= 300
    page2 = chat.tap(user, more["data"])
    assert len(carousel_titles(page2)) == 15 - 11
    assert not set(carousel_titles(page2)) & set(carousel_titles(reply))


def test_no_open_course_gets_a_clear_answer(chat: Chat, tx) -> None:
    with tx() as s:
        *_, worker = f.chain(s, 1)
    assert "ยังไม่มีหลักสูตรที่เปิดรับสมัคร" in texts(chat.say(worker.line_user_id, "อบรม"))


def register_dialog(chat: Chat, user: str, reason: str | None = "นำมาใช้ในงานพัสดุ") -> list[dict]:
    """Tap สมัคร, give (or skip) the reason, tap ยืนยัน; return the last reply."""
    listing = chat.say(user, "อบรม")
    details = chat.tap(user, button(listing, "สมัคร")["data"])
    assert "เหตุผลความจำเป็น" in texts(details)
    if reason is None:
        summary = chat.tap(user, button(details, "ข้าม")["data"])
    else:
        summary = chat.say(user, reason)
    assert "ยืนยัน" in texts(summary)
    return chat.tap(user, button(summary, "ยืนยัน")["data"])


def test_register_dialog_sends_the_request_and_the_first_card(chat: Chat, org, bot) -> None:
    worker, head = org["worker"], org["head"]
    mark = chat.mark()
    reply = register_dialog(chat, worker.line_user_id)
    assert f"ส่งคำขอแล้ว รอการอนุมัติจาก {head.name}" in texts(reply)
    card = chat.inbox(head.line_user_id, after=mark)
    assert len(card) == 1 and "ขั้นที่ 1/2" in texts(card) and "นำมาใช้ในงานพัสดุ" in texts(card)
    assert chat.inbox(org["mid"].line_user_id, after=mark) == []
    with bot.db.transaction() as s:
        reg = s.scalar(select(Registration))
        assert reg.reason == "นำมาใช้ในงานพัสดุ" and reg.status == RegStatus.PENDING
        assert s.scalar(select(func.count()).select_from(Conversation)) == 0


def test_skip_reason_and_a_second_registration_answers_with_the_status(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    register_dialog(chat, user, reason=None)
    listing = chat.say(user, "อบรม")
    assert "รอการอนุมัติจาก" in texts(listing)  # the course shows the request instead of สมัคร
    with pytest.raises(AssertionError):
        button(listing, "สมัคร")
    with bot.db.transaction() as s:
        assert s.scalar(select(Registration.reason)) == ""


def test_double_tap_on_ยืนยัน_creates_one_request_and_one_card(chat: Chat, org, bot) -> None:
    user, head = org["worker"].line_user_id, org["head"]
    listing = chat.say(user, "อบรม")
    details = chat.tap(user, button(listing, "สมัคร")["data"])
    summary = chat.tap(user, button(details, "ข้าม")["data"])
    data = button(summary, "ยืนยัน")["data"]
    mark = chat.mark()
    chat.tap(user, data)
    again = chat.tap(user, data)
    assert "สมัครหลักสูตรนี้ไว้แล้ว" in texts(again)
    assert len(chat.inbox(head.line_user_id, after=mark)) == 1
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 1


def test_typed_ยืนยัน_and_a_menu_word_in_the_flow(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    details = chat.tap(user, button(chat.say(user, "อบรม"), "สมัคร")["data"])
    assert "ระหว่างสมัครอบรม" in texts(chat.say(user, "คำขอของฉัน"))  # a rich-menu tap is not a reason
    chat.say(user, "ข้าม")
    assert "ส่งคำขอแล้ว" in texts(chat.say(user, "ยืนยัน"))
    assert details


def stored_reason(bot) -> str:
    with bot.db.transaction() as s:
        [reason] = s.scalars(select(Registration.reason)).all()
        return reason


def test_typed_ยืนยัน_at_the_reason_step_is_no_reason_and_still_asks_to_confirm(chat: Chat, org, bot) -> None:
    user, head = org["worker"].line_user_id, org["head"]
    chat.tap(user, button(chat.say(user, "อบรม"), "สมัคร")["data"])
    mark = chat.mark()
    summary = chat.say(user, "ยืนยัน")
    assert "ตรวจสอบรายละเอียด" in texts(summary) and "(ไม่ระบุ)" in texts(summary)
    with bot.db.transaction() as s:  # shown for confirmation, nothing sent yet
        assert s.scalar(select(func.count()).select_from(Registration)) == 0
    assert "ส่งคำขอแล้ว" in texts(chat.tap(user, button(summary, "ยืนยัน")["data"]))
    assert stored_reason(bot) == ""
    assert "ยืนยัน" not in texts(chat.inbox(head.line_user_id, after=mark))


def test_typed_ข้าม_at_the_confirm_step_is_not_stored_as_the_reason(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    chat.tap(user, button(chat.say(user, "อบรม"), "สมัคร")["data"])
    chat.say(user, "นำมาใช้ในงานพัสดุ")
    summary = chat.say(user, "ข้าม")
    assert "ตรวจสอบรายละเอียด" in texts(summary) and "(ไม่ระบุ)" in texts(summary)
    assert "ส่งคำขอแล้ว" in texts(chat.say(user, "ยืนยัน"))
    assert stored_reason(bot) == ""


def test_ยกเลิก_ends_the_flow_and_nothing_is_created(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    chat.tap(user, button(chat.say(user, "อบรม"), "สมัคร")["data"])
    assert "ยกเลิกขั้นตอน" in texts(chat.say(user, "ยกเลิก"))
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 0


def test_full_course_refuses_in_the_chat(chat: Chat, tx, bot) -> None:
    with tx() as s:
        boss = f.staff(s, line_user_id="Uboss-full")
        first = f.staff(s, supervisor=boss, line_user_id="Ufirst")
        second = f.staff(s, supervisor=boss, line_user_id="Usecond")
        f.course(s, seats=1)
    listing = chat.say("Usecond", "อบรม")
    details = chat.tap("Usecond", button(listing, "สมัคร")["data"])
    summary = chat.tap("Usecond", button(details, "ข้าม")["data"])
    register_dialog(chat, "Ufirst", reason=None)  # takes the last seat meanwhile
    reply = chat.tap("Usecond", button(summary, "ยืนยัน")["data"])
    assert "ที่นั่งเต็มแล้ว" in texts(reply)
    assert "ยังไม่มีหลักสูตร" in texts(chat.say("Usecond", "อบรม"))
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 1
    assert first and second


def test_closed_course_refuses_a_tap_on_an_old_carousel(chat: Chat, org, tx) -> None:
    user = org["worker"].line_user_id
    listing = chat.say(user, "อบรม")
    with tx() as s:
        course = s.get(type(org["course"]), org["course"].id)
        course.registration_deadline = today_bangkok() - timedelta(days=1)
    reply = chat.tap(user, button(listing, "สมัคร")["data"])
    assert "ปิดรับสมัครแล้ว" in texts(reply)


def test_altered_postback_changes_nothing(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    data = button(chat.say(user, "อบรม"), "สมัคร")["data"]
    action, course_id, arg, sig = data.split("|")
    forged = "|".join((action, str(int(course_id) + 1), arg, sig))
    assert "ใช้ไม่ได้" in texts(chat.tap(user, forged))
    assert "ใช้ไม่ได้" in texts(chat.tap(user, "regok|1||"))
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Conversation)) == 0


def test_stranger_cannot_register(chat: Chat, org, bot) -> None:
    data = button(chat.say(org["worker"].line_user_id, "อบรม"), "สมัคร")["data"]
    assert "ยังไม่ได้ผูก" in texts(chat.tap("Ustranger", data))


def test_every_reply_is_thai_and_buttons_fit_line_limits(chat: Chat, org) -> None:
    user = org["worker"].line_user_id
    reply = chat.say(user, "อบรม")
    for a in actions(reply):
        assert len(a["label"]) <= 20 and len(a.get("data", "")) <= 300
    assert "Traceback" not in json.dumps(reply, ensure_ascii=False)


def test_audit_records_the_request(chat: Chat, org, bot) -> None:
    register_dialog(chat, org["worker"].line_user_id)
    with bot.db.transaction() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "registration.requested"))
        assert row.actor_id == org["worker"].id and row.detail["reason"] == "นำมาใช้ในงานพัสดุ"
        assert s.scalar(select(func.count()).select_from(ApprovalStep)) == 2
