"""Pre/post tests: a few multiple-choice questions per course, answered once per phase."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.attendance.tables import QuizAnswer, QuizPhase, QuizQuestion
from models.org import Staff
from models.registration import Attendance, Registration, RegStatus

MAX_CHOICES = 4
QUESTION_MAX = 500
CHOICE_MAX = 120


def questions_of(*, session: Session, course_id: int) -> list[QuizQuestion]:
    """Return a course's test questions in order (none = the course has no test)."""
    return list(session.scalars(select(QuizQuestion).where(QuizQuestion.course_id == course_id)
                                .order_by(QuizQuestion.position, QuizQuestion.id)))


def has_quiz(*, session: Session, course_id: int) -> bool:
    """Tell whether a course has a pre/post test."""
    return session.scalar(select(QuizQuestion.id).where(QuizQuestion.course_id == course_id).limit(1)) is not None


def add_question(*, session: Session, course_id: int, text: str, choices: list[str], correct: int,
                 now: datetime) -> QuizQuestion:
    """Add a question at the end of a course's test; ValueError when it is not a usable question."""
    text = text.strip()
    choices = [c.strip() for c in choices if c and c.strip()]
    if not text or len(text) > QUESTION_MAX:
        raise ValueError("question text empty or too long")
    if not 2 <= len(choices) <= MAX_CHOICES or any(len(c) > CHOICE_MAX for c in choices):
        raise ValueError("2 to 4 short choices are needed")
    if not 0 <= correct < len(choices):
        raise ValueError("the correct answer must be one of the choices")
    last = session.scalar(select(func.max(QuizQuestion.position)).where(QuizQuestion.course_id == course_id))
    row = QuizQuestion(course_id=course_id, position=(last or 0) + 1, text=text, choices=choices,
                       correct=correct, created_at=now)
    session.add(row)
    session.flush()
    return row


def delete_question(*, session: Session, course_id: int, question_id: int) -> bool:
    """Remove a question (and its answers); False when it is not this course's."""
    result = session.execute(delete(QuizQuestion).where(QuizQuestion.id == question_id,
                                                        QuizQuestion.course_id == course_id))
    return bool(result.rowcount)


def next_question(*, session: Session, registration_id: int, course_id: int, phase: str) -> QuizQuestion | None:
    """Return the first question of a phase this person has not answered, or None when done."""
    answered = select(QuizAnswer.question_id).where(QuizAnswer.registration_id == registration_id,
                                                    QuizAnswer.phase == phase)
    return session.scalar(select(QuizQuestion)
                          .where(QuizQuestion.course_id == course_id, QuizQuestion.id.not_in(answered))
                          .order_by(QuizQuestion.position, QuizQuestion.id).limit(1))


def answer_question(*, session: Session, registration_id: int, phase: str, question: QuizQuestion, choice: int,
                    now: datetime) -> bool:
    """Store an answer; False when this question was answered in this phase already (a double tap)."""
    QuizPhase(phase)
    if not 0 <= choice < len(question.choices):
        raise ValueError("not one of the choices")
    try:
        with session.begin_nested():
            session.add(QuizAnswer(registration_id=registration_id, phase=phase, question_id=question.id,
                                   choice=choice, correct=choice == question.correct, answered_at=now))
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Score:
    """Correct answers out of the course's questions; answered tells whether the phase is finished."""

    correct: int
    answered: int
    total: int

    @property
    def done(self) -> bool:
        """Tell whether every question was answered."""
        return self.total > 0 and self.answered >= self.total


def score(*, session: Session, registration_id: int, course_id: int, phase: str) -> Score:
    """Return a person's score in one phase."""
    total = session.scalar(select(func.count()).select_from(QuizQuestion).where(QuizQuestion.course_id == course_id))
    answered, correct = session.execute(
        select(func.count(), func.coalesce(func.sum(case((QuizAnswer.correct.is_(True), 1), else_=0)), 0))
        .join(QuizQuestion, QuizQuestion.id == QuizAnswer.question_id)
        .where(QuizAnswer.registration_id == registration_id, QuizAnswer.phase == phase,
               QuizQuestion.course_id == course_id)
    ).one()
    return Score(int(correct or 0), int(answered or 0), int(total or 0))


@dataclass(frozen=True)
class ScoreRow:
    """One participant's scores before and after (None = did not take that test)."""

    registration_id: int
    name: str
    pre: int | None
    post: int | None


def course_scores(*, session: Session, course_id: int) -> tuple[int, list[ScoreRow]]:
    """Return the number of questions and every attendee's pre/post score, by name."""
    total = len(questions_of(session=session, course_id=course_id))
    regs = list(session.scalars(
        select(Registration).join(Staff, Staff.id == Registration.staff_id)
        .where(Registration.course_id == course_id, Registration.status == RegStatus.APPROVED)
        .order_by(Staff.first_name, Staff.last_name)).unique())
    counts: dict[tuple[int, str], int] = {}
    rows = session.execute(
        select(QuizAnswer.registration_id, QuizAnswer.phase, QuizAnswer.correct)
        .join(QuizQuestion, QuizQuestion.id == QuizAnswer.question_id)
        .where(QuizQuestion.course_id == course_id))
    taken: set[tuple[int, str]] = set()
    for reg_id, phase, correct in rows:
        taken.add((reg_id, phase))
        counts[(reg_id, phase)] = counts.get((reg_id, phase), 0) + (1 if correct else 0)
    result = []
    for reg in regs:
        if reg.attendance == Attendance.NOT_ATTENDED and not any(k[0] == reg.id for k in taken):
            continue
        pre = counts.get((reg.id, QuizPhase.PRE), 0) if (reg.id, QuizPhase.PRE) in taken else None
        post = counts.get((reg.id, QuizPhase.POST), 0) if (reg.id, QuizPhase.POST) in taken else None
        result.append(ScoreRow(reg.id, reg.staff.name, pre, post))
    return total, result
