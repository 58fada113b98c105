"""Domain data factories with defaults; each flushes so ids exist."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.course import Course
from models.org import ROLE_APPROVER, ROLE_HR, ROLE_STAFF, Staff, StaffType, Unit
from thai.dates import today_bangkok

_n = itertools.count(1)


def unit(session: Session, name: str = "สำนักปลัด") -> Unit:
    """Return the unit of that name, creating it."""
    found = session.scalar(select(Unit).where(Unit.name == name))
    if found is None:
        found = Unit(name=name)
        session.add(found)
        session.flush()
    return found


def staff_type(session: Session, name: str = "พนักงานส่วนตำบล") -> StaffType:
    """Return the staff type of that name, creating it."""
    found = session.scalar(select(StaffType).where(StaffType.name == name))
    if found is None:
        found = StaffType(name=name)
        session.add(found)
        session.flush()
    return found


def staff(session: Session, *, supervisor: Staff | None = None, line_user_id: str | None = None,
          roles: tuple[str, ...] = (ROLE_STAFF,), type_name: str = "พนักงานส่วนตำบล",
          unit_name: str = "สำนักปลัด", **fields: Any) -> Staff:
    """Create a staff member."""
    n = next(_n)
    values: dict[str, Any] = dict(employee_id=f"T{n:04d}", title="นางสาว", first_name=f"ทดสอบ{n}",
                                  last_name="ใจดี", position="นักวิชาการ")
    values.update(fields)
    person = Staff(**values, roles=list(roles), supervisor=supervisor, line_user_id=line_user_id,
                   staff_type=staff_type(session, type_name), unit=unit(session, unit_name))
    session.add(person)
    session.flush()
    return person


def chain(session: Session, levels: int = 3, *, linked: bool = True) -> list[Staff]:
    """Create a supervisor chain: [top, ..., a staff member at the bottom]; HR is the top's peer."""
    people: list[Staff] = []
    boss = None
    for i in range(levels):
        boss = staff(session, supervisor=boss, roles=(ROLE_STAFF, ROLE_APPROVER),
                     line_user_id=f"Uboss{next(_n)}" if linked else None, position=f"หัวหน้าระดับ {i + 1}")
        people.append(boss)
    worker = staff(session, supervisor=boss, line_user_id=f"Uworker{next(_n)}" if linked else None)
    people.append(worker)
    return people


def hr(session: Session, *, linked: bool = True) -> Staff:
    """Create an HR officer."""
    return staff(session, roles=(ROLE_STAFF, ROLE_HR), line_user_id=f"Uhr{next(_n)}" if linked else None,
                 position="นักทรัพยากรบุคคล")


def course(session: Session, *, starts_in: int = 20, days: int = 2, deadline_in: int = 10,
           targets: tuple[str, ...] = (), today: date | None = None, **fields: Any) -> Course:
    """Create a course starting some days from today."""
    today = today or today_bangkok()
    n = next(_n)
    start = today + timedelta(days=starts_in)
    values: dict[str, Any] = dict(
        code=f"C{n:04d}", title=f"หลักสูตรทดสอบ {n}", kind="ฝึกอบรม", organizer="กรมส่งเสริมการปกครองท้องถิ่น",
        venue="ห้องประชุม", start_date=start, end_date=start + timedelta(days=days - 1),
        registration_deadline=today + timedelta(days=deadline_in), seats=10, fee=Decimal("3500"),
        policy_area="การพัฒนาทรัพยากรบุคคล", approval_levels=None,
        # Counted as announced already, so the new-course announcement stays out of other tests;
        # pass announced_at=None for a course nobody has been told about.
        announced_at=datetime.now(UTC))
    values.update(fields)
    c = Course(**values)
    c.target_types = [staff_type(session, name) for name in targets]
    session.add(c)
    session.flush()
    return c


def finished_registration(session: Session, person: Staff, *, course_: Course | None = None,
                          ended_days_ago: int = 3, days: int = 2, due_days: int = 15,
                          today: date | None = None, **course_fields: Any) -> Any:
    """Create an approved registration (steps approved, report_due_on set) for a course that has ended.

    Built directly with the models, so report tests do not depend on the registration feature.
    """
    from models.org import supervisor_chain
    from models.registration import ApprovalStep, Registration, RegStatus, StepDecision

    today = today or today_bangkok()
    if course_ is None:
        start = today - timedelta(days=ended_days_ago + days - 1)
        course_ = course(session, today=today, starts_in=(start - today).days, days=days,
                         deadline_in=(start - today).days - 7, **course_fields)
    approvers = supervisor_chain(person)[:2] or []
    reg = Registration(staff=person, course=course_, status=RegStatus.APPROVED, reason="พัฒนาทักษะในงาน",
                       approval_levels=max(1, len(approvers)), current_step=max(1, len(approvers)),
                       report_due_on=course_.end_date + timedelta(days=due_days))
    session.add(reg)
    session.flush()
    for i, approver in enumerate(approvers, start=1):
        session.add(ApprovalStep(registration_id=reg.id, step=i, approver_id=approver.id,
                                 decision=StepDecision.APPROVED))
    session.flush()
    session.refresh(reg)
    return reg
