"""ไม่ได้เข้าร่วม: the person did not attend, says why, and owes no report; HR is told."""
from __future__ import annotations

from typing import Any

from handlers.kit.context import Ctx
from handlers.kit.messages import (
    Message,
    message_action,
    postback_action,
    text,
)
from handlers.kit.postback import Action
from handlers.reports.common import (
    FLOW_NOT_ATTENDED,
    ask_reason,
    cancel_action,
    own_registration,
    router,
)
from handlers.reports.text import T
from models.conversation import start_conversation
from models.org import Staff
from models.registration import Registration
from models.reports import (
    mark_not_attended,
    owed_reports,
    report_of,
)
from thai.dates import format_date_range
from thai.nlu import Intent


@router.intent(Intent.NOT_ATTENDED)
@router.postback(Action.NOT_ATTENDED)
def not_attended(event: Any, ctx: Ctx) -> list[Message]:
    """Ask which course was missed (if several) and why."""
    assert ctx.staff is not None
    owed = [r for r in owed_reports(session=ctx.session, staff=ctx.staff, today=ctx.today)
            if report_of(session=ctx.session, registration_id=r.id) is None]
    reg_id = ctx.postback.id if ctx.postback else None
    if reg_id is not None:
        reg = own_registration(ctx, reg_id)
        if reg is None:
            return [text(T.NOT_YOURS_REG)]
        if reg.id not in {r.id for r in owed}:
            return [text(T.ABSENT_FAILED)]
        return _ask_absent_reason(ctx, reg)
    if not owed:
        return [text(T.NOTHING_OWED)]
    if len(owed) == 1:
        return _ask_absent_reason(ctx, owed[0])
    codec = ctx.services.codec
    quick = [postback_action(f"{i + 1}. {r.course.title}", codec.pack(Action.NOT_ATTENDED, r.id),
                             display_text=T.ABSENT_DISPLAY.format(course=r.course.title)) for i, r in enumerate(owed[:12])]
    quick.append(message_action(T.BTN_CANCEL))
    lines = [f"{i + 1}. {r.course.title} ({format_date_range(r.course.start_date, r.course.end_date)})"
             for i, r in enumerate(owed)]
    return [text(T.CHOOSE_ABSENT + "\n" + "\n".join(lines), quick)]


def _ask_absent_reason(ctx: Ctx, reg: Registration) -> list[Message]:
    conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW_NOT_ATTENDED,
                              step="reason", data={"reg": reg.id})
    ctx.conversation = conv
    quick = [message_action(r) for r in T.ABSENT_REASONS] + [cancel_action(ctx)]
    dates = format_date_range(reg.course.start_date, reg.course.end_date)
    return [text(T.ASK_ABSENT_REASON.format(course=reg.course.title, dates=dates), quick)]


@router.flow(FLOW_NOT_ATTENDED)
def absent_reason(event: Any, ctx: Ctx) -> list[Message]:
    """Record the reason, tell HR, and owe no report."""
    conv = ctx.conversation
    assert conv is not None and ctx.staff is not None
    reason, problem = ask_reason(event, ctx)
    if reason is None:
        quick = [message_action(r) for r in T.ABSENT_REASONS] + [cancel_action(ctx)]
        return [text(problem or T.REASON_TEXT_ONLY, quick)]
    reg = own_registration(ctx, (conv.data or {}).get("reg"))
    ctx.end_flow()
    ctx.conversation = None
    if reg is None or not mark_not_attended(session=ctx.session, registration=reg, reason=reason, now=ctx.now,
                                            upload_dir=ctx.services.upload_dir):
        return [text(T.ABSENT_FAILED)]
    staff: Staff = reg.staff
    ctx.tell_hr([text(T.ABSENT_HR.format(
        name=staff.name, unit=staff.unit.name if staff.unit else "-", course=reg.course.title,
        dates=format_date_range(reg.course.start_date, reg.course.end_date), reason=reason))])
    return [text(T.ABSENT_DONE.format(course=reg.course.title, hr=ctx.hr))]


