"""Check-in: the text a check-in QR code types (ลงทะเบียนเข้าอบรม รหัส XXXXXX) checks the sender in."""
from __future__ import annotations

import re
from typing import Any

from handlers.attendance import quiz
from handlers.attendance.base import router
from handlers.attendance.text import T
from handlers.kit.context import Ctx
from handlers.kit.messages import Message, text
from models.attendance import CheckinResult, QuizPhase, check_in, normalise_checkin_code
from models.registration import status_text
from thai.dates import format_date, to_bangkok

_SPACES = re.compile(r"\s+")


def checkin_text(code: str) -> str:
    """Return the text a check-in QR code puts in the chat."""
    return T.CHECKIN_TEXT.format(code=code)


def is_checkin(message: str) -> bool:
    """Tell whether a text is a check-in (the word, then the code)."""
    return _SPACES.sub("", message).startswith(T.CHECKIN_WORD)


@router.text(is_checkin, staff_only=True, interrupts=True)
def checkin(event: Any, ctx: Ctx) -> list[Message]:
    """Check the sender in for today's course day, or say clearly why not (nothing changes then)."""
    assert ctx.staff is not None
    rest = _SPACES.sub("", event.message.text).removeprefix(T.CHECKIN_WORD).removeprefix("รหัส")
    code = normalise_checkin_code(rest)
    if code is None:
        return [text(T.UNREADABLE)]
    outcome = check_in(session=ctx.session, staff_id=ctx.staff.id, code=code, now=ctx.now)
    result, course = outcome.result, outcome.course
    if result is CheckinResult.UNKNOWN_CODE or course is None or outcome.day is None:
        return [text(T.UNKNOWN_CODE)]
    day = format_date(outcome.day)
    if result is CheckinResult.STALE_CODE:
        return [text(T.STALE_CODE)]
    if result is CheckinResult.WRONG_DAY:
        return [text(T.WRONG_DAY.format(day=day, course=course.title))]
    if result is CheckinResult.NOT_REGISTERED:
        return [text(T.NOT_REGISTERED.format(course=course.title))]
    reg = outcome.registration
    assert reg is not None
    if result is CheckinResult.NOT_APPROVED:
        return [text(T.NOT_APPROVED.format(course=course.title, status=status_text(reg)))]
    if result is CheckinResult.ALREADY:
        return [text(T.ALREADY.format(day=day, course=course.title))]
    done = text(T.CHECKED_IN.format(course=course.title, day=day, time=f"{to_bangkok(ctx.now):%H:%M}"))
    # The test before the course: asked at the first check-in, while the course runs.
    return [done, *quiz.offer(ctx, reg, QuizPhase.PRE)]
