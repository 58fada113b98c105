"""A dry run of a staff or course sheet: what importing it would add, change and leave alone.

The sheet goes through the real import (the same reader, checks and upserts) in a transaction
that is always rolled back, and each row's record is compared before and after. So the preview
can never disagree with what confirming does, and no rule is written twice. A file with
problems is refused whole by the import; its bad rows are listed with their reasons.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sheets.courses import COURSE_COLUMNS, import_courses_file
from bot.sheets.reader import Column, ImportSummary, SheetError, as_key, as_text, read_table
from bot.sheets.staff import STAFF_COLUMNS, import_staff_file
from models.course import Course
from models.org import Staff
from thai.dates import format_date
from thai.numbers import format_number

Kind = Literal["staff", "courses"]
Outcome = Literal["add", "change", "same", "bad", "ok"]
_ROW_RE = re.compile(r"^แถวที่ (\d+): (.*)$")

STAFF_FIELDS = {"title": "คำนำหน้า", "first_name": "ชื่อ", "last_name": "นามสกุล", "position": "ตำแหน่ง",
                "staff_type": "ประเภทบุคลากร", "unit": "สังกัด", "supervisor": "รหัสผู้บังคับบัญชา",
                "roles": "บทบาท", "active": "ใช้งาน"}
COURSE_FIELDS = {"title": "ชื่อหลักสูตร", "kind": "ประเภท", "organizer": "ผู้จัด", "venue": "สถานที่",
                 "start_date": "วันเริ่ม", "end_date": "วันสิ้นสุด", "registration_deadline": "วันปิดรับสมัคร",
                 "seats": "จำนวนที่นั่ง", "fee": "ค่าลงทะเบียน", "policy_area": "ด้านนโยบาย",
                 "targets": "กลุ่มเป้าหมาย", "approval_levels": "จำนวนขั้นอนุมัติ", "budget": "งบประมาณ",
                 "start_time": "เวลาเริ่ม", "description": "รายละเอียด"}


@dataclass
class PreviewRow:
    """One data row of the sheet and what confirming would do with it."""

    number: int
    key: str
    name: str
    outcome: Outcome
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)
    problems: list[str] = field(default_factory=list)


@dataclass
class Preview:
    """The whole dry run: every row, file-level problems, and the import's own summary."""

    kind: Kind
    rows: list[PreviewRow]
    problems: list[str]  # problems of the file itself (columns, encoding), not of one row
    summary: ImportSummary | None
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        """Tell whether confirming would import the file."""
        return self.summary is not None

    def count(self, outcome: Outcome) -> int:
        """Count the rows with one outcome."""
        return sum(1 for r in self.rows if r.outcome == outcome)


def columns_of(kind: Kind) -> tuple[Column, ...]:
    """Return the columns a sheet kind understands."""
    return STAFF_COLUMNS if kind == "staff" else COURSE_COLUMNS


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, (date, datetime)):
        return format_date(value)
    if isinstance(value, time):
        return f"{value:%H:%M} น."
    if isinstance(value, (Decimal, int)):
        return format_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _staff_snapshot(session: Session) -> dict[str, dict[str, Any]]:
    people = session.scalars(select(Staff)).all()
    emp_of = {p.id: p.employee_id for p in people}
    return {p.employee_id: {
        "name": p.name, "title": p.title, "first_name": p.first_name, "last_name": p.last_name,
        "position": p.position, "staff_type": p.staff_type.name if p.staff_type else None,
        "unit": p.unit.name if p.unit else None, "supervisor": emp_of.get(p.supervisor_id),
        "roles": sorted(p.roles or []), "active": p.active} for p in people}


def _course_snapshot(session: Session) -> dict[str, dict[str, Any]]:
    return {c.code: {
        "name": c.title, "title": c.title, "kind": c.kind, "organizer": c.organizer, "venue": c.venue,
        "start_date": c.start_date, "end_date": c.end_date, "registration_deadline": c.registration_deadline,
        "seats": c.seats, "fee": Decimal(c.fee or 0), "policy_area": c.policy_area,
        "targets": sorted(t.name for t in c.target_types), "approval_levels": c.approval_levels,
        "budget": Decimal(c.budget or 0), "start_time": c.start_time, "description": c.description,
    } for c in session.scalars(select(Course)).all()}


def _problems_by_row(problems: list[str]) -> tuple[dict[int, list[str]], list[str]]:
    rows: dict[int, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        match = _ROW_RE.match(problem)
        if match:
            rows.setdefault(int(match.group(1)), []).append(match.group(2))
        else:
            general.append(problem)
    return rows, general


def dry_run(*, session_factory: Callable[[], Session], kind: Kind, path: Path) -> Preview:
    """Run the import of a sheet without keeping anything, and say what it would do, row by row."""
    staff = kind == "staff"
    key_col = "employee_id" if staff else "code"
    fields = STAFF_FIELDS if staff else COURSE_FIELDS
    snapshot = _staff_snapshot if staff else _course_snapshot
    try:
        table = read_table(path, columns_of(kind))
    except SheetError as exc:
        return Preview(kind, [], exc.problems, None)
    with session_factory() as session:
        session.begin()
        try:
            before = snapshot(session)
            try:
                importer = import_staff_file if staff else import_courses_file
                summary: ImportSummary | None = importer(session=session, path=path)
                problems: list[str] = []
            except SheetError as exc:
                summary, problems = None, exc.problems
            after = snapshot(session) if summary is not None else {}
        finally:
            session.rollback()  # a dry run: nothing of it is ever kept
    by_row, general = _problems_by_row(problems)
    rows = []
    for row in table.rows:
        key = as_key(row.values.get(key_col))
        old, new = before.get(key), after.get(key)
        item = PreviewRow(row.number, key, (new or old or {}).get("name", ""), "ok")
        if row.number in by_row:
            item.outcome, item.problems = "bad", by_row[row.number]
        elif summary is None:
            item.outcome = "ok"  # fine itself, but the file has problems elsewhere
        elif old is None:
            item.outcome = "add"
        else:
            item.changes = [(label, _show(old.get(k)), _show(new.get(k))) for k, label in fields.items()
                            if new is not None and old.get(k) != new.get(k)]
            item.outcome = "change" if item.changes else "same"
        if not item.name:
            item.name = _row_name(row.values, staff)
        rows.append(item)
    preview = Preview(kind, rows, general, summary)
    preview.fingerprint = hashlib.sha256(repr([(r.number, r.key, r.outcome, r.changes, r.problems)
                                               for r in rows]).encode()).hexdigest()[:16]
    return preview


def _row_name(values: dict[str, Any], staff: bool) -> str:
    if staff:
        return " ".join(as_text(values.get(k)) for k in ("title", "first_name", "last_name") if values.get(k)).strip()
    return as_text(values.get("title"))
