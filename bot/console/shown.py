"""What the courses, requests and reports pages share: Thai status words, BE ranges, typed values.

Dates and baht go through the console's filters (bot/console/filters.py).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from models.registration import Attendance, RegStatus
from models.reports import ReportState
from flask import abort, request

from thai.dates import fiscal_year, format_date_range, parse_date, today_bangkok
from thai.numbers import parse_amount, parse_int


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
    ACTING = {"stand_in": "ผู้รักษาราชการแทน", "hr": "เจ้าหน้าที่งานบุคคลพิจารณาแทน"}
    STEP = {"waiting": "รอการพิจารณา", "queued": "ยังไม่ถึงขั้นนี้", "approved": "อนุมัติ",
            "rejected": "ไม่อนุมัติ", "void": "-"}
    # The audit trail's actions, as HR reads them.
    ACTIONS = {
        "registration.requested": "ยื่นคำขอเข้ารับการอบรม",
        "registration.step_approved": "อนุมัติ (ส่งต่อขั้นถัดไป)",
        "registration.approved": "อนุมัติ (ขั้นสุดท้าย)",
        "registration.rejected": "ไม่อนุมัติ",
        "registration.cancelled": "ผู้ขอยกเลิกคำขอ",
        "registration.course_cancelled": "ยกเลิกเพราะหลักสูตรถูกยกเลิก",
        "report.submitted": "ส่งรายงานผลการอบรม",
        "report.resubmitted": "ส่งรายงานฉบับแก้ไข",
        "report.acknowledged": "ผู้บังคับบัญชารับทราบรายงาน",
        "report.revision_requested": "ขอให้แก้ไขรายงาน",
        "report.not_attended": "แจ้งว่าไม่ได้เข้าร่วม",
        "attendance.recorded": "บันทึกการเข้าร่วม",
    }


def be_range(start: date, end: date) -> str:
    """Return a date span in BE ("14-17 ธ.ค. 2569")."""
    return format_date_range(start, end)


def helpers() -> dict[str, Any]:
    """Return what these pages' templates call besides the console's filters (a context processor)."""
    return {"be_range": be_range, "L": L}


def typed_date(text: str, today: date) -> date:
    """Read a date HR typed (BE or CE, Thai or Arabic digits); raises ThaiParseError."""
    return parse_date(text, today=today)


def typed_amount(text: str) -> Decimal:
    """Read an amount HR typed ("3,500", "๓๕๐๐"); empty is 0; raises ThaiParseError."""
    return parse_amount(text) if text.strip() else Decimal("0")


def typed_int(text: str) -> int:
    """Read a whole number HR typed; empty is 0; raises ThaiParseError."""
    return parse_int(text) if text.strip() else 0


def requested_fiscal_year() -> int:
    """The BE fiscal year asked for in ?year= (this one when absent); a nonsense year is a 404."""
    raw = request.args.get("year", "")
    try:
        year = int(raw) if raw else fiscal_year(today_bangkok())
    except ValueError:
        abort(404)
    if not 2400 <= year <= 2700:
        abort(404)
    return year
