"""Executives in LINE: on the monthly follow-up day, one card with the month's figures and a chart.

People holding the `executive` role get the fiscal year's coverage, budget spent against
allocated and reports owed, the chart image (served by the app at a signed address, see
bot/charts.py) and a button opening the console's dashboard. With no `public_base_url` set the
card still goes, without the image and the button (LINE needs a public https address for both).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.kit.messages import Message, bubble, button, flex, row, uri_action
from handlers.kit.postback import Action, PostbackCodec
from handlers.kit.router import Router
from models.figures import YearFigures, share, year_figures
from models.org import ROLE_EXECUTIVE, Staff
from scheduler import bulk
from scheduler.registry import Counts, Reminders, monthly_followup_day
from scheduler.triggers import MonthlyTrigger
from thai.dates import THAI_MONTHS_LONG, be_year, fiscal_year, format_date, today_bangkok
from thai.numbers import format_number

router = Router("executive")  # no chat of its own: the card's button opens the console
reminders = Reminders("executive")

CHART_PATH = "/charts/executive/{token}.png"
DASHBOARD_PATH = "/admin/dashboard/?year={year}"


class T:
    """The executives' card, in Thai."""

    TITLE = "สรุปการพัฒนาบุคลากร เดือน{month}"
    SUBTITLE = "ปีงบประมาณ {year} ข้อมูล ณ {date}"
    COVERAGE = "เข้ารับการอบรมแล้ว"
    COVERAGE_VALUE = "{n} จาก {staff} คน (ร้อยละ {pct})"
    KPI = "หลักสูตรที่ครอบคลุมทุกประเภทบุคลากร"
    KPI_VALUE = "{n} จาก {total} หลักสูตร"
    BUDGET = "เบิกจ่ายจริง"
    BUDGET_VALUE = "{spent} จาก {allocated} บาท (ร้อยละ {pct})"
    APPROVED = "อนุมัติค่าใช้จ่ายแล้ว"
    OWED = "รายงานผลการอบรมค้างส่ง"
    OWED_VALUE = "{n} รายการ (เลยกำหนด {late})"
    OPEN = "เปิดภาพรวมปีงบประมาณ"
    ALT = "สรุปการพัฒนาบุคลากร ปีงบประมาณ {year}: อบรมแล้ว {n}/{staff} คน เบิกจ่าย {spent} บาท รายงานค้าง {owed}"


def executives(*, session: Session) -> list[Staff]:
    """Active people with the executive role whom a push can reach."""
    people = session.scalars(select(Staff).where(Staff.active.is_(True), Staff.line_user_id.is_not(None),
                                                 Staff.reachable.is_(True)).order_by(Staff.id))
    return [p for p in people if p.has_role(ROLE_EXECUTIVE)]


def chart_token(codec: PostbackCodec, year: int, today: date) -> str:
    """The signed part of the chart's address: the year and the day its figures are as of."""
    return quote(codec.pack(Action.EXECUTIVE_CHART, id=year, arg=today.isoformat()), safe="")


def _pct(part: Any, whole: Any) -> str:
    return format_number(share(float(part), float(whole)) * 100, decimals=0)


def executive_card(fig: YearFigures, *, codec: PostbackCodec, base_url: str) -> Message:
    """The card: coverage, the KPI, budget spent vs allocated, reports owed; chart and button when reachable."""
    totals = fig.totals()
    month = f"{THAI_MONTHS_LONG[fig.today.month - 1]} {be_year(fig.today)}"
    rows = [
        row(T.COVERAGE, T.COVERAGE_VALUE.format(n=fig.trained_count, staff=fig.staff_count,
                                                pct=_pct(fig.trained_count, fig.staff_count))),
        row(T.KPI, T.KPI_VALUE.format(n=fig.kpi_courses[0], total=fig.kpi_courses[1])),
        row(T.BUDGET, T.BUDGET_VALUE.format(spent=format_number(totals.spent, decimals=0),
                                            allocated=format_number(totals.allocated, decimals=0),
                                            pct=_pct(totals.spent, totals.allocated))),
        row(T.APPROVED, format_number(totals.approved, decimals=0) + " บาท"),
        row(T.OWED, T.OWED_VALUE.format(n=fig.reports["owed"], late=fig.reports["overdue"])),
    ]
    base = base_url.rstrip("/")
    buttons = [button(uri_action(T.OPEN, base + DASHBOARD_PATH.format(year=fig.fiscal_year)))] if base else None
    card = bubble(T.TITLE.format(month=month), rows, buttons,
                  subtitle=T.SUBTITLE.format(year=fig.fiscal_year, date=format_date(fig.today)))
    if base:
        card["hero"] = {"type": "image", "size": "full", "aspectRatio": "1:1", "aspectMode": "fit",
                        "url": base + CHART_PATH.format(token=chart_token(codec, fig.fiscal_year, fig.today))}
    alt = T.ALT.format(year=fig.fiscal_year, n=fig.trained_count, staff=fig.staff_count,
                       spent=format_number(totals.spent, decimals=0), owed=fig.reports["owed"])
    return flex(alt, card)


@reminders.job("executive-monthly", trigger=monthly_followup_day, misfire_grace_time=6 * 3600)
def executive_monthly(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Send every executive the month's card (once per month: the dedup key names the month)."""
    people = executives(session=session)
    if not people:
        return {"executives": 0, "written": 0}
    today = today_bangkok(now)
    period = MonthlyTrigger.from_settings(settings).period_of(today) or f"{today:%Y-%m}"
    fig = year_figures(session=session, fiscal_year=fiscal_year(today), today=today)
    message = executive_card(fig, codec=codec, base_url=str(settings.get("public_base_url") or ""))
    planned = bulk.multicast([p.line_user_id for p in people if p.line_user_id], [message],
                             f"executive:monthly:{period}")
    return {"executives": len(people), "written": len(bulk.write(session, planned))}
