"""The clock's jobs: each plans what to tell whom and writes it to the outbox, nothing else.

A job is `fn(*, session, now, codec, settings) -> counts`. It reads with a fixed number of bulk
queries (never one per person) and writes every message in one statement (scheduler.bulk), each
with a unique dedup_key "kind:subject:recipient:period", so a rerun, a restart or a second clock
writes nothing twice. Delivery happens after commit (scheduler.clock).

People who cannot receive a push (inactive, not linked, unfollowed) are skipped; the optional
course announcements also skip those who turned them off (Staff.announcements). Follow-ups of
owed reports and waiting approvals go to everyone who can receive them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from handlers.kit.postback import PostbackCodec
from models.course import Course, course_target_types
from models.org import ROLE_HR, Staff, Unit
from models.registration import ApprovalStep, Attendance, Registration, RegStatus, StepDecision
from models.report import Report, ReportStatus
from scheduler import bulk
from scheduler import messages as msg
from scheduler.calendar import WorkCalendar
from scheduler.triggers import MonthlyTrigger
from thai.dates import to_bangkok, today_bangkok
from thai.names import full_name

Counts = dict[str, int]
Job = Callable[..., Counts]


def _can_receive(person: Any) -> Any:
    """SQL condition: the person can receive a push (Staff.can_receive)."""
    return and_(person.active.is_(True), person.line_user_id.is_not(None), person.reachable.is_(True))


# --- owed reports, for everyone at once ------------------------------------------------------


@dataclass(frozen=True)
class OwedRow:
    """One owed report with what the reminders need about its owner and their supervisor."""

    registration_id: int
    staff_id: int
    name: str
    unit: str | None
    line_user_id: str | None  # None when the owner cannot receive a push
    supervisor_id: int | None
    supervisor_line_user_id: str | None  # None when the supervisor cannot receive a push
    course_title: str
    due: date
    overdue_days: int


def owed_reports_all(*, session: Session, today: date, settings: Mapping[str, Any]) -> list[OwedRow]:
    """Return every owed report of every active staff member in one query, by staff then due date.

    Owed: approved, the course ended before today, attendance not "not_attended", and no report
    that is submitted or acknowledged (a revision request makes it owed again). Due date:
    registration.report_due_on, else the course's end + report_due_days.
    """
    supervisor = aliased(Staff)
    stmt = (
        select(
            Registration.id, Registration.staff_id, Registration.report_due_on,
            Course.title, Course.end_date,
            Staff.title, Staff.first_name, Staff.last_name, Staff.line_user_id, Staff.reachable,
            Unit.name,
            supervisor.id, supervisor.line_user_id, supervisor.active, supervisor.reachable,
        )
        .join(Course, Course.id == Registration.course_id)
        .join(Staff, Staff.id == Registration.staff_id)
        .outerjoin(Unit, Unit.id == Staff.unit_id)
        .outerjoin(supervisor, supervisor.id == Staff.supervisor_id)
        .outerjoin(Report, Report.registration_id == Registration.id)
        .where(
            Registration.status == RegStatus.APPROVED,
            Registration.attendance != Attendance.NOT_ATTENDED,
            Course.end_date < today,
            Staff.active.is_(True),
            or_(Report.id.is_(None), Report.status.not_in([ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED])),
        )
        .order_by(Registration.staff_id, Registration.id)
    )
    due_days = timedelta(days=int(settings.get("report_due_days", 15)))
    rows = []
    for (reg_id, staff_id, due_on, course_title, end_date, title, first, last, line_id, reachable, unit,
         sup_id, sup_line, sup_active, sup_reachable) in session.execute(stmt):
        due = due_on or end_date + due_days
        rows.append(OwedRow(
            registration_id=reg_id, staff_id=staff_id, name=full_name(title, first, last), unit=unit,
            line_user_id=line_id if reachable else None,
            supervisor_id=sup_id,
            supervisor_line_user_id=sup_line if (sup_line and sup_active and sup_reachable) else None,
            course_title=course_title, due=due, overdue_days=(today - due).days,
        ))
    rows.sort(key=lambda r: (r.staff_id, r.due, r.registration_id))
    return rows


def hr_line_ids(*, session: Session) -> list[str]:
    """Return the LINE ids of the HR officers who can receive a push, in staff order."""
    # A text match narrows the rows in SQL on both databases; has_role confirms it exactly.
    stmt = (
        select(Staff.line_user_id, Staff.roles)
        .where(_can_receive(Staff), cast(Staff.roles, String).like(f'%"{ROLE_HR}"%'))
        .order_by(Staff.id)
    )
    return [line_id for line_id, roles in session.execute(stmt) if ROLE_HR in (roles or [])]


# --- the monthly follow-up ---------------------------------------------------------------------


def followup_period(today: date, settings: Mapping[str, Any]) -> str:
    """Return the month whose follow-up goes out today ("2027-01"); today's month otherwise."""
    return MonthlyTrigger.from_settings(settings).period_of(today) or f"{today:%Y-%m}"


def monthly_followup(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Tell every staff member with owed reports what they owe (one message), and HR the summary."""
    today = today_bangkok(now)
    period = followup_period(today, settings)
    owed = owed_reports_all(session=session, today=today, settings=settings)
    counts: Counter[str] = Counter(owed_reports=len(owed))

    planned: list[bulk.Planned] = []
    by_staff: dict[int, list[OwedRow]] = {}
    for item in owed:
        by_staff.setdefault(item.staff_id, []).append(item)
    for staff_id, items in by_staff.items():
        line_id = items[0].line_user_id
        if line_id is None:
            counts["staff_unreachable"] += 1
            continue
        listed = [msg.OwedItem(i.registration_id, i.course_title, i.due, i.overdue_days) for i in items]
        planned.append(bulk.push(line_id, [msg.followup_message(codec, listed, today)],
                                 f"followup:owed:{staff_id}:{period}"))
        counts["followup_staff"] += 1

    hr = hr_line_ids(session=session)
    if hr:
        lines = [msg.SummaryLine(i.unit, i.name, i.course_title, i.due, i.overdue_days > 0) for i in owed]
        summary = msg.hr_summary_message(period, today, lines)
        planned.extend(bulk.multicast(hr, [summary], f"followup:summary:hr:{period}"))
        counts["followup_hr"] = len(hr)

    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)


# --- the working-day reminders -----------------------------------------------------------------


def daily_reminders(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Write the working-day reminders: closing courses, training next, reports due and overdue, waiting decisions."""
    today = today_bangkok(now)
    cal = WorkCalendar.from_settings(settings)
    counts: Counter[str] = Counter()
    planned: list[bulk.Planned] = []
    planned += _closing_soon(session, today, codec, settings, counts)
    planned += _starting_next(session, today, cal, counts)
    planned += _report_deadlines(session, today, codec, settings, counts)
    planned += _waiting_decisions(session, today, cal, codec, settings, counts)
    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)


def _closing_soon(session: Session, today: date, codec: PostbackCodec, settings: Mapping[str, Any],
                  counts: Counter[str]) -> list[bulk.Planned]:
    """Announce, once per course, that registration closes within closing_soon_days."""
    # A window rather than one exact day: the job runs on working days only, so a deadline
    # three days after a Saturday is announced on the first working day inside the window.
    horizon = today + timedelta(days=int(settings.get("closing_soon_days", 3)))
    courses = session.execute(
        select(Course.id, Course.title, Course.start_date, Course.end_date, Course.registration_deadline)
        .where(Course.active.is_(True), Course.registration_deadline >= today,
               Course.registration_deadline <= horizon, Course.start_date > today)
        .order_by(Course.id)
    ).all()
    if not courses:
        return []
    ids = [c.id for c in courses]
    targets: dict[int, set[int]] = {}
    for course_id, type_id in session.execute(
        select(course_target_types.c.course_id, course_target_types.c.staff_type_id)
        .where(course_target_types.c.course_id.in_(ids))
    ):
        targets.setdefault(course_id, set()).add(type_id)
    registered: dict[int, set[int]] = {}
    for course_id, staff_id in session.execute(
        select(Registration.course_id, Registration.staff_id).where(Registration.course_id.in_(ids))
    ):
        registered.setdefault(course_id, set()).add(staff_id)
    audience = session.execute(
        select(Staff.id, Staff.staff_type_id, Staff.line_user_id)
        .where(_can_receive(Staff), Staff.announcements.is_(True))
        .order_by(Staff.id)
    ).all()

    planned: list[bulk.Planned] = []
    for course in courses:
        wanted, taken = targets.get(course.id), registered.get(course.id, set())
        to = [p.line_user_id for p in audience
              if p.id not in taken and (not wanted or p.staff_type_id in wanted)]
        if not to:
            continue
        message = msg.closing_message(codec, course.id, course.title, course.start_date, course.end_date,
                                      course.registration_deadline)
        planned += bulk.multicast(to, [message], f"closing:course{course.id}:eligible:{course.registration_deadline}")
        counts["closing"] += len(to)
    return planned


def _starting_next(session: Session, today: date, cal: WorkCalendar, counts: Counter[str]) -> list[bulk.Planned]:
    """Remind the approved participants of courses that start before the next working day is over."""
    # On a Friday this covers Saturday to Monday: the job does not run on the days between.
    until = cal.next_working_day(today)
    rows = session.execute(
        select(Course.id, Course.title, Course.start_date, Course.end_date, Course.start_time, Course.venue,
               Staff.line_user_id)
        .join(Registration, Registration.course_id == Course.id)
        .join(Staff, Staff.id == Registration.staff_id)
        .where(Course.active.is_(True), Course.start_date > today, Course.start_date <= until,
               Registration.status == RegStatus.APPROVED, _can_receive(Staff))
        .order_by(Course.id, Staff.id)
    ).all()
    planned: list[bulk.Planned] = []
    by_course: dict[int, list[Any]] = {}
    for r in rows:
        by_course.setdefault(r.id, []).append(r)
    for course_id, people in by_course.items():
        c = people[0]
        message = msg.starting_message(c.title, c.start_date, c.end_date, c.start_time, c.venue, today)
        planned += bulk.multicast([p.line_user_id for p in people], [message],
                                  f"starting:course{course_id}:participants:{c.start_date}")
        counts["starting"] += len(people)
    return planned


def _report_deadlines(session: Session, today: date, codec: PostbackCodec, settings: Mapping[str, Any],
                      counts: Counter[str]) -> list[bulk.Planned]:
    """Remind owners of reports due soon; tell owner and supervisor once a report is long overdue."""
    soon = int(settings.get("report_due_soon_days", 3))
    late = int(settings.get("report_overdue_days", 7))
    planned: list[bulk.Planned] = []
    for r in owed_reports_all(session=session, today=today, settings=settings):
        days_left = (r.due - today).days
        if 0 <= days_left <= soon and r.line_user_id:
            planned.append(bulk.push(
                r.line_user_id, [msg.due_soon_message(codec, r.registration_id, r.course_title, r.due, today)],
                f"due_soon:reg{r.registration_id}:{r.staff_id}:{r.due}"))
            counts["due_soon"] += 1
        elif r.overdue_days >= late:
            if r.line_user_id:
                planned.append(bulk.push(
                    r.line_user_id,
                    [msg.overdue_staff_message(codec, r.registration_id, r.course_title, r.due, r.overdue_days)],
                    f"overdue:reg{r.registration_id}:{r.staff_id}:{r.due}"))
                counts["overdue_staff"] += 1
            if r.supervisor_line_user_id and r.supervisor_id is not None:
                planned.append(bulk.push(
                    r.supervisor_line_user_id,
                    [msg.overdue_supervisor_message(r.name, r.course_title, r.due, r.overdue_days)],
                    f"overdue:reg{r.registration_id}:{r.supervisor_id}:{r.due}"))
                counts["overdue_supervisor"] += 1
    return planned


def _waiting_decisions(session: Session, today: date, cal: WorkCalendar, codec: PostbackCodec,
                       settings: Mapping[str, Any], counts: Counter[str]) -> list[bulk.Planned]:
    """Nudge approvers about decisions waiting more than N working days, then every N working days."""
    every = max(1, int(settings.get("approval_waiting_working_days", 2)))
    approver = aliased(Staff)
    # Pending decisions are few whatever the staff count; the card needs whole objects, loaded
    # with the request, its person, course and steps in a fixed handful of queries.
    steps = session.scalars(
        select(ApprovalStep)
        .join(Registration, Registration.id == ApprovalStep.registration_id)
        .join(Course, Course.id == Registration.course_id)
        .join(approver, approver.id == ApprovalStep.approver_id)
        # Once the course has started the request can no longer be decided (as in waiting_for):
        # nudging about it would go on for ever.
        .where(ApprovalStep.decision == StepDecision.WAITING, Registration.status == RegStatus.PENDING,
               ApprovalStep.reached_at.is_not(None), Course.start_date > today, _can_receive(approver))
        .options(joinedload(ApprovalStep.registration))
        .order_by(ApprovalStep.id)
    ).unique().all()
    planned: list[bulk.Planned] = []
    for step in steps:
        assert step.reached_at is not None and step.approver.line_user_id is not None
        waited = cal.working_days_between(to_bangkok(step.reached_at).date(), today)
        if waited <= every:
            continue
        # Waited N+1..2N working days -> interval 1, 2N+1..3N -> 2, ...: one nudge per interval.
        interval = (waited - 1) // every
        planned.append(bulk.push(step.approver.line_user_id, msg.waiting_messages(codec, step.registration, step, waited),
                                 f"waiting:step{step.id}:{step.approver_id}:{interval}"))
        counts["waiting"] += 1
    return planned
