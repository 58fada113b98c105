"""How the courses, requests and reports pages show things: BE dates, baht, Thai status words."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from models.registration import Attendance, RegStatus
from models.reports import ReportState
from thai.dates import format_date, format_date_range, format_datetime, parse_date
from thai.numbers import format_baht, format_number, parse_amount, parse_int


class L:
    """Status words shown on the pages (THAI.md's words)."""

    REG = {RegStatus.PENDING: "รอการอนุมัติ", RegStatus.APPROVED: "ได้รับอนุมัติแล้ว",
           RegStatus.REJECTED: "ไม่อนุมัติ", RegStatus.CANCELLED: "ยกเลิกแล้ว"}
    ATTENDANCE = {Attendance.UNKNOWN: "ยังไม่บันทึก", Attendance.ATTENDED: "เข้าร่วม",
                  Attendance.NOT_ATTENDED: "ไม่ได้เข้าร่วม"}
    REPORT = {ReportState.NONE: "-", ReportState.OWED: "รอส่งรายงาน", ReportState.OVERDUE: "เกินกำหนดส่งรายงาน",
              ReportState.SUBMITTED: "ส่งรายงานแล้ว (รอผู้บังคับบัญชารับทราบ)",
              ReportState.ACKNOWLEDGED: "ผู้บังคับบัญชารับทราบแล้ว",
              ReportState.REVISION_REQUESTED: "ขอให้แก้ไขรายงาน", ReportState.NOT_ATTENDED: "ไม่ต้องส่ง (ไม่ได้เข้าร่วม)"}
    UNLIMITED = "ไม่จำกัด"


def be_date(value: date | datetime | None) -> str:
    """Return a date in BE ("14 ธ.ค. 2569"), or "-"."""
    return format_date(value) if value is not None else "-"


def be_datetime(value: datetime | None) -> str:
    """Return a moment in Bangkok time and BE, or "-"."""
    return format_datetime(value) if value is not None else "-"


def be_range(start: date, end: date) -> str:
    """Return a date span in BE."""
    return format_date_range(start, end)


def baht(value: Decimal | int | None) -> str:
    """Return an amount in baht ("3,500 บาท")."""
    return format_baht(value or 0)


def number(value: int | Decimal) -> str:
    """Return a number with thousands separators."""
    return format_number(value)


def helpers() -> dict[str, Any]:
    """Return what the templates of these pages call (a blueprint context processor)."""
    return {"be_date": be_date, "be_datetime": be_datetime, "be_range": be_range, "baht": baht,
            "number": number, "L": L}


def typed_date(text: str, today: date) -> date:
    """Read a date HR typed (BE or CE, Thai or Arabic digits); raises ThaiParseError."""
    return parse_date(text, today=today)


def typed_amount(text: str) -> Decimal:
    """Read an amount HR typed ("3,500", "๓๕๐๐"); empty is 0; raises ThaiParseError."""
    return parse_amount(text) if text.strip() else Decimal("0")


def typed_int(text: str) -> int:
    """Read a whole number HR typed; empty is 0; raises ThaiParseError."""
    return parse_int(text) if text.strip() else 0
