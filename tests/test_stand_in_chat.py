"""Stand-ins in the chat: during the range new cards and the clock's nudges go to the stand-in,
who decides on the approver's behalf; outside it everything goes to the approver."""
from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import select

from bot.clock import run_due_jobs
from models.base import utcnow
from models.delegation import set_stand_in
from models.registration import Acting, ApprovalStep, Registration, RegStatus, StepDecision
from tests.support import factories as f
from tests.support.chat import Chat, button, texts
from tests.test_registration import register_dialog
from tests.test_scheduler_jobs import bkk, inbox
from thai.dates import today_bangkok


@pytest.fixture
def org(tx):
    """A worker under a head and a director, the head's deputy, one open course."""
    with tx() as s:
        top, head, worker = f.chain(s, 2)
        deputy = f.staff(s, line_user_id="Ustand", title="นาย", first_name="รักษา", last_name="การแทน",
                         position="รองผู้อำนวยการกอง")
        course = f.course(s, title="การจัดซื้อจัดจ้างภาครัฐด้วยระบบ e-GP", seats=10)
    return dict(top=top, head=head, worker=worker, deputy=deputy, course=course)


def _delegate(tx, org, start: date, end: date) -> None:
    with tx() as s:
        set_stand_in(session=s, approver_id=org["head"].id, stand_in_id=org["deputy"].id, starts_on=start,
                     ends_on=end, by="hr1", now=utcnow(), today=min(start, today_bangkok()))


def test_a_new_request_goes_to_the_stand_in_who_approves_it_for_the_approver(chat: Chat, tx, bot, org) -> None:
    today = today_bangkok()
    _delegate(tx, org, today, today + timedelta(days=3))
    mark = chat.mark()
    reply = register_dialog(chat, org["worker"].line_user_id)
    assert f"รอการอนุมัติจาก {org['deputy'].name} (รักษาราชการแทน {org['head'].name})" in texts(reply)
    assert chat.inbox(org["head"].line_user_id, after=mark) == []
    card = chat.inbox("Ustand", after=mark)
    assert "พิจารณาแทน" in texts(card) and org["head"].name in texts(card)
    answer = chat.tap("Ustand", button(card, "อนุมัติ")["data"])
    assert "อนุมัติแล้ว" in texts(answer)
    told = texts(chat.inbox(org["worker"].line_user_id, after=mark))
    assert f"จาก {org['deputy'].name} (รักษาราชการแทน {org['head'].name})" in told
    # The director's card says who decided step 1, and for whom.
    assert "รักษาราชการแทน" in texts(chat.inbox(org["top"].line_user_id, after=mark))
    with bot.db.transaction() as s:
        step = s.scalar(select(ApprovalStep).where(ApprovalStep.step == 1))
        assert (step.decision, step.acting, step.decided_by_id) == (StepDecision.APPROVED, Acting.STAND_IN,
                                                                    org["deputy"].id)


def test_outside_the_range_the_approver_gets_the_card_and_the_stand_in_cannot_decide(
        chat: Chat, tx, bot, org) -> None:
    today = today_bangkok()
    _delegate(tx, org, today + timedelta(days=5), today + timedelta(days=8))
    mark = chat.mark()
    register_dialog(chat, org["worker"].line_user_id)
    assert chat.inbox("Ustand", after=mark) == []
    card = chat.inbox(org["head"].line_user_id, after=mark)
    assert "พิจารณาแทน" not in texts(card)
    refused = chat.tap("Ustand", button(card, "อนุมัติ")["data"])
    assert "ไม่ได้รอการพิจารณาจากท่าน" in texts(refused)
    assert "ไม่มีคำขอที่รอการอนุมัติ" in texts(chat.say("Ustand", "รออนุมัติ"))
    with bot.db.transaction() as s:
        assert s.scalar(select(Registration.status)) == RegStatus.PENDING


def test_the_clocks_nudge_goes_to_the_stand_in_during_the_range(bot, tx, fake_line, org) -> None:
    with tx() as s:
        course = f.course(s, today=date(2027, 1, 11), starts_in=30, deadline_in=20, title="หลักสูตรรออนุมัติ")
        reg = Registration(staff_id=org["worker"].id, course_id=course.id, status=RegStatus.PENDING,
                           approval_levels=1)
        s.add(reg)
        s.flush()
        s.add(ApprovalStep(registration_id=reg.id, step=1, approver_id=org["head"].id,
                           decision=StepDecision.WAITING, reached_at=bkk(2027, 1, 11, 10, 0).astimezone(UTC)))
        set_stand_in(session=s, approver_id=org["head"].id, stand_in_id=org["deputy"].id,
                     starts_on=date(2027, 1, 14), ends_on=date(2027, 1, 15), by="hr1", now=utcnow(),
                     today=date(2027, 1, 11))
    run_due_jobs(bot, bkk(2027, 1, 14, 8, 30))  # 3 working days: the stand-in is nudged, not the head
    said = inbox(fake_line, org["deputy"])
    assert "รอการอนุมัติจาก" in texts(said) and org["head"].name in texts(said) and "พิจารณาแทน" in texts(said)
    assert inbox(fake_line, org["head"]) == []
    run_due_jobs(bot, bkk(2027, 1, 18, 8, 30))  # the range is over: back to the head
    assert "รอการอนุมัติจากท่านมา 5 วันทำการ" in texts(inbox(fake_line, org["head"]))
    assert len(inbox(fake_line, org["deputy"])) == 2
