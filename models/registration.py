"""Training requests (คำขอเข้ารับการอบรม) and the approval steps they climb."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.audit import audit
from models.base import Base, StrEnumType, utcnow
from models.course import Course
from models.delegation import acting_approver, acts_for
from models.org import DEFAULT_SETTINGS, Staff, hr_officers, supervisor_chain
from thai.dates import format_date, format_datetime, today_bangkok


class RegStatus(StrEnumType):
    """Where a request stands in the approval chain."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Attendance(StrEnumType):
    """What the participant said about attending, once the course is over."""

    UNKNOWN = "unknown"
    ATTENDED = "attended"
    NOT_ATTENDED = "not_attended"


class StepDecision(StrEnumType):
    """One approver's decision on one step."""

    WAITING = "waiting"  # the current step, its approver has the card
    QUEUED = "queued"  # a later step, not yet reached
    APPROVED = "approved"
    REJECTED = "rejected"
    VOID = "void"  # never reached: rejected or cancelled earlier


class Acting(StrEnumType):
    """Who decided a step when it was not its approver."""

    STAND_IN = "stand_in"  # the approver's stand-in (รักษาราชการแทน), in the chat
    HR = "hr"  # an HR officer in the console, on behalf of an approver who could not be reached


class Registration(Base):
    """One staff member's request for one course (unique per pair)."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("staff_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=RegStatus.PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Frozen when the request is made, so a later settings change does not move a request.
    approval_levels: Mapped[int] = mapped_column(Integer, default=2)
    current_step: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    attendance: Mapped[str] = mapped_column(String(16), default=Attendance.UNKNOWN)
    not_attended_reason: Mapped[str | None] = mapped_column(Text)
    # Set on final approval (course end + REPORT_DUE_DAYS); None = no report owed.
    report_due_on: Mapped[date | None]

    staff: Mapped[Staff] = relationship(lazy="joined")
    course: Mapped[Course] = relationship(lazy="joined")
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="registration", order_by="ApprovalStep.step", lazy="selectin"
    )


class ApprovalStep(Base):
    """Step n of a request: who decides it, what they decided, when and why."""

    __tablename__ = "approval_steps"
    __table_args__ = (UniqueConstraint("registration_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16), default=StepDecision.QUEUED, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    reached_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    # Set when someone other than the approver decided: how (Acting) and, for a stand-in, who.
    acting: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    registration: Mapped[Registration] = relationship(back_populates="steps")
    approver: Mapped[Staff] = relationship(foreign_keys=[approver_id], lazy="joined")
    decided_by: Mapped[Staff | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")


# --- domain operations ---------------------------------------------------------------------------
# Every state change below is a conditional UPDATE whose row count is checked: a double tap, a LINE
# redelivery or two people acting at the same instant change a request once, and only the winner
# goes on to notify anyone. The caller owns the session (one transaction per chat event).

REASON_MAX = 500
LIVE = (RegStatus.PENDING, RegStatus.APPROVED)  # requests that hold a seat


class T:
    """What the domain says when it refuses (shown to the user as it is)."""

    CLOSED = "หลักสูตรนี้ปิดรับสมัครแล้วค่ะ"
    STARTED = "หลักสูตรนี้เริ่มอบรมไปแล้วเมื่อ {date} ค่ะ"
    FULL = "ขออภัยค่ะ หลักสูตรนี้ที่นั่งเต็มแล้ว"
    NOT_ELIGIBLE = "หลักสูตรนี้เปิดรับเฉพาะ {types} ค่ะ ท่านจึงสมัครไม่ได้"
    NO_APPROVER = (
        "ยังไม่พบผู้อนุมัติสำหรับท่านในระบบค่ะ "
        "กรุณาติดต่อเจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) เพื่อกำหนดผู้บังคับบัญชาค่ะ"
    )
    ALREADY = "ท่านสมัครหลักสูตรนี้ไว้แล้วค่ะ สถานะ: {status}"
    ALREADY_CANCELLED = (
        "ท่านเคยยกเลิกคำขอหลักสูตรนี้ไปแล้วค่ะ หากต้องการสมัครอีกครั้ง "
        "กรุณาติดต่อเจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) ค่ะ"
    )
    NOT_FOUND = "ไม่พบคำขอนี้ค่ะ"
    NOT_YOURS = "คำขอนี้ไม่ได้รอการพิจารณาจากท่านค่ะ"
    APPROVED_BY = "คำขอนี้ได้รับการอนุมัติแล้วโดย {name} เมื่อ {when} ค่ะ"
    REJECTED_BY = "คำขอนี้ได้รับการพิจารณาแล้ว: ไม่อนุมัติ โดย {name} เมื่อ {when} ค่ะ"
    CANCELLED_AT = "คำขอนี้ถูกยกเลิกโดยผู้ขอแล้วเมื่อ {when} ค่ะ"
    YOU_DECIDED = "ท่านพิจารณาคำขอนี้แล้ว ({decision}) เมื่อ {when} ขณะนี้{status}ค่ะ"
    NOT_YET = "คำขอนี้ยังไม่ถึงขั้นของท่านค่ะ ขณะนี้{status}ค่ะ"
    NOT_CANCELLABLE = "คำขอนี้{status}จึงยกเลิกไม่ได้ค่ะ"
    CANCEL_STARTED = "หลักสูตรนี้เริ่มอบรมไปแล้วเมื่อ {date} จึงยกเลิกคำขอในแชตไม่ได้ค่ะ กรุณาติดต่อเจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) ค่ะ"
    # Status phrases, used in lists and in the sentences above.
    S_PENDING = "รอการอนุมัติจาก {name} (ขั้นที่ {step}/{levels})"
    S_APPROVED = "ได้รับอนุมัติแล้ว"
    S_REJECTED = "ไม่อนุมัติ โดย {name}"
    S_CANCELLED = "ยกเลิกแล้ว"
    D_APPROVED = "อนุมัติ"
    D_REJECTED = "ไม่อนุมัติ"


class RegistrationError(Exception):
    """A request that cannot be made or changed now; str() is a Thai sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CourseClosed(RegistrationError):
    """Registration deadline passed, course started or withdrawn."""


class CourseFull(RegistrationError):
    """Pending + approved requests already fill the seats."""


class NotEligible(RegistrationError):
    """The person's staff type is not among the course's targets."""


class NoApprover(RegistrationError):
    """Nobody can approve this person's request."""


class AlreadyRegistered(RegistrationError):
    """A request for this (staff, course) exists; .registration is it."""

    def __init__(self, registration: Registration) -> None:
        if registration.status == RegStatus.CANCELLED:
            message = T.ALREADY_CANCELLED
        else:
            message = T.ALREADY.format(status=status_text(registration))
        super().__init__(message)
        self.registration = registration


class DecisionRefused(RegistrationError):
    """A tap that may not change the request now (stale card, wrong person, course started)."""


class CancelRefused(RegistrationError):
    """A cancellation that is not allowed now."""


@dataclass(frozen=True)
class OpenCourse:
    """A course someone may register for, its seats left (None = unlimited) and their request."""

    course: Course
    seats_left: int | None
    mine: Registration | None = None


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


def current_step(reg: Registration) -> ApprovalStep | None:
    """Return the step waiting for a decision, or None when the request is settled."""
    if reg.status != RegStatus.PENDING:
        return None
    return next((s for s in reg.steps if s.step == reg.current_step), None)


def status_text(reg: Registration) -> str:
    """Return the request's status in Thai, naming who holds it while it is pending."""
    if reg.status == RegStatus.PENDING:
        step = current_step(reg)
        name = step.approver.name if step is not None else "-"
        return T.S_PENDING.format(name=name, step=reg.current_step, levels=reg.approval_levels)
    if reg.status == RegStatus.APPROVED:
        return T.S_APPROVED
    if reg.status == RegStatus.REJECTED:
        rejected = next((s for s in reg.steps if s.decision == StepDecision.REJECTED), None)
        return T.S_REJECTED.format(name=rejected.approver.name if rejected else "-")
    return T.S_CANCELLED


def is_open(course: Course, today: date) -> bool:
    """Tell whether a course takes registrations today."""
    return bool(course.active) and today <= course.registration_deadline and today < course.start_date


def seats_taken(*, session: Session, course_ids: list[int]) -> dict[int, int]:
    """Return how many live requests (pending + approved) each course has."""
    if not course_ids:
        return {}
    rows = session.execute(
        select(Registration.course_id, func.count())
        .where(Registration.course_id.in_(course_ids), Registration.status.in_(LIVE))
        .group_by(Registration.course_id)
    )
    return {course_id: count for course_id, count in rows}


def seats_left(*, session: Session, course: Course) -> int | None:
    """Return the seats still free; None when the course has no limit (seats = 0)."""
    if course.seats <= 0:
        return None
    return max(0, course.seats - seats_taken(session=session, course_ids=[course.id]).get(course.id, 0))


def open_courses_for(*, session: Session, staff: Staff, today: date) -> list[OpenCourse]:
    """Return the courses open to a person today, soonest first.

    Open means: active, deadline not passed, not started, the person's staff type among the targets,
    and a seat left. A course the person already asked for stays listed (with their request), so the
    list answers "where is my request" too.
    """
    courses = list(
        session.scalars(
            select(Course)
            .where(Course.active.is_(True), Course.registration_deadline >= today, Course.start_date > today)
            .order_by(Course.start_date, Course.id)
        )
    )
    courses = [c for c in courses if c.is_for(staff.staff_type_id)]
    ids = [c.id for c in courses]
    taken = seats_taken(session=session, course_ids=ids)
    mine = {
        r.course_id: r
        for r in session.scalars(
            select(Registration).where(Registration.staff_id == staff.id, Registration.course_id.in_(ids))
        )
    } if ids else {}
    result: list[OpenCourse] = []
    for c in courses:
        left = None if c.seats <= 0 else max(0, c.seats - taken.get(c.id, 0))
        if left == 0 and c.id not in mine:
            continue
        result.append(OpenCourse(c, left, mine.get(c.id)))
    return result


def approvers_for(*, session: Session, staff: Staff, levels: int) -> list[Staff]:
    """Return who approves a request, in order: the supervisor chain, nearest first.

    The chain stops at the top when it is shorter than `levels`. Inactive people (who left) are
    passed over. A person with no supervisor at all (the chief executive, or a record HR has not
    finished) gets one step decided by an HR officer, never by themselves: the request still has
    a human check and lands where the data can be fixed. With no HR officer either, NoApprover.
    """
    chain = [p for p in supervisor_chain(staff) if p.active][: max(1, levels)]
    if chain:
        return chain
    officers = [p for p in hr_officers(session=session) if p.id != staff.id]
    # Prefer an officer who can receive the card in LINE.
    officers.sort(key=lambda p: (not p.can_receive, p.id))
    if not officers:
        raise NoApprover(T.NO_APPROVER)
    return officers[:1]


def _check_can_register(session: Session, staff: Staff, course: Course, today: date) -> None:
    existing = session.scalar(
        select(Registration)
        .where(Registration.staff_id == staff.id, Registration.course_id == course.id)
        .execution_options(populate_existing=True)
    )
    if existing is not None:
        raise AlreadyRegistered(existing)
    if today >= course.start_date:
        raise CourseClosed(T.STARTED.format(date=format_date(course.start_date)))
    if not is_open(course, today):
        raise CourseClosed(T.CLOSED)
    if not course.is_for(staff.staff_type_id):
        raise NotEligible(T.NOT_ELIGIBLE.format(types=", ".join(t.name for t in course.target_types)))
    if seats_left(session=session, course=course) == 0:
        raise CourseFull(T.FULL)


def check_can_register(*, session: Session, staff: Staff, course: Course, today: date) -> None:
    """Raise the reason a person cannot register for a course now (nothing is changed)."""
    _check_can_register(session, staff, course, today)


def register(
    *,
    session: Session,
    staff: Staff,
    course: Course,
    reason: str,
    today: date,
    settings: dict[str, Any],
    now: datetime | None = None,
) -> Registration:
    """Create a person's request for a course with its approval steps, or raise why not."""
    now = now or utcnow()
    # Lock the course row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so
    # two people taking the last seat at once queue here and the second one counts the first.
    session.execute(select(Course.id).where(Course.id == course.id).with_for_update())
    _check_can_register(session, staff, course, today)
    levels = int(course.approval_levels or settings.get("default_approval_levels") or 1)
    approvers = approvers_for(session=session, staff=staff, levels=levels)
    reg = Registration(
        staff_id=staff.id, course_id=course.id, status=RegStatus.PENDING,
        reason=(reason or "").strip()[:REASON_MAX], approval_levels=len(approvers),
        current_step=1, created_at=now,
    )
    try:
        # The unique (staff, course) constraint is the last guard; a savepoint keeps the
        # caller's transaction usable when it fires.
        with session.begin_nested():
            session.add(reg)
            session.flush()
    except IntegrityError:
        existing = session.scalar(
            select(Registration).where(Registration.staff_id == staff.id, Registration.course_id == course.id)
        )
        if existing is None:
            raise
        raise AlreadyRegistered(existing) from None
    for number, approver in enumerate(approvers, start=1):
        session.add(ApprovalStep(
            registration_id=reg.id, step=number, approver_id=approver.id,
            decision=StepDecision.WAITING if number == 1 else StepDecision.QUEUED,
            reached_at=now if number == 1 else None,
        ))
    session.flush()
    session.refresh(reg)
    audit(session=session, action="registration.requested", subject_type="registration", subject_id=reg.id,
          actor_id=staff.id, course_id=course.id, reason=reg.reason,
          approvers=[a.id for a in approvers])
    return reg


def _fresh_steps(session: Session, registration_id: int) -> list[ApprovalStep]:
    return list(session.scalars(
        select(ApprovalStep)
        .where(ApprovalStep.registration_id == registration_id)
        .order_by(ApprovalStep.step)
        .execution_options(populate_existing=True)
    ))


def _fresh(session: Session, registration_id: int) -> Registration | None:
    reg = session.scalar(
        select(Registration).where(Registration.id == registration_id).execution_options(populate_existing=True)
    )
    if reg is not None:
        _fresh_steps(session, registration_id)  # refresh the collection's members in the identity map
        session.refresh(reg, attribute_names=["steps"])
    return reg


def explain(reg: Registration, step: ApprovalStep | None = None) -> str:
    """Say why a request cannot be decided at a step any more (already decided, cancelled ...)."""
    if reg.status == RegStatus.APPROVED:
        last = max((s for s in reg.steps if s.decision == StepDecision.APPROVED), key=lambda s: s.step, default=None)
        return T.APPROVED_BY.format(name=last.approver.name if last else "-",
                                    when=format_datetime(reg.decided_at or utcnow()))
    if reg.status == RegStatus.REJECTED:
        rejected = next((s for s in reg.steps if s.decision == StepDecision.REJECTED), None)
        return T.REJECTED_BY.format(name=rejected.approver.name if rejected else "-",
                                    when=format_datetime(reg.decided_at or utcnow()))
    if reg.status == RegStatus.CANCELLED:
        return T.CANCELLED_AT.format(when=format_datetime(reg.cancelled_at or utcnow()))
    if step is not None and step.decision in (StepDecision.APPROVED, StepDecision.REJECTED):
        decision = T.D_APPROVED if step.decision == StepDecision.APPROVED else T.D_REJECTED
        return T.YOU_DECIDED.format(decision=decision, when=format_datetime(step.decided_at or utcnow()),
                                    status=status_text(reg))
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
    return _record(session, reg, target, approve=approve, reason=reason, now=now, settings=settings or {},
                   acting=Acting.STAND_IN if standing_in else None,
                   decided_by=approver if standing_in else None, actor_id=approver.id, admin_id=None, detail={})


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
    return _record(session, reg, target, approve=approve, reason=reason, now=now, settings=settings or {},
                   acting=Acting.HR, decided_by=None, actor_id=actor_id, admin_id=admin_id,
                   detail={"on_behalf_of": target.approver_id, "by": by})


def _record(
    session: Session, reg: Registration, target: ApprovalStep, *, approve: bool, reason: str | None,
    now: datetime, settings: dict[str, Any], acting: Acting | None, decided_by: Staff | None,
    actor_id: int | None, admin_id: int | None, detail: dict[str, Any],
) -> Decision:
    """Apply a decision with conditional updates (the winner goes on); raise DecisionRefused if it lost."""
    step = target.step
    reason = (reason or "").strip()[:REASON_MAX] or None
    last = step >= reg.approval_levels
    values: dict[str, Any]
    if not approve:
        values = {"status": RegStatus.REJECTED, "decided_at": now}
    elif last:
        due_days = int(settings.get("report_due_days", DEFAULT_SETTINGS["report_due_days"]))
        values = {"status": RegStatus.APPROVED, "decided_at": now,
                  "report_due_on": reg.course.end_date + timedelta(days=due_days)}
    else:
        values = {"current_step": step + 1}
    won = session.execute(
        update(Registration)
        .where(Registration.id == reg.id, Registration.status == RegStatus.PENDING,
               Registration.current_step == step)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        # Another tap (or the requester's cancellation) got there first; say what it did.
        fresh = _fresh(session, reg.id)
        assert fresh is not None
        raise DecisionRefused(explain(fresh, next(s for s in fresh.steps if s.step == step)))
    decided = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == target.id, ApprovalStep.decision == StepDecision.WAITING)
        .values(decision=StepDecision.APPROVED if approve else StepDecision.REJECTED,
                reason=reason, decided_at=now, acting=acting,
                decided_by_id=decided_by.id if decided_by is not None else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:  # the registration row guards the step, so this is a broken invariant
        raise RuntimeError(f"step {step} of registration {reg.id} was not waiting")
    if approve and not last:
        session.execute(
            update(ApprovalStep)
            .where(ApprovalStep.registration_id == reg.id, ApprovalStep.step == step + 1,
                   ApprovalStep.decision == StepDecision.QUEUED)
            .values(decision=StepDecision.WAITING, reached_at=now)
            .execution_options(synchronize_session=False)
        )
    elif not approve:
        _void_open_steps(session, reg.id)
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
        raise CancelRefused(T.CANCEL_STARTED.format(date=format_date(reg.course.start_date)))
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


def waiting_for(*, session: Session, approver: Staff, today: date | None = None) -> list[tuple[Registration, ApprovalStep]]:
    """Return the requests waiting for this approver's (or, as stand-in, for them) decision, oldest first.

    With `today`, requests for courses that have started are left out: they can no longer be decided.
    """
    # Their own steps, and those of approvers they stand in for today (the delegation rule).
    acting = acting_approver(ApprovalStep.approver_id, today or today_bangkok())
    stmt = (
        select(ApprovalStep)
        .join(Registration, Registration.id == ApprovalStep.registration_id)
        .where(or_(ApprovalStep.approver_id == approver.id, acting == approver.id),
               ApprovalStep.decision == StepDecision.WAITING,
               Registration.status == RegStatus.PENDING, Registration.current_step == ApprovalStep.step)
        .order_by(ApprovalStep.reached_at, ApprovalStep.id)
    )
    if today is not None:
        stmt = stmt.join(Course, Course.id == Registration.course_id).where(Course.start_date > today)
    return [(s.registration, s) for s in session.scalars(stmt)]


def requests_of(*, session: Session, staff: Staff) -> list[Registration]:
    """Return a person's requests, newest first."""
    return list(session.scalars(
        select(Registration).where(Registration.staff_id == staff.id)
        .order_by(Registration.created_at.desc(), Registration.id.desc())
    ))
