"""Reviewing a report: รับทราบ, or ขอให้แก้ไข with a reason that goes back to the author."""
from __future__ import annotations

from typing import Any

from handlers.kit.context import Ctx
from handlers.kit.messages import (
    Message,
    text,
)
from handlers.kit.postback import Action
from handlers.reports.cards import (
    report_button,
)
from handlers.reports.common import (
    FLOW_REVISE,
    ask_reason,
    cancel_action,
    reviewer_word,
    router,
)
from handlers.reports.text import T
from models.conversation import start_conversation
from models.report import Report
from models.report_review import ReviewResult, acknowledge, may_review, request_revision, review_is_current
from models.reports import ReportState


def _report_for_tap(ctx: Ctx) -> tuple[Report | None, int | None, list[Message]]:
    assert ctx.postback is not None
    report = ctx.session.get(Report, ctx.postback.id) if ctx.postback.id is not None else None
    try:
        revision = int(ctx.postback.arg)
    except ValueError:
        revision = None
    if report is None or revision is None:
        return None, None, [text(T.STALE_BUTTON)]
    if not may_review(ctx.staff, report):
        return None, None, [text(T.NOT_REVIEWER)]
    if not review_is_current(report, revision):
        return None, None, [text(T.STALE_REVIEW.format(status=T.REPORT_STATUS[ReportState(report.status)]))]
    return report, revision, []


@router.postback(Action.REPORT_ACK)
def ack(event: Any, ctx: Ctx) -> list[Message]:
    """Acknowledge (รับทราบ) a report: only its reviewer, only its current revision, once."""
    report, revision, reply = _report_for_tap(ctx)
    if report is None or revision is None:
        return reply
    assert ctx.staff is not None
    result = acknowledge(session=ctx.session, report=report, reviewer=ctx.staff, revision=revision, now=ctx.now)
    if result is ReviewResult.NOT_ALLOWED:
        return [text(T.NOT_REVIEWER)]
    if result is ReviewResult.STALE:
        return [text(T.STALE_REVIEW.format(status=T.REPORT_STATUS[ReportState(report.status)]))]
    reg = report.registration
    ctx.push(reg.staff, [text(T.ACKED_STAFF.format(who=reviewer_word(reg, ctx.staff.id, ctx.hr), course=reg.course.title))])
    return [text(T.ACKED.format(name=reg.staff.name))]


@router.postback(Action.REPORT_REVISE)
def ask_revision_reason(event: Any, ctx: Ctx) -> list[Message]:
    """Ask the reviewer what should be changed (the reason goes back to the author)."""
    report, revision, reply = _report_for_tap(ctx)
    if report is None or revision is None:
        return reply
    conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW_REVISE, step="reason",
                              data={"report": report.id, "revision": revision})
    ctx.conversation = conv
    return [text(T.ASK_REVISE.format(name=report.registration.staff.name), [cancel_action(ctx)])]


@router.flow(FLOW_REVISE)
def revision_reason(event: Any, ctx: Ctx) -> list[Message]:
    """Take the reviewer's reason, send the report back, and tell its author."""
    conv = ctx.conversation
    assert conv is not None and ctx.staff is not None
    reason, problem = ask_reason(event, ctx)
    if reason is None:
        return [text(problem or T.REASON_TEXT_ONLY, [cancel_action(ctx)])]
    data = conv.data or {}
    ctx.end_flow()
    ctx.conversation = None
    report = ctx.session.get(Report, data.get("report"))
    if report is None:
        return [text(T.STALE_BUTTON)]
    result = request_revision(session=ctx.session, report=report, reviewer=ctx.staff,
                              revision=int(data.get("revision") or 0), reason=reason, now=ctx.now)
    if result is ReviewResult.NOT_ALLOWED:
        return [text(T.NOT_REVIEWER)]
    if result is ReviewResult.STALE:
        return [text(T.STALE_REVIEW.format(status=T.REPORT_STATUS[ReportState(report.status)]))]
    reg = report.registration
    message = text(T.REVISE_STAFF.format(who=reviewer_word(reg, ctx.staff.id, ctx.hr), course=reg.course.title, reason=reason),
                   [report_button(ctx.services.codec, reg.id, T.BTN_REVISE_SEND)])
    ctx.push(reg.staff, [message])
    return [text(T.REVISE_SENT.format(name=reg.staff.name))]


