"""Attendance: the one operation that sets it, check-in codes per course day, check-ins, hours.

Registration.attendance is the value every rule reads (who owes a report, who is evaluated, who
gets hours). It is set here for the course: by the person's check-in with the day's code or by HR
in the console, HR's record winning. The staff's own "ไม่ได้เข้าร่วม" (models.reports
mark_not_attended) changes attendance only while it is still unknown, i.e. when nobody recorded it
here and no report exists.
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.attendance.tables import AttendanceRecord, AttendanceSource, Checkin, CheckinCode
from models.audit import audit
from models.course import Course
from models.registration import Attendance, Registration, RegStatus
from thai.dates import today_bangkok

# No 0/O, 1/I: the code may be read aloud or typed from a printout.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class AttendanceError(ValueError):
    """Attendance cannot be recorded for this registration (unknown, or not approved)."""


def record_attendance(
    *, session: Session, registration_id: int, present: bool, by: str, now: datetime,
    actor_id: int | None = None,
) -> bool:
    """Set whether the person attended the course; False when that changed nothing.

    by is "checkin" (the person's own check-in; only present=True) or "hr" (HR in the console,
    actor_id the officer). A check-in never overrides HR's record; HR's record overrides anything,
    including the person's own "ไม่ได้เข้าร่วม". Raises AttendanceError unless the request is approved.
    """
    source = AttendanceSource(by)
    if source is AttendanceSource.CHECKIN and not present:
        raise ValueError("a check-in always means present")
    reg = session.get(Registration, registration_id)
    if reg is None or reg.status != RegStatus.APPROVED:
        raise AttendanceError("only an approved request has attendance")
    record = session.get(AttendanceRecord, registration_id, with_for_update=True)
    if source is AttendanceSource.CHECKIN and record is not None and record.source == AttendanceSource.HR:
        return False
    value = Attendance.ATTENDED if present else Attendance.NOT_ATTENDED
    changes: dict[str, object] = {"attendance": value}
    if present:
        changes["not_attended_reason"] = None
    # Conditional: a double tap or a redelivery finds the value already there and changes nothing.
    result = session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.status == RegStatus.APPROVED,
               Registration.attendance != value)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount == 1
    if record is None:
        try:
            with session.begin_nested():
                session.add(AttendanceRecord(registration_id=registration_id, present=present, source=source,
                                             by=by, actor_id=actor_id, recorded_at=now))
        except IntegrityError:
            # Someone recorded it at the same instant; theirs stands, ours changed the value.
            return changed
    elif changed or record.source != source:
        record.present, record.source, record.by, record.actor_id, record.recorded_at = (
            present, source, by, actor_id, now)
    if changed:
        session.refresh(reg)
        audit(session=session, action="attendance.recorded", subject_type="registration",
              subject_id=registration_id, actor_id=actor_id if actor_id is not None else reg.staff_id,
              present=present, source=source.value)
    return changed


def attendance_record(*, session: Session, registration_id: int) -> AttendanceRecord | None:
    """Return who recorded this registration's attendance, if anyone did."""
    return session.get(AttendanceRecord, registration_id)


# --- check-in codes ---------------------------------------------------------------------------


def course_days(course: Course) -> list[date]:
    """Return every day of a course, first to last."""
    span = (course.end_date - course.start_date).days
    return [course.start_date + timedelta(days=i) for i in range(max(0, span) + 1)]


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(CheckinCode.id).where(CheckinCode.code == code)) is None:
            return code


def checkin_code(*, session: Session, course: Course, day: date, now: datetime) -> CheckinCode:
    """Return the live code of a course day, creating it the first time it is asked for."""
    if day not in course_days(course):
        raise ValueError("not a day of this course")
    live = session.scalar(select(CheckinCode).where(
        CheckinCode.course_id == course.id, CheckinCode.day == day, CheckinCode.replaced_at.is_(None)))
    if live is not None:
        return live
    row = CheckinCode(course_id=course.id, day=day, code=_new_code(session), created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Two printouts at once: the other one's code is the day's code.
        return checkin_code(session=session, course=course, day=day, now=now)
    return row


def renew_checkin_code(*, session: Session, course: Course, day: date, now: datetime) -> CheckinCode:
    """Replace the day's code (a QR that leaked); the old one is stale from now on."""
    session.execute(
        update(CheckinCode)
        .where(CheckinCode.course_id == course.id, CheckinCode.day == day, CheckinCode.replaced_at.is_(None))
        .values(replaced_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return checkin_code(session=session, course=course, day=day, now=now)


def normalise_checkin_code(text: str) -> str | None:
    """Return the code in a check-in text (letters and digits, any case), or None."""
    code = "".join(ch for ch in text.upper() if ch.isalnum() and ch.isascii())
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


# --- checking in ------------------------------------------------------------------------------


class CheckinResult(enum.Enum):
    """How a check-in ended; only CHECKED_IN changed anything."""

    CHECKED_IN = "checked_in"
    ALREADY = "already"  # this person checked in today already
    UNKNOWN_CODE = "unknown_code"
    STALE_CODE = "stale_code"  # replaced by a newer code of the same day
    WRONG_DAY = "wrong_day"  # a real code, but of another day
    NOT_REGISTERED = "not_registered"
    NOT_APPROVED = "not_approved"


@dataclass(frozen=True)
class CheckinOutcome:
    """What a check-in did: the result, the code's course and day, the registration (if any)."""

    result: CheckinResult
    course: Course | None = None
    day: date | None = None
    registration: Registration | None = None
    first_of_course: bool = False  # the person's first check-in of this course


def check_in(*, session: Session, staff_id: int, code: str, now: datetime) -> CheckinOutcome:
    """Check a person in with a day's code: only today's live code, only an approved participant."""
    row = session.scalar(select(CheckinCode).where(CheckinCode.code == code))
    if row is None:
        return CheckinOutcome(CheckinResult.UNKNOWN_CODE)
    course = session.get(Course, row.course_id)
    assert course is not None
    if row.replaced_at is not None:
        return CheckinOutcome(CheckinResult.STALE_CODE, course, row.day)
    if row.day != today_bangkok(now):
        return CheckinOutcome(CheckinResult.WRONG_DAY, course, row.day)
    reg = session.scalar(select(Registration).where(
        Registration.staff_id == staff_id, Registration.course_id == course.id))
    if reg is None:
        return CheckinOutcome(CheckinResult.NOT_REGISTERED, course, row.day)
    if reg.status != RegStatus.APPROVED:
        return CheckinOutcome(CheckinResult.NOT_APPROVED, course, row.day, reg)
    earlier = session.scalar(select(Checkin.id).where(Checkin.registration_id == reg.id).limit(1))
    try:
        # The unique (registration, day) key decides a double send or a racing redelivery.
        with session.begin_nested():
            session.add(Checkin(registration_id=reg.id, day=row.day, at=now, code_id=row.id))
    except IntegrityError:
        return CheckinOutcome(CheckinResult.ALREADY, course, row.day, reg)
    record_attendance(session=session, registration_id=reg.id, present=True, by=AttendanceSource.CHECKIN,
                      now=now, actor_id=staff_id)
    return CheckinOutcome(CheckinResult.CHECKED_IN, course, row.day, reg, first_of_course=earlier is None)


def checkins_of(*, session: Session, course_id: int) -> dict[int, list[date]]:
    """Return the days each registration of a course checked in, by registration id."""
    rows = session.execute(
        select(Checkin.registration_id, Checkin.day)
        .join(Registration, Registration.id == Checkin.registration_id)
        .where(Registration.course_id == course_id)
        .order_by(Checkin.day)
    )
    found: dict[int, list[date]] = {}
    for reg_id, day in rows:
        found.setdefault(reg_id, []).append(day)
    return found
