"""Training requests (คำขอเข้ารับการอบรม) and the approval steps they climb."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Mapped,
    Session,
    aliased,
    joinedload,
    lazyload,
    mapped_column,
    relationship,
    selectinload,
)

from models.audit import audit
from models.base import Base, StrEnumType, utcnow
from models.course import Course
from models.org import DEFAULT_SETTINGS, Staff, hr_officers, supervisor_chain
from thai.dates import format_date


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
    """One staff member's request for one course (one live request per pair)."""

    __tablename__ = "registrations"
    # Unique among live requests: after a cancellation the person may ask again, and the
    # cancelled request stays as it was for the audit trail (migration 0008_flows).
    __table_args__ = (Index("uq_registrations_live_staff_course", "staff_id", "course_id", unique=True,
                            sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),)

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


# How a request is read for the chat (its cards, status lines and decisions): the course and the
# steps with their approvers, in two statements. The course's target types, the approvers' units
# and staff types and a step's stand-in (decided_by) load only if something reads them: loading
# them with every request cost more than the rest of the read.
_STEP_PARTS = (
    joinedload(ApprovalStep.approver).options(lazyload(Staff.unit), lazyload(Staff.staff_type)),
    lazyload(ApprovalStep.decided_by),
)
_STEPS = selectinload(Registration.steps).options(*_STEP_PARTS)
_COURSE = joinedload(Registration.course).lazyload(Course.target_types)
# A request read with its requester (a card to someone else names them and their unit) ...
WITH_REQUESTER = (joinedload(Registration.staff), _COURSE, _STEPS)
# ... and the same in one statement, for a decision racing other taps: on PostgreSQL each
# statement reads its own snapshot, so a second statement for the steps could see them voided
# by a cancellation committed after the request itself was read as still pending.
AT_ONCE = (joinedload(Registration.staff), _COURSE, joinedload(Registration.steps).options(*_STEP_PARTS))
# ... or one of the caller's own requests, whose requester is already in the session.
OWN = (lazyload(Registration.staff), _COURSE, _STEPS)


def report_due(report_due_on: date | None, course_end: date, settings: dict[str, Any]) -> date:
    """Return the day a report is due: frozen on approval, else the course's end + report_due_days.

    The one rule of the due date: approval freezes it with this, and the per-person cards and
    the clock's bulk follow-ups compute it with this from the columns they read.
    """
    if report_due_on is not None:
        return report_due_on
    return course_end + timedelta(days=int(settings.get("report_due_days", DEFAULT_SETTINGS["report_due_days"])))


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
        "กรุณาติดต่อ{hr} เพื่อกำหนดผู้บังคับบัญชาค่ะ"
    )
    ALREADY = "ท่านสมัครหลักสูตรนี้ไว้แล้วค่ะ สถานะ: {status}"
    NOT_FOUND = "ไม่พบคำขอนี้ค่ะ"
    NOT_YOURS = "คำขอนี้ไม่ได้รอการพิจารณาจากท่านค่ะ"
    APPROVED_BY = "คำขอนี้ได้รับการอนุมัติแล้วโดย {name} เมื่อ {when} ค่ะ"
    REJECTED_BY = "คำขอนี้ได้รับการพิจารณาแล้ว: ไม่อนุมัติ โดย {name} เมื่อ {when} ค่ะ"
    CANCELLED_AT = "คำขอนี้ถูกยกเลิกโดยผู้ขอแล้วเมื่อ {when} ค่ะ"
    YOU_DECIDED = "ท่านพิจารณาคำขอนี้แล้ว ({decision}) เมื่อ {when} ขณะนี้{status}ค่ะ"
    NOT_YET = "คำขอนี้ยังไม่ถึงขั้นของท่านค่ะ ขณะนี้{status}ค่ะ"
    NOT_CANCELLABLE = "คำขอนี้{status}จึงยกเลิกไม่ได้ค่ะ"
    CANCEL_STARTED = "หลักสูตรนี้เริ่มอบรมไปแล้วเมื่อ {date} จึงยกเลิกคำขอในแชตไม่ได้ค่ะ กรุณาติดต่อ{hr} ค่ะ"
    # Status phrases, used in lists and in the sentences above.
    S_PENDING = "รอการอนุมัติจาก {name} (ขั้นที่ {step}/{levels})"
    S_APPROVED = "ได้รับอนุมัติแล้ว"
    S_REJECTED = "ไม่อนุมัติ โดย {name}"
    S_CANCELLED = "ยกเลิกแล้ว"
    D_APPROVED = "อนุมัติ"
    D_REJECTED = "ไม่อนุมัติ"
    # Who decided, when it was not the approver (stand-in or HR on their behalf).
    DECIDED_BY = "ขั้นที่ {step} พิจารณาแล้ว ({decision}) โดย {name} เมื่อ {when} ขณะนี้{status}ค่ะ"
    ACTING_FOR = "{name} (รักษาราชการแทน {approver})"
    HR_FOR = "{hr} (แทน {approver})"
    HR_UNIT = "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)"


class RegistrationError(Exception):
    """A request that cannot be made or changed now; str() is a Thai sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.say(DEFAULT_SETTINGS["hr_unit_name"])

    def say(self, hr: str) -> str:
        """Return the sentence with the HR unit named as the organisation's setting says."""
        return self.message.replace("{hr}", hr)


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
        # Only a live request stands in the way: after a cancellation one may ask again.
        super().__init__(T.ALREADY.format(status=status_text(registration)))
        self.registration = registration


@dataclass(frozen=True)
class OpenCourse:
    """A course someone may register for, its seats left (None = unlimited) and their request."""

    course: Course
    seats_left: int | None
    mine: Registration | None = None


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
    # The status test sits in the count, not the WHERE: filtered on status, a database without
    # statistics walks the status index (every pending and approved request of all years) instead
    # of the few rows of these courses.
    rows = session.execute(
        select(Registration.course_id, func.count().filter(Registration.status.in_(LIVE)))
        .where(Registration.course_id.in_(course_ids))
        .group_by(Registration.course_id)
    )
    return {course_id: count for course_id, count in rows if count}


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
            select(Registration).where(Registration.staff_id == staff.id, Registration.course_id.in_(ids),
                                       Registration.status != RegStatus.CANCELLED).options(*OWN)
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
    # A cancelled request does not stand in the way: the person may ask again (0008_flows).
    existing = session.scalar(
        select(Registration)
        .where(Registration.staff_id == staff.id, Registration.course_id == course.id,
               Registration.status != RegStatus.CANCELLED)
        .options(*OWN)
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
    if session.get_bind().dialect.name != "sqlite":
        # Lock the course row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so
        # two people taking the last seat at once queue here and the second one counts the first.
        session.execute(select(Course.id).where(Course.id == course.id).with_for_update())
    _check_can_register(session, staff, course, today)
    levels = int(course.approval_levels or settings.get("default_approval_levels") or 1)
    approvers = approvers_for(session=session, staff=staff, levels=levels)
    # Built with its steps, requester and course in hand: the caller's cards read them from here
    # instead of reading the new rows back.
    reg = Registration(
        staff_id=staff.id, course_id=course.id, status=RegStatus.PENDING,
        reason=(reason or "").strip()[:REASON_MAX], approval_levels=len(approvers),
        current_step=1, created_at=now, staff=staff, course=course,
        steps=[ApprovalStep(step=number, approver=approver,
                            decision=StepDecision.WAITING if number == 1 else StepDecision.QUEUED,
                            reached_at=now if number == 1 else None)
               for number, approver in enumerate(approvers, start=1)],
    )
    try:
        # The unique (staff, course) index among live requests is the last guard; a savepoint keeps the
        # caller's transaction usable when it fires.
        with session.begin_nested():
            session.add(reg)
            session.flush()
    except IntegrityError:
        existing = session.scalar(
            select(Registration).where(Registration.staff_id == staff.id, Registration.course_id == course.id,
                                       Registration.status != RegStatus.CANCELLED)
        )
        if existing is None:
            raise
        raise AlreadyRegistered(existing) from None
    audit(session=session, action="registration.requested", subject_type="registration", subject_id=reg.id,
          actor_id=staff.id, course_id=course.id, reason=reg.reason,
          approvers=[a.id for a in approvers])
    return reg


def requests_of(*, session: Session, staff: Staff) -> list[Registration]:
    """Return a person's newest request per course, newest first.

    A request cancelled and filed again is one line in the chat; the older row stays in the audit
    trail and in HR's console.
    """
    return list(session.scalars(_REQUESTS_OF, {"staff_id": staff.id}))


# Built once (a new alias per call rebuilds the table's column collection: a millisecond an event).
_NEWER = aliased(Registration)
_REQUESTS_OF = (
    select(Registration)
    .where(Registration.staff_id == bindparam("staff_id"),
           ~select(_NEWER.id).where(_NEWER.staff_id == Registration.staff_id, _NEWER.course_id == Registration.course_id,
                                    _NEWER.id > Registration.id).exists())
    .order_by(Registration.created_at.desc(), Registration.id.desc())
    .options(*OWN)
)
