"""Deciding a training request: the approval chain's steps (approve, reject), cancelling, and
which decisions are waiting.

Every state change is a conditional UPDATE whose row count is checked: a double tap, a LINE
redelivery or two people acting at the same instant change a request once, and only the winner
goes on to notify anyone. The caller owns the session (one transaction per chat event).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from models.audit import audit
from models.base import utcnow
from models.course import Course
from models.delegation import acting_approver, acts_for
from models.org import Staff
from models.registration import (
    AT_ONCE,
    LIVE,
    REASON_MAX,
    Acting,
    ApprovalStep,
    Registration,
    RegistrationError,
    RegStatus,
    StepDecision,
    T,
    current_step,
    report_due,
    status_text,
)
from thai.dates import format_date, format_datetime, today_bangkok


class DecisionRefused(RegistrationError):
    """A tap that may not change the request now (stale card, wrong person, course started)."""


class CancelRefused(RegistrationError):
    """A cancellation that is not allowed now."""


@dataclass(frozen=True)
class Decision:
    """What one approver's tap did."""

    registration: Registration
    step: ApprovalStep
    approved: bool
    next_step: ApprovalStep | None  # set when the request climbs to the next approver
    acting: str | None = None  # Acting.STAND_IN or Acting.HR when the approver did not decide themselves
    decided_by: Staff | None = None  # the stand-in who decided (None for the approver and for HR)

    @property
    def final(self) -> bool:
        """Tell whether the request is now settled (approved or rejected)."""
        return self.next_step is None


@dataclass(frozen=True)
class Cancellation:
    """What a cancellation did, and who should hear of it."""

    registration: Registration
    was: str  # the status before: pending or approved
    holder: Staff | None  # the approver whose card just became void, if any


def waiting_steps(*, today: date | None = None) -> Select[tuple[ApprovalStep]]:
    """Return the query of every step whose decision is waiting: the one rule of "waiting".

    The current step of a pending request, its approver holding the card; with `today`,
    requests for courses that have started are left out, since they can no longer be decided
    (the clock once nudged them for ever). Callers narrow it (one approver) or join more.
    """
    stmt = (
        select(ApprovalStep)
        .join(Registration, Registration.id == ApprovalStep.registration_id)
        .where(ApprovalStep.decision == StepDecision.WAITING, Registration.status == RegStatus.PENDING,
               Registration.current_step == ApprovalStep.step)
    )
    if today is not None:
        stmt = stmt.join(Course, Course.id == Registration.course_id).where(Course.start_date > today)
    return stmt


def waiting_for(*, session: Session, approver: Staff, today: date | None = None) -> list[tuple[Registration, ApprovalStep]]:
    """Return the requests waiting for this approver's decision, their own and those of approvers they
    stand in for today, oldest first (see waiting_steps and the delegation rule)."""
    acting = acting_approver(ApprovalStep.approver_id, today or today_bangkok())
    stmt = (waiting_steps(today=today).where(or_(ApprovalStep.approver_id == approver.id, acting == approver.id))
            .order_by(ApprovalStep.reached_at, ApprovalStep.id))
    return [(s.registration, s) for s in session.scalars(stmt)]


def _fresh(session: Session, registration_id: int) -> Registration | None:
    # The conditional updates bypass the identity map: one read overwrites the request and its steps
    # (populate_existing reaches the joined steps too), in one statement, so one snapshot (AT_ONCE).
    return session.scalars(
        select(Registration).where(Registration.id == registration_id).options(*AT_ONCE)
        .execution_options(populate_existing=True)
    ).unique().first()


def holder_name(approver: Staff, holder: Staff) -> str:
    """Name who holds a step: the approver, or "stand-in (รักษาราชการแทน approver)"."""
    return approver.name if holder.id == approver.id else T.ACTING_FOR.format(name=holder.name,
                                                                              approver=approver.name)


def decider_name(step: ApprovalStep, hr_name: str = T.HR_UNIT) -> str:
    """Name who decided a step: its approver, their stand-in acting for them, or HR on their behalf."""
    if step.acting == Acting.STAND_IN and step.decided_by is not None:
        return holder_name(step.approver, step.decided_by)
    if step.acting == Acting.HR:
        return T.HR_FOR.format(hr=hr_name, approver=step.approver.name)
    return step.approver.name


def explain(reg: Registration, step: ApprovalStep | None = None) -> str:
    """Say why a request cannot be decided at a step any more (already decided, cancelled ...)."""
    if reg.status == RegStatus.APPROVED:
        last = max((s for s in reg.steps if s.decision == StepDecision.APPROVED), key=lambda s: s.step, default=None)
        return T.APPROVED_BY.format(name=decider_name(last) if last else "-",
                                    when=format_datetime(reg.decided_at or utcnow()))
    if reg.status == RegStatus.REJECTED:
        rejected = next((s for s in reg.steps if s.decision == StepDecision.REJECTED), None)
        return T.REJECTED_BY.format(name=decider_name(rejected) if rejected else "-",
                                    when=format_datetime(reg.decided_at or utcnow()))
    if reg.status == RegStatus.CANCELLED:
        return T.CANCELLED_AT.format(when=format_datetime(reg.cancelled_at or utcnow()))
    if step is not None and step.decision in (StepDecision.APPROVED, StepDecision.REJECTED):
        decision = T.D_APPROVED if step.decision == StepDecision.APPROVED else T.D_REJECTED
        when = format_datetime(step.decided_at or utcnow())
        if step.acting is not None:  # the stand-in or HR decided it, not the person tapping now
            return T.DECIDED_BY.format(step=step.step, decision=decision, name=decider_name(step), when=when,
                                       status=status_text(reg))
        return T.YOU_DECIDED.format(decision=decision, when=when, status=status_text(reg))
    return T.NOT_YET.format(status=status_text(reg))


def _decidable_step(reg: Registration | None, step: int, today: date) -> tuple[Registration, ApprovalStep]:
    """Return the request and its step if the step waits for a decision today, or raise DecisionRefused."""
    if reg is None:
        raise DecisionRefused(T.NOT_FOUND)
    target = next((s for s in reg.steps if s.step == step), None)
    if target is None:
        raise DecisionRefused(T.NOT_FOUND)
    if reg.status != RegStatus.PENDING or reg.current_step != step or target.decision != StepDecision.WAITING:
        raise DecisionRefused(explain(reg, target))
    if today >= reg.course.start_date:
        raise DecisionRefused(T.STARTED.format(date=format_date(reg.course.start_date)))
    return reg, target


def check_decidable(
    *, session: Session, registration_id: int, step: int, approver: Staff, today: date
) -> tuple[Registration, ApprovalStep]:
    """Return the request and the step this person may decide now (its approver, or their stand-in
    today), or raise DecisionRefused."""
    reg = _fresh(session, registration_id)
    if reg is None:
        raise DecisionRefused(T.NOT_FOUND)
    target = next((s for s in reg.steps if s.step == step), None)
    # Someone who neither approves this step nor stands in for its approver learns nothing about it.
    if target is None or not acts_for(session=session, person=approver, approver_id=target.approver_id, on=today):
        raise DecisionRefused(T.NOT_YOURS)
    return _decidable_step(reg, step, today)


def decide(
    *,
    session: Session,
    registration_id: int,
    step: int,
    approver: Staff,
    approve: bool,
    reason: str | None,
    now: datetime,
    settings: dict[str, Any] | None = None,
    today: date | None = None,
) -> Decision:
    """Record one approver's (or their stand-in's) decision on their step; raise DecisionRefused if stale."""
    today = today or today_bangkok(now)
    reg, target = check_decidable(session=session, registration_id=registration_id, step=step,
                                  approver=approver, today=today)
    standing_in = approver.id != target.approver_id
    return _apply_decision(session, reg, target, approve=approve, reason=reason, now=now, settings=settings or {},
                           acting=Acting.STAND_IN if standing_in else None,
                           decided_by=approver if standing_in else None, actor_id=approver.id, admin_id=None,
                           detail={})


def decide_on_behalf(
    *,
    session: Session,
    registration_id: int,
    step: int,
    approve: bool,
    reason: str | None,
    now: datetime,
    by: str,
    actor_id: int | None = None,
    admin_id: int | None = None,
    settings: dict[str, Any] | None = None,
    today: date | None = None,
) -> Decision:
    """Record HR's decision on a waiting step for an approver who cannot be reached (audited as such).

    `by` names the console user; the same conditional updates as the approver's tap apply, so a
    double submit (or the approver tapping at the same moment) changes the request once.
    """
    today = today or today_bangkok(now)
    reg, target = _decidable_step(_fresh(session, registration_id), step, today)
    return _apply_decision(session, reg, target, approve=approve, reason=reason, now=now, settings=settings or {},
                           acting=Acting.HR, decided_by=None, actor_id=actor_id, admin_id=admin_id,
                           detail={"on_behalf_of": target.approver_id, "by": by})


def _apply_decision(
    session: Session, reg: Registration, target: ApprovalStep, *, approve: bool, reason: str | None,
    now: datetime, settings: dict[str, Any], acting: Acting | None, decided_by: Staff | None,
    actor_id: int | None, admin_id: int | None, detail: dict[str, Any],
) -> Decision:
    """Apply a decision with conditional updates (the winner goes on); raise DecisionRefused if it lost."""
    step = target.step
    reason = (reason or "").strip()[:REASON_MAX] or None
    last = step >= reg.approval_levels
    _claim(session, reg, target, approve=approve, last=last, now=now, settings=settings)
    _record(session, reg.id, target, approve=approve, last=last, reason=reason, now=now, acting=acting,
            decided_by_id=decided_by.id if decided_by is not None else None)
    fresh = _fresh(session, reg.id)
    assert fresh is not None
    decided_step = next(s for s in fresh.steps if s.step == step)
    next_step = current_step(fresh) if approve and not last else None
    action = ("registration.rejected" if not approve
              else "registration.approved" if last else "registration.step_approved")
    if acting is Acting.STAND_IN:
        detail = {**detail, "on_behalf_of": target.approver_id}
    if acting is not None:
        detail = {**detail, "acting": str(acting)}
    audit(session=session, action=action, subject_type="registration", subject_id=fresh.id,
          actor_id=actor_id, admin_id=admin_id, step=step, reason=reason, **detail)
    return Decision(fresh, decided_step, approve, next_step, str(acting) if acting else None, decided_by)


def _claim(session: Session, reg: Registration, target: ApprovalStep, *, approve: bool, last: bool,
           now: datetime, settings: dict[str, Any]) -> None:
    """Move the request on, only if it still waits at this step; raise DecisionRefused if another tap won."""
    values: dict[str, Any]
    if not approve:
        values = {"status": RegStatus.REJECTED, "decided_at": now}
    elif last:
        values = {"status": RegStatus.APPROVED, "decided_at": now,
                  "report_due_on": report_due(None, reg.course.end_date, settings)}
    else:
        values = {"current_step": target.step + 1}
    won = session.execute(
        update(Registration)
        .where(Registration.id == reg.id, Registration.status == RegStatus.PENDING,
               Registration.current_step == target.step)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        # Another tap (or the requester's cancellation) got there first; say what it did.
        fresh = _fresh(session, reg.id)
        assert fresh is not None
        raise DecisionRefused(explain(fresh, next(s for s in fresh.steps if s.step == target.step)))


def _record(session: Session, registration_id: int, target: ApprovalStep, *, approve: bool, last: bool,
            reason: str | None, now: datetime, acting: Acting | None, decided_by_id: int | None) -> None:
    """Record the step's decision (and who acted, when not its approver), then hand the card to the
    next step or void the rest."""
    decided = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == target.id, ApprovalStep.decision == StepDecision.WAITING)
        .values(decision=StepDecision.APPROVED if approve else StepDecision.REJECTED,
                reason=reason, decided_at=now, acting=acting, decided_by_id=decided_by_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:  # the registration row guards the step, so this is a broken invariant
        raise RuntimeError(f"step {target.step} of registration {registration_id} was not waiting")
    if approve and not last:
        session.execute(
            update(ApprovalStep)
            .where(ApprovalStep.registration_id == registration_id, ApprovalStep.step == target.step + 1,
                   ApprovalStep.decision == StepDecision.QUEUED)
            .values(decision=StepDecision.WAITING, reached_at=now)
            .execution_options(synchronize_session=False)
        )
    elif not approve:
        _void_open_steps(session, registration_id)


def _void_open_steps(session: Session, registration_id: int) -> None:
    session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.registration_id == registration_id,
               ApprovalStep.decision.in_((StepDecision.WAITING, StepDecision.QUEUED)))
        .values(decision=StepDecision.VOID)
        .execution_options(synchronize_session=False)
    )


def check_cancellable(*, session: Session, registration_id: int, staff: Staff, today: date) -> Registration:
    """Return the person's own request if they may cancel it now, or raise CancelRefused."""
    reg = _fresh(session, registration_id)
    # Someone else's request looks exactly like a missing one.
    if reg is None or reg.staff_id != staff.id:
        raise CancelRefused(T.NOT_FOUND)
    if reg.status not in LIVE:
        raise CancelRefused(T.NOT_CANCELLABLE.format(status=status_text(reg)))
    if today >= reg.course.start_date:
        # {hr} stays for the handler to fill (RegistrationError.say).
        raise CancelRefused(T.CANCEL_STARTED.format(date=format_date(reg.course.start_date), hr="{hr}"))
    return reg


def cancel(
    *, session: Session, registration_id: int, staff: Staff, now: datetime, today: date | None = None
) -> Cancellation:
    """Cancel a person's pending or approved request before the course starts."""
    today = today or today_bangkok(now)
    # Lock the row first (PostgreSQL): an approval racing with us commits before we read, so the
    # status we report (and whom we tell) is the one we actually cancel, not the one before it.
    session.execute(select(Registration.id).where(Registration.id == registration_id).with_for_update())
    reg = check_cancellable(session=session, registration_id=registration_id, staff=staff, today=today)
    was = reg.status
    won = session.execute(
        update(Registration)
        .where(Registration.id == reg.id, Registration.staff_id == staff.id, Registration.status.in_(LIVE))
        .values(status=RegStatus.CANCELLED, cancelled_at=now, report_due_on=None)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        fresh = _fresh(session, registration_id)
        assert fresh is not None
        raise CancelRefused(T.NOT_CANCELLABLE.format(status=status_text(fresh)))
    # Read who holds the request only now: an approval committed a moment ago may have moved it on.
    holder_step = session.scalar(
        select(ApprovalStep)
        .where(ApprovalStep.registration_id == reg.id, ApprovalStep.decision == StepDecision.WAITING)
        .execution_options(populate_existing=True)
    )
    holder = holder_step.approver if holder_step is not None else None
    _void_open_steps(session, reg.id)
    reg = _fresh(session, registration_id)
    assert reg is not None
    audit(session=session, action="registration.cancelled", subject_type="registration", subject_id=reg.id,
          actor_id=staff.id, was=str(was), holder_id=holder.id if holder else None)
    return Cancellation(reg, str(was), holder)
