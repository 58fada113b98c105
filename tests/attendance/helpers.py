"""Shared set-up of the day-and-after dialogs: a course running today with approved participants."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from models.attendance import QuizAnswer, add_question, checkin_code
from models.base import utcnow
from models.conversation import Conversation
from models.registration import Registration, RegStatus
from tests.support import factories as f
from thai.dates import today_bangkok


@dataclass
class Day:
    """A two-day course that starts today, its people and today's code."""

    course_id: int
    alice: str  # approved
    alice_reg: int
    bob: str  # pending
    carol: str  # not registered
    code: str
    tomorrow_code: str


def registration(session, person, course, status=RegStatus.APPROVED) -> Registration:
    """Create a request for a course in a given state (no approval steps: the tests need only the state)."""
    reg = Registration(staff=person, course=course, status=status, approval_levels=1, current_step=1)
    session.add(reg)
    session.flush()
    return reg


def course_today(tx, *, quiz: bool = False) -> Day:
    """Create a course running today and tomorrow, Alice approved, Bob pending, Carol not registered."""
    today = today_bangkok()
    with tx() as s:
        f.hr(s)
        boss = f.staff(s, line_user_id="Uboss-day")
        alice = f.staff(s, supervisor=boss, line_user_id="Ualice", first_name="อลิส")
        bob = f.staff(s, supervisor=boss, line_user_id="Ubob")
        carol = f.staff(s, supervisor=boss, line_user_id="Ucarol")
        course = f.course(s, today=today, starts_in=0, days=2, deadline_in=-3, title="การเขียนหนังสือราชการ")
        reg = registration(s, alice, course)
        registration(s, bob, course, RegStatus.PENDING)
        if quiz:
            add_question(session=s, course_id=course.id, text="หนังสือภายนอกใช้กระดาษตราครุฑหรือไม่",
                         choices=["ใช้", "ไม่ใช้"], correct=0, now=utcnow())
            add_question(session=s, course_id=course.id, text="หนังสือราชการมีกี่ชนิด",
                         choices=["3 ชนิด", "6 ชนิด", "8 ชนิด"], correct=1, now=utcnow())
        code = checkin_code(session=s, course=course, day=today, now=utcnow()).code
        tomorrow = checkin_code(session=s, course=course, day=today + timedelta(days=1), now=utcnow()).code
        assert carol.line_user_id
        return Day(course.id, "Ualice", reg.id, "Ubob", "Ucarol", code, tomorrow)


def flow_of(tx, user: str) -> str | None:
    """Return the flow:step a user is in, or None."""
    with tx() as s:
        conv = s.get(Conversation, user)
        return None if conv is None else f"{conv.flow}:{conv.step}"


def answers(tx, reg_id: int, phase: str) -> list[tuple[int, int]]:
    """Return (question id, choice) answered by a registration in a phase."""
    with tx() as s:
        return [(a.question_id, a.choice) for a in s.scalars(
            select(QuizAnswer).where(QuizAnswer.registration_id == reg_id, QuizAnswer.phase == phase)
            .order_by(QuizAnswer.id))]
