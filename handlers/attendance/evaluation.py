"""The evaluation in the chat: ratings 1-5 per question by quick reply, then an optional comment.

The ratings themselves are the state (one row per question), so a stopped evaluation resumes at
the first unrated question; only the comment step is a flow ("eval_comment").
"""
from __future__ import annotations

from typing import Any

from linebot.v3.webhooks import TextMessageContent
from sqlalchemy import select

from handlers.attendance import cards
from handlers.attendance.base import router
from handlers.attendance.text import T
from handlers.kit.context import Ctx
from handlers.kit.messages import Message, text
from handlers.attendance.base import AttendanceAction as Action
from models.attendance import EvaluationResponse, next_position, rate, set_comment, skip_comment
from models.conversation import start_conversation
from models.registration import Registration

FLOW_COMMENT = "eval_comment"


def ask_next(ctx: Ctx, response: EvaluationResponse) -> list[Message]:
    """Ask the first unrated question, or the comment when all are rated."""
    position = next_position(response)
    if position is not None:
        return [cards.eval_question(ctx.services.codec, response, position)]
    if response.comment is None:
        if ctx.conversation is not None and ctx.conversation.flow != FLOW_COMMENT:
            return [text(T.EVAL_THANKS)]  # another flow (a report half written) is not dropped for a comment
        ctx.conversation = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id,
                                              flow=FLOW_COMMENT, step="comment", data={"resp": response.id})
        return [cards.eval_comment(ctx.services.codec, response)]
    return [text(T.EVAL_DONE_ALREADY)]


def _own(ctx: Ctx, response_id: Any) -> EvaluationResponse | None:
    response = ctx.session.get(EvaluationResponse, response_id) if isinstance(response_id, int) else None
    if response is None or ctx.staff is None or response.registration.staff_id != ctx.staff.id:
        return None
    return response


@router.postback(Action.EVAL_START)
def eval_start(event: Any, ctx: Ctx) -> list[Message]:
    """Start or resume an evaluation from a button."""
    assert ctx.postback is not None
    response = _own(ctx, ctx.postback.id)
    if response is None:
        return [text(T.NOT_YOURS)]
    if response.completed_at is not None and response.comment is not None:
        return [text(T.EVAL_DONE_ALREADY)]
    return ask_next(ctx, response)


@router.text(lambda message: message.strip() == T.EVAL_WORD, staff_only=True)
def eval_typed(event: Any, ctx: Ctx) -> list[Message]:
    """Typed แบบประเมิน: resume the newest unfinished evaluation."""
    assert ctx.staff is not None
    response = ctx.session.scalar(
        select(EvaluationResponse).join(Registration, Registration.id == EvaluationResponse.registration_id)
        .where(Registration.staff_id == ctx.staff.id, EvaluationResponse.completed_at.is_(None))
        .order_by(EvaluationResponse.sent_at.desc()).limit(1))
    if response is None:
        return [text(T.EVAL_NONE)]
    return ask_next(ctx, response)


@router.postback(Action.EVAL_RATE)
def eval_rate(event: Any, ctx: Ctx) -> list[Message]:
    """Store a rating and ask the next question; a repeated tap is told so and rates nothing twice."""
    assert ctx.postback is not None
    response = _own(ctx, ctx.postback.id)
    try:
        position_text, rating_text = ctx.postback.arg.split(":")
        position, rating = int(position_text), int(rating_text)
    except ValueError:
        return [text(T.NOT_YOURS)]
    if response is None or not 0 <= position < len(response.questions) or not 1 <= rating <= 5:
        return [text(T.NOT_YOURS)]
    if not rate(session=ctx.session, response=response, position=position, rating=rating, now=ctx.now):
        if response.completed_at is not None and response.comment is not None:
            return [text(T.EVAL_DONE_ALREADY)]
        if next_position(response) is None and ctx.conversation is not None \
                and ctx.conversation.flow == FLOW_COMMENT:
            return [text(T.EVAL_RATED)]  # the comment question is already on screen
        return [text(T.EVAL_RATED), *ask_next(ctx, response)]
    return ask_next(ctx, response)


def _finish_comment(ctx: Ctx) -> None:
    ctx.end_flow()


@router.postback(Action.EVAL_SKIP_COMMENT)
def eval_skip(event: Any, ctx: Ctx) -> list[Message]:
    """ข้าม: no comment; the evaluation is finished."""
    assert ctx.postback is not None
    response = _own(ctx, ctx.postback.id)
    if response is None:
        return [text(T.NOT_YOURS)]
    conv = ctx.conversation
    if conv is not None and conv.flow == FLOW_COMMENT and (conv.data or {}).get("resp") == response.id:
        skip_comment(session=ctx.session, response=response)
        _finish_comment(ctx)
        return [text(T.EVAL_THANKS)]
    if next_position(response) is not None:
        return ask_next(ctx, response)
    return [text(T.EVAL_DONE_ALREADY)]


@router.flow(FLOW_COMMENT)
def eval_comment(event: Any, ctx: Ctx) -> list[Message]:
    """Store the typed comment and thank the person."""
    conv = ctx.conversation
    assert conv is not None
    response = _own(ctx, (conv.data or {}).get("resp"))
    if response is None:
        _finish_comment(ctx)
        return [text(T.EVAL_NONE)]
    if not isinstance(event.message, TextMessageContent) or not event.message.text.strip():
        return [cards.eval_comment(ctx.services.codec, response, T.EVAL_COMMENT_TEXT)]
    if event.message.text.strip() == T.SKIP:
        skip_comment(session=ctx.session, response=response)
        _finish_comment(ctx)
        return [text(T.EVAL_THANKS)]
    set_comment(session=ctx.session, response=response, comment=event.message.text)
    _finish_comment(ctx)
    return [text(T.EVAL_THANKS)]
