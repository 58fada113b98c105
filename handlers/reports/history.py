"""ประวัติการอบรม: a person's courses per fiscal year, with what each request and report came to."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from handlers.kit.context import Ctx
from handlers.kit.messages import (
    GREY,
    Message,
    box,
    bubble,
    carousel,
    flex,
    row,
    separator,
    t,
    text,
)
from handlers.kit.postback import Action
from handlers.reports.common import (
    router,
)
from handlers.reports.text import T
from models.registration import RegStatus
from models.reports import (
    HistoryItem,
    ReportState,
    due_date,
    training_history,
)
from thai.dates import format_date, format_date_range
from thai.nlu import Intent
from thai.numbers import format_baht, format_number

MAX_HISTORY_ROWS = 8  # courses per fiscal-year bubble, keeping the Flex message small


def _history_item(item: HistoryItem, settings: dict[str, Any]) -> dict[str, Any]:
    reg = item.registration
    status = T.REPORT_STATUS[item.state]
    if item.state in (ReportState.OWED, ReportState.OVERDUE):
        status = status.format(due=format_date(due_date(reg, settings)))
    expense = format_baht(item.report.expense_total) if item.report is not None else "-"
    return box([
        t(reg.course.title, weight="bold", size="sm"),
        row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
        row(T.L_REQUEST, T.REQUEST_STATUS.get(RegStatus(reg.status), reg.status)),
        row(T.L_REPORT, status),
        row(T.L_EXPENSE, expense),
    ], margin="md")


def history_bubble(fy: int, items: list[HistoryItem], settings: dict[str, Any]) -> dict[str, Any]:
    """Return one fiscal year's courses as a bubble."""
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(items[:MAX_HISTORY_ROWS]):
        if i:
            rows.append(separator())
        rows.append(_history_item(item, settings))
    if len(items) > MAX_HISTORY_ROWS:
        rows.append(t(T.HISTORY_MORE.format(n=len(items) - MAX_HISTORY_ROWS), color=GREY, size="xs"))
    spent = sum((i.report.expense_total for i in items if i.report is not None), Decimal("0"))
    rows += [separator(), row(T.L_YEAR_TOTAL, format_baht(spent))]
    return bubble(T.HISTORY_TITLE.format(fy=fy), rows, subtitle=T.COURSES_N.format(n=format_number(len(items))))


@router.intent(Intent.HISTORY)
@router.postback(Action.HISTORY)
def history(event: Any, ctx: Ctx) -> list[Message]:
    """Show the person's courses per fiscal year, newest first."""
    assert ctx.staff is not None
    years = training_history(session=ctx.session, staff=ctx.staff, today=ctx.today, settings=ctx.settings)
    if not years:
        return [text(T.HISTORY_EMPTY)]
    bubbles = [history_bubble(fy, items, ctx.settings) for fy, items in list(years.items())[:12]]
    count = sum(len(items) for items in years.values())
    messages = [flex(T.HISTORY_ALT.format(n=count), carousel(bubbles))]
    if len(years) > 12:
        messages.append(text(T.HISTORY_OLDER.format(shown=12, total=len(years), hr=ctx.hr)))
    return messages
