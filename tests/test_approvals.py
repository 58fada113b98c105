"""The approval chain in the chat: cards, อนุมัติ / ไม่อนุมัติ with a reason, stale and forged taps."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.approval import DecisionRefused, decide, waiting_for
from models.audit import AuditLog
from models.base import utcnow
from models.org import DEFAULT_SETTINGS
from models.outbox import OutboxMessage
from models.registration import ApprovalStep, Registration, RegStatus, StepDecision, register
from tests.support import events as ev
from tests.support import factories as f
from tests.support.chat import Chat, actions, button, texts
from thai.dates import format_date, today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


@pytest.fixture
def org(tx):
    """A worker, two supervisors above, a third on top; an HR officer; a pending request."""
    with tx() as s:
        top, mid, head, worker = f.chain(s, 3)
        officer = f.hr(s)
        course = f.course(s, title="การบัญชีภาครัฐ ระบบ e-LAAS", fee=4500)
        reg = register(session=s, staff=worker, course=course, reason="ใช้ในงานการเงิน", today=today_bangkok(),
                       settings=SETTINGS)
    return dict(top=top, mid=mid, head=head, worker=worker, hr=officer, course=course, reg=reg)


def card_for(chat: Chat, approver) -> list[dict]:
    """Return the newest approval card the approver got by typing รออนุมัติ."""
    reply = chat.say(approver.line_user_id, "รออนุมัติ")
    assert "คำขอเข้ารับการอบรม" in texts(reply), texts(reply)
    return reply


def status(bot, reg_id: int) -> tuple[str, int, list[str]]:
    with bot.db.transaction() as s:
        reg = s.get(Registration, reg_id)
        return reg.status, reg.current_step, [st.decision for st in reg.steps]


# --- domain ---------------------------------------------------------------------------------------


def test_decide_climbs_the_chain_and_sets_the_report_due_date(session) -> None:
    top, mid, head, worker = f.chain(session, 3)
    course = f.course(session)
    reg = register(session=session, staff=worker, course=course, reason="", today=today_bangkok(), settings=SETTINGS)
    now = utcnow()
    first = decide(session=session, registration_id=reg.id, step=1, approver=head, approve=True, reason=None,
                   now=now, settings=SETTINGS)
    assert not first.final and first.next_step.approver_id == mid.id
    assert first.next_step.decision == StepDecision.WAITING and first.next_step.reached_at is not None
    with pytest.raises(DecisionRefused) as again:
        decide(session=session, registration_id=reg.id, step=1, approver=head, approve=True, reason=None,
               now=now, settings=SETTINGS)
    assert "ท่านพิจารณาคำขอนี้แล้ว" in str(again.value) and mid.name in str(again.value)
    last = decide(session=session, registration_id=reg.id, step=2, approver=mid, approve=True, reason=None,
                  now=now, settings=SETTINGS)
    assert last.final and last.registration.status == RegStatus.APPROVED
    assert last.registration.report_due_on == course.end_date + timedelta(days=SETTINGS["report_due_days"])
    actions_logged = list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions_logged == ["registration.requested", "registration.step_approved", "registration.approved"]


def test_reject_voids_later_steps_and_keeps_the_reason(session) -> None:
    top, mid, head, worker = f.chain(session, 3)
    reg = register(session=session, staff=worker, course=f.course(session), reason="", today=today_bangkok(),
                   settings=SETTINGS)
    done = decide(session=session, registration_id=reg.id, step=1, approver=head, approve=False,
                  reason="  งบประมาณไม่เพียงพอ ", now=utcnow())
    assert done.final and not done.approved
    assert [s.decision for s in done.registration.steps] == [StepDecision.REJECTED, StepDecision.VOID]
    assert done.step.reason == "งบประมาณไม่เพียงพอ" and done.registration.report_due_on is None
    logged = session.scalar(select(AuditLog).where(AuditLog.action == "registration.rejected"))
    assert logged.actor_id == head.id and logged.detail["reason"] == "งบประมาณไม่เพียงพอ"


def test_only_the_approver_of_the_current_step_decides(session) -> None:
    top, mid, head, worker = f.chain(session, 3)
    reg = register(session=session, staff=worker, course=f.course(session), reason="", today=today_bangkok(),
                   settings=SETTINGS)
    for who, step in ((mid, 1), (mid, 2), (worker, 1), (top, 1)):
        with pytest.raises(DecisionRefused):
            decide(session=session, registration_id=reg.id, step=step, approver=who, approve=True, reason=None,
                   now=utcnow())
    with pytest.raises(DecisionRefused) as missing:
        decide(session=session, registration_id=reg.id + 999, step=1, approver=head, approve=True, reason=None,
               now=utcnow())
    assert "ไม่พบ" in str(missing.value)
    assert session.get(Registration, reg.id).current_step == 1


def test_waiting_for_lists_oldest_first_and_hides_started_courses(session) -> None:
    boss = f.staff(session)
    a, b, c = (f.staff(session, supervisor=boss) for _ in range(3))
    today = today_bangkok()
    first = register(session=session, staff=a, course=f.course(session), reason="", today=today, settings=SETTINGS,
                     now=utcnow() - timedelta(hours=3))
    second = register(session=session, staff=b, course=f.course(session), reason="", today=today,
                      settings=SETTINGS, now=utcnow() - timedelta(hours=1))
    soon = f.course(session, starts_in=2, deadline_in=1)
    third = register(session=session, staff=c, course=soon, reason="", today=today, settings=SETTINGS)
    assert [r.id for r, _ in waiting_for(session=session, approver=boss, today=today)] == [first.id, second.id, third.id]
    later = today + timedelta(days=5)
    assert [r.id for r, _ in waiting_for(session=session, approver=boss, today=later)] == [first.id, second.id]


# --- dialogs --------------------------------------------------------------------------------------


def test_register_approve_approve(chat: Chat, org, bot) -> None:
    head, mid, worker, officer, reg = org["head"], org["mid"], org["worker"], org["hr"], org["reg"]
    card = card_for(chat, head)
    body = texts(card)
    for expected in (worker.name, worker.position, "สำนักปลัด", org["course"].title, "4,500 บาท",
                     "ใช้ในงานการเงิน", "ขั้นที่ 1/2"):
        assert expected in body, expected
    mark = chat.mark()
    reply = chat.tap(head.line_user_id, button(card, "อนุมัติ")["data"])
    assert f"ส่งต่อให้ {mid.name}" in texts(reply)
    next_card = chat.inbox(mid.line_user_id, after=mark)
    assert "ขั้นที่ 2/2" in texts(next_card) and f"ขั้นที่ 1: อนุมัติ โดย {head.name}" in texts(next_card)
    assert "ผ่านการอนุมัติขั้นที่ 1" in texts(chat.inbox(worker.line_user_id, after=mark))
    mark = chat.mark()
    reply = chat.tap(mid.line_user_id, button(next_card, "อนุมัติ")["data"])
    assert "อนุมัติเรียบร้อยแล้ว" in texts(reply)
    told = texts(chat.inbox(worker.line_user_id, after=mark))
    assert "ได้รับอนุมัติ" in told
    due = format_date(org["course"].end_date + timedelta(days=SETTINGS["report_due_days"]))
    assert due in told
    assert "ได้รับอนุมัติแล้ว" in texts(chat.inbox(officer.line_user_id, after=mark))
    assert chat.inbox(org["top"].line_user_id) == []
    assert status(bot, reg.id) == (RegStatus.APPROVED, 2, [StepDecision.APPROVED, StepDecision.APPROVED])


def test_reject_with_a_common_reason(chat: Chat, org, bot) -> None:
    head, worker, reg = org["head"], org["worker"], org["reg"]
    card = card_for(chat, head)
    ask = chat.tap(head.line_user_id, button(card, "ไม่อนุมัติ")["data"])
    assert "เหตุผลที่ไม่อนุมัติ" in texts(ask)
    assert status(bot, reg.id)[0] == RegStatus.PENDING  # nothing changes before the reason
    mark = chat.mark()
    done = chat.tap(head.line_user_id, button(ask, "งบประมาณไม่เพียงพอ")["data"])
    assert "บันทึกผลไม่อนุมัติแล้ว" in texts(done)
    told = texts(chat.inbox(worker.line_user_id, after=mark))
    assert "ไม่ได้รับการอนุมัติ" in told and "งบประมาณไม่เพียงพอ" in told and head.name in told
    assert chat.inbox(org["mid"].line_user_id, after=mark) == []
    assert status(bot, reg.id) == (RegStatus.REJECTED, 1, [StepDecision.REJECTED, StepDecision.VOID])


def test_reject_with_a_typed_reason(chat: Chat, org, bot) -> None:
    head, worker, reg = org["head"], org["worker"], org["reg"]
    card = card_for(chat, head)
    chat.tap(head.line_user_id, button(card, "ไม่อนุมัติ")["data"])
    assert "เหตุผล" in texts(chat.send_image(head.line_user_id, b"\x89PNG"))  # not a reason: asked again
    mark = chat.mark()
    chat.say(head.line_user_id, "ช่วงนั้นต้องตรวจรับงานก่อสร้าง ขอเลื่อนไปรุ่นหน้านะคะ")
    assert "ตรวจรับงานก่อสร้าง" in texts(chat.inbox(worker.line_user_id, after=mark))
    with bot.db.transaction() as s:
        step = s.scalar(select(ApprovalStep).where(ApprovalStep.registration_id == reg.id, ApprovalStep.step == 1))
        assert step.reason.startswith("ช่วงนั้นต้องตรวจรับงานก่อสร้าง")
    # The flow ended: the next message is an ordinary one again.
    assert "ไม่มีคำขอที่รอการอนุมัติจากท่าน" in texts(chat.say(head.line_user_id, "รออนุมัติ"))


def test_ยกเลิก_during_the_reason_leaves_the_request_waiting(chat: Chat, org, bot) -> None:
    head, reg = org["head"], org["reg"]
    chat.tap(head.line_user_id, button(card_for(chat, head), "ไม่อนุมัติ")["data"])
    chat.say(head.line_user_id, "ยกเลิก")
    assert status(bot, reg.id)[0] == RegStatus.PENDING
    assert "ขั้นที่ 1/2" in texts(card_for(chat, head))


def test_wrong_approver_changes_nothing(chat: Chat, org, bot) -> None:
    head, mid, top, reg = org["head"], org["mid"], org["top"], org["reg"]
    data = button(card_for(chat, head), "อนุมัติ")["data"]
    for who in (mid, top, org["worker"], org["hr"]):
        reply = chat.tap(who.line_user_id, data)
        assert "ไม่ได้รอการพิจารณาจากท่าน" in texts(reply)
        assert org["worker"].name not in texts(reply)
    reply = chat.tap(mid.line_user_id, button(card_for(chat, head), "ไม่อนุมัติ")["data"])
    assert "ไม่ได้รอการพิจารณาจากท่าน" in texts(reply)
    assert status(bot, reg.id) == (RegStatus.PENDING, 1, [StepDecision.WAITING, StepDecision.QUEUED])


def test_stale_card_after_approval_says_who_and_when(chat: Chat, org, bot) -> None:
    head, mid = org["head"], org["mid"]
    card = card_for(chat, head)
    chat.tap(head.line_user_id, button(card, "อนุมัติ")["data"])
    again = chat.tap(head.line_user_id, button(card, "ไม่อนุมัติ")["data"])
    assert "ท่านพิจารณาคำขอนี้แล้ว (อนุมัติ" in texts(again) and mid.name in texts(again)
    next_card = card_for(chat, mid)
    chat.tap(mid.line_user_id, button(next_card, "อนุมัติ")["data"])
    mark = chat.mark()
    stale = chat.tap(mid.line_user_id, button(next_card, "อนุมัติ")["data"])
    assert f"คำขอนี้ได้รับการอนุมัติแล้วโดย {mid.name} เมื่อ" in texts(stale)
    assert "น." in texts(stale)  # the time, in Bangkok
    assert chat.inbox(org["worker"].line_user_id, after=mark) == []
    assert "ไม่มีคำขอที่รอการอนุมัติ" in texts(chat.say(mid.line_user_id, "รออนุมัติ"))


def test_card_of_a_cancelled_request(chat: Chat, org, bot) -> None:
    head, worker = org["head"], org["worker"]
    card = card_for(chat, head)
    mine = chat.say(worker.line_user_id, "คำขอของฉัน")
    confirm = chat.tap(worker.line_user_id, button(mine, "ยกเลิกคำขอ")["data"])
    chat.tap(worker.line_user_id, button(confirm, "ยืนยัน")["data"])
    reply = chat.tap(head.line_user_id, button(card, "อนุมัติ")["data"])
    assert "ถูกยกเลิกโดยผู้ขอแล้ว" in texts(reply)
    assert status(bot, org["reg"].id)[0] == RegStatus.CANCELLED


def test_card_for_a_course_that_has_started(chat: Chat, org, bot, tx) -> None:
    head = org["head"]
    card = card_for(chat, head)
    with tx() as s:
        course = s.get(type(org["course"]), org["course"].id)
        course.start_date = today_bangkok()
    reply = chat.tap(head.line_user_id, button(card, "อนุมัติ")["data"])
    assert "เริ่มอบรมไปแล้ว" in texts(reply)
    assert status(bot, org["reg"].id)[0] == RegStatus.PENDING
    assert "ไม่มีคำขอที่รอการอนุมัติ" in texts(chat.say(head.line_user_id, "รออนุมัติ"))


def test_forged_or_altered_data_changes_nothing(chat: Chat, org, bot) -> None:
    head, reg = org["head"], org["reg"]
    data = button(card_for(chat, head), "อนุมัติ")["data"]
    action, reg_id, step, sig = data.split("|")
    for forged in (
        f"{action}|{reg_id}|2|{sig}",  # another step
        f"{action}|{int(reg_id) + 1}|{step}|{sig}",  # another request
        f"no|{reg_id}|{step}|{sig}",  # another action
        f"{action}|{reg_id}|{step}|AAAAAAAAAAAAAAAA",  # made-up signature
        f"{action}|{reg_id}|{step}",  # no signature
        "ok|1|1|" + "x" * 400,  # too long
        "",
    ):
        assert "ใช้ไม่ได้" in texts(chat.tap(head.line_user_id, forged)), forged
    assert status(bot, reg.id) == (RegStatus.PENDING, 1, [StepDecision.WAITING, StepDecision.QUEUED])
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action.like("registration.%approved"))) == 0


def test_signed_data_with_a_bad_step_is_refused(chat: Chat, org, bot) -> None:
    from handlers.kit.postback import Action

    codec = bot.services.codec
    head, reg = org["head"], org["reg"]
    for data in (codec.pack(Action.APPROVE, reg.id, "x"), codec.pack(Action.APPROVE, None, 1),
                 codec.pack(Action.REJECT_REASON, reg.id, "1:99"), codec.pack(Action.APPROVE, reg.id, 2)):
        reply = texts(chat.tap(head.line_user_id, data))
        assert any(m in reply for m in ("ใช้ไม่ได้", "ไม่ได้รอการพิจารณาจากท่าน")), reply
    assert status(bot, reg.id)[0] == RegStatus.PENDING


def test_redelivered_approve_event_changes_once_and_notifies_once(chat: Chat, org, bot) -> None:
    head, mid = org["head"], org["mid"]
    data = button(card_for(chat, head), "อนุมัติ")["data"]
    event = ev.postback_event(head.line_user_id, data, chat.standin.issue_reply_token(head.line_user_id))
    mark = chat.mark()
    assert chat.post(event).status_code == 200
    redelivery = dict(event, deliveryContext={"isRedelivery": True})
    assert chat.post(redelivery).status_code == 200
    assert len(chat.inbox(mid.line_user_id, after=mark)) == 1
    assert len(chat.inbox(head.line_user_id, after=mark)) == 1
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "registration.step_approved")) == 1


def test_double_tap_approve_notifies_once(chat: Chat, org, bot) -> None:
    head, mid = org["head"], org["mid"]
    data = button(card_for(chat, head), "อนุมัติ")["data"]
    mark = chat.mark()
    chat.tap(head.line_user_id, data)
    second = chat.tap(head.line_user_id, data)
    assert "ท่านพิจารณาคำขอนี้แล้ว" in texts(second)
    assert len(chat.inbox(mid.line_user_id, after=mark)) == 1


def test_รออนุมัติ_lists_oldest_first(chat: Chat, tx) -> None:
    with tx() as s:
        boss = f.staff(s, line_user_id="Uboss-list")
        people = [f.staff(s, supervisor=boss, line_user_id=f"Ulist{i}", first_name=f"คนที่{i}") for i in range(3)]
        for i, person in enumerate(people):
            register(session=s, staff=person, course=f.course(s), reason="", today=today_bangkok(),
                     settings=SETTINGS, now=utcnow() - timedelta(hours=10 - i))
    reply = chat.say("Uboss-list", "มีอะไรรออนุมัติบ้าง")
    assert "3 รายการ" in texts(reply)
    carousel = next(m for m in reply if m["type"] == "flex")["contents"]["contents"]
    names = [b["body"]["contents"][0]["contents"][1]["text"] for b in carousel]
    assert names == [p.name for p in people]
    assert all(len(a.get("data", "")) <= 300 and len(a["label"]) <= 20 for a in actions(reply))


def test_nothing_waiting(chat: Chat, org) -> None:
    assert "ไม่มีคำขอที่รอการอนุมัติจากท่าน" in texts(chat.say(org["worker"].line_user_id, "รออนุมัติ"))


def test_approver_without_line_gets_no_card_and_hr_is_told(chat: Chat, tx) -> None:
    with tx() as s:
        boss = f.staff(s)  # not linked to LINE
        f.staff(s, supervisor=boss, line_user_id="Uorphan")
        officer = f.hr(s)
        f.course(s)
    mark = chat.mark()
    listing = chat.say("Uorphan", "อบรม")
    summary = chat.tap("Uorphan", button(chat.tap("Uorphan", button(listing, "สมัคร")["data"]), "ข้าม")["data"])
    reply = chat.tap("Uorphan", button(summary, "ยืนยัน")["data"])
    assert "ส่งคำขอแล้ว" in texts(reply) and "ยังรับข้อความจากระบบใน LINE ไม่ได้" in texts(reply)
    assert "ยังไม่ได้ใช้งานบอท" not in texts(reply)  # not casual about a superior
    assert "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in texts(reply)
    assert "ยังไม่ได้ผูกบัญชี LINE" in texts(chat.inbox(officer.line_user_id, after=mark))


def test_hr_approves_for_a_person_without_supervisor(chat: Chat, tx, bot) -> None:
    with tx() as s:
        chief = f.staff(s, line_user_id="Uchief2", position="นายกองค์การบริหารส่วนตำบล")
        officer = f.hr(s)
        f.course(s)
    mark = chat.mark()
    listing = chat.say("Uchief2", "อบรม")
    summary = chat.tap("Uchief2", button(chat.tap("Uchief2", button(listing, "สมัคร")["data"]), "ข้าม")["data"])
    assert officer.name in texts(chat.tap("Uchief2", button(summary, "ยืนยัน")["data"]))
    card = chat.inbox(officer.line_user_id, after=mark)
    assert "ขั้นที่ 1/1" in texts(card)
    chat.tap(officer.line_user_id, button(card, "อนุมัติ")["data"])
    assert "ได้รับอนุมัติ" in texts(chat.inbox("Uchief2", after=mark))
    assert chief


def test_no_outbox_rows_are_written_by_a_refused_tap(chat: Chat, org, bot) -> None:
    data = button(card_for(chat, org["head"]), "อนุมัติ")["data"]
    with bot.db.transaction() as s:
        before = s.scalar(select(func.count()).select_from(OutboxMessage))
    chat.tap(org["mid"].line_user_id, data)
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == before + 1  # the reply only


def test_อนุมัติ_after_ไม่อนุมัติ_ends_the_reason_flow(chat: Chat, org, bot) -> None:
    head, reg = org["head"], org["reg"]
    card = card_for(chat, head)
    chat.tap(head.line_user_id, button(card, "ไม่อนุมัติ")["data"])
    chat.tap(head.line_user_id, button(card, "อนุมัติ")["data"])
    assert status(bot, reg.id)[2] == [StepDecision.APPROVED, StepDecision.WAITING]
    # The next typed text is an ordinary message, not a reason.
    assert "ไม่มีคำขอที่รอการอนุมัติจากท่าน" in texts(chat.say(head.line_user_id, "รออนุมัติ"))


def test_stale_card_after_rejection(chat: Chat, org) -> None:
    head = org["head"]
    card = card_for(chat, head)
    ask = chat.tap(head.line_user_id, button(card, "ไม่อนุมัติ")["data"])
    chat.tap(head.line_user_id, button(ask, "ภารกิจเร่งด่วน")["data"])
    again = texts(chat.tap(head.line_user_id, button(card, "อนุมัติ")["data"]))
    assert f"คำขอนี้ได้รับการพิจารณาแล้ว: ไม่อนุมัติ โดย {head.name} เมื่อ" in again


def test_a_long_waiting_list_fits_line_carousel_limits(chat: Chat, tx) -> None:
    import json

    with tx() as s:
        boss = f.staff(s, line_user_id="Uboss-long")
        for _ in range(14):
            person = f.staff(s, supervisor=boss, position="นักวิชาการ" * 10)
            register(session=s, staff=person, course=f.course(s, title="หลักสูตร" * 30, venue="ห้องประชุม" * 20),
                     reason="เหตุผลความจำเป็น" * 31, today=today_bangkok(), settings=SETTINGS)
    reply = chat.say("Uboss-long", "รออนุมัติ")
    carousel = next(m for m in reply if m["type"] == "flex")
    assert len(json.dumps(carousel["contents"], ensure_ascii=False).encode()) < 50_000
    shown = len(carousel["contents"]["contents"])
    assert 1 <= shown <= 12 and f"แสดง {shown} รายการแรกจากทั้งหมด 14 รายการ" in texts(reply)


@pytest.mark.parametrize("typed", ["รออนุมัติ", "อนุมัติ", "ไม่อนุมัติ", "คำขอของฉัน", "อบรม"])
def test_a_menu_word_after_ไม่อนุมัติ_is_not_a_reason(chat: Chat, org, bot, typed: str) -> None:
    head, worker, reg = org["head"], org["worker"], org["reg"]
    chat.tap(head.line_user_id, button(card_for(chat, head), "ไม่อนุมัติ")["data"])
    mark = chat.mark()
    reply = texts(chat.say(head.line_user_id, typed))
    assert "เหตุผลที่ไม่อนุมัติ" in reply and "ค่ะ" in reply  # asked again, politely
    assert status(bot, reg.id)[0] == RegStatus.PENDING
    assert chat.inbox(worker.line_user_id, after=mark) == []
    # Still in the flow: a real reason typed next is the one recorded.
    chat.say(head.line_user_id, "ช่วงนั้นมีภารกิจตรวจรับงาน")
    with bot.db.transaction() as s:
        step = s.scalar(select(ApprovalStep).where(ApprovalStep.registration_id == reg.id, ApprovalStep.step == 1))
        assert step.decision == StepDecision.REJECTED and step.reason == "ช่วงนั้นมีภารกิจตรวจรับงาน"


def test_a_sentence_with_a_command_word_is_still_a_reason(chat: Chat, org, bot) -> None:
    head, reg = org["head"], org["reg"]
    chat.tap(head.line_user_id, button(card_for(chat, head), "ไม่อนุมัติ")["data"])
    chat.say(head.line_user_id, "ไม่อนุมัติเพราะงบประมาณหมดแล้ว")
    with bot.db.transaction() as s:
        step = s.scalar(select(ApprovalStep).where(ApprovalStep.registration_id == reg.id, ApprovalStep.step == 1))
        assert step.reason == "ไม่อนุมัติเพราะงบประมาณหมดแล้ว"


def test_next_approver_without_line_the_requester_and_hr_are_told(chat: Chat, tx, bot) -> None:
    with tx() as s:
        top = f.staff(s)  # step 2: not linked to LINE
        head = f.staff(s, supervisor=top, line_user_id="Uhead-step1")
        worker = f.staff(s, supervisor=head, line_user_id="Uworker-step2")
        officer = f.hr(s)
        reg = register(session=s, staff=worker, course=f.course(s, title="การเงินการคลัง"), reason="",
                       today=today_bangkok(), settings=SETTINGS)
    mark = chat.mark()
    reply = texts(chat.tap(head.line_user_id, button(card_for(chat, head), "อนุมัติ")["data"]))
    assert "ส่งต่อให้" not in reply  # the card was not delivered: do not claim it was
    assert top.name in reply and "ยังรับข้อความจากระบบใน LINE ไม่ได้" in reply and "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in reply
    told = texts(chat.inbox(worker.line_user_id, after=mark))
    assert "ผ่านการอนุมัติขั้นที่ 1" in told and top.name in told and "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in told
    hr = texts(chat.inbox(officer.line_user_id, after=mark))
    assert worker.name in hr and "การเงินการคลัง" in hr and top.name in hr and "ยังไม่ได้ผูกบัญชี LINE" in hr
    assert status(bot, reg.id) == (RegStatus.PENDING, 2, [StepDecision.APPROVED, StepDecision.WAITING])


def test_final_approval_names_the_hr_officer_in_full(chat: Chat, tx) -> None:
    with tx() as s:
        boss = f.staff(s, line_user_id="Uboss-final")
        worker = f.staff(s, supervisor=boss, line_user_id="Uworker-final")
        register(session=s, staff=worker, course=f.course(s), reason="", today=today_bangkok(), settings=SETTINGS)
    reply = texts(chat.tap(boss.line_user_id, button(card_for(chat, boss), "อนุมัติ")["data"]))
    assert "อนุมัติเรียบร้อยแล้ว" in reply and "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in reply
