"""Each export built from the database in one place: the CLI commands and the console's buttons call these."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.documents.hr_report import hr_plan, hr_report, plan_amendments
from bot.documents.records import followup_list, participant_list, quarterly_report, training_record
from bot.documents.render import Document
from models.course import Course
from models.figures import owed_list, participations, year_figures
from models.org import Staff, get_settings
from models.plan import activities, amendments
from models.reports import training_history
from thai.dates import fiscal_year, fiscal_year_bounds


class ExportError(ValueError):
    """An export that cannot be made; str() is one Thai line."""


class T:
    """What an export says when it cannot be made."""

    YEAR = "ปีงบประมาณต้องเป็นปี พ.ศ. เช่น 2570 ค่ะ"
    EMPTY = "ยังไม่มีแผนหรือหลักสูตรของปีงบประมาณ {year} ค่ะ"
    NO_PLAN = "ยังไม่มีแผนของปีงบประมาณ {year} ค่ะ"
    QUARTER = "ไตรมาสต้องเป็น 1 ถึง 4 ค่ะ"
    NO_STAFF = "ไม่พบบุคลากรรหัส {code} ค่ะ"
    NO_COURSE = "ไม่พบหลักสูตรรหัส {code} ค่ะ"


def check_year(year: int) -> int:
    """A BE fiscal year, or ExportError (CE years like 2026 are refused, not guessed)."""
    if not 2400 <= int(year) <= 2700:
        raise ExportError(T.YEAR)
    return int(year)


def _org(session: Session) -> tuple[str, dict]:
    settings = get_settings(session=session)
    return str(settings.get("org_name") or ""), settings


def hr_report_doc(*, session: Session, fiscal_year: int, today: date, thai_digits: bool = True) -> Document:
    """The fiscal-year HR report (seed 002)."""
    fig = year_figures(session=session, fiscal_year=check_year(fiscal_year), today=today)
    if not fig.activities and not fig.courses:
        raise ExportError(T.EMPTY.format(year=fiscal_year))
    return hr_report(fig, org_name=_org(session)[0], thai_digits=thai_digits)


def hr_plan_doc(*, session: Session, fiscal_year: int, thai_digits: bool = True) -> Document:
    """The year's HR plan (seed 001)."""
    rows = activities(session=session, fiscal_year=check_year(fiscal_year))
    if not rows:
        raise ExportError(T.NO_PLAN.format(year=fiscal_year))
    return hr_plan(rows, fiscal_year=fiscal_year, org_name=_org(session)[0], thai_digits=thai_digits)


def amendments_doc(*, session: Session, fiscal_year: int, thai_digits: bool = True) -> Document:
    """The year's plan amendments (seed 003's บัญชีรายการแก้ไข)."""
    if not activities(session=session, fiscal_year=check_year(fiscal_year)):
        raise ExportError(T.NO_PLAN.format(year=fiscal_year))
    return plan_amendments(amendments(session=session, fiscal_year=fiscal_year), fiscal_year=fiscal_year,
                           org_name=_org(session)[0], session=session, thai_digits=thai_digits)


def training_record_doc(*, session: Session, employee_id: str, today: date, thai_digits: bool = True) -> Document:
    """A person's training record, every year."""
    person = session.scalar(select(Staff).where(Staff.employee_id == employee_id.strip()))
    if person is None:
        raise ExportError(T.NO_STAFF.format(code=employee_id))
    org, settings = _org(session)
    years = training_history(session=session, staff=person, today=today, settings=settings)
    items = [item for year in years.values() for item in year]
    return training_record(person, items, today=today, org_name=org, thai_digits=thai_digits)


def participants_doc(*, session: Session, course_code: str, today: date, thai_digits: bool = True) -> Document:
    """A course's participant list."""
    course = session.scalar(select(Course).where(Course.code == course_code.strip()))
    if course is None:
        raise ExportError(T.NO_COURSE.format(code=course_code))
    parts = [p for p in participations(session=session, fiscal_year=fiscal_year(course.start_date), today=today)
             if p.course.id == course.id]
    return participant_list(course, parts, org_name=_org(session)[0], thai_digits=thai_digits)


def followup_doc(*, session: Session, today: date, thai_digits: bool = True) -> Document:
    """The monthly follow-up list of owed reports."""
    org, settings = _org(session)
    return followup_list(owed_list(session=session, today=today), today=today, settings=settings, org_name=org,
                         thai_digits=thai_digits)


def quarterly_doc(*, session: Session, fiscal_year: int, quarter: int, today: date,
                  thai_digits: bool = True) -> Document:
    """The quarterly progress report."""
    if quarter not in (1, 2, 3, 4):
        raise ExportError(T.QUARTER)
    fig = year_figures(session=session, fiscal_year=check_year(fiscal_year), today=min(today, fiscal_year_bounds(
        fiscal_year)[1]))
    if not fig.activities:
        raise ExportError(T.NO_PLAN.format(year=fiscal_year))
    return quarterly_report(fig, quarter, org_name=_org(session)[0], thai_digits=thai_digits)
