"""Import staff and courses from the CSV/XLSX sheets HR already keeps: all rows or none.

One generic reader turns a file into numbered rows keyed by canonical column names; each kind
then checks every row (collecting every problem, each naming its row), and only a file without a
single problem is written, as upserts keyed by employee id / course code. Re-importing the same
file changes nothing. The caller owns the session and its transaction.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import audit
from models.course import COURSE_KINDS, POLICY_AREAS, Course
from models.org import ROLE_APPROVER, ROLE_HR, ROLE_STAFF, ROLES, Staff, StaffType, Unit
from thai import ThaiParseError
from thai.dates import format_date, parse_date
from thai.numbers import MAX_AMOUNT, format_number, parse_amount, parse_int, to_arabic_digits

__all__ = [
    "COURSE_COLUMNS",
    "STAFF_COLUMNS",
    "Column",
    "ImportError_",
    "ImportSummary",
    "Row",
    "Table",
    "import_courses_file",
    "import_staff_file",
    "read_table",
]

SUFFIXES_CSV = (".csv",)
SUFFIXES_XLSX = (".xlsx", ".xlsm")
# A sheet is read whole into memory; beyond this it is not a staff list but a mistake.
MAX_ROWS = 20_000
MAX_SEATS = 100_000  # far above any real course; keeps a typo from overflowing the column
LIST_SEPARATORS = re.compile(r"[;,\n]")


class ImportError_(Exception):  # noqa: N801 - the trailing underscore avoids the builtin's name
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


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not _clean_text(value))


def read_table(path: Path, columns: Sequence[Column]) -> Table:
    """Read a CSV or XLSX file into numbered rows keyed by column key, or raise ImportError_."""
    suffix = path.suffix.lower()
    if suffix in SUFFIXES_CSV:
        raw_rows = _read_csv(path)
    elif suffix in SUFFIXES_XLSX:
        raw_rows = _read_xlsx(path)
    elif suffix == ".xls":
        raise ImportError_(["ไฟล์ .xls รุ่นเก่ายังอ่านไม่ได้ กรุณาบันทึกเป็น .xlsx หรือ .csv (UTF-8) แล้วนำเข้าใหม่"])
    else:
        raise ImportError_([f"ไม่รองรับไฟล์ชนิด “{path.suffix or path.name}” กรุณาใช้ไฟล์ .csv หรือ .xlsx"])

    if not raw_rows or all(_is_blank(v) for v in raw_rows[0]):
        raise ImportError_(["ไฟล์ว่าง: แถวที่ 1 ต้องเป็นหัวตาราง (ชื่อคอลัมน์)"])

    by_alias: dict[str, Column] = {}
    for col in columns:
        for alias in (col.key, col.label, *col.aliases):
            by_alias[_header_key(alias)] = col
    problems: list[str] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(raw_rows[0]):
        if _is_blank(cell):
            continue
        shown = _clean_text(str(cell))
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
        raise ImportError_(problems)

    rows: list[Row] = []
    for number, cells in enumerate(raw_rows[1:], start=2):
        values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
        if all(_is_blank(v) for v in values.values()):
            continue  # blank lines (a trailing newline, spacer rows in a sheet) are not data
        rows.append(Row(number, values))
    if not rows:
        raise ImportError_(["ไม่พบข้อมูลในไฟล์ (มีแต่หัวตาราง)"])
    if len(rows) > MAX_ROWS:
        raise ImportError_([f"ไฟล์มีข้อมูลเกิน {format_number(MAX_ROWS)} แถว กรุณาแบ่งเป็นหลายไฟล์"])
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
            raise ImportError_(["อ่านไฟล์ CSV ไม่ได้ กรุณาบันทึกเป็น CSV UTF-8 แล้วนำเข้าใหม่"]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        raise ImportError_(["อ่านไฟล์ CSV ไม่ได้ (เครื่องหมายคำพูดไม่ครบคู่) กรุณาตรวจสอบไฟล์"]) from None


def _read_xlsx(path: Path) -> list[list[Any]]:
    """Read the first sheet's cell values (formulas as their last computed values)."""
    from openpyxl import load_workbook  # loaded lazily: only imports need it

    try:
        with warnings.catch_warnings():
            # Sheets saved by other programs often lack styles openpyxl expects; harmless here.
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise ImportError_(["เปิดไฟล์ Excel ไม่ได้ ไฟล์อาจเสียหายหรือไม่ใช่ .xlsx กรุณาตรวจสอบไฟล์"]) from None
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


# --- cell readers shared by both kinds ---------------------------------------------------------

_INVISIBLE = str.maketrans({"\u200b": None, "\ufeff": None, "\xa0": " "})
_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "ใช่", "ใช้งาน", "active", "เปิด"})
_FALSE_WORDS = frozenset({"0", "false", "no", "n", "ไม่", "ไม่ใช่", "ไม่ใช้งาน", "inactive", "ปิด", "ยกเลิก"})
_TIME_RE = re.compile(r"^(?P<h>\d{1,2})\s*[:.]\s*(?P<m>\d{2})(?:\s*[:.]\s*\d{2})?\s*(?:น\.?|นาฬิกา)?$")
# Excel serial day numbers of 1982-2119: a bare number in a date column is one of these.
_SERIAL_RANGE = (30000, 80000)


def _clean_text(text: str) -> str:
    """Trim and squeeze whitespace; drop invisible characters Excel and Word leave behind."""
    return re.sub(r"\s+", " ", text.translate(_INVISIBLE)).strip()


def _as_text(value: Any) -> str:
    """Return a cell as text (ints stay ints: 1001.0 in a sheet is employee 1001)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    return _clean_text(str(value))


def _as_key(value: Any) -> str:
    """Return an id or a code as text, Thai digits made Arabic so both spellings match."""
    return to_arabic_digits(_as_text(value))


class _RowCheck:
    """Read one row's cells, recording a Thai problem (with the row number) for each bad one."""

    def __init__(self, row: Row, table: Table, problems: list[str]) -> None:
        self.row = row
        self.table = table
        self.problems = problems
        self.ok = True

    def problem(self, message: str) -> None:
        """Record a problem of this row."""
        self.ok = False
        self.problems.append(f"แถวที่ {self.row.number}: {message}")

    def label(self, key: str) -> str:
        """Return the column's Thai name (the file may have used the English one)."""
        return self.table.labels.get(key, key)

    def raw(self, key: str) -> Any:
        return self.row.values.get(key)

    def text(self, key: str, *, required: bool = False, max_len: int | None = None) -> str:
        """Return a cell as trimmed text ("" when blank)."""
        value = _as_text(self.raw(key))
        if required and not value:
            self.problem(f"ยังไม่ได้กรอก{self.label(key)}")
        if max_len is not None and len(value) > max_len:
            self.problem(f"{self.label(key)} ยาวเกิน {max_len} ตัวอักษร")
        return value

    def key(self, key: str, *, required: bool = False, max_len: int = 40) -> str:
        """Return an id/code cell (Thai digits made Arabic)."""
        value = _as_key(self.raw(key))
        if required and not value:
            self.problem(f"ยังไม่ได้กรอก{self.label(key)}")
        elif len(value) > max_len:
            self.problem(f"{self.label(key)} ยาวเกิน {max_len} ตัวอักษร")
        return value

    def names(self, key: str, *, max_len: int) -> list[str]:
        """Return a list cell split on ; (or , or a line break), blanks dropped, order kept."""
        raw = self.raw(key)
        items: list[str] = []
        for part in LIST_SEPARATORS.split(raw if isinstance(raw, str) else _as_text(raw)):
            name = _clean_text(part)
            if name and name not in items:
                if len(name) > max_len:
                    self.problem(f"{self.label(key)} “{name[:30]}…” ยาวเกิน {max_len} ตัวอักษร")
                items.append(name)
        return items

    def flag(self, key: str, *, default: bool) -> bool:
        """Return a yes/no cell (blank = default)."""
        raw = self.raw(key)
        if isinstance(raw, bool):
            return raw
        text = _as_text(raw).casefold()
        if not text:
            return default
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
        self.problem(f"{self.label(key)} “{_as_text(raw)}” ไม่ชัดเจน กรุณาใส่ ใช่ หรือ ไม่ใช่")
        return default

    def date(self, key: str, *, required: bool = False) -> date | None:
        """Return a date cell: a sheet date, ISO text or Thai text; the year must be written."""
        raw = self.raw(key)
        if _is_blank(raw):
            if required:
                self.problem(f"ยังไม่ได้กรอก{self.label(key)}")
            return None
        if isinstance(raw, (datetime, date)):
            return parse_date(raw)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
                return date(1899, 12, 30) + timedelta(days=int(raw))  # Excel's day zero
            self.problem(f"{self.label(key)} “{_as_text(raw)}” ไม่ใช่วันที่ (ใช้รูปแบบ 2026-12-14 หรือ 14 ธ.ค. 2569)")
            return None
        text = _as_text(raw)
        try:
            # A date without its year would be guessed from today; a file must say it outright,
            # so read it against two far-apart "todays" and refuse when the answers differ.
            early = parse_date(text, today=date(2000, 1, 1))
            late = parse_date(text, today=date(2100, 1, 1))
        except ThaiParseError as exc:
            detail = str(exc).split(" กรุณา")[0]
            self.problem(f"{self.label(key)}: {detail} (ใช้รูปแบบ 2026-12-14 หรือ 14 ธ.ค. 2569)")
            return None
        if early != late:
            self.problem(f"{self.label(key)} “{text}” ต้องระบุวัน เดือน และปี เช่น 14 ธ.ค. 2569")
            return None
        return early

    def whole(self, key: str, *, default: int | None) -> int | None:
        """Return a whole-number cell (Thai digits and commas allowed; blank = default)."""
        raw = self.raw(key)
        if _is_blank(raw):
            return default
        if isinstance(raw, bool):
            raw = _as_text(raw)
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float):
            if raw.is_integer():
                return int(raw)
            self.problem(f"{self.label(key)} “{raw}” ต้องเป็นจำนวนเต็ม")
            return None
        try:
            return parse_int(_as_text(raw))
        except ThaiParseError:
            self.problem(f"{self.label(key)} “{_as_text(raw)}” ไม่ใช่ตัวเลขจำนวนเต็ม")
            return None

    def amount(self, key: str) -> Decimal | None:
        """Return a baht cell (Thai digits, commas, บาท allowed; blank = 0)."""
        raw = self.raw(key)
        if _is_blank(raw):
            return Decimal("0")
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            try:
                # Sheet arithmetic leaves float noise (0.1 + 0.2); money has satang at most.
                value = Decimal(repr(raw)).quantize(Decimal("0.01"))
            except InvalidOperation:
                value = Decimal("NaN")
            if not value.is_finite():
                self.problem(f"{self.label(key)} “{raw}” ไม่ใช่จำนวนเงิน")
                return None
            if value < 0:
                self.problem(f"{self.label(key)} ต้องไม่ติดลบ")
                return None
            if value > MAX_AMOUNT:
                # The same ceiling typed amounts get, so a cell cannot overflow the column.
                self.problem(f"{self.label(key)} “{raw}” สูงเกินไป (เกิน {MAX_AMOUNT:,} บาท)")
                return None
            return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
        text = _as_text(raw)
        if re.match(r"^\s*[-−]\s*[\d๐-๙]", text):
            self.problem(f"{self.label(key)} ต้องไม่ติดลบ")
            return None
        try:
            return parse_amount(text)
        except ThaiParseError as exc:
            detail = str(exc).split(" กรุณา")[0]
            self.problem(f"{self.label(key)}: {detail}")
            return None

    def clock(self, key: str) -> time | None:
        """Return a time-of-day cell, e.g. 09:00, 9.30 or ๐๙:๐๐ น. (blank = none)."""
        raw = self.raw(key)
        if _is_blank(raw):
            return None
        if isinstance(raw, time):
            return raw.replace(second=0, microsecond=0, tzinfo=None)
        if isinstance(raw, datetime):
            return raw.time().replace(second=0, microsecond=0)
        if isinstance(raw, float) and 0 <= raw < 1:
            minutes = round(raw * 24 * 60)  # a sheet time stored as a fraction of a day
            return time(minutes // 60 % 24, minutes % 60)
        text = to_arabic_digits(_as_text(raw))
        match = _TIME_RE.match(text)
        if match and int(match["h"]) < 24 and int(match["m"]) < 60:
            return time(int(match["h"]), int(match["m"]))
        self.problem(f"{self.label(key)} “{_as_text(raw)}” ไม่ใช่เวลา (ใช้รูปแบบ 09:00)")
        return None


def _check_duplicates(rows: Iterable[tuple[int, str]], label: str, problems: list[str]) -> None:
    """Record a problem for every row whose key appeared in an earlier row."""
    first_seen: dict[str, int] = {}
    for number, key in rows:
        if not key:
            continue
        if key in first_seen:
            problems.append(f"แถวที่ {number}: {label} {key} ซ้ำกับแถวที่ {first_seen[key]}")
        else:
            first_seen[key] = number


class _Lookup:
    """Units or staff types by name, created on first use; counts the new ones."""

    def __init__(self, session: Session, model: type[Unit] | type[StaffType]) -> None:
        self.session = session
        self.model = model
        self.by_name: dict[str, Any] = {_clean_text(o.name): o for o in session.scalars(select(model))}
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


def _set(obj: Any, field_name: str, value: Any) -> bool:
    """Set an attribute only when it differs; tell whether it did."""
    if getattr(obj, field_name) == value:
        return False
    setattr(obj, field_name, value)
    return True


# --- staff -----------------------------------------------------------------------------------

STAFF_COLUMNS: tuple[Column, ...] = (
    Column("employee_id", "รหัสพนักงาน", ("รหัสบุคลากร",), required=True),
    Column("title", "คำนำหน้า", ("คำนำหน้าชื่อ",)),
    Column("first_name", "ชื่อ", required=True),
    Column("last_name", "นามสกุล", ("สกุล",), required=True),
    Column("position", "ตำแหน่ง"),
    Column("staff_type", "ประเภทบุคลากร", ("ประเภท",)),
    Column("unit", "สังกัด", ("หน่วยงาน",)),
    Column("supervisor_id", "รหัสผู้บังคับบัญชา"),
    Column("roles", "บทบาท"),
    Column("active", "ใช้งาน", ("สถานะการใช้งาน",)),
)

_ROLE_WORDS: dict[str, str] = {
    "staff": ROLE_STAFF, "บุคลากร": ROLE_STAFF,
    "approver": ROLE_APPROVER, "ผู้อนุมัติ": ROLE_APPROVER,
    "hr": ROLE_HR, "เจ้าหน้าที่บุคคล": ROLE_HR, "เจ้าหน้าที่การเจ้าหน้าที่": ROLE_HR, "งานบุคคล": ROLE_HR,
}  # fmt: skip


@dataclass
class _StaffRow:
    number: int
    ok: bool
    employee_id: str
    title: str
    first_name: str
    last_name: str
    position: str
    staff_type: str | None
    unit: str | None
    supervisor_id: str | None
    roles: list[str]
    active: bool


def _check_staff_row(row: Row, table: Table, problems: list[str]) -> _StaffRow:
    """Read one staff row; ``ok`` is False when it had a problem (the rest still feeds the chart check)."""
    check = _RowCheck(row, table, problems)
    employee_id = check.key("employee_id", required=True)
    title = check.text("title", max_len=60)
    first_name = check.text("first_name", required=True, max_len=120)
    last_name = check.text("last_name", required=True, max_len=120)
    position = check.text("position", max_len=200)
    staff_type = check.text("staff_type", max_len=120) or None
    unit = check.text("unit", max_len=200) or None
    supervisor_id = check.key("supervisor_id") or None
    roles = {ROLE_STAFF}  # everyone in the staff register may request training
    for word in check.names("roles", max_len=60):
        role = _ROLE_WORDS.get(word.casefold())
        if role is None:
            check.problem(f"ไม่รู้จักบทบาท “{word}” (ใช้ได้: บุคลากร/staff, ผู้อนุมัติ/approver, เจ้าหน้าที่บุคคล/hr)")
        else:
            roles.add(role)
    active = check.flag("active", default=True)
    if employee_id and supervisor_id == employee_id:
        check.problem(f"รหัสผู้บังคับบัญชาเป็นรหัสของตัวเอง ({employee_id})")
    return _StaffRow(row.number, check.ok, employee_id, title, first_name, last_name, position, staff_type,
                     unit, supervisor_id, [r for r in ROLES if r in roles], active)


def _check_supervisors(rows: list[_StaffRow], table: Table, boss_in_db: dict[str, str | None],
                       active_in_db: dict[str, bool], problems: list[str]) -> None:
    """Check every supervisor exists and is active, and that no chain loops (file and DB together)."""
    # The organisation chart after the import: the file's rows override what the DB holds.
    boss_of = dict(boss_in_db)
    active = dict(active_in_db)
    row_of: dict[str, int] = {}
    for p in rows:
        row_of[p.employee_id] = p.number
        active[p.employee_id] = p.active
        if table.has("supervisor_id"):
            boss_of[p.employee_id] = p.supervisor_id
        else:
            boss_of.setdefault(p.employee_id, None)
    if not table.has("supervisor_id"):
        return

    for p in rows:
        if p.supervisor_id is None or p.supervisor_id == p.employee_id:
            continue
        if p.supervisor_id not in boss_of:
            problems.append(f"แถวที่ {p.number}: ไม่พบรหัสผู้บังคับบัญชา {p.supervisor_id} (ไม่มีในไฟล์และในระบบ)")
        elif p.active and not active.get(p.supervisor_id, True):
            where = f"แถวที่ {row_of[p.supervisor_id]}" if p.supervisor_id in row_of else "ในระบบ"
            problems.append(f"แถวที่ {p.number}: ผู้บังคับบัญชา {p.supervisor_id} ถูกปิดการใช้งาน ({where})")

    for p in rows:
        path = [p.employee_id]
        current = boss_of.get(p.employee_id)
        seen = {p.employee_id}
        while current is not None and current not in seen:
            path.append(current)
            seen.add(current)
            current = boss_of.get(current)
        if current == p.employee_id and len(path) > 1:  # len 1 = own supervisor, reported already
            loop = " → ".join([*path, p.employee_id])
            problems.append(f"แถวที่ {p.number}: สายการบังคับบัญชาวนกลับมาที่ตัวเอง ({loop})")


def import_staff_file(*, session: Session, path: Path, actor_id: int | None = None) -> ImportSummary:
    """Upsert staff from a CSV/XLSX file by employee id; refuse the whole file on any problem."""
    table = read_table(Path(path), STAFF_COLUMNS)
    problems: list[str] = []
    checked = [_check_staff_row(row, table, problems) for row in table.rows]
    _check_duplicates(((p.number, p.employee_id) for p in checked), "รหัสพนักงาน", problems)

    people = {person.employee_id: person for person in session.scalars(select(Staff))}
    emp_of_id = {person.id: emp for emp, person in people.items()}
    boss_in_db = {emp: emp_of_id.get(person.supervisor_id) if person.supervisor_id else None
                  for emp, person in people.items()}
    # Every row with an id takes part in the chart check, even one with other problems, so a
    # bad date on a boss's row does not also report their staff as having an unknown boss.
    firsts: dict[str, _StaffRow] = {}
    for p in checked:
        if p.employee_id:
            firsts.setdefault(p.employee_id, p)
    _check_supervisors(list(firsts.values()), table, boss_in_db,
                       {emp: person.active for emp, person in people.items()}, problems)
    if problems:
        raise ImportError_(_by_row(problems))

    summary = ImportSummary(kind="staff", ignored_columns=table.ignored)
    units, types = _Lookup(session, Unit), _Lookup(session, StaffType)
    changed: set[str] = set()
    added: set[str] = set()
    for p in checked:
        person = people.get(p.employee_id)
        if person is None:
            person = Staff(employee_id=p.employee_id, first_name=p.first_name, last_name=p.last_name,
                           roles=p.roles, active=p.active)
            session.add(person)
            people[p.employee_id] = person
            added.add(p.employee_id)
        if _apply_staff(person, p, table, units, types):
            changed.add(p.employee_id)
    # Supervisors second, so a boss defined further down the file already exists.
    if table.has("supervisor_id"):
        for p in checked:
            if boss_in_db.get(p.employee_id) != p.supervisor_id or p.employee_id in added:
                people[p.employee_id].supervisor = people[p.supervisor_id] if p.supervisor_id else None
                changed.add(p.employee_id)
    session.flush()

    summary.added = len(added)
    summary.updated = len(changed - added)
    summary.unchanged = len(checked) - summary.added - summary.updated
    summary.new_units, summary.new_staff_types = units.created, types.created
    audit(session=session, action="import.staff", subject_type="staff", subject_id=None, actor_id=actor_id,
          rows=len(checked), added=summary.added, updated=summary.updated, unchanged=summary.unchanged,
          new_units=units.created, new_staff_types=types.created)
    return summary


def _apply_staff(person: Staff, p: _StaffRow, table: Table, units: _Lookup, types: _Lookup) -> bool:
    """Copy a row's columns onto a person (only the columns the file has); tell whether any changed."""
    changed = False
    for name in ("first_name", "last_name"):
        changed |= _set(person, name, getattr(p, name))
    for name in ("title", "position", "active"):
        if table.has(name):
            changed |= _set(person, name, getattr(p, name))
    if table.has("roles") and set(person.roles or []) != set(p.roles):
        person.roles = p.roles
        changed = True
    if table.has("unit"):
        current = _clean_text(person.unit.name) if person.unit is not None else None
        if current != p.unit:
            person.unit = units.get(p.unit) if p.unit else None
            changed = True
    if table.has("staff_type"):
        current = _clean_text(person.staff_type.name) if person.staff_type is not None else None
        if current != p.staff_type:
            person.staff_type = types.get(p.staff_type) if p.staff_type else None
            changed = True
    return changed


# --- courses ---------------------------------------------------------------------------------

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
    check = _RowCheck(row, table, problems)
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
    _check_duplicates(((row.number, _as_key(row.values.get("code"))) for row in table.rows),
                      "รหัสหลักสูตร", problems)
    if problems:
        raise ImportError_(_by_row(problems))

    summary = ImportSummary(kind="courses", ignored_columns=table.ignored)
    types = _Lookup(session, StaffType)
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
        changed = False
        for name in fields:
            changed |= _set(course, name, c.values[name])
        if table.has("target_staff_types") and {_clean_text(t.name) for t in course.target_types} != set(c.targets):
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


def _by_row(problems: list[str]) -> list[str]:
    """Order problems by row number (file-level ones first), keeping each row's own order."""
    def row_of(problem: str) -> int:
        match = re.match(r"^แถวที่ (\d+):", problem)
        return int(match.group(1)) if match else 0

    return sorted(problems, key=row_of)

