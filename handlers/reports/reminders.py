"""The report feature's clock jobs and their cards: the monthly follow-up, due soon, long overdue.

Each job reads with a fixed number of bulk queries (never one per person) and writes every
message in one statement (scheduler.bulk), each with a unique dedup_key
"kind:subject:recipient:period", so a rerun, a restart or a second clock writes nothing twice.
Follow-ups of owed reports go to everyone who can receive them (the announcement switch does
not apply to owed work).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.kit.messages import RED, Message, bubble, button, flex, row, separator, t, text, text_card
from handlers.kit.postback import PostbackCodec
from handlers.reports.cards import report_button
from handlers.reports.text import T
from models.org import hr_line_ids
from models.reports import OwedRow, owed_reports_all
from scheduler import bulk
from scheduler.registry import Counts, Reminders, monthly_followup_day, working_days_at
from scheduler.triggers import MonthlyTrigger
from thai.dates import THAI_MONTHS_LONG, be_year, fiscal_year, format_date, today_bangkok
from thai.numbers import format_number

reminders = Reminders("reports")

LIST_LIMIT = 10  # reports listed in one follow-up card
NAMES_LIMIT = 30  # overdue names listed in the HR summary


# --- the monthly follow-up ---------------------------------------------------------------------


def followup_period(today: date, settings: Mapping[str, Any]) -> str:
    """Return the month whose follow-up goes out today ("2027-01"); today's month otherwise."""
    return MonthlyTrigger.from_settings(settings).period_of(today) or f"{today:%Y-%m}"


@reminders.job("monthly-followup", trigger=monthly_followup_day, misfire_grace_time=6 * 3600)
def monthly_followup(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Tell every staff member with owed reports what they owe (one message), and HR the summary."""
    today = today_bangkok(now)
    period = followup_period(today, settings)
    owed = owed_reports_all(session=session, today=today, settings=dict(settings))
    counts: Counter[str] = Counter(owed_reports=len(owed))

    planned: list[bulk.Planned] = []
    by_staff: dict[int, list[OwedRow]] = {}
    for item in owed:
        by_staff.setdefault(item.staff_id, []).append(item)
    for staff_id, items in by_staff.items():
        line_id = items[0].line_user_id
        if line_id is None:
            counts["staff_unreachable"] += 1
            continue
        planned.append(bulk.push(line_id, [followup_message(codec, items, today)],
                                 f"followup:owed:{staff_id}:{period}"))
        counts["followup_staff"] += 1

    hr = hr_line_ids(session=session)
    if hr:
        planned.extend(bulk.multicast(hr, [hr_summary_message(period, today, owed)], f"followup:summary:hr:{period}"))
        counts["followup_hr"] = len(hr)

    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)


def _due_text(item: OwedRow) -> str:
    overdue = f" ({T.OVERDUE_TAG})" if item.overdue_days > 0 else ""
    return format_date(item.due) + overdue


def followup_message(codec: PostbackCodec, items: Sequence[OwedRow], today: date) -> Message:
    """Return the monthly follow-up: one card listing every owed report, with ส่งรายงาน."""
    rows: list[dict[str, Any]] = [t(T.FOLLOWUP_INTRO.format(n=len(items)), size="sm")]
    for i, item in enumerate(items[:LIST_LIMIT], start=1):
        rows.append(separator())
        title = f"{i}. {item.course_title}" if len(items) > 1 else item.course_title
        rows.append(t(title, weight="bold", color=RED if item.overdue_days > 0 else None))
        rows.append(row(T.L_DUE, _due_text(item)))
    if len(items) > LIST_LIMIT:
        rows.append(t(T.MORE.format(n=len(items) - LIST_LIMIT), size="xs"))
    # One report: the button opens it; several: the wizard lists them to choose from.
    only = items[0].registration_id if len(items) == 1 else None
    card = bubble(
        T.FOLLOWUP_TITLE, rows, [button(report_button(codec, only))],
        subtitle=T.FOLLOWUP_SUBTITLE.format(date=format_date(today)),
        header_color=RED if any(i.overdue_days > 0 for i in items) else "#0B6E4F",
    )
    return flex(T.FOLLOWUP_ALT.format(n=len(items)), card)


def month_label(period: str) -> str:
    """Return "มกราคม 2570" for "2027-01"."""
    year, month = (int(part) for part in period.split("-"))
    return f"{THAI_MONTHS_LONG[month - 1]} {be_year(date(year, month, 1))}"


def hr_summary_message(period: str, today: date, owed: Sequence[OwedRow]) -> Message:
    """Return the HR summary: owed and overdue per unit, then the overdue names."""
    first_day = date(*(int(p) for p in period.split("-")), 1)
    head = {"month": month_label(period), "fy": fiscal_year(first_day), "date": format_date(today)}
    if not owed:
        return text(T.SUMMARY_NONE.format(**head))
    people = len({(item.name, item.unit) for item in owed})
    overdue = [item for item in owed if item.overdue_days > 0]
    parts = [T.SUMMARY.format(**head, owed=format_number(len(owed)), people=format_number(people),
                              overdue=format_number(len(overdue))), "", T.SUMMARY_UNITS]
    per_unit: dict[str, list[int]] = {}
    for item in owed:
        counts = per_unit.setdefault(item.unit or T.NO_UNIT, [0, 0])
        counts[0] += 1
        counts[1] += int(item.overdue_days > 0)
    for unit in sorted(per_unit):
        owed_n, overdue_n = per_unit[unit]
        parts.append(T.SUMMARY_UNIT.format(unit=unit, owed=format_number(owed_n), overdue=format_number(overdue_n)))
    if overdue:
        parts += ["", T.SUMMARY_NAMES]
        for i, item in enumerate(overdue[:NAMES_LIMIT], start=1):
            parts.append(T.SUMMARY_NAME.format(i=i, name=item.name, unit=item.unit or T.NO_UNIT,
                                               course=item.course_title, due=format_date(item.due)))
        if len(overdue) > NAMES_LIMIT:
            parts.append(T.SUMMARY_MORE.format(n=format_number(len(overdue) - NAMES_LIMIT)))
    return text("\n".join(parts))


# --- due soon and long overdue, on working days ------------------------------------------------


@reminders.job("reports-deadlines", trigger=working_days_at("daily_reminders_time"))
def report_deadlines(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Remind owners of reports due soon; tell owner and supervisor once a report is long overdue."""
    today = today_bangkok(now)
    soon = int(settings.get("report_due_soon_days", 3))
    late = int(settings.get("report_overdue_days", 7))
    counts: Counter[str] = Counter()
    planned: list[bulk.Planned] = []
    for r in owed_reports_all(session=session, today=today, settings=dict(settings)):
        days_left = (r.due - today).days
        if 0 <= days_left <= soon and r.line_user_id:
            planned.append(bulk.push(
                r.line_user_id, [due_soon_message(codec, r.registration_id, r.course_title, r.due, today)],
                f"due_soon:reg{r.registration_id}:{r.staff_id}:{r.due}"))
            counts["due_soon"] += 1
        elif r.overdue_days >= late:
            if r.line_user_id:
                planned.append(bulk.push(
                    r.line_user_id,
                    [overdue_staff_message(codec, r.registration_id, r.course_title, r.due, r.overdue_days)],
                    f"overdue:reg{r.registration_id}:{r.staff_id}:{r.due}"))
                counts["overdue_staff"] += 1
            if r.supervisor_line_user_id and r.supervisor_id is not None:
                planned.append(bulk.push(
                    r.supervisor_line_user_id,
                    [overdue_supervisor_message(r.name, r.course_title, r.due, r.overdue_days)],
                    f"overdue:reg{r.registration_id}:{r.supervisor_id}:{r.due}"))
                counts["overdue_supervisor"] += 1
    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)


def due_soon_message(codec: PostbackCodec, registration_id: int, title: str, due: date, today: date) -> Message:
    """Return the reminder that a report is due soon, with ส่งรายงาน."""
    days = (due - today).days
    left = T.DUE_TODAY if days <= 0 else T.DUE_IN.format(n=days)
    return text_card(T.DUE_SOON.format(title=title, due=format_date(due), left=left),
                     [report_button(codec, registration_id)])


def overdue_staff_message(codec: PostbackCodec, registration_id: int, title: str, due: date, days: int) -> Message:
    """Return the overdue reminder to the staff member, with ส่งรายงาน."""
    return text_card(T.OVERDUE_STAFF.format(title=title, days=days, due=format_date(due)),
                     [report_button(codec, registration_id)])


def overdue_supervisor_message(name: str, title: str, due: date, days: int) -> Message:
    """Return the overdue notice to the staff member's supervisor."""
    return text(T.OVERDUE_SUPERVISOR.format(name=name, title=title, days=days, due=format_date(due)))
