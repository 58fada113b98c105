"""Stand-ins (รักษาราชการแทน) and HR deciding on an approver's behalf: the domain rules."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.request_overview import request_trail, waiting_overview
from models.audit import AuditLog
from models.base import utcnow
from models.delegation import (
    Delegation,
    DelegationError,
    acting_approver,
    acting_for,
    actor,
    revoke_stand_in,
    set_stand_in,
    stand_ins,
)
from models.org import DEFAULT_SETTINGS
from models.approval import DecisionRefused, decide, decide_on_behalf, waiting_for
from models.registration import Acting, ApprovalStep, RegStatus, StepDecision, register
from tests.support import factories as f
from thai.dates import today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


@pytest.fixture
def org(session):
    """A worker under a head and a director; a deputy who may stand in; one pending request."""
    top, head, worker = f.chain(session, 2)
    deputy = f.staff(session, line_user_id="Udeputy", position="รองผู้อำนวยการ")
    course = f.course(session, starts_in=20)
    reg = register(session=session, staff=worker, course=course, reason="", today=today_bangkok(),
                   settings=SETTINGS)
    return dict(top=top, head=head, worker=worker, deputy=deputy, course=course, reg=reg)


def _stand_in(session, approver, stand_in, start=0, end=5, today=None):
    today = today or today_bangkok()
    return set_stand_in(session=session, approver_id=approver.id, stand_in_id=stand_in.id,
                        starts_on=today + timedelta(days=start), ends_on=today + timedelta(days=end),
                        reason="ไปราชการต่างจังหวัด", by="hr1", now=utcnow(), today=today)


def test_the_rule_names_the_stand_in_only_inside_the_range(session, org) -> None:
    today = today_bangkok()
    head, deputy = org["head"], org["deputy"]
    _stand_in(session, head, deputy, start=1, end=3)
    assert acting_for(session=session, approver_id=head.id, on=today) == head.id
    assert acting_for(session=session, approver_id=head.id, on=today + timedelta(days=1)) == deputy.id
    assert acting_for(session=session, approver_id=head.id, on=today + timedelta(days=3)) == deputy.id
    assert acting_for(session=session, approver_id=head.id, on=today + timedelta(days=4)) == head.id
    assert actor(session=session, approver=head, on=today + timedelta(days=2)).id == deputy.id


def test_the_same_rule_serves_a_whole_table(session, org) -> None:
    today = today_bangkok()
    _stand_in(session, org["head"], org["deputy"])
    rows = dict(session.execute(
        select(ApprovalStep.step, acting_approver(ApprovalStep.approver_id, today))
        .where(ApprovalStep.registration_id == org["reg"].id)
    ).all())
    # Step 1 belongs to the head (stood in for), step 2 to the director (no stand-in).
    assert rows == {1: org["deputy"].id, 2: org["top"].id}


def test_a_stand_in_who_left_or_a_revoked_range_hands_back_to_the_approver(session, org) -> None:
    today = today_bangkok()
    head, deputy = org["head"], org["deputy"]
    row = _stand_in(session, head, deputy)
    deputy.active = False
    session.flush()
    assert acting_for(session=session, approver_id=head.id, on=today) == head.id
    deputy.active = True
    session.flush()
    assert acting_for(session=session, approver_id=head.id, on=today) == deputy.id
    revoke_stand_in(session=session, delegation_id=row.id, by="hr1", now=utcnow())
    assert acting_for(session=session, approver_id=head.id, on=today) == head.id
    with pytest.raises(DelegationError):
        revoke_stand_in(session=session, delegation_id=row.id, by="hr1", now=utcnow())


def test_bad_ranges_are_refused_with_a_thai_reason_and_nothing_stored(session, org) -> None:
    today = today_bangkok()
    head, deputy = org["head"], org["deputy"]
    cases = [
        (head, head, 0, 3, "ไม่ใช่ผู้อนุมัติคนเดียวกัน"),
        (head, deputy, 3, 1, "ต้องไม่ก่อนวันที่เริ่ม"),
        (head, deputy, -5, -1, "สิ้นสุดไปแล้ว"),
    ]
    for approver, stand_in, start, end, words in cases:
        with pytest.raises(DelegationError) as refused:
            _stand_in(session, approver, stand_in, start, end)
        assert words in str(refused.value)
    assert session.scalar(select(Delegation.id)) is None
    _stand_in(session, head, deputy, 0, 5)
    with pytest.raises(DelegationError) as overlap:
        _stand_in(session, head, org["top"], 4, 8)
    assert "มีผู้รักษาราชการแทน" in str(overlap.value)
    assert [r.delegation.stand_in_id for r in stand_ins(session=session, today=today)] == [deputy.id]


def test_the_stand_in_sees_and_decides_the_step_recorded_as_acting_for_the_approver(session, org) -> None:
    head, deputy, reg = org["head"], org["deputy"], org["reg"]
    today = today_bangkok()
    assert waiting_for(session=session, approver=deputy, today=today) == []
    _stand_in(session, head, deputy)
    assert [r.id for r, _ in waiting_for(session=session, approver=deputy, today=today)] == [reg.id]
    # The approver still sees (and may decide) their own step.
    assert [r.id for r, _ in waiting_for(session=session, approver=head, today=today)] == [reg.id]
    done = decide(session=session, registration_id=reg.id, step=1, approver=deputy, approve=True, reason=None,
                  now=utcnow(), settings=SETTINGS)
    assert done.acting == Acting.STAND_IN and done.decided_by.id == deputy.id
    assert done.step.acting == Acting.STAND_IN and done.step.decided_by_id == deputy.id
    assert done.step.approver_id == head.id and done.next_step.approver_id == org["top"].id
    row = session.scalar(select(AuditLog).where(AuditLog.action == "registration.step_approved"))
    assert row.actor_id == deputy.id and row.detail["on_behalf_of"] == head.id
    # The approver's own tap on the step afterwards says who decided it, not "ท่านพิจารณาแล้ว".
    with pytest.raises(DecisionRefused) as late:
        decide(session=session, registration_id=reg.id, step=1, approver=head, approve=False, reason="x",
               now=utcnow())
    assert f"โดย {deputy.name} (รักษาราชการแทน {head.name})" in str(late.value)


def test_someone_who_stands_in_for_nobody_cannot_decide(session, org) -> None:
    with pytest.raises(DecisionRefused) as refused:
        decide(session=session, registration_id=org["reg"].id, step=1, approver=org["deputy"], approve=True,
               reason=None, now=utcnow())
    assert "ไม่ได้รอการพิจารณาจากท่าน" in str(refused.value)


def test_hr_decides_on_behalf_once_and_the_trail_says_so(session, org) -> None:
    reg, head = org["reg"], org["head"]
    done = decide_on_behalf(session=session, registration_id=reg.id, step=1, approve=True,
                            reason="ผู้อนุมัติติดราชการ ติดต่อไม่ได้", now=utcnow(), by="hr1", settings=SETTINGS)
    assert done.acting == Acting.HR and done.next_step is not None and done.next_step.step == 2
    assert done.step.decision == StepDecision.APPROVED and done.step.acting == Acting.HR
    # A double submit changes nothing and says what happened.
    with pytest.raises(DecisionRefused):
        decide_on_behalf(session=session, registration_id=reg.id, step=1, approve=True, reason=None,
                         now=utcnow(), by="hr1", settings=SETTINGS)
    # And the approver's late tap on the old card is stale too.
    with pytest.raises(DecisionRefused):
        decide(session=session, registration_id=reg.id, step=1, approver=head, approve=False, reason="x",
               now=utcnow())
    trail = request_trail(session=session, registration_id=reg.id)
    assert [r.action for r in trail] == ["registration.requested", "registration.step_approved"]
    assert trail[1].detail == {"step": 1, "reason": "ผู้อนุมัติติดราชการ ติดต่อไม่ได้", "on_behalf_of": head.id,
                               "by": "hr1", "acting": "hr"}
    last = decide_on_behalf(session=session, registration_id=reg.id, step=2, approve=False, reason="งบไม่พอ",
                            now=utcnow(), by="hr1")
    assert last.final and last.registration.status == RegStatus.REJECTED


def test_waiting_overview_lists_who_acts_today_and_leaves_out_started_courses(session, org) -> None:
    today = today_bangkok()
    _stand_in(session, org["head"], org["deputy"])
    started = f.course(session, starts_in=2)
    other = register(session=session, staff=org["worker"], course=started, reason="", today=today,
                     settings=SETTINGS)
    rows = waiting_overview(session=session, today=today)
    assert [(w.registration.id, w.approver.id, w.acting.id) for w in rows] == [
        (org["reg"].id, org["head"].id, org["deputy"].id), (other.id, org["head"].id, org["deputy"].id)]
    assert [w.registration.id for w in waiting_overview(session=session, today=today + timedelta(days=3))] == [
        org["reg"].id]
