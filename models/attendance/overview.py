"""What the console shows per course: its days and codes, each participant's day, test and certificate."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.attendance.records import checkins_of
from models.attendance.tables import AttendanceRecord, Certificate, EvaluationResponse, QuizAnswer
from models.course import Course
from models.org import Staff
from models.registration import Registration, RegStatus

RECENT_DAYS = 180


def attendance_courses(*, session: Session, today: date) -> list[Course]:
    """Return the courses HR works on here: running, upcoming, or ended in the last half year, newest first."""
    return list(session.scalars(select(Course).where(Course.end_date >= today - timedelta(days=RECENT_DAYS))
                                .order_by(Course.start_date.desc(), Course.id.desc()).limit(200)))


@dataclass
class Participant:
    """One approved participant of a course as the console lists them."""

    registration: Registration
    checkin_days: list[date] = field(default_factory=list)
    recorded_by: str | None = None  # "checkin" / "hr" / None
    pre: int | None = None
    post: int | None = None
    certificate: Certificate | None = None
    evaluated: datetime | None = None  # when the evaluation was finished
    evaluation_sent: bool = False


def participants(*, session: Session, course_id: int) -> list[Participant]:
    """Return every approved participant of a course, by name, with their day, tests and certificate."""
    regs = list(session.scalars(
        select(Registration).join(Staff, Staff.id == Registration.staff_id)
        .where(Registration.course_id == course_id, Registration.status == RegStatus.APPROVED)
        .order_by(Staff.first_name, Staff.last_name, Registration.id)).unique())
    ids = [r.id for r in regs]
    if not ids:
        return []
    days = checkins_of(session=session, course_id=course_id)
    records = {r.registration_id: r.source for r in session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.registration_id.in_(ids)))}
    certs = {c.registration_id: c for c in session.scalars(
        select(Certificate).where(Certificate.registration_id.in_(ids))).unique()}
    responses = {r.registration_id: r for r in session.scalars(
        select(EvaluationResponse).where(EvaluationResponse.registration_id.in_(ids))).unique()}
    scores: dict[tuple[int, str], int] = {}
    for reg_id, phase, correct in session.execute(
            select(QuizAnswer.registration_id, QuizAnswer.phase, QuizAnswer.correct)
            .where(QuizAnswer.registration_id.in_(ids))):
        scores[(reg_id, phase)] = scores.get((reg_id, phase), 0) + (1 if correct else 0)
    result = []
    for reg in regs:
        response = responses.get(reg.id)
        result.append(Participant(
            registration=reg, checkin_days=days.get(reg.id, []), recorded_by=records.get(reg.id),
            pre=scores.get((reg.id, "pre")), post=scores.get((reg.id, "post")), certificate=certs.get(reg.id),
            evaluated=response.completed_at if response else None, evaluation_sent=response is not None))
    return result
