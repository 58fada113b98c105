"""The tests before and after a course: one question at a time, quick replies, state in the flow "quiz"."""
from __future__ import annotations

from typing import Any

from linebot.v3.webhooks import TextMessageContent

from handlers.attendance import cards, evaluation
from handlers.attendance.base import router
from handlers.attendance.text import T
from handlers.kit.context import Ctx
from handlers.kit.messages import Message, text
from handlers.attendance.base import AttendanceAction as Action
from models.attendance import (
    QuizPhase,
    answer_question,
    has_quiz,
    next_question,
    questions_of,
    response_of,
    score,
)
from models.conversation import start_conversation
from models.registration import Attendance, Registration, RegStatus
from thai.numbers import to_arabic_digits

FLOW = "quiz"


def _open(reg: Registration, phase: str, ctx: Ctx) -> str | None:
    """Return why this test cannot be taken now (a Thai sentence), or None."""
    name = T.PHASE[phase]
    if reg.status != RegStatus.APPROVED or reg.attendance != Attendance.ATTENDED:
        return T.QUIZ_CLOSED.format(phase=name)
    if phase == QuizPhase.PRE and ctx.today > reg.course.end_date:
        return T.QUIZ_CLOSED.format(phase=name)
    if phase == QuizPhase.POST and ctx.today < reg.course.end_date:
        return T.QUIZ_NOT_YET.format(phase=name)
    return None


def offer(ctx: Ctx, reg: Registration, phase: str) -> list[Message]:
    """Start a test if the course has one and this person has not finished it; else nothing."""
    if not has_quiz(session=ctx.session, course_id=reg.course_id) or _open(reg, phase, ctx):
        return []
    if score(session=ctx.session, registration_id=reg.id, course_id=reg.course_id, phase=phase).done:
        return []
    if ctx.conversation is not None and ctx.conversation.flow != FLOW:
        # Another flow (a report half written) stays; the test waits for a tap.
        return [text(T.QUIZ_LATER.format(phase=T.PHASE[phase]),
                     [cards.quiz_start_button(ctx.services.codec, reg.id, phase, T.QUIZ_CONTINUE)])]
    return start(ctx, reg, phase)


def start(ctx: Ctx, reg: Registration, phase: str) -> list[Message]:
    """Enter the flow and ask the first unanswered question."""
    total = len(questions_of(session=ctx.session, course_id=reg.course_id))
    intro = text(T.QUIZ_INTRO.format(phase=T.PHASE[phase], course=reg.course.title, total=total))
    ctx.conversation = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW,
                                          step=phase, data={"reg": reg.id, "phase": phase})
    return [intro, *_ask_next(ctx, reg, phase)]


def _ask_next(ctx: Ctx, reg: Registration, phase: str) -> list[Message]:
    questions = questions_of(session=ctx.session, course_id=reg.course_id)
    question = next_question(session=ctx.session, registration_id=reg.id, course_id=reg.course_id, phase=phase)
    if question is None:
        return _finish(ctx, reg, phase)
    number = next(i for i, q in enumerate(questions, start=1) if q.id == question.id)
    return [cards.quiz_question(ctx.services.codec, registration_id=reg.id, phase=phase, question=question,
                                number=number, total=len(questions))]


def _finish(ctx: Ctx, reg: Registration, phase: str) -> list[Message]:
    if ctx.conversation is not None and ctx.conversation.flow == FLOW:
        ctx.end_flow()
    result = score(session=ctx.session, registration_id=reg.id, course_id=reg.course_id, phase=phase)
    messages = [text(T.QUIZ_DONE.format(phase=T.PHASE[phase], correct=result.correct, total=result.total))]
    if phase == QuizPhase.POST:
        # After the test comes the evaluation, when it was sent and is not finished.
        response = response_of(session=ctx.session, registration_id=reg.id)
        if response is not None and response.completed_at is None:
            messages += evaluation.ask_next(ctx, response)
    return messages


def _own(ctx: Ctx, registration_id: Any) -> Registration | None:
    reg = ctx.session.get(Registration, registration_id) if isinstance(registration_id, int) else None
    if reg is None or ctx.staff is None or reg.staff_id != ctx.staff.id:
        return None
    return reg


def _answer(ctx: Ctx, reg: Registration, phase: str, question_id: int, choice: int) -> list[Message]:
    question = next((q for q in questions_of(session=ctx.session, course_id=reg.course_id) if q.id == question_id),
                    None)
    if question is None or not 0 <= choice < len(question.choices):
        return _ask_next(ctx, reg, phase)
    if not answer_question(session=ctx.session, registration_id=reg.id, phase=phase, question=question,
                           choice=choice, now=ctx.now):
        return [text(T.QUIZ_ANSWERED), *_ask_next(ctx, reg, phase)]
    return _ask_next(ctx, reg, phase)


@router.postback(Action.QUIZ_START)
def quiz_start(event: Any, ctx: Ctx) -> list[Message]:
    """Start or resume a test from a button."""
    assert ctx.postback is not None
    reg = _own(ctx, ctx.postback.id)
    phase = ctx.postback.arg
    if reg is None or phase not in T.PHASE:
        return [text(T.NOT_YOURS)]
    problem = _open(reg, phase, ctx)
    if problem:
        return [text(problem)]
    result = score(session=ctx.session, registration_id=reg.id, course_id=reg.course_id, phase=phase)
    if result.done:
        return [text(T.QUIZ_ALREADY.format(phase=T.PHASE[phase], correct=result.correct, total=result.total))]
    return start(ctx, reg, phase)


@router.postback(Action.QUIZ_ANSWER)
def quiz_answer(event: Any, ctx: Ctx) -> list[Message]:
    """Store a tapped answer and ask the next question; a repeated tap is told so and changes nothing."""
    assert ctx.postback is not None
    reg = _own(ctx, ctx.postback.id)
    try:
        phase, question_text, choice_text = ctx.postback.arg.split(":")
        question_id, choice = int(question_text), int(choice_text)
    except ValueError:
        return [text(T.NOT_YOURS)]
    if reg is None or phase not in T.PHASE:
        return [text(T.NOT_YOURS)]
    conv = ctx.conversation
    in_flow = conv is not None and conv.flow == FLOW and (conv.data or {}).get("reg") == reg.id \
        and (conv.data or {}).get("phase") == phase
    if not in_flow:
        # ยกเลิก stopped the test (or it is finished): an old quick reply changes nothing.
        result = score(session=ctx.session, registration_id=reg.id, course_id=reg.course_id, phase=phase)
        if result.done:
            return [text(T.QUIZ_ALREADY.format(phase=T.PHASE[phase], correct=result.correct, total=result.total))]
        return [text(T.QUIZ_STOPPED.format(phase=T.PHASE[phase]),
                     [cards.quiz_start_button(ctx.services.codec, reg.id, phase, T.QUIZ_CONTINUE)])]
    return _answer(ctx, reg, phase, question_id, choice)


@router.flow(FLOW)
def quiz_flow(event: Any, ctx: Ctx) -> list[Message]:
    """Typed answers: the choice's number (Thai digits too); anything else asks again."""
    conv = ctx.conversation
    assert conv is not None
    data = conv.data or {}
    reg = _own(ctx, data.get("reg"))
    phase = str(data.get("phase") or "")
    if reg is None or phase not in T.PHASE:
        ctx.end_flow()
        return [text(T.QUIZ_CLOSED.format(phase=T.PHASE.get(phase, "")))]
    question = next_question(session=ctx.session, registration_id=reg.id, course_id=reg.course_id, phase=phase)
    if question is None:
        return _finish(ctx, reg, phase)
    typed = event.message.text.strip() if isinstance(event.message, TextMessageContent) else ""
    digits = to_arabic_digits(typed).rstrip(").")
    number = int(digits) if digits.isdigit() and len(digits) <= 2 else 0
    if 1 <= number <= len(question.choices):
        return _answer(ctx, reg, phase, question.id, number - 1)
    return [text(T.QUIZ_PICK.format(count=len(question.choices))), *_ask_next(ctx, reg, phase)]
