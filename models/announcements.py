"""New courses announced once to the staff they target (the optional announcements)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from models.course import Course, course_target_types
from models.org import Staff

# A run announces at most this many courses (a big import waits for the next working days
# rather than flooding everyone's chat in one morning).
MAX_COURSES_PER_RUN = 3


def courses_to_announce(*, session: Session, today: date) -> list[Course]:
    """Return the active, still open courses nobody has been told about, soonest deadline first."""
    return list(session.scalars(
        select(Course)
        .where(Course.active.is_(True), Course.announced_at.is_(None),
               Course.registration_deadline >= today, Course.start_date > today)
        .order_by(Course.registration_deadline, Course.id)
        .limit(MAX_COURSES_PER_RUN)
    ))


def audience(*, session: Session, course: Course) -> list[Staff]:
    """Return who hears of a course: active, reachable in LINE, announcements on, and targeted."""
    targeted = or_(
        ~exists().where(course_target_types.c.course_id == course.id),
        exists().where(course_target_types.c.course_id == course.id,
                       course_target_types.c.staff_type_id == Staff.staff_type_id),
    )
    return list(session.scalars(
        select(Staff)
        .where(Staff.can_receive, Staff.announcements.is_(True), targeted)
        .order_by(Staff.id)
    ))


def mark_announced(*, session: Session, course_id: int, now: datetime) -> bool:
    """Record that a course was announced; False when another run got there first."""
    done = session.execute(
        update(Course).where(Course.id == course_id, Course.announced_at.is_(None)).values(announced_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(done)
