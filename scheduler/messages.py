"""What the clock says: the follow-up, reminder and summary messages, built from plain rows."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from handlers.kit.messages import (
    RED,
    Message,
    bubble,
    button,
    flex,
    postback_action,
    row,
    separator,
    t,
    text,
)
from handlers.kit.postback import Action, PostbackCodec
from models.registration import ApprovalStep, Registration
from thai.dates import THAI_MONTHS_LONG, be_year, fiscal_year, format_date, format_date_range
from thai.numbers import format_number

# The features' own builders, so a tap on a reminder does exactly what it does elsewhere.
try:
    from handlers.reports import report_button as _report_button
except ImportError:  # pragma: no cover - the clock works without the report feature's builders
    _report_button = None
try:
    from handlers.approvals import approval_card as _approval_card
except ImportError:  # pragma: no cover
    _approval_card = None

LIST_LIMIT = 10  # reports listed in one follow-up card
NAMES_LIMIT = 30  # overdue names listed in the HR summary


class T:
    """What the clock says."""

    FOLLOWUP_TITLE = "รายงานผลการอบรมที่ค้างส่ง"
    FOLLOWUP_SUBTITLE = "ข้อมูล ณ {date}"
    FOLLOWUP_ALT = "ท่านมีรายงานผลการอบรมที่ยังไม่ได้ส่ง {n} หลักสูตร กรุณาส่งรายงานค่ะ"
    FOLLOWUP_INTRO = "ท่านมีรายงานผลการอบรมที่ยังไม่ได้ส่ง {n} หลักสูตรค่ะ กรุณาส่งรายงานภายในกำหนดนะคะ"
    L_DUE = "กำหนดส่ง"
    OVERDUE_TAG = "เลยกำหนด"
    MORE = "และอีก {n} หลักสูตร"
    BTN_SEND = "ส่งรายงาน"

    SUMMARY = (
        "สรุปรายงานผลการอบรมที่ค้างส่ง ประจำเดือน{month} (ปีงบประมาณ {fy})\n"
        "ข้อมูล ณ {date}\n"
        "ค้างส่งทั้งหมด {owed} รายการ จาก {people} คน เลยกำหนด {overdue} รายการ"
    )
    SUMMARY_NONE = (
        "สรุปรายงานผลการอบรมที่ค้างส่ง ประจำเดือน{month} (ปีงบประมาณ {fy})\n"
        "ข้อมูล ณ {date}\nไม่มีรายงานผลการอบรมค้างส่งค่ะ 🎉"
    )
    SUMMARY_UNITS = "แยกตามสังกัด"
    SUMMARY_UNIT = "• {unit}: ค้างส่ง {owed} เลยกำหนด {overdue}"
    NO_UNIT = "ไม่ระบุสังกัด"
    SUMMARY_NAMES = "ผู้ที่เลยกำหนดส่ง"
    SUMMARY_NAME = "{i}. {name} ({unit}) หลักสูตร {course} กำหนดส่ง {due}"
    SUMMARY_MORE = "และอีก {n} รายการ ดูทั้งหมดได้ในหน้าจัดการระบบค่ะ"

    CLOSING = (
        "📢 หลักสูตรใกล้ปิดรับสมัครค่ะ\n{title}\nวันที่อบรม: {dates}\nปิดรับสมัคร: {deadline}\n"
        "สนใจแตะ สมัคร ได้เลยค่ะ (ปิดข่าวหลักสูตรได้โดยพิมพ์ \"ปิดการแจ้งเตือน\")"
    )
    BTN_REGISTER = "สมัคร"
    STARTING = "📅 แจ้งเตือนการอบรม{when}ค่ะ\nหลักสูตร: {title}\nเริ่ม: {start}{time}\nวันที่อบรม: {dates}\nสถานที่: {venue}"
    TOMORROW = "พรุ่งนี้"
    AT_TIME = " เวลา {time} น."
    NO_VENUE = "ตามที่ผู้จัดแจ้ง"
    DUE_SOON = (
        "⏰ ใกล้ถึงกำหนดส่งรายงานผลการอบรมแล้วค่ะ\nหลักสูตร: {title}\nกำหนดส่ง: {due} ({left})\n"
        "แตะ ส่งรายงาน เพื่อเริ่มกรอกได้เลยค่ะ"
    )
    DUE_TODAY = "วันนี้"
    DUE_IN = "อีก {n} วัน"
    OVERDUE_STAFF = (
        "รายงานผลการอบรมหลักสูตร {title} เลยกำหนดส่งมาแล้ว {days} วันค่ะ (กำหนดส่ง {due})\n"
        "กรุณาส่งรายงานโดยเร็วนะคะ"
    )
    OVERDUE_SUPERVISOR = (
        "แจ้งเพื่อทราบค่ะ รายงานผลการอบรมของ {name} หลักสูตร {title} "
        "เลยกำหนดส่งมาแล้ว {days} วัน (กำหนดส่ง {due})"
    )
    WAITING_INTRO = "คำขอเข้ารับการอบรมนี้รอการอนุมัติจากท่านมา {days} วันทำการแล้วค่ะ"
    WAITING_TITLE = "คำขอรอการอนุมัติ"
    L_REQUESTER = "ผู้ขอ"
    L_COURSE = "หลักสูตร"
    L_DATES = "วันที่อบรม"
    L_WAITING = "รอมาแล้ว"
    WAITING_DAYS = "{n} วันทำการ"
    BTN_APPROVE = "อนุมัติ"
    BTN_REJECT = "ไม่อนุมัติ"


@dataclass(frozen=True)
class OwedItem:
    """One owed report as the follow-up lists it."""

    registration_id: int
    course_title: str
    due: date
    overdue_days: int  # 0 or less = not yet overdue


def report_action(codec: PostbackCodec, registration_id: int | None, label_text: str = T.BTN_SEND) -> dict[str, Any]:
    """Return the ส่งรายงาน action (the report feature's own when it is installed)."""
    if registration_id is not None and _report_button is not None:
        return _report_button(codec, registration_id, label_text)  # type: ignore[no-any-return]
    # No id: the report feature lists the person's owed reports to choose from.
    return postback_action(label_text, codec.pack(Action.REPORT, registration_id), display_text=label_text)


def _due_text(item: OwedItem) -> str:
    overdue = f" ({T.OVERDUE_TAG})" if item.overdue_days > 0 else ""
    return format_date(item.due) + overdue


def followup_message(codec: PostbackCodec, items: Sequence[OwedItem], today: date) -> Message:
    """Return the monthly follow-up: one card listing every owed report, with ส่งรายงาน."""
    rows: list[dict[str, Any]] = [t(T.FOLLOWUP_INTRO.format(n=len(items)), size="sm")]
    for i, item in enumerate(items[:LIST_LIMIT], start=1):
        rows.append(separator())
        title = f"{i}. {item.course_title}" if len(items) > 1 else item.course_title
        rows.append(t(title, weight="bold", color=RED if item.overdue_days > 0 else None))
        rows.append(row(T.L_DUE, _due_text(item)))
    if len(items) > LIST_LIMIT:
        rows.append(t(T.MORE.format(n=len(items) - LIST_LIMIT), size="xs"))
    only = items[0].registration_id if len(items) == 1 else None
    card = bubble(
        T.FOLLOWUP_TITLE, rows, [button(report_action(codec, only))],
        subtitle=T.FOLLOWUP_SUBTITLE.format(date=format_date(today)),
        header_color=RED if any(i.overdue_days > 0 for i in items) else "#0B6E4F",
    )
    return flex(T.FOLLOWUP_ALT.format(n=len(items)), card)


@dataclass(frozen=True)
class SummaryLine:
    """One owed report as the HR summary counts it."""

    unit: str | None
    name: str
    course_title: str
    due: date
    overdue: bool


def month_label(period: str) -> str:
    """Return "มกราคม 2570" for "2027-01"."""
    year, month = (int(part) for part in period.split("-"))
    return f"{THAI_MONTHS_LONG[month - 1]} {be_year(date(year, month, 1))}"


def hr_summary_message(period: str, today: date, lines: Sequence[SummaryLine]) -> Message:
    """Return the HR summary: owed and overdue per unit, then the overdue names."""
    first_day = date(*(int(p) for p in period.split("-")), 1)
    head = {"month": month_label(period), "fy": fiscal_year(first_day), "date": format_date(today)}
    if not lines:
        return text(T.SUMMARY_NONE.format(**head))
    people = len({(line.name, line.unit) for line in lines})
    overdue = [line for line in lines if line.overdue]
    parts = [T.SUMMARY.format(**head, owed=format_number(len(lines)), people=format_number(people),
                              overdue=format_number(len(overdue))), "", T.SUMMARY_UNITS]
    per_unit: dict[str, list[int]] = {}
    for line in lines:
        counts = per_unit.setdefault(line.unit or T.NO_UNIT, [0, 0])
        counts[0] += 1
        counts[1] += int(line.overdue)
    for unit in sorted(per_unit):
        owed_n, overdue_n = per_unit[unit]
        parts.append(T.SUMMARY_UNIT.format(unit=unit, owed=format_number(owed_n), overdue=format_number(overdue_n)))
    if overdue:
        parts += ["", T.SUMMARY_NAMES]
        for i, line in enumerate(overdue[:NAMES_LIMIT], start=1):
            parts.append(T.SUMMARY_NAME.format(i=i, name=line.name, unit=line.unit or T.NO_UNIT,
                                               course=line.course_title, due=format_date(line.due)))
        if len(overdue) > NAMES_LIMIT:
            parts.append(T.SUMMARY_MORE.format(n=format_number(len(overdue) - NAMES_LIMIT)))
    return text("\n".join(parts))


def closing_message(codec: PostbackCodec, course_id: int, title: str, start: date, end: date, deadline: date) -> Message:
    """Return the closing-soon announcement with a สมัคร button."""
    body = T.CLOSING.format(title=title, dates=format_date_range(start, end), deadline=format_date(deadline))
    action = postback_action(T.BTN_REGISTER, codec.pack(Action.REGISTER, course_id), display_text=T.BTN_REGISTER)
    return text(body, [action])


def starting_message(title: str, start: date, end: date, start_time: time | None, venue: str, today: date) -> Message:
    """Return the reminder to the participants of a course that starts next."""
    when = T.TOMORROW if (start - today).days == 1 else ""
    at = T.AT_TIME.format(time=f"{start_time:%H:%M}") if start_time else ""
    return text(T.STARTING.format(when=when, title=title, start=format_date(start, weekday=True), time=at,
                                  dates=format_date_range(start, end), venue=venue or T.NO_VENUE))


def due_soon_message(codec: PostbackCodec, registration_id: int, title: str, due: date, today: date) -> Message:
    """Return the reminder that a report is due soon, with ส่งรายงาน."""
    days = (due - today).days
    left = T.DUE_TODAY if days <= 0 else T.DUE_IN.format(n=days)
    return text(T.DUE_SOON.format(title=title, due=format_date(due), left=left),
                [report_action(codec, registration_id)])


def overdue_staff_message(codec: PostbackCodec, registration_id: int, title: str, due: date, days: int) -> Message:
    """Return the overdue reminder to the staff member, with ส่งรายงาน."""
    return text(T.OVERDUE_STAFF.format(title=title, days=days, due=format_date(due)),
                [report_action(codec, registration_id)])


def overdue_supervisor_message(name: str, title: str, due: date, days: int) -> Message:
    """Return the overdue notice to the staff member's supervisor."""
    return text(T.OVERDUE_SUPERVISOR.format(name=name, title=title, days=days, due=format_date(due)))


def waiting_messages(codec: PostbackCodec, reg: Registration, step: ApprovalStep, waited: int) -> list[Message]:
    """Return the nudge to an approver: a line of text and the request card with its buttons."""
    intro = T.WAITING_INTRO.format(days=waited)
    if _approval_card is not None:
        return [text(intro), _approval_card(reg, step, codec)]
    course = reg.course
    rows = [row(T.L_REQUESTER, reg.staff.name), row(T.L_COURSE, course.title),
            row(T.L_DATES, format_date_range(course.start_date, course.end_date)),
            row(T.L_WAITING, T.WAITING_DAYS.format(n=waited))]
    buttons = [
        button(postback_action(T.BTN_APPROVE, codec.pack(Action.APPROVE, reg.id, step.step))),
        button(postback_action(T.BTN_REJECT, codec.pack(Action.REJECT, reg.id, step.step)), color=RED),
    ]
    return [text(intro), flex(intro, bubble(T.WAITING_TITLE, rows, buttons))]
