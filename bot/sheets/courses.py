"""The course sheet: its columns, the checks of each row, the upsert by course code."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sheets.cells import RowCheck
from bot.sheets.reader import (
    Column,
    ImportSummary,
    Lookup,
    Row,
    SheetError,
    Table,
    as_key,
    by_row,
    check_duplicates,
    clean_text,
    read_table,
    set_changed,
)
from models.audit import audit
from models.course import COURSE_KINDS, POLICY_AREAS, Course
from models.courses import follow_course_end
from models.org import StaffType
from thai.dates import format_date
from thai.numbers import to_arabic_digits

MAX_SEATS = 100_000  # far above any real course; keeps a typo from overflowing the column

COURSE_COLUMNS: tuple[Column, ...] = (
    Column("code", "รหัสหลักสูตร", required=True),
    Column("title", "ชื่อหลักสูตร", required=True),
    Column("kind", "ประเภท", ("ประเภทหลักสูตร",)),
    Column("organizer", "ผู้จัด", ("หน่วยงานผู้จัด",)),
    Column("venue", "สถานที่"),
    Column("start_date", "วันเริ่ม", ("วันที่เริ่ม",), required=True),
    Column("end_date", "วันสิ้นสุด", ("วันที่สิ้นสุด",)),
    Column("registration_deadline", "วันปิดรับสมัคร", ("deadline",)),
    Column("seats", "จำนวนที่นั่ง", ("ที่นั่ง",)),
    Column("fee", "ค่าลงทะเบียน"),
    Column("policy_area", "ด้านนโยบาย"),
    Column("target_staff_types", "กลุ่มเป้าหมาย", ("target_types",)),
    Column("approval_levels", "จำนวนขั้นอนุมัติ"),
    Column("budget", "งบประมาณ"),
    Column("start_time", "เวลาเริ่ม"),
    Column("description", "รายละเอียด"),
)

DEFAULT_KIND = "ฝึกอบรม"
DEFAULT_POLICY_AREA = "การพัฒนาทรัพยากรบุคคล"
# Words HR sheets use for the kinds, mapped to the one word the bot shows.
_KIND_WORDS: dict[str, str] = {k.casefold(): k for k in COURSE_KINDS} | {
    "อบรม": "ฝึกอบรม", "training": "ฝึกอบรม", "seminar": "สัมมนา", "ดูงาน": "ศึกษาดูงาน",
    "study visit": "ศึกษาดูงาน", "workshop": "ประชุมเชิงปฏิบัติการ", "elearning": "e-learning",
    "อีเลิร์นนิง": "e-learning", "ออนไลน์": "e-learning",
}  # fmt: skip
_POLICY_WORDS: dict[str, str] = {re.sub(r"\s+", "", a): a for a in POLICY_AREAS}


@dataclass
class _CourseRow:
    number: int
    values: dict[str, Any]
    targets: list[str]


def _policy_area(text: str) -> str | None:
    """Return the policy area a cell names: its text (with or without ด้าน) or its number 1-10."""
    digits = to_arabic_digits(text)
    if digits.isdigit() and 1 <= int(digits) <= len(POLICY_AREAS):
        return POLICY_AREAS[int(digits) - 1]
    compact = re.sub(r"\s+", "", text)
    compact = compact.removeprefix("ด้าน")
    return _POLICY_WORDS.get(compact)


def _check_course_row(row: Row, table: Table, problems: list[str]) -> _CourseRow | None:
    check = RowCheck(row, table, problems)
    values: dict[str, Any] = {
        "code": check.key("code", required=True),
        "title": check.text("title", required=True, max_len=300),
        "organizer": check.text("organizer", max_len=200),
        "venue": check.text("venue", max_len=300),
        "description": check.text("description"),
    }
    kind_text = check.text("kind")
    kind = _KIND_WORDS.get(kind_text.casefold(), None) if kind_text else DEFAULT_KIND
    if kind is None:
        check.problem(f"ไม่รู้จักประเภทหลักสูตร “{kind_text}” (ใช้ได้: {', '.join(COURSE_KINDS)})")
    values["kind"] = kind
    area_text = check.text("policy_area")
    area = _policy_area(area_text) if area_text else DEFAULT_POLICY_AREA
    if area is None:
        check.problem(f"ไม่รู้จักด้านนโยบาย “{area_text}” (ใส่ชื่อด้านตามแผนอัตรากำลัง หรือเลข 1-10)")
    values["policy_area"] = area

    start = check.date("start_date", required=True)
    end = check.date("end_date")
    deadline = check.date("registration_deadline")
    if start is not None:
        end = end or start  # a one-day course may leave the end blank
        deadline = deadline or start
        if end < start:
            check.problem(f"{check.label('end_date')} ({format_date(end)}) อยู่ก่อน"
                          f"{check.label('start_date')} ({format_date(start)})")
        if deadline > start:
            check.problem(f"{check.label('registration_deadline')} ({format_date(deadline)}) อยู่หลัง"
                          f"{check.label('start_date')} ({format_date(start)})")
    values.update(start_date=start, end_date=end, registration_deadline=deadline,
                  start_time=check.clock("start_time"))

    seats = check.whole("seats", default=0)
    if seats is not None and seats < 0:
        check.problem(f"{check.label('seats')} ต้องไม่ติดลบ")
    elif seats is not None and seats > MAX_SEATS:
        check.problem(f"{check.label('seats')} “{seats}” มากเกินไป (ไม่เกิน {MAX_SEATS:,} ที่นั่ง)")
    levels = check.whole("approval_levels", default=None)
    if levels is not None and not 1 <= levels <= 5:
        check.problem(f"{check.label('approval_levels')} ต้องเป็น 1 ถึง 5 (เว้นว่าง = ตามค่าตั้งต้นขององค์กร)")
    values.update(seats=seats, approval_levels=levels, fee=check.amount("fee"), budget=check.amount("budget"))
    targets = check.names("target_staff_types", max_len=120)
    if not check.ok:
        return None
    return _CourseRow(row.number, values, targets)


# Columns a row always sets (they have file-wide defaults when the column is missing).
_COURSE_ALWAYS = ("code", "title", "start_date", "end_date", "registration_deadline")


def import_courses_file(*, session: Session, path: Path, actor_id: int | None = None) -> ImportSummary:
    """Upsert courses from a CSV/XLSX file by course code; refuse the whole file on any problem."""
    table = read_table(Path(path), COURSE_COLUMNS)
    problems: list[str] = []
    parsed = [c for row in table.rows if (c := _check_course_row(row, table, problems)) is not None]
    check_duplicates(((row.number, as_key(row.values.get("code"))) for row in table.rows),
                      "รหัสหลักสูตร", problems)
    if problems:
        raise SheetError(by_row(problems))

    summary = ImportSummary(kind="courses", ignored_columns=table.ignored)
    types = Lookup(session, StaffType)
    courses = {c.code: c for c in session.scalars(select(Course))}
    for c in parsed:
        course = courses.get(c.values["code"])
        fields = [k for k in c.values if k in _COURSE_ALWAYS or table.has(k)]
        if course is None:
            course = Course(**{k: c.values[k] for k in fields})
            course.target_types = [types.get(n) for n in c.targets]
            session.add(course)
            courses[course.code] = course
            summary.added += 1
            continue
        changed, old_end = False, course.end_date
        for name in fields:
            changed |= set_changed(course, name, c.values[name])
        follow_course_end(session=session, course=course, old_end=old_end)
        if table.has("target_staff_types") and {clean_text(t.name) for t in course.target_types} != set(c.targets):
            course.target_types = [types.get(n) for n in c.targets]
            changed = True
        if changed:
            summary.updated += 1
        else:
            summary.unchanged += 1
    session.flush()

    summary.new_staff_types = types.created
    audit(session=session, action="import.courses", subject_type="course", subject_id=None, actor_id=actor_id,
          rows=len(parsed), added=summary.added, updated=summary.updated, unchanged=summary.unchanged,
          new_staff_types=types.created)
    return summary


