"""Evaluation after a course: ratings 1-5 on the organisation's questions, then an optional comment.

One response per attendee and course (unique registration). The questions are frozen into the
response when it is sent, so HR editing the setting later does not change what a half-answered
evaluation asks. Ratings are rows (unique per response and question), so a double tap or a
redelivery rates once and a stopped evaluation resumes at the first unanswered question.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.attendance.tables import EvaluationRating, EvaluationResponse
from models.course import Course
from models.org import DEFAULT_SETTINGS, Staff
from models.registration import Attendance, Registration, RegStatus

DEFAULT_EVALUATION_QUESTIONS: list[str] = list(DEFAULT_SETTINGS["evaluation_questions"])
RATINGS = (1, 2, 3, 4, 5)
COMMENT_MAX = 1000
QUESTION_MAX = 200
MAX_QUESTIONS = 10
# A course that ended longer ago than this is not evaluated any more (e.g. on the first deploy).
EVALUATION_WINDOW_DAYS = 14


def evaluation_questions(settings: Mapping[str, Any]) -> list[str]:
    """Return the organisation's evaluation questions (the defaults when the setting is unusable)."""
    value = settings.get("evaluation_questions")
    if isinstance(value, list):
        questions = [str(q).strip()[:QUESTION_MAX] for q in value if str(q).strip()]
        if questions:
            return questions[:MAX_QUESTIONS]
    return list(DEFAULT_EVALUATION_QUESTIONS)


def parse_questions(text: str) -> list[str]:
    """Read questions typed one per line (the console's form); ValueError when none or too many."""
    questions = [line.strip() for line in text.splitlines() if line.strip()]
    if not questions or len(questions) > MAX_QUESTIONS or any(len(q) > QUESTION_MAX for q in questions):
        raise ValueError("1 to 10 questions of at most 200 characters")
    return questions


def due_evaluations(*, session: Session, today: date) -> list[Registration]:
    """Return the attendees of recently ended courses who were not sent the evaluation yet."""
    sent = select(EvaluationResponse.registration_id)
    return list(session.scalars(
        select(Registration).join(Course, Course.id == Registration.course_id)
        .join(Staff, Staff.id == Registration.staff_id)
        .where(Registration.status == RegStatus.APPROVED, Registration.attendance == Attendance.ATTENDED,
               Course.end_date < today, Course.end_date >= today - timedelta(days=EVALUATION_WINDOW_DAYS),
               Staff.active.is_(True), Registration.id.not_in(sent))
        .order_by(Registration.id)).unique())


def open_evaluation(*, session: Session, registration: Registration, questions: list[str],
                    now: datetime) -> EvaluationResponse | None:
    """Create the person's response for a course; None when it exists already."""
    row = EvaluationResponse(registration_id=registration.id, course_id=registration.course_id,
                             questions=list(questions), sent_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def response_of(*, session: Session, registration_id: int) -> EvaluationResponse | None:
    """Return a registration's evaluation response, if it was sent."""
    return session.scalar(select(EvaluationResponse).where(EvaluationResponse.registration_id == registration_id))


def next_position(response: EvaluationResponse) -> int | None:
    """Return the first question not rated yet (0-based), or None when all are rated."""
    rated = {r.position for r in response.ratings}
    return next((i for i in range(len(response.questions)) if i not in rated), None)


def rate(*, session: Session, response: EvaluationResponse, position: int, rating: int, now: datetime) -> bool:
    """Store one rating; False when that question was rated already. The last one completes it."""
    if rating not in RATINGS or not 0 <= position < len(response.questions):
        raise ValueError("not a rating of this evaluation")
    try:
        with session.begin_nested():
            session.add(EvaluationRating(response_id=response.id, position=position, rating=rating, answered_at=now))
    except IntegrityError:
        return False
    session.refresh(response)
    if next_position(response) is None:
        session.execute(update(EvaluationResponse)
                        .where(EvaluationResponse.id == response.id, EvaluationResponse.completed_at.is_(None))
                        .values(completed_at=now).execution_options(synchronize_session=False))
        session.refresh(response)
    return True


def set_comment(*, session: Session, response: EvaluationResponse, comment: str) -> bool:
    """Store the optional comment once, after the ratings; False when one is stored already."""
    comment = comment.strip()[:COMMENT_MAX]
    if not comment:
        raise ValueError("empty comment")
    result = session.execute(
        update(EvaluationResponse)
        .where(EvaluationResponse.id == response.id, EvaluationResponse.comment.is_(None),
               EvaluationResponse.completed_at.is_not(None))
        .values(comment=comment).execution_options(synchronize_session=False))
    session.refresh(response)
    return bool(result.rowcount)


def skip_comment(*, session: Session, response: EvaluationResponse) -> bool:
    """Record that the person chose no comment ("" = skipped, None = not asked yet)."""
    result = session.execute(
        update(EvaluationResponse)
        .where(EvaluationResponse.id == response.id, EvaluationResponse.comment.is_(None),
               EvaluationResponse.completed_at.is_not(None))
        .values(comment="").execution_options(synchronize_session=False))
    session.refresh(response)
    return bool(result.rowcount)


def unanswered_to_remind(*, session: Session, sent_before: datetime) -> list[EvaluationResponse]:
    """Return unfinished responses sent before a time (exclusive) and never reminded."""
    return list(session.scalars(
        select(EvaluationResponse).join(Registration, Registration.id == EvaluationResponse.registration_id)
        .join(Staff, Staff.id == Registration.staff_id)
        .where(EvaluationResponse.completed_at.is_(None), EvaluationResponse.reminded_at.is_(None),
               EvaluationResponse.sent_at < sent_before, Staff.active.is_(True))
        .order_by(EvaluationResponse.id)).unique())


def mark_reminded(*, session: Session, response_ids: list[int], now: datetime) -> None:
    """Record that these responses got their one reminder."""
    if response_ids:
        session.execute(update(EvaluationResponse)
                        .where(EvaluationResponse.id.in_(response_ids), EvaluationResponse.reminded_at.is_(None))
                        .values(reminded_at=now).execution_options(synchronize_session=False))


# --- results ----------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    """One question's ratings: how many of each 1-5, and the mean."""

    question: str
    counts: dict[int, int] = field(default_factory=lambda: {r: 0 for r in RATINGS})

    @property
    def answers(self) -> int:
        """Return how many people rated it."""
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        """Return the mean rating, None when nobody rated it."""
        n = self.answers
        return sum(r * c for r, c in self.counts.items()) / n if n else None


@dataclass
class EvaluationResults:
    """What HR sees per course: who was asked, who finished, per question, and the comments."""

    sent: int
    completed: int
    questions: list[QuestionResult]
    comments: list[str]

    @property
    def response_rate(self) -> float | None:
        """Return finished / sent as a fraction, None when nobody was asked."""
        return self.completed / self.sent if self.sent else None


def course_results(*, session: Session, course_id: int) -> EvaluationResults:
    """Return a course's evaluation results (questions grouped by their text, in asked order)."""
    responses = list(session.scalars(select(EvaluationResponse).where(EvaluationResponse.course_id == course_id)
                                     .order_by(EvaluationResponse.id)).unique())
    by_text: dict[str, QuestionResult] = {}
    for response in responses:
        for q in response.questions:
            by_text.setdefault(str(q), QuestionResult(str(q)))
        for rating in response.ratings:
            if rating.position < len(response.questions):
                by_text[str(response.questions[rating.position])].counts[rating.rating] += 1
    return EvaluationResults(
        sent=len(responses), completed=sum(1 for r in responses if r.completed_at is not None),
        questions=list(by_text.values()), comments=[r.comment for r in responses if r.comment])


@dataclass(frozen=True)
class Satisfaction:
    """A course's satisfaction: mean of every rating (1-5), as a percentage, from how many people."""

    mean: float
    percent: float
    respondents: int


def satisfaction_by_course(*, session: Session, course_ids: list[int]) -> dict[int, Satisfaction]:
    """Return satisfaction per course (activity) for the fiscal-year report; courses without ratings are left out."""
    if not course_ids:
        return {}
    rows = session.execute(
        select(EvaluationResponse.course_id, func.avg(EvaluationRating.rating),
               func.count(func.distinct(EvaluationResponse.id)))
        .join(EvaluationRating, EvaluationRating.response_id == EvaluationResponse.id)
        .where(EvaluationResponse.course_id.in_(course_ids))
        .group_by(EvaluationResponse.course_id))
    result = {}
    for course_id, mean, people in rows:
        mean = float(mean)
        result[course_id] = Satisfaction(round(mean, 2), round(mean / 5 * 100, 1), int(people))
    return result
