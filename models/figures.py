"""A fiscal year's figures, written once for the dashboard, the exports and the executives' card.

Rules (each in one place here):
- a course is in fiscal year N when it starts in it; a request is a registration for such a course;
- a person attended a course when the request was approved, it was not marked not attended and the
  course has started (`attended_rule`, one SQL expression for a row and for a table);
- a course's approved amount is its own budget when HR set one (an in-house course), else its fee
  times the approved participants; spent is the reports' actual expenses (plus what HR recorded for
  a non-training activity);
- reports: owed / overdue / on time / late follow models.reports' report_state and due_date.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models.course import POLICY_AREAS, Course
from models.org import Staff, StaffType
from models.plan import PlanActivity, activities
from models.registration import Attendance, Registration, RegStatus
from models.report import Report
from models.reports import ReportState, due_date, report_state
from thai.dates import fiscal_quarter, fiscal_year_bounds, to_bangkok

ZERO = Decimal("0")
NO_UNIT = "ไม่ระบุหน่วยงาน"
OWED_STATES = (ReportState.OWED, ReportState.OVERDUE, ReportState.REVISION_REQUESTED)


def attended_rule(today: date) -> ColumnElement[bool]:
    """A registration counts as attended: approved, not marked not attended, course started by today."""
    return and_(Registration.status == RegStatus.APPROVED, Registration.attendance != Attendance.NOT_ATTENDED,
                Course.start_date <= today)


@dataclass(frozen=True)
class Participation:
    """One request for a course of the year, with its report, report state and attendance."""

    registration: Registration
    report: Report | None
    state: ReportState
    attended: bool

    @property
    def staff(self) -> Staff:
        return self.registration.staff

    @property
    def course(self) -> Course:
        return self.registration.course

    @property
    def spent(self) -> Decimal:
        """Actual expenses the report declared (0 without a report)."""
        return Decimal(self.report.expense_total or 0) if self.report is not None else ZERO


@dataclass
class BudgetRow:
    """Allocated vs approved vs spent for one policy area, unit or quarter."""

    label: str
    allocated: Decimal = ZERO
    approved: Decimal = ZERO
    spent: Decimal = ZERO


@dataclass(frozen=True)
class TypeCoverage:
    """How many of one staff type attended at least one course."""

    name: str
    staff: int
    attended: int

    @property
    def share(self) -> float:
        return self.attended / self.staff if self.staff else 0.0


@dataclass(frozen=True)
class PersonHours:
    """A person's training in the year: courses attended and hours (hours unknown for some courses)."""

    staff: Staff
    courses: int
    hours: Decimal
    unknown_hours: int


@dataclass
class YearFigures:
    """Everything the dashboard shows for one fiscal year."""

    fiscal_year: int
    today: date
    activities: list[PlanActivity]
    courses: list[Course]
    participations: list[Participation]
    requests: dict[str, int] = field(default_factory=dict)
    attendance: dict[str, int] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)
    by_area: list[BudgetRow] = field(default_factory=list)
    by_unit: list[BudgetRow] = field(default_factory=list)
    by_quarter: list[BudgetRow] = field(default_factory=list)
    staff_types: list[str] = field(default_factory=list)
    kpi_activities: tuple[int, int] = (0, 0)  # (reached every staff type, training activities)
    kpi_courses: tuple[int, int] = (0, 0)
    coverage: list[TypeCoverage] = field(default_factory=list)
    hours: list[PersonHours] = field(default_factory=list)
    untrained: list[Staff] = field(default_factory=list)

    def totals(self) -> BudgetRow:
        """The year's allocated / approved / spent (sum of the policy-area rows)."""
        return BudgetRow("รวม", sum((r.allocated for r in self.by_area), ZERO),
                         sum((r.approved for r in self.by_area), ZERO), sum((r.spent for r in self.by_area), ZERO))

    def attended_in(self, course: Course) -> list[Participation]:
        """Who attended a course, in request order."""
        return [p for p in self.participations if p.attended and p.course.id == course.id]

    def activity_spent(self, activity: PlanActivity) -> Decimal:
        """Spent by one activity: its courses' reports plus what HR recorded by hand."""
        ids = {c.id for c in activity.courses}
        spent = sum((p.spent for p in self.participations if p.course.id in ids), ZERO)
        return spent + Decimal(activity.spent_manual or 0)

    @property
    def staff_count(self) -> int:
        return len(self.hours)

    @property
    def trained_count(self) -> int:
        return sum(1 for h in self.hours if h.courses)


def course_area(course: Course, plan: dict[int, PlanActivity]) -> str:
    """A course's policy area: its plan activity's when it has one, else its own tag."""
    activity = plan.get(course.activity_id) if course.activity_id is not None else None
    return activity.policy_area if activity is not None else course.policy_area


def approved_shares(course: Course, approved: list[Participation]) -> list[tuple[Participation | None, Decimal]]:
    """Split a course's approved amount over its approved participants (None: nobody approved yet)."""
    if course.budget and Decimal(course.budget) > 0:
        total = Decimal(course.budget)
        if not approved:
            return [(None, total)]
        each = total / len(approved)
        return [(p, each) for p in approved]
    return [(p, Decimal(course.fee or 0)) for p in approved]


def participations(*, session: Session, fiscal_year: int, today: date) -> list[Participation]:
    """Every request for a course starting in the fiscal year, with report and attendance."""
    first, last = fiscal_year_bounds(fiscal_year)
    rows = session.execute(
        select(Registration, Report, attended_rule(today).label("attended"))
        .join(Course, Course.id == Registration.course_id)
        .outerjoin(Report, Report.registration_id == Registration.id)
        .where(Course.start_date >= first, Course.start_date <= last)
        .order_by(Course.start_date, Registration.id)
    ).unique().all()
    settings = _settings(session)
    return [Participation(reg, report, report_state(reg, report, today=today, settings=settings), bool(att))
            for reg, report, att in rows]


def _settings(session: Session) -> dict[str, Any]:
    from models.org import get_settings

    return get_settings(session=session)


def year_figures(*, session: Session, fiscal_year: int, today: date) -> YearFigures:
    """Compute the fiscal year's figures (requests to budget, KPI, coverage, hours)."""
    first, last = fiscal_year_bounds(fiscal_year)
    plan = activities(session=session, fiscal_year=fiscal_year)
    courses = list(session.scalars(select(Course).where(Course.start_date >= first, Course.start_date <= last)
                                   .order_by(Course.start_date, Course.id)))
    parts = participations(session=session, fiscal_year=fiscal_year, today=today)
    fig = YearFigures(fiscal_year, today, plan, courses, parts)
    _count(fig, session)
    _budget(fig)
    _coverage(fig, session)
    return fig


def _count(fig: YearFigures, session: Session) -> None:
    regs = [p.registration for p in fig.participations]
    fig.requests = {"total": len(regs)} | {s.value: sum(1 for r in regs if r.status == s) for s in RegStatus}
    ended = [p for p in fig.participations
             if p.registration.status == RegStatus.APPROVED and p.course.end_date < fig.today]
    fig.attendance = {
        "attended": sum(1 for p in fig.participations if p.attended),
        "confirmed": sum(1 for p in ended if p.registration.attendance == Attendance.ATTENDED),
        "not_attended": sum(1 for p in fig.participations if p.registration.attendance == Attendance.NOT_ATTENDED),
        "unconfirmed": sum(1 for p in ended if p.registration.attendance == Attendance.UNKNOWN),
    }
    settings = _settings(session)
    on_time = late = 0
    for p in fig.participations:
        if p.state in (ReportState.SUBMITTED, ReportState.ACKNOWLEDGED) and p.report is not None:
            if to_bangkok(p.report.submitted_at).date() <= due_date(p.registration, settings):
                on_time += 1
            else:
                late += 1
    fig.reports = {
        "on_time": on_time, "late": late,
        "owed": sum(1 for p in fig.participations if p.state in OWED_STATES),
        "overdue": sum(1 for p in fig.participations if p.state == ReportState.OVERDUE),
    }


def _budget(fig: YearFigures) -> None:
    plan = {a.id: a for a in fig.activities}
    areas = {a: BudgetRow(a) for a in POLICY_AREAS}
    units: dict[str, BudgetRow] = {}
    quarters = {q: BudgetRow(f"ไตรมาส {q}") for q in (1, 2, 3, 4)}

    def unit_row(name: str | None) -> BudgetRow:
        return units.setdefault(name or NO_UNIT, BudgetRow(name or NO_UNIT))

    for a in fig.activities:
        areas.setdefault(a.policy_area, BudgetRow(a.policy_area)).allocated += Decimal(a.budget or 0)
        unit_row(a.unit.name if a.unit else None).allocated += Decimal(a.budget or 0)
        spread = a.quarters or [1, 2, 3, 4]  # no quarter given: the whole year
        for q in spread:
            quarters[int(q)].allocated += Decimal(a.budget or 0) / len(spread)
        if a.spent_manual:
            areas[a.policy_area].spent += Decimal(a.spent_manual)
            unit_row(a.unit.name if a.unit else None).spent += Decimal(a.spent_manual)
            for q in spread:
                quarters[int(q)].spent += Decimal(a.spent_manual) / len(spread)
    by_course: dict[int, list[Participation]] = defaultdict(list)
    for p in fig.participations:
        by_course[p.course.id].append(p)
    for course in fig.courses:
        area = areas.setdefault(course_area(course, plan), BudgetRow(course_area(course, plan)))
        quarter = quarters[fiscal_quarter(course.start_date)]
        approved = [p for p in by_course[course.id] if p.registration.status == RegStatus.APPROVED]
        for who, amount in approved_shares(course, approved):
            area.approved += amount
            quarter.approved += amount
            unit_row(who.staff.unit.name if who and who.staff.unit else None).approved += amount
        for p in by_course[course.id]:
            area.spent += p.spent
            quarter.spent += p.spent
            unit_row(p.staff.unit.name if p.staff.unit else None).spent += p.spent
    fig.by_area = list(areas.values())
    fig.by_unit = sorted(units.values(), key=lambda r: (r.label == NO_UNIT, r.label))
    fig.by_quarter = list(quarters.values())


def _coverage(fig: YearFigures, session: Session) -> None:
    people = list(session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)))
    types = list(session.scalars(select(StaffType).order_by(StaffType.name)))
    present = [t for t in types if any(p.staff_type_id == t.id for p in people)]
    fig.staff_types = [t.name for t in present]
    every = {t.id for t in present}
    attended = [p for p in fig.participations if p.attended]
    types_of_course: dict[int, set[int]] = defaultdict(set)
    for p in attended:
        if p.staff.staff_type_id is not None:
            types_of_course[p.course.id].add(p.staff.staff_type_id)
    reached = {cid for cid, seen in types_of_course.items() if every and every <= seen}
    fig.kpi_courses = (sum(1 for c in fig.courses if c.id in reached), len(fig.courses))
    training = [a for a in fig.activities if a.is_training]
    reached_activities = 0
    for a in training:
        seen = set().union(*(types_of_course[c.id] for c in a.courses)) if a.courses else set()
        reached_activities += bool(every) and every <= seen
    fig.kpi_activities = (reached_activities, len(training))
    went = {p.staff.id for p in attended}
    fig.coverage = [TypeCoverage(t.name, sum(1 for p in people if p.staff_type_id == t.id),
                                 sum(1 for p in people if p.staff_type_id == t.id and p.id in went)) for t in present]
    per: dict[int, list[Participation]] = defaultdict(list)
    for p in attended:
        per[p.staff.id].append(p)
    fig.hours = [PersonHours(s, len(per[s.id]), sum((Decimal(p.course.hours or 0) for p in per[s.id]), ZERO),
                             sum(1 for p in per[s.id] if p.course.hours is None)) for s in people]
    fig.untrained = [s for s in people if s.id not in went]


def share(part: int, whole: int) -> float:
    """part / whole, 0 when whole is 0 (percent shown as ร้อยละ)."""
    return part / whole if whole else 0.0


def owed_list(*, session: Session, today: date) -> list[Participation]:
    """The monthly follow-up list: every report owed now (any fiscal year), oldest course first."""
    settings = _settings(session)
    rows = session.execute(
        select(Registration, Report)
        .join(Course, Course.id == Registration.course_id)
        .outerjoin(Report, Report.registration_id == Registration.id)
        .where(Registration.status == RegStatus.APPROVED, Course.end_date < today)
        .order_by(Course.end_date, Registration.id)
    ).unique().all()
    out = []
    for reg, report in rows:
        state = report_state(reg, report, today=today, settings=settings)
        if state in OWED_STATES and reg.staff.active:
            out.append(Participation(reg, report, state, True))
    return out
