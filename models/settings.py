"""The settings HR changes in the console: what each one accepts, and the audited change."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.admin import AdminUser
from models.audit import AuditLog, audit
from models.org import NEXT_WORKING_DAY, SAME_DAY, Staff, get_settings, set_setting
from thai import ThaiParseError
from thai.dates import format_date, parse_date
from thai.numbers import to_arabic_digits

_TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)(?:\s*น\.?)?$")
MAX_HOLIDAYS = 100
SETTING_CHANGED = "setting.changed"


class SettingError(ValueError):
    """A value that cannot be a setting; the message is Thai."""


def _text(limit: int) -> Callable[[str], str]:
    def read(raw: str) -> str:
        value = re.sub(r"\s+", " ", raw).strip()
        if not value:
            raise SettingError("ต้องไม่เว้นว่าง")
        if len(value) > limit:
            raise SettingError(f"ยาวเกิน {limit} ตัวอักษร")
        return value
    return read


def _clock(raw: str) -> str:
    match = _TIME_RE.match(to_arabic_digits(raw).strip())
    if not match:
        raise SettingError(f"“{raw.strip()}” ไม่ใช่เวลา กรุณาพิมพ์แบบ 08:30")
    return f"{int(match[1]):02d}:{match[2]}"


def _whole(low: int, high: int) -> Callable[[str], int]:
    def read(raw: str) -> int:
        text = to_arabic_digits(raw).strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise SettingError(f"ต้องเป็นจำนวนเต็ม {low} ถึง {high}")
        return int(text)
    return read


def _cap(raw: str) -> int | None:
    """Read a monthly cap: empty is no cap, else a whole number of recipients."""
    text = to_arabic_digits(raw).replace(",", "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 10_000_000:
        raise SettingError("ต้องเว้นว่าง (ไม่กำหนด) หรือเป็นจำนวนเต็มไม่เกิน 10,000,000")
    return int(text)


def _url(raw: str) -> str:
    value = raw.strip()
    if not value:
        return ""
    if not re.match(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$", value) or len(value) > 300:
        raise SettingError("ต้องเป็นลิงก์ที่ขึ้นต้นด้วย https:// เช่น https://line.me/R/ti/p/@123abcde")
    return value


def _base_url(raw: str) -> str:
    """Read the bot's public address: empty (no links to documents) or an https:// origin."""
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    if not re.match(r"^https://[^\s/?#]+\.[^\s/?#]+(/[^\s?#]*)?$", value) or len(value) > 300:
        raise SettingError("ต้องเว้นว่าง หรือเป็นลิงก์ที่ขึ้นต้นด้วย https:// เช่น https://bot.example.go.th")
    return value


def _basic_id(raw: str) -> str:
    value = raw.strip()
    if value and not re.match(r"^@[0-9a-z]{4,20}$", value.lower()):
        raise SettingError("ต้องขึ้นต้นด้วย @ ตามด้วยตัวอักษรหรือตัวเลข เช่น @123abcde")
    return value.lower()


def _holidays(raw: str) -> list[str]:
    days: set[date] = set()
    for line in raw.splitlines():
        text = line.strip()
        if not text:
            continue
        try:
            # Read against two far-apart "todays": a date without its year would differ.
            early, late = parse_date(text, today=date(2000, 1, 1)), parse_date(text, today=date(2100, 1, 1))
        except ThaiParseError:
            raise SettingError(f"ไม่เข้าใจวันที่ “{text}” กรุณาพิมพ์วันละบรรทัด เช่น 14 ธ.ค. 2569") from None
        if early != late:
            raise SettingError(f"“{text}” ต้องระบุปี พ.ศ. ด้วย เช่น 14 ธ.ค. 2569")
        days.add(early)
    if len(days) > MAX_HOLIDAYS:
        raise SettingError(f"ใส่ได้ไม่เกิน {MAX_HOLIDAYS} วัน")
    return [d.isoformat() for d in sorted(days)]


def holidays_as_text(values: list[str] | None) -> str:
    """Show the extra holidays as HR types them: one BE date a line."""
    days = []
    for value in values or []:
        try:
            days.append(format_date(date.fromisoformat(str(value))))
        except ValueError:
            continue
    return "\n".join(days)


@dataclass(frozen=True)
class Field:
    """One setting on the page: its key, Thai label, help, reader, and how to show its value."""

    key: str
    label: str
    help: str
    read: Callable[[str], Any]
    kind: str = "text"  # text, time, number, textarea, url, select
    choices: tuple[tuple[str, str], ...] = ()  # a select's (value, Thai label) pairs

    def show(self, value: Any) -> str:
        """Return the value as the form shows it."""
        if self.key == "extra_holidays":
            return holidays_as_text(value)
        return "" if value is None else str(value)

    def describe(self, value: Any) -> str:
        """Return the value as people read it (the trail of changes): a choice by its Thai label."""
        return dict(self.choices).get(str(value), self.show(value)) if self.choices else self.show(value)


def _choice(choices: tuple[tuple[str, str], ...]) -> Callable[[str], str]:
    def read(raw: str) -> str:
        if raw.strip() not in dict(choices):
            raise SettingError("กรุณาเลือกจากรายการ")
        return raw.strip()
    return read


# When the 5th is a holiday (the SOP's follow-up day): scheduler.triggers reads the value.
ON_HOLIDAY = ((NEXT_WORKING_DAY, "เลื่อนไปวันทำการถัดไป"), (SAME_DAY, "ส่งในวันนั้นตามเดิม"))


FIELDS: tuple[Field, ...] = (
    Field("org_name", "ชื่อหน่วยงาน", "แสดงบนหน้าจัดการระบบ ใบรหัสผูกบัญชี และเอกสาร", _text(200)),
    Field("hr_unit_name", "ชื่อหน่วยงานบุคคลที่ใช้ในข้อความ",
          "บอทใช้ชื่อนี้เมื่อแนะนำให้ติดต่องานบุคคล", _text(200)),
    Field("daily_reminders_time", "เวลาส่งการแจ้งเตือนประจำวัน", "เช่น 08:30 (เฉพาะวันทำการ)", _clock, "time"),
    Field("monthly_followup_day", "วันที่ติดตามประจำเดือน", "วันที่ 1-28 ของทุกเดือน", _whole(1, 28), "number"),
    Field("monthly_followup_time", "เวลาติดตามประจำเดือน", "เช่น 09:00", _clock, "time"),
    Field("monthly_followup_on_holiday", "เมื่อวันติดตามประจำเดือนตรงกับวันหยุด", "วันหยุดราชการและวันหยุดเพิ่มเติมด้านล่าง",
          _choice(ON_HOLIDAY), "select", ON_HOLIDAY),
    Field("default_approval_levels", "จำนวนขั้นการอนุมัติตั้งต้น",
          "ใช้กับหลักสูตรที่ไม่ได้กำหนดจำนวนขั้นเอง (1-5 ขั้น ตามสายบังคับบัญชา)", _whole(1, 5), "number"),
    Field("closing_soon_days", "แจ้งก่อนปิดรับสมัคร (วัน)", "ประกาศหลักสูตรที่ใกล้ปิดรับสมัครล่วงหน้ากี่วัน",
          _whole(0, 30), "number"),
    Field("report_due_days", "กำหนดส่งรายงานหลังจบการอบรม (วัน)", "นับจากวันสุดท้ายของการอบรม",
          _whole(1, 120), "number"),
    Field("report_due_soon_days", "เตือนก่อนครบกำหนดส่งรายงาน (วัน)", "เตือนผู้ส่งรายงานล่วงหน้ากี่วัน",
          _whole(0, 60), "number"),
    Field("report_overdue_days", "แจ้งเมื่อรายงานเลยกำหนด (วัน)",
          "เลยกำหนดกี่วันจึงแจ้งทั้งผู้ส่งและผู้บังคับบัญชา", _whole(1, 90), "number"),
    Field("approval_waiting_working_days", "เตือนผู้อนุมัติเมื่อคำขอรอนาน (วันทำการ)",
          "คำขอรอเกินกี่วันทำการจึงเตือน และเตือนซ้ำทุกช่วงเท่านี้", _whole(1, 20), "number"),
    Field("announcement_monthly_cap", "เพดานประกาศหลักสูตรต่อเดือน (จำนวนผู้รับ)",
          "ประกาศหลักสูตรที่จะเกินเพดานนี้รอส่งเดือนถัดไป เว้นว่างได้ (ไม่กำหนด) ดูการใช้ได้ที่หน้าโควตาข้อความ LINE",
          _cap, "number"),
    Field("extra_holidays", "วันหยุดเพิ่มเติมของหน่วยงาน",
          "วันละบรรทัด เป็น พ.ศ. เช่น 14 ธ.ค. 2569 (นอกเหนือจากวันหยุดราชการ)", _holidays, "textarea"),
    Field("line_add_friend_url", "ลิงก์เพิ่มเพื่อนบอท LINE",
          "เช่น https://line.me/R/ti/p/@123abcde ใช้ทำ QR code บนใบรหัสผูกบัญชี", _url, "url"),
    Field("line_bot_basic_id", "Basic ID ของบอท LINE",
          "เช่น @123abcde ใช้ทำคิวอาร์โค้ดลงทะเบียนเข้าอบรมที่เปิดแชตของบอท", _basic_id),
    Field("public_base_url", "ที่อยู่สาธารณะของระบบ (https://)",
          "เช่น https://bot.example.go.th ใช้ทำลิงก์เปิดเกียรติบัตรและรูปภาพในแชต เว้นว่างได้ (จะไม่มีลิงก์)",
          _base_url, "url"),
)


def read_settings_form(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Read the settings form: the values it sets and, per field, a Thai problem."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in FIELDS:
        if f.key not in form:
            continue
        try:
            values[f.key] = f.read(form[f.key])
        except SettingError as exc:
            errors[f.key] = f"{f.label}: {exc}"
    return values, errors


def change_settings(*, session: Session, values: Mapping[str, Any], admin_id: int | None = None,
                    actor_id: int | None = None) -> list[str]:
    """Store the settings that differ from now, auditing each (old and new); return their keys."""
    current = get_settings(session=session)
    changed = []
    for key, new in values.items():
        old = current.get(key)
        if old == new:
            continue
        set_setting(session=session, key=key, value=new)
        audit(session=session, action=SETTING_CHANGED, subject_type="setting", subject_id=None,
              admin_id=admin_id, actor_id=actor_id, key=key, old=old, new=new)
        changed.append(key)
    return changed


@dataclass(frozen=True)
class SettingChange:
    """One audited change, with who made it."""

    at: Any
    key: str
    label: str
    old: Any
    new: Any
    by: str


def setting_changes(*, session: Session, limit: int = 100) -> list[SettingChange]:
    """Return the latest setting changes, newest first, naming the account or person who made them."""
    labels = {f.key: f for f in FIELDS}
    rows = session.execute(
        select(AuditLog, AdminUser.username, Staff)
        .outerjoin(AdminUser, AdminUser.id == AuditLog.admin_id)
        .outerjoin(Staff, Staff.id == AuditLog.actor_id)
        .where(AuditLog.action == SETTING_CHANGED).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    ).all()
    changes = []
    for row, username, person in rows:
        key = str(row.detail.get("key", ""))
        f = labels.get(key)
        show = f.describe if f is not None else str
        by = username or (person.name if person is not None else "ระบบ")
        changes.append(SettingChange(row.at, key, f.label if f else key, show(row.detail.get("old")),
                                     show(row.detail.get("new")), by))
    return changes
