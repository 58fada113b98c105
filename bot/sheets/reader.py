"""The sheets HR already keeps (CSV/XLSX), read: the generic table reader and what every sheet shares.

One generic reader turns a file into numbered rows keyed by canonical column names; each sheet
(bot.sheets.staff, bot.sheets.courses) then checks every row (collecting every problem, each
naming its row), and only a file without a single problem is written, as upserts keyed by
employee id / course code. Re-importing the same file changes nothing. The caller owns the
session and its transaction.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.org import StaffType, Unit
from thai.numbers import format_number, to_arabic_digits

SUFFIXES_CSV = (".csv",)
SUFFIXES_XLSX = (".xlsx", ".xlsm")
# A sheet is read whole into memory; beyond this it is not a staff list but a mistake.
MAX_ROWS = 20_000


class SheetError(Exception):
    """Refuse a file: ``problems`` lists every problem found, in Thai, each naming its row."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = list(problems)


@dataclass
class ImportSummary:
    """What an import did, counted; ``describe()`` says it in one Thai line."""

    kind: Literal["staff", "courses"]
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    new_units: int = 0
    new_staff_types: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Return how many data rows were imported."""
        return self.added + self.updated + self.unchanged

    def describe(self) -> str:
        """Say what happened in one short Thai line."""
        noun, unit = ("บุคลากร", "คน") if self.kind == "staff" else ("หลักสูตร", "หลักสูตร")
        parts = [
            f"เพิ่มใหม่ {format_number(self.added)} {unit}",
            f"ปรับปรุง {format_number(self.updated)} {unit}",
            f"ไม่เปลี่ยนแปลง {format_number(self.unchanged)} {unit}",
        ]
        if self.new_units:
            parts.append(f"สังกัดใหม่ {format_number(self.new_units)} แห่ง")
        if self.new_staff_types:
            parts.append(f"ประเภทบุคลากรใหม่ {format_number(self.new_staff_types)} ประเภท")
        text = f"นำเข้า{noun}สำเร็จ: " + " ".join(parts)
        if self.ignored_columns:
            text += " (ไม่ได้ใช้คอลัมน์: " + ", ".join(self.ignored_columns) + ")"
        return text


# --- the generic table reader ----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column a kind understands: its canonical key, the headers that name it, its Thai label."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass
class Row:
    """One data row: its spreadsheet row number (the header is row 1) and raw cell values."""

    number: int
    values: dict[str, Any]


@dataclass
class Table:
    """A read file: rows keyed by canonical column keys, and the headers as the file wrote them."""

    rows: list[Row]
    headers: dict[str, str]
    ignored: list[str]
    labels: dict[str, str] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        """Tell whether the file has that column."""
        return key in self.headers


def _header_key(text: str) -> str:
    """Normalise a header for matching: no case, spaces, underscores, hyphens or required-marks."""
    return re.sub(r"[\s_\-*\u200b\ufeff]+", "", text).casefold()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_text(value))


def read_table(path: Path, columns: Sequence[Column]) -> Table:
    """Read a CSV or XLSX file into numbered rows keyed by column key, or raise SheetError."""
    # One pass from file to rows, every header problem collected before any row is read.
    suffix = path.suffix.lower()
    if suffix in SUFFIXES_CSV:
        raw_rows = _read_csv(path)
    elif suffix in SUFFIXES_XLSX:
        raw_rows = _read_xlsx(path)
    elif suffix == ".xls":
        raise SheetError(["ไฟล์ .xls รุ่นเก่ายังอ่านไม่ได้ กรุณาบันทึกเป็น .xlsx หรือ .csv (UTF-8) แล้วนำเข้าใหม่"])
    else:
        raise SheetError([f"ไม่รองรับไฟล์ชนิด “{path.suffix or path.name}” กรุณาใช้ไฟล์ .csv หรือ .xlsx"])

    if not raw_rows or all(is_blank(v) for v in raw_rows[0]):
        raise SheetError(["ไฟล์ว่าง: แถวที่ 1 ต้องเป็นหัวตาราง (ชื่อคอลัมน์)"])

    by_alias: dict[str, Column] = {}
    for col in columns:
        for alias in (col.key, col.label, *col.aliases):
            by_alias[_header_key(alias)] = col
    problems: list[str] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(raw_rows[0]):
        if is_blank(cell):
            continue
        shown = clean_text(str(cell))
        col = by_alias.get(_header_key(shown))
        if col is None:
            ignored.append(shown)
        elif col.key in headers:
            problems.append(f"คอลัมน์ “{shown}” ซ้ำกับ “{headers[col.key]}” (เป็นข้อมูลเดียวกัน) กรุณาเหลือไว้คอลัมน์เดียว")
        else:
            headers[col.key] = shown
            positions[col.key] = index
    missing = [col.label for col in columns if col.required and col.key not in headers]
    if missing:
        problems.append("ไม่พบคอลัมน์ที่จำเป็น: " + ", ".join(missing))
    if problems:
        raise SheetError(problems)

    rows: list[Row] = []
    for number, cells in enumerate(raw_rows[1:], start=2):
        values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
        if all(is_blank(v) for v in values.values()):
            continue  # blank lines (a trailing newline, spacer rows in a sheet) are not data
        rows.append(Row(number, values))
    if not rows:
        raise SheetError(["ไม่พบข้อมูลในไฟล์ (มีแต่หัวตาราง)"])
    if len(rows) > MAX_ROWS:
        raise SheetError([f"ไฟล์มีข้อมูลเกิน {format_number(MAX_ROWS)} แถว กรุณาแบ่งเป็นหลายไฟล์"])
    return Table(rows=rows, headers=headers, ignored=ignored, labels={c.key: c.label for c in columns})


def _read_csv(path: Path) -> list[list[Any]]:
    """Read CSV cells as text: UTF-8 (with or without BOM), else Thai Windows (cp874) as Excel saves it."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp874")
        except UnicodeDecodeError:
            raise SheetError(["อ่านไฟล์ CSV ไม่ได้ กรุณาบันทึกเป็น CSV UTF-8 แล้วนำเข้าใหม่"]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise SheetError(["อ่านไฟล์ CSV ไม่ได้ (เครื่องหมายคำพูดไม่ครบคู่) กรุณาตรวจสอบไฟล์"]) from None


def _read_xlsx(path: Path) -> list[list[Any]]:
    """Read the first sheet's cell values (formulas as their last computed values)."""
    from openpyxl import load_workbook  # loaded lazily: only imports need it

    try:
        with warnings.catch_warnings():
            # Sheets saved by other programs often lack styles openpyxl expects; harmless here.
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise SheetError(["เปิดไฟล์ Excel ไม่ได้ ไฟล์อาจเสียหายหรือไม่ใช่ .xlsx กรุณาตรวจสอบไฟล์"]) from None
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


# --- cell text shared by every sheet ------------------------------------------------------------

_INVISIBLE = str.maketrans({"\u200b": None, "\ufeff": None, "\xa0": " "})


def clean_text(text: str) -> str:
    """Trim and squeeze whitespace; drop invisible characters Excel and Word leave behind."""
    return re.sub(r"\s+", " ", text.translate(_INVISIBLE)).strip()


def as_text(value: Any) -> str:
    """Return a cell as text (ints stay ints: 1001.0 in a sheet is employee 1001)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    return clean_text(str(value))


def as_key(value: Any) -> str:
    """Return an id or a code as text, Thai digits made Arabic so both spellings match."""
    return to_arabic_digits(as_text(value))


def check_duplicates(rows: Iterable[tuple[int, str]], label: str, problems: list[str]) -> None:
    """Record a problem for every row whose key appeared in an earlier row."""
    first_seen: dict[str, int] = {}
    for number, key in rows:
        if not key:
            continue
        if key in first_seen:
            problems.append(f"แถวที่ {number}: {label} {key} ซ้ำกับแถวที่ {first_seen[key]}")
        else:
            first_seen[key] = number


class Lookup:
    """Units or staff types by name, created on first use; counts the new ones."""

    def __init__(self, session: Session, model: type[Unit] | type[StaffType]) -> None:
        self.session = session
        self.model = model
        self.by_name: dict[str, Any] = {clean_text(o.name): o for o in session.scalars(select(model))}
        self.created = 0

    def get(self, name: str) -> Any:
        """Return the row of that name, creating it when new."""
        found = self.by_name.get(name)
        if found is None:
            found = self.model(name=name)
            self.session.add(found)
            self.by_name[name] = found
            self.created += 1
        return found


def set_changed(obj: Any, field_name: str, value: Any) -> bool:
    """Set an attribute only when it differs; tell whether it did."""
    if getattr(obj, field_name) == value:
        return False
    setattr(obj, field_name, value)
    return True


def by_row(problems: list[str]) -> list[str]:
    """Order problems by row number (file-level ones first), keeping each row's own order."""
    def row_of(problem: str) -> int:
        match = re.match(r"^แถวที่ (\d+):", problem)
        return int(match.group(1)) if match else 0

    return sorted(problems, key=row_of)

