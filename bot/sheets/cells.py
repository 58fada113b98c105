"""Reading one row's cells (text, keys, names, flags, dates, numbers, amounts, times) with Thai problems."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.sheets.reader import Row, Table, as_key, as_text, clean_text, is_blank
from thai import ThaiParseError
from thai.dates import parse_date
from thai.numbers import MAX_AMOUNT, parse_amount, parse_int, to_arabic_digits

LIST_SEPARATORS = re.compile(r"[;,\n]")
_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "ใช่", "ใช้งาน", "active", "เปิด"})
_FALSE_WORDS = frozenset({"0", "false", "no", "n", "ไม่", "ไม่ใช่", "ไม่ใช้งาน", "inactive", "ปิด", "ยกเลิก"})
_TIME_RE = re.compile(r"^(?P<h>\d{1,2})\s*[:.]\s*(?P<m>\d{2})(?:\s*[:.]\s*\d{2})?\s*(?:น\.?|นาฬิกา)?$")
# Excel serial day numbers of 1982-2119: a bare number in a date column is one of these.
_SERIAL_RANGE = (30000, 80000)


class RowCheck:
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
        value = as_text(self.raw(key))
        if required and not value:
            self.problem(f"ยังไม่ได้กรอก{self.label(key)}")
        if max_len is not None and len(value) > max_len:
            self.problem(f"{self.label(key)} ยาวเกิน {max_len} ตัวอักษร")
        return value

    def key(self, key: str, *, required: bool = False, max_len: int = 40) -> str:
        """Return an id/code cell (Thai digits made Arabic)."""
        value = as_key(self.raw(key))
        if required and not value:
            self.problem(f"ยังไม่ได้กรอก{self.label(key)}")
        elif len(value) > max_len:
            self.problem(f"{self.label(key)} ยาวเกิน {max_len} ตัวอักษร")
        return value

    def names(self, key: str, *, max_len: int) -> list[str]:
        """Return a list cell split on ; (or , or a line break), blanks dropped, order kept."""
        raw = self.raw(key)
        items: list[str] = []
        for part in LIST_SEPARATORS.split(raw if isinstance(raw, str) else as_text(raw)):
            name = clean_text(part)
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
        text = as_text(raw).casefold()
        if not text:
            return default
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
        self.problem(f"{self.label(key)} “{as_text(raw)}” ไม่ชัดเจน กรุณาใส่ ใช่ หรือ ไม่ใช่")
        return default

    def date(self, key: str, *, required: bool = False) -> date | None:
        """Return a date cell: a sheet date, ISO text or Thai text; the year must be written."""
        raw = self.raw(key)
        if is_blank(raw):
            if required:
                self.problem(f"ยังไม่ได้กรอก{self.label(key)}")
            return None
        if isinstance(raw, (datetime, date)):
            return parse_date(raw)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if _SERIAL_RANGE[0] <= raw <= _SERIAL_RANGE[1]:
                return date(1899, 12, 30) + timedelta(days=int(raw))  # Excel's day zero
            self.problem(f"{self.label(key)} “{as_text(raw)}” ไม่ใช่วันที่ (ใช้รูปแบบ 2026-12-14 หรือ 14 ธ.ค. 2569)")
            return None
        text = as_text(raw)
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
        if is_blank(raw):
            return default
        if isinstance(raw, bool):
            raw = as_text(raw)
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float):
            if raw.is_integer():
                return int(raw)
            self.problem(f"{self.label(key)} “{raw}” ต้องเป็นจำนวนเต็ม")
            return None
        try:
            return parse_int(as_text(raw))
        except ThaiParseError:
            self.problem(f"{self.label(key)} “{as_text(raw)}” ไม่ใช่ตัวเลขจำนวนเต็ม")
            return None

    def amount(self, key: str) -> Decimal | None:
        """Return a baht cell (Thai digits, commas, บาท allowed; blank = 0)."""
        raw = self.raw(key)
        if is_blank(raw):
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
        text = as_text(raw)
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
        if is_blank(raw):
            return None
        if isinstance(raw, time):
            return raw.replace(second=0, microsecond=0, tzinfo=None)
        if isinstance(raw, datetime):
            return raw.time().replace(second=0, microsecond=0)
        if isinstance(raw, float) and 0 <= raw < 1:
            minutes = round(raw * 24 * 60)  # a sheet time stored as a fraction of a day
            return time(minutes // 60 % 24, minutes % 60)
        text = to_arabic_digits(as_text(raw))
        match = _TIME_RE.match(text)
        if match and int(match["h"]) < 24 and int(match["m"]) < 60:
            return time(int(match["h"]), int(match["m"]))
        self.problem(f"{self.label(key)} “{as_text(raw)}” ไม่ใช่เวลา (ใช้รูปแบบ 09:00)")
        return None

