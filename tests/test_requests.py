"""คำขอของฉัน: status and who holds each request; cancelling before the course starts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.approval import decide
from models.audit import AuditLog
from models.base import utcnow
from models.org import DEFAULT_SETTINGS
from models.registration import Registration, RegStatus, StepDecision, register
from tests.support import factories as f
from tests.support.chat import Chat, actions, button, texts
from thai.dates import today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


@pytest.fixture
def org(tx):
    """A worker with a pending, an approved and a rejected request."""
    with tx() as s:
        top, mid, head, worker = f.chain(s, 3)
        officer = f.hr(s)
        today = today_bangkok()
        pending = register(session=s, staff=worker, course=f.course(s, title="หลักสูตรรอ"), reason="",
                           today=today, settings=SETTINGS, now=utcnow() - timedelta(hours=3))
        approved = register(session=s, staff=worker, course=f.course(s, title="หลักสูตรผ่าน"), reason="",
                            today=today, settings=SETTINGS, now=utcnow() - timedelta(hours=2))
        for step, who in ((1, head), (2, mid)):
            decide(session=s, registration_id=approved.id, step=step, approver=who, approve=True, reason=None,
                   now=utcnow(), settings=SETTINGS)
        rejected = register(session=s, staff=worker, course=f.course(s, title="หลักสูตรไม่ผ่าน"), reason="",
                            today=today, settings=SETTINGS, now=utcnow() - timedelta(hours=1))
        decide(session=s, registration_id=rejected.id, step=1, approver=head, approve=False,
               reason="ภารกิจเร่งด่วน", now=utcnow())
    return dict(top=top, mid=mid, head=head, worker=worker, hr=officer, pending=pending, approved=approved,
                rejected=rejected)


def bubbles(reply: list[dict]) -> list[dict]:
    return next(m for m in reply if m["type"] == "flex")["contents"]["contents"]


def test_my_requests_show_status_and_who_holds_each(chat: Chat, org) -> None:
    reply = chat.say(org["worker"].line_user_id, "คำขอของฉัน")
    cards = bubbles(reply)
    assert [b["header"]["contents"][0]["text"] for b in cards] == ["หลักสูตรไม่ผ่าน", "หลักสูตรผ่าน", "หลักสูตรรอ"]
    rejected, approved, pending = (texts([b]) for b in cards)
    assert f"รอการอนุมัติจาก {org['head'].name} (ขั้นที่ 1/2)" in pending and "ยกเลิกคำขอ" in pending
    assert "ได้รับอนุมัติแล้ว" in approved and "ส่งรายงานภายใน" in approved and "ยกเลิกคำขอ" in approved
    assert "ไม่อนุมัติ" in rejected and "ภารกิจเร่งด่วน" in rejected and "ยกเลิกคำขอ" not in rejected
    said = texts(chat.say(org["worker"].line_user_id, "สถานะ"))
    assert "คำขอของท่าน 3 รายการ" in said and "คำขอของฉัน 3" not in said  # the bot is not "ฉัน"
    assert "อยู่ที่" in pending and "อยู่ที่" not in approved and "อยู่ที่" not in rejected  # no "อยู่ที่ -"


def test_nobody_has_no_requests(chat: Chat, org) -> None:
    assert "ยังไม่มีคำขอ" in texts(chat.say(org["top"].line_user_id, "คำขอของฉัน"))


def test_cancel_pending_tells_the_current_approver(chat: Chat, org, bot) -> None:
    user, head = org["worker"].line_user_id, org["head"]
    cards = bubbles(chat.say(user, "คำขอของฉัน"))
    confirm = chat.tap(user, button([cards[2]], "ยกเลิกคำขอ")["data"])
    assert "ต้องการยกเลิกคำขอ" in texts(confirm) and "หลักสูตรรอ" in texts(confirm)
    # Not a bare "ยกเลิก", which read as cancelling the request while it kept it.
    assert [a["label"] for a in actions(confirm)] == ["ยืนยันยกเลิกคำขอ", "ไม่ยกเลิก"]
    with bot.db.transaction() as s:
        assert s.get(Registration, org["pending"].id).status == RegStatus.PENDING  # asked, not done
    mark = chat.mark()
    done = chat.tap(user, button(confirm, "ยืนยันยกเลิกคำขอ")["data"])
    assert "ยกเลิกคำขอเข้ารับการอบรม \"หลักสูตรรอ\" แล้ว" in texts(done)
    assert "ไม่ต้องพิจารณาคำขอนี้แล้ว" in texts(chat.inbox(head.line_user_id, after=mark))
    assert chat.inbox(org["hr"].line_user_id, after=mark) == []
    with bot.db.transaction() as s:
        reg = s.get(Registration, org["pending"].id)
        assert reg.status == RegStatus.CANCELLED and reg.cancelled_at is not None
        assert [st.decision for st in reg.steps] == [StepDecision.VOID, StepDecision.VOID]
        logged = s.scalar(select(AuditLog).where(AuditLog.action == "registration.cancelled"))
        assert logged.actor_id == org["worker"].id and logged.detail["holder_id"] == head.id
    # A second tap on the same confirmation changes nothing and tells nobody.
    mark = chat.mark()
    again = chat.tap(user, button(confirm, "ยืนยันยกเลิกคำขอ")["data"])
    assert "ยกเลิกแล้ว" in texts(again) and chat.inbox(head.line_user_id, after=mark) == []


def test_cancel_approved_tells_hr_and_clears_the_report(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    cards = bubbles(chat.say(user, "คำขอของฉัน"))
    confirm = chat.tap(user, button([cards[1]], "ยกเลิกคำขอ")["data"])
    assert "แจ้งเจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in texts(confirm)
    mark = chat.mark()
    chat.tap(user, button(confirm, "ยืนยัน")["data"])
    assert "ยกเลิกคำขอ" in texts(chat.inbox(org["hr"].line_user_id, after=mark))
    with bot.db.transaction() as s:
        reg = s.get(Registration, org["approved"].id)
        assert reg.status == RegStatus.CANCELLED and reg.report_due_on is None


def test_ไม่ยกเลิก_keeps_the_request(chat: Chat, org, bot) -> None:
    user, head = org["worker"].line_user_id, org["head"]
    confirm = chat.tap(user, button([bubbles(chat.say(user, "คำขอของฉัน"))[2]], "ยกเลิกคำขอ")["data"])
    mark = chat.mark()
    kept = chat.tap(user, button(confirm, "ไม่ยกเลิก")["data"])  # the "no" choice: keep the request
    with bot.db.transaction() as s:
        reg = s.get(Registration, org["pending"].id)
        assert reg.status == RegStatus.PENDING and reg.cancelled_at is None and reg.current_step == 1
        assert [st.decision for st in reg.steps] == [StepDecision.WAITING, StepDecision.QUEUED]
        assert s.scalar(select(AuditLog).where(AuditLog.action == "registration.cancelled")) is None
    assert chat.inbox(head.line_user_id, after=mark) == []
    assert "คำขอยังคงอยู่ตามเดิม" in texts(kept) and "ยกเลิกคำขอเข้ารับการอบรม" not in texts(kept)


def test_someone_else_cannot_cancel(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    confirm = chat.tap(user, button([bubbles(chat.say(user, "คำขอของฉัน"))[2]], "ยกเลิกคำขอ")["data"])
    data = button(confirm, "ยืนยัน")["data"]
    assert "ไม่พบคำขอนี้" in texts(chat.tap(org["head"].line_user_id, data))
    with bot.db.transaction() as s:
        assert s.get(Registration, org["pending"].id).status == RegStatus.PENDING


def test_cannot_cancel_after_the_course_started(chat: Chat, org, bot, tx) -> None:
    user = org["worker"].line_user_id
    confirm = chat.tap(user, button([bubbles(chat.say(user, "คำขอของฉัน"))[1]], "ยกเลิกคำขอ")["data"])
    with tx() as s:
        reg = s.get(Registration, org["approved"].id)
        reg.course.start_date = today_bangkok()
    refused = texts(chat.tap(user, button(confirm, "ยืนยัน")["data"]))
    assert "เริ่มอบรมไปแล้ว" in refused and "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in refused
    with bot.db.transaction() as s:
        assert s.get(Registration, org["approved"].id).status == RegStatus.APPROVED


def test_cancel_rejected_is_refused(chat: Chat, org, bot) -> None:
    from handlers.kit.postback import Action

    data = bot.services.codec.pack(Action.CANCEL_REQUEST_CONFIRM, org["rejected"].id)
    assert "ยกเลิกไม่ได้" in texts(chat.tap(org["worker"].line_user_id, data))


def test_a_request_filed_again_after_cancelling_shows_once(chat: Chat, org, bot) -> None:
    user = org["worker"].line_user_id
    confirm = chat.tap(user, button([bubbles(chat.say(user, "คำขอของฉัน"))[2]], "ยกเลิกคำขอ")["data"])
    chat.tap(user, button(confirm, "ยืนยันยกเลิกคำขอ")["data"])
    with bot.db.transaction() as s:
        from models.course import Course
        from models.org import Staff

        again = register(session=s, staff=s.get(Staff, org["worker"].id),
                         course=s.get(Course, org["pending"].course_id), reason="", today=today_bangkok(),
                         settings=SETTINGS, now=utcnow())
        again_id = again.id
    cards = bubbles(chat.say(user, "คำขอของฉัน"))
    # Only the new request: the cancelled one is history (audit trail, HR's console), not a second card.
    assert [b["header"]["contents"][0]["text"] for b in cards] == ["หลักสูตรรอ", "หลักสูตรไม่ผ่าน", "หลักสูตรผ่าน"]
    assert "ยกเลิกแล้ว" not in texts([cards[0]]) and "ยกเลิกคำขอ" in texts([cards[0]])
    with bot.db.transaction() as s:
        rows = s.scalars(select(Registration).where(Registration.course_id == org["pending"].course_id))
        assert sorted(r.status for r in rows) == sorted([RegStatus.CANCELLED, RegStatus.PENDING])
        assert s.get(Registration, again_id).status == RegStatus.PENDING
