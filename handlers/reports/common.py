"""What the report feature's modules share: its router, flow names, and small helpers."""
from __future__ import annotations

from typing import Any

from linebot.v3.webhooks import TextMessageContent

from handlers.kit.context import Ctx
from handlers.kit.messages import clip, postback_action
from handlers.kit.postback import Action
from handlers.kit.router import Router
from handlers.reports.text import T
from models.registration import Registration
from models.report_review import hr_reviews
from thai.nlu import Intent
from thai.numbers import format_number

router = Router("reports")

FLOW = "report"
FLOW_NOT_ATTENDED = "not_attended"
FLOW_REVISE = "revise_reason"
BACK = "summary"  # REPORT_EDIT argument: back to the wizard's summary
MIN_REASON = 3
MAX_REASON = 1000
CARD_TEXT = 300  # characters of a long answer shown on a card


def cut(value: str, limit: int = CARD_TEXT) -> str:
    """Return a long answer trimmed and cut for a card."""
    return clip(value.strip(), limit)



def own_registration(ctx: Ctx, registration_id: int | None) -> Registration | None:
    if registration_id is None:
        return None
    reg = ctx.session.get(Registration, registration_id)
    if reg is None or ctx.staff is None or reg.staff_id != ctx.staff.id:
        return None
    return reg


def cancel_action(ctx: Ctx) -> dict[str, Any]:
    return postback_action(T.BTN_CANCEL, ctx.pack(Action.CANCEL_FLOW), display_text=T.BTN_CANCEL)



def ask_reason(event: Any, ctx: Ctx) -> tuple[str | None, str | None]:
    """Return (reason, None) for acceptable text, or (None, what to say)."""
    content = event.message
    if not isinstance(content, TextMessageContent):
        return None, T.REASON_TEXT_ONLY
    reason = content.text.strip()
    parsed = ctx.intent
    if parsed is not None and parsed.intent is not Intent.UNKNOWN and parsed.score >= 1.0 and not parsed.query:
        # A bare menu command ("ส่งรายงาน", "อบรม") is not a reason: never store it as one.
        return None, T.REASON_NOT_COMMAND
    if len(reason) < MIN_REASON:
        return None, T.REASON_SHORT.format(n=MIN_REASON)
    if len(reason) > MAX_REASON:
        return None, T.REASON_LONG.format(n=format_number(MAX_REASON))
    return reason, None


def reviewer_word(reg: Registration, reviewer_id: int | None, hr: str) -> str:
    """Return who reviewed, as the staff member is told (HR, named as the setting says, may stand in)."""
    if reviewer_id is None:
        return T.WHO_HR.format(hr=hr) if hr_reviews(reg) else T.WHO_SUPERVISOR
    return T.WHO_SUPERVISOR if reviewer_id == reg.staff.supervisor_id else T.WHO_HR.format(hr=hr)
