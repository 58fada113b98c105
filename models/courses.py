"""Running courses from the console: add, edit, close registration, cancel; lists per fiscal year.

Domain operations only (no Flask, no LINE); the caller owns the session and tells people what
an operation returns (cancelled participants, card holders) through the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models.audit import audit
from models.course import COURSE_KINDS, POLICY_AREAS, Course
from models.delegation import acting_approver
from models.org import Staff, StaffType
from models.plan import PlanActivity
from models.registration import (
    LIVE,
    ApprovalStep,
    Registration,
    RegStatus,
    StepDecision,
    current_step,
    seats_taken,
)
from models.report import Report
from models.reports import ReportState, report_state
from thai.dates import fiscal_year, fiscal_year_bounds, format_date

TITLE_MAX, CODE_MAX, TEXT_MAX = 300, 40, 200
HOURS_MAX = 99999  # Course.hours is Numeric(6, 1)


class T:
    """What the domain says when it refuses (shown to HR as it is)."""

    CODE = "กรุณากรอกรหัสหลักสูตรค่ะ"
    CODE_LONG = "รหัสหลักสูตรยาวเกิน {max} ตัวอักษรค่ะ"
    CODE_TAKEN = "รหัสหลักสูตร {code} มีอยู่แล้วค่ะ"
    TITLE = "กรุณากรอกชื่อหลักสูตรค่ะ"
    TITLE_LONG = "ชื่อหลักสูตรยาวเกิน {max} ตัวอักษรค่ะ"
    TEXT_LONG = "{label}ยาวเกิน {max} ตัวอักษรค่ะ"
    KIND = "ประเภทหลักสูตรไม่ถูกต้องค่ะ"
    POLICY = "ด้านนโยบายไม่ถูกต้องค่ะ"
    ENDS_FIRST = "วันสิ้นสุดการอบรมต้องไม่ก่อนวันเริ่มค่ะ"
    DEADLINE_LATE = "วันปิดรับสมัครต้องไม่หลังวันเริ่มอบรมค่ะ"
    NEGATIVE = "{label}ต้องไม่ติดลบค่ะ"
    LEVELS = "จำนวนขั้นการอนุมัติต้องอยู่ระหว่าง 1 ถึง 5 ค่ะ"
    SEATS_BELOW = "มีผู้สมัครอยู่แล้ว {taken} คน จำนวนที่นั่งจึงต้องไม่น้อยกว่านี้ค่ะ"
    TYPES = "ประเภทบุคลากรที่เลือกไม่ถูกต้องค่ะ"
    NOT_FOUND = "ไม่พบหลักสูตรนี้ค่ะ"
    CANCELLED = "หลักสูตรนี้ถูกยกเลิกแล้วค่ะ"
    ALREADY_CLOSED = "หลักสูตรนี้ปิดรับสมัครแล้วค่ะ"
    ENDED = "หลักสูตรนี้อบรมเสร็จแล้วเมื่อ {date} จึงยกเลิกไม่ได้ค่ะ"
    L_ORGANIZER, L_VENUE = "หน่วยงานผู้จัด", "สถานที่"
    L_SEATS, L_FEE, L_BUDGET = "จำนวนที่นั่ง", "ค่าลงทะเบียน", "งบประมาณ"
    L_HOURS = "จำนวนชั่วโมง"
    HOURS_MAX = "จำนวนชั่วโมงต้องไม่เกิน {max:,} ชั่วโมงค่ะ"
    ACTIVITY = "กิจกรรมตามแผนที่เลือกไม่อยู่ในแผนปีงบประมาณ {fy} ของหลักสูตรนี้ค่ะ"


class CourseError(ValueError):
    """A course change that is refused; .problems are Thai sentences for HR."""

    def __init__(self, *problems: str) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)


@dataclass
class CourseInput:
    """What HR typed for a course, already read into values (dates parsed, amounts as Decimal)."""

    code: str
    title: str
    start_date: date
    end_date: date
    registration_deadline: date
    kind: str = "ฝึกอบรม"
    organizer: str = ""
    venue: str = ""
    start_time: time | None = None
    seats: int = 0
    fee: Decimal = Decimal("0")
    budget: Decimal = Decimal("0")
    policy_area: str = "การพัฒนาทรัพยากรบุคคล"
    approval_levels: int | None = None
    description: str = ""
    target_type_ids: list[int] = field(default_factory=list)
    hours: Decimal | None = None  # None: not recorded
    activity_id: int | None = None  # the HR-plan activity of the course's fiscal year

    @classmethod
    def of(cls, course: Course) -> CourseInput:
        """Return the input that would rebuild a stored course (to fill the edit form)."""
        return cls(code=course.code, title=course.title, start_date=course.start_date, end_date=course.end_date,
                   registration_deadline=course.registration_deadline, kind=course.kind,
                   organizer=course.organizer, venue=course.venue, start_time=course.start_time,
                   seats=course.seats, fee=Decimal(course.fee), budget=Decimal(course.budget),
                   policy_area=course.policy_area, approval_levels=course.approval_levels,
                   description=course.description, target_type_ids=[t.id for t in course.target_types],
                   hours=course.hours, activity_id=course.activity_id)


def _problems(data: CourseInput) -> list[str]:
    problems: list[str] = []
    if not data.code.strip():
        problems.append(T.CODE)
    elif len(data.code.strip()) > CODE_MAX:
        problems.append(T.CODE_LONG.format(max=CODE_MAX))
    if not data.title.strip():
        problems.append(T.TITLE)
    elif len(data.title.strip()) > TITLE_MAX:
        problems.append(T.TITLE_LONG.format(max=TITLE_MAX))
    for label, value in ((T.L_ORGANIZER, data.organizer), (T.L_VENUE, data.venue)):
        if len(value.strip()) > TEXT_MAX:
            problems.append(T.TEXT_LONG.format(label=label, max=TEXT_MAX))
    if data.kind not in COURSE_KINDS:
        problems.append(T.KIND)
    if data.policy_area not in POLICY_AREAS:
        problems.append(T.POLICY)
    if data.end_date < data.start_date:
        problems.append(T.ENDS_FIRST)
    if data.registration_deadline > data.start_date:
        problems.append(T.DEADLINE_LATE)
    for label, number in ((T.L_SEATS, data.seats), (T.L_FEE, data.fee), (T.L_BUDGET, data.budget)):
        if number < 0:
            problems.append(T.NEGATIVE.format(label=label))
    if data.approval_levels is not None and not 1 <= data.approval_levels <= 5:
        problems.append(T.LEVELS)
    if data.hours is not None and data.hours < 0:
        problems.append(T.NEGATIVE.format(label=T.L_HOURS))
    elif data.hours is not None and data.hours > HOURS_MAX:
        problems.append(T.HOURS_MAX.format(max=HOURS_MAX))
    return problems


def _apply(session: Session, course: Course, data: CourseInput) -> None:
    types = _types(session, data)
    course.code, course.title = data.code.strip(), data.title.strip()
    course.kind, course.organizer, course.venue = data.kind, data.organizer.strip(), data.venue.strip()
    course.start_date, course.end_date, course.start_time = data.start_date, data.end_date, data.start_time
    course.registration_deadline, course.seats = data.registration_deadline, data.seats
    course.fee, course.budget, course.policy_area = data.fee, data.budget, data.policy_area
    course.approval_levels, course.description = data.approval_levels, data.description.strip()
    course.target_types = types
    course.hours = None if data.hours is None else data.hours.quantize(Decimal("0.1"))
    course.activity_id = data.activity_id


def _types(session: Session, data: CourseInput) -> list[StaffType]:
    """Return the chosen staff types, or raise CourseError if one does not exist (before any change)."""
    wanted = set(data.target_type_ids)
    types = list(session.scalars(select(StaffType).where(StaffType.id.in_(wanted)))) if wanted else []
    if len(types) != len(wanted):
        raise CourseError(T.TYPES)
    return types


def _check_activity(session: Session, data: CourseInput) -> None:
    """Refuse an activity that does not exist or belongs to another fiscal year than the course's."""
    if data.activity_id is None:
        return
    fy = fiscal_year(data.start_date)
    activity = session.get(PlanActivity, data.activity_id)
    if activity is None or activity.fiscal_year != fy:
        raise CourseError(T.ACTIVITY.format(fy=fy))


def _check_code(session: Session, code: str, course_id: int | None) -> None:
    clash = session.scalar(select(Course.id).where(Course.code == code.strip()))
    if clash is not None and clash != course_id:
        raise CourseError(T.CODE_TAKEN.format(code=code.strip()))


def add_course(*, session: Session, data: CourseInput, by: str, actor_id: int | None = None,
               admin_id: int | None = None) -> Course:
    """Create a course, or raise CourseError with every problem found."""
    problems = _problems(data)
    if problems:
        raise CourseError(*problems)
    _check_code(session, data.code, None)
    _types(session, data)
    _check_activity(session, data)
    course = Course(code=data.code.strip(), title=data.title.strip(), start_date=data.start_date,
                    end_date=data.end_date, registration_deadline=data.registration_deadline)
    _apply(session, course, data)
    session.add(course)
    session.flush()
    audit(session=session, action="course.added", subject_type="course", subject_id=course.id,
          actor_id=actor_id, admin_id=admin_id, by=by, code=course.code)
    return course


def get_course(*, session: Session, course_id: int) -> Course:
    """Return a course, or raise CourseError when there is none."""
    course = session.get(Course, course_id)
    if course is None:
        raise CourseError(T.NOT_FOUND)
    return course


@dataclass(frozen=True)
class CourseUpdate:
    """A changed course, and how many approved requests' report due dates moved with its end."""

    course: Course
    report_due_moved: int


def update_course(*, session: Session, course_id: int, data: CourseInput, by: str,
                  actor_id: int | None = None, admin_id: int | None = None) -> CourseUpdate:
    """Change a course (not a cancelled one), or raise CourseError with every problem found."""
    course = get_course(session=session, course_id=course_id)
    if not course.active:
        raise CourseError(T.CANCELLED)
    problems = _problems(data)
    taken = seats_taken(session=session, course_ids=[course.id]).get(course.id, 0)
    if data.seats > 0 and data.seats < taken:
        problems.append(T.SEATS_BELOW.format(taken=taken))
    if problems:
        raise CourseError(*problems)
    _check_code(session, data.code, course.id)
    _types(session, data)
    _check_activity(session, data)
    before = {"start_date": course.start_date.isoformat(), "end_date": course.end_date.isoformat(),
              "registration_deadline": course.registration_deadline.isoformat(), "seats": course.seats}
    old_end = course.end_date
    _apply(session, course, data)
    moved = follow_course_end(session=session, course=course, old_end=old_end)
    session.flush()
    audit(session=session, action="course.updated", subject_type="course", subject_id=course.id,
          actor_id=actor_id, admin_id=admin_id, by=by, before=before, report_due_moved=moved)
    return CourseUpdate(course, moved)


def follow_course_end(*, session: Session, course: Course, old_end: date) -> int:
    """Move the frozen report due dates of a course whose end moved, by as many days; return how many.

    Approval freezes a request's due date (models.registration.report_due); a course put off
    by a week must not have the bot chase reports for training that has not happened yet.
    """
    shift = course.end_date - old_end
    if not shift:
        return 0
    regs = session.scalars(select(Registration).where(Registration.course_id == course.id,
                                                      Registration.report_due_on.is_not(None))).all()
    for reg in regs:
        assert reg.report_due_on is not None
        reg.report_due_on = reg.report_due_on + shift
    return len(regs)


def close_registration(*, session: Session, course_id: int, today: date, by: str,
                       actor_id: int | None = None, admin_id: int | None = None) -> Course:
    """Stop taking registrations now: the deadline becomes yesterday (every open-course rule reads it)."""
    course = get_course(session=session, course_id=course_id)
    yesterday = today - timedelta(days=1)
    won = session.execute(
        update(Course)
        .where(Course.id == course_id, Course.active.is_(True), Course.registration_deadline >= today)
        .values(registration_deadline=yesterday)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    session.refresh(course)
    if not won:
        raise CourseError(T.CANCELLED if not course.active else T.ALREADY_CLOSED)
    audit(session=session, action="course.registration_closed", subject_type="course", subject_id=course.id,
          actor_id=actor_id, admin_id=admin_id, by=by)
    return course


@dataclass(frozen=True)
class CourseCancellation:
    """What cancelling a course did: whose requests it cancelled, and who held a card for them."""

    course: Course
    registrations: list[Registration]
    holders: list[tuple[Registration, Staff]]  # (request, the person acting on its waiting step today)


def cancel_course(*, session: Session, course_id: int, today: date, now: datetime, by: str,
                  actor_id: int | None = None, admin_id: int | None = None) -> CourseCancellation:
    """Withdraw a course and cancel its live requests (once, however often it is submitted)."""
    course = get_course(session=session, course_id=course_id)
    if course.end_date < today:
        raise CourseError(T.ENDED.format(date=format_date(course.end_date)))
    won = session.execute(
        update(Course).where(Course.id == course_id, Course.active.is_(True)).values(active=False)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not won:
        raise CourseError(T.CANCELLED)
    # Who holds a card is read before the steps are voided; the stand-in rule says who acts today.
    holders_of = dict(session.execute(
        select(ApprovalStep.registration_id, acting_approver(ApprovalStep.approver_id, today))
        .join(Registration, Registration.id == ApprovalStep.registration_id)
        .where(Registration.course_id == course_id, Registration.status == RegStatus.PENDING,
               ApprovalStep.decision == StepDecision.WAITING)
    ).all())
    ids = list(session.scalars(
        update(Registration)
        .where(Registration.course_id == course_id, Registration.status.in_(LIVE))
        .values(status=RegStatus.CANCELLED, cancelled_at=now, report_due_on=None)
        .returning(Registration.id)
        .execution_options(synchronize_session=False)
    ))
    if ids:
        session.execute(
            update(ApprovalStep)
            .where(ApprovalStep.registration_id.in_(ids),
                   ApprovalStep.decision.in_((StepDecision.WAITING, StepDecision.QUEUED)))
            .values(decision=StepDecision.VOID)
            .execution_options(synchronize_session=False)
        )
    session.refresh(course)
    regs = list(session.scalars(
        select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id)
        .execution_options(populate_existing=True)
    ).unique()) if ids else []
    people = {p.id: p for p in session.scalars(select(Staff).where(Staff.id.in_(set(holders_of.values()))))}
    holders = [(r, people[holders_of[r.id]]) for r in regs if holders_of.get(r.id) in people]
    audit(session=session, action="course.cancelled", subject_type="course", subject_id=course.id,
          actor_id=actor_id, admin_id=admin_id, by=by, registrations=ids)
    for reg in regs:
        audit(session=session, action="registration.course_cancelled", subject_type="registration",
              subject_id=reg.id, actor_id=actor_id, admin_id=admin_id, by=by, course_id=course.id)
    return CourseCancellation(course, regs, holders)


# --- lists ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseRow:
    """One course in the fiscal-year list."""

    course: Course
    taken: int
    left: int | None  # None: no seat limit
    open: bool


def fiscal_years(*, session: Session, today: date) -> list[int]:
    """Return the BE fiscal years that have courses, and the current one, newest first."""
    first, last = session.execute(select(func.min(Course.start_date), func.max(Course.start_date))).one()
    years = {fiscal_year(today)}
    if first is not None and last is not None:
        years.update(range(fiscal_year(first), fiscal_year(last) + 1))
    return sorted(years, reverse=True)


def courses_of_year(*, session: Session, fy: int, today: date) -> list[CourseRow]:
    """Return the courses starting in a BE fiscal year, by start date, with seats taken and left."""
    start, end = fiscal_year_bounds(fy)
    courses = list(session.scalars(
        select(Course).where(Course.start_date >= start, Course.start_date <= end)
        .order_by(Course.start_date, Course.id)
    ))
    taken = seats_taken(session=session, course_ids=[c.id for c in courses])
    rows = []
    for c in courses:
        n = taken.get(c.id, 0)
        left = None if c.seats <= 0 else max(0, c.seats - n)
        rows.append(CourseRow(c, n, left, bool(c.active) and today <= c.registration_deadline
                              and today < c.start_date))
    return rows


@dataclass(frozen=True)
class Participant:
    """One request of a course as the participants page shows it."""

    registration: Registration
    step: ApprovalStep | None  # the waiting step, while pending
    acting: Staff | None  # who acts on that step today (the approver, or their stand-in)
    report: Report | None
    state: ReportState


def participants(*, session: Session, course_id: int, today: date, settings: dict[str, Any]) -> list[Participant]:
    """Return a course's requests in the order they came, with step, attendance and report state."""
    regs = list(session.scalars(
        select(Registration).where(Registration.course_id == course_id)
        .order_by(Registration.created_at, Registration.id)
    ).unique())
    ids = [r.id for r in regs]
    reports = {r.registration_id: r for r in session.scalars(
        select(Report).where(Report.registration_id.in_(ids))).unique()} if ids else {}
    acting_ids = dict(session.execute(
        select(ApprovalStep.id, acting_approver(ApprovalStep.approver_id, today))
        .where(ApprovalStep.registration_id.in_(ids), ApprovalStep.decision == StepDecision.WAITING)
    ).all()) if ids else {}
    people = {p.id: p for p in session.scalars(select(Staff).where(Staff.id.in_(set(acting_ids.values()))))}
    rows = []
    for reg in regs:
        step = current_step(reg)
        acting = people.get(acting_ids.get(step.id, -1)) if step is not None else None
        report = reports.get(reg.id)
        rows.append(Participant(reg, step, acting, report, report_state(reg, report, today=today,
                                                                        settings=settings)))
    return rows
