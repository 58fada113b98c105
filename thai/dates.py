"""Buddhist-era dates, the Thai fiscal year and tolerant parsing of typed dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from thai import ThaiParseError
from thai.numbers import to_arabic_digits, to_thai_digits

__all__ = [
    "BANGKOK",
    "BE_OFFSET",
    "THAI_MONTHS_SHORT",
    "THAI_MONTHS_LONG",
    "THAI_WEEKDAYS",
    "ThaiParseError",
    "to_bangkok",
    "today_bangkok",
    "be_year",
    "format_date",
    "format_datetime",
    "format_date_range",
    "parse_date",
    "parse_datetime",
    "fiscal_year",
    "fiscal_quarter",
    "fiscal_year_bounds",
    "evaluation_round",
]

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543

# Indexed by month - 1 (THAI_MONTHS_SHORT[d.month - 1]).
THAI_MONTHS_SHORT: tuple[str, ...] = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
THAI_MONTHS_LONG: tuple[str, ...] = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
# Indexed by date.weekday() (Monday = 0), written as Thai people say them.
THAI_WEEKDAYS: tuple[str, ...] = (
    "วันจันทร์", "วันอังคาร", "วันพุธ", "วันพฤหัสบดี", "วันศุกร์", "วันเสาร์", "วันอาทิตย์",
)  # fmt: skip

DATE_HINT = "กรุณาพิมพ์เช่น 14 ธ.ค. 2569 ค่ะ"


# --- time zone -------------------------------------------------------------------------------


def to_bangkok(dt: datetime) -> datetime:
    """Convert a datetime to Bangkok time; a naive datetime is taken as UTC (how we store them)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(BANGKOK)


def _as_date(d: date | datetime) -> date:
    """Return the Bangkok calendar date of a date or datetime."""
    if isinstance(d, datetime):
        return to_bangkok(d).date()
    if isinstance(d, date):
        return d
    raise TypeError(f"expected a date or datetime, not {type(d).__name__}")


def today_bangkok(now: datetime | None = None) -> date:
    """Return today's date in Bangkok (from ``now`` if given, else the clock)."""
    return to_bangkok(now if now is not None else datetime.now(UTC)).date()


def be_year(d: date | datetime) -> int:
    """Return the Buddhist-era year of a date, e.g. 2026-12-14 -> 2569."""
    return _as_date(d).year + BE_OFFSET


# --- formatting ------------------------------------------------------------------------------


def _digits(text: str, thai_digits: bool) -> str:
    """Return text with Thai digits when asked."""
    return to_thai_digits(text) if thai_digits else text


def _month_name(month: int, style: Literal["short", "long"]) -> str:
    """Return the Thai month name in the given style."""
    if style == "short":
        return THAI_MONTHS_SHORT[month - 1]
    if style == "long":
        return THAI_MONTHS_LONG[month - 1]
    raise ValueError(f"unknown date style {style!r}")


def format_date(
    d: date | datetime,
    *,
    style: Literal["short", "long"] = "short",
    thai_digits: bool = False,
    weekday: bool = False,
) -> str:
    """Format a date in BE, e.g. "14 ธ.ค. 2569" or "วันจันทร์ที่ 14 ธันวาคม 2569"."""
    day = _as_date(d)
    text = f"{day.day} {_month_name(day.month, style)} {day.year + BE_OFFSET}"
    if weekday:
        text = f"{THAI_WEEKDAYS[day.weekday()]}ที่ {text}"
    return _digits(text, thai_digits)


def format_datetime(dt: datetime, *, thai_digits: bool = False) -> str:
    """Format a moment in Bangkok time, e.g. "14 ธ.ค. 2569 09:30 น."."""
    local = to_bangkok(dt)
    return _digits(f"{format_date(local.date())} {local:%H:%M} น.", thai_digits)


def format_date_range(
    start: date | datetime,
    end: date | datetime,
    *,
    style: Literal["short", "long"] = "short",
    thai_digits: bool = False,
) -> str:
    """Format a span compactly, e.g. "14-17 ธ.ค. 2569" or "30 ก.ย. - 2 ต.ค. 2569"."""
    first, last = _as_date(start), _as_date(end)
    if last < first:
        raise ValueError("the range ends before it starts")
    if first == last:
        text = format_date(first, style=style)
    elif (first.year, first.month) == (last.year, last.month):
        text = f"{first.day}-{format_date(last, style=style)}"
    elif first.year == last.year:
        text = f"{first.day} {_month_name(first.month, style)} - {format_date(last, style=style)}"
    else:
        text = f"{format_date(first, style=style)} - {format_date(last, style=style)}"
    return _digits(text, thai_digits)


# --- fiscal year -----------------------------------------------------------------------------


def fiscal_year(d: date | datetime) -> int:
    """Return the BE fiscal year of a date (FY 2570 = 1 Oct 2026 - 30 Sep 2027)."""
    day = _as_date(d)
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_quarter(d: date | datetime) -> int:
    """Return the fiscal quarter 1-4 (Q1 = Oct-Dec, Q2 = Jan-Mar, Q3 = Apr-Jun, Q4 = Jul-Sep)."""
    month = _as_date(d).month
    return (month - 10) // 3 + 1 if month >= 10 else (month - 1) // 3 + 2


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """Return the first and last day of a BE fiscal year."""
    ce = fy_be - BE_OFFSET
    return date(ce - 1, 10, 1), date(ce, 9, 30)


def evaluation_round(d: date | datetime) -> int:
    """Return the performance round: 1 = 1 Oct-31 Mar, 2 = 1 Apr-30 Sep."""
    return 2 if 4 <= _as_date(d).month <= 9 else 1


# --- parsing ---------------------------------------------------------------------------------

# Days after today for each relative word; keys are compared with spaces removed.
_RELATIVE_DAYS: dict[str, int] = {
    "วันนี้": 0, "today": 0,
    "พรุ่งนี้": 1, "พรุ่ง": 1, "tomorrow": 1,
    "มะรืนนี้": 2, "มะรืน": 2,
    "เมื่อวาน": -1, "เมื่อวานนี้": -1, "yesterday": -1,
    "สัปดาห์หน้า": 7, "อาทิตย์หน้า": 7, "วีคหน้า": 7, "nextweek": 7,
}  # fmt: skip

# Every spelling of a Thai month, written without dots or spaces (they are removed first).
_THAI_MONTH_WORDS: dict[str, int] = {}
for _m, (_short, _long) in enumerate(zip(THAI_MONTHS_SHORT, THAI_MONTHS_LONG, strict=True), start=1):
    _THAI_MONTH_WORDS[_short.replace(".", "")] = _m
    _THAI_MONTH_WORDS[_long] = _m
    # The spoken form drops the -คม/-ยน/-พันธ์ ending: "ธันวา", "กุมภา", "พฤศจิกา".
    _THAI_MONTH_WORDS[re.sub(r"(าคม|ายน|าพันธ์|คม|ยน)$", "า", _long)] = _m
_THAI_MONTH_WORDS.update({"พฤษภา": 5, "กรกฎา": 7, "กรกฏาคม": 7, "กพ": 2})

_ENGLISH_MONTHS: dict[str, int] = {}
for _m, _name in enumerate(
    ("january", "february", "march", "april", "may", "june",
     "july", "august", "september", "october", "november", "december"),
    start=1,
):  # fmt: skip
    _ENGLISH_MONTHS[_name] = _m
    _ENGLISH_MONTHS[_name[:3]] = _m
_ENGLISH_MONTHS["sept"] = 9


def _alternation(words: dict[str, int]) -> str:
    """Build a regex alternation that tries longer words first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# "14ธค2569", "14ธันวาคม69", "14ธันวาคมพศ2569", "14ธค" (no year).
_DAY = r"(?P<day>\d{1,2})"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_THAI_MONTH = f"(?P<month>{_alternation(_THAI_MONTH_WORDS)})"
_ENG_MONTH = f"(?P<month>{_alternation(_ENGLISH_MONTHS)})"
_THAI_RE = re.compile(f"^{_DAY}{_THAI_MONTH}(?P<era>พศ|คศ)?{_YEAR}?$")
_ENG_DMY_RE = re.compile(rf"^{_DAY}(?:st|nd|rd|th)?\s*{_ENG_MONTH}\.?,?\s*{_YEAR}?$")
_ENG_MDY_RE = re.compile(rf"^{_ENG_MONTH}\.?\s*{_DAY}(?:st|nd|rd|th)?,?\s*{_YEAR}?$")
_ISO_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[t ].*)?$")
_NUMERIC_RE = re.compile(r"^(?P<day>\d{1,2})\s*[/.-]\s*(?P<month>\d{1,2})(?:\s*[/.-]\s*(?P<year>\d{4}|\d{2}))?$")
# Words that may come before a date: "วันที่", "วันจันทร์ที่", "วันจันทร์".
_PREFIX_RE = re.compile(r"^(?:วัน(?:จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์|อาทิตย์)?(?:ที่)?|ที่)")
_PARTICLE_RE = re.compile(r"(?:ค่ะ|คะ|ครับ|คับ|นะ|จ้า)+$")


def _full_year(year_text: str | None, *, two_digit_be: bool, ce_hint: bool = False) -> int | None:
    """Return the CE year for the typed year, or None when the year was left out."""
    if year_text is None:
        return None
    year = int(year_text)
    if len(year_text) == 2:
        # Thai writing abbreviates BE years ("พ.ย.65" = 2565); English writing abbreviates CE.
        return (year + 2500 - BE_OFFSET) if two_digit_be and not ce_hint else year + 2000
    # A four-digit year above 2400 can only be BE: no office form mentions CE 2400.
    return year - BE_OFFSET if year > 2400 and not ce_hint else year


def _build(text: str, year: int | None, month: int, day: int, today: date) -> date:
    """Make the date, choosing the next occurrence when the year is missing."""
    try:
        if year is not None:
            return date(year, month, day)
        # The next occurrence on or after today; 29 Feb waits for the next leap year.
        for candidate_year in range(today.year, today.year + 9):
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        raise ValueError("no such day")
    except ValueError:
        if 1 <= month <= 12:
            shown = f"{day} {THAI_MONTHS_SHORT[month - 1]}" + (f" {year + BE_OFFSET}" if year else "")
            raise ThaiParseError(f"ไม่มีวันที่ {shown} ในปฏิทินค่ะ {DATE_HINT}", text=text) from None
        raise ThaiParseError(f"ไม่เข้าใจวันที่ “{text.strip()}” {DATE_HINT}", text=text) from None


def parse_date(text: str | date | datetime, *, today: date | None = None) -> date:
    """Read a date typed in Thai or English, BE or CE, Thai or Arabic digits."""
    if isinstance(text, datetime):
        # Spreadsheet cells hold local wall-clock datetimes, so take the date as written.
        return to_bangkok(text).date() if text.tzinfo is not None else text.date()
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        raise TypeError(f"parse_date reads text, not {type(text).__name__}")
    today = today if today is not None else today_bangkok()
    cleaned = re.sub(r"\s+", " ", to_arabic_digits(text)).strip().lower()
    if not cleaned:
        raise ThaiParseError(f"ยังไม่ได้พิมพ์วันที่ {DATE_HINT}", text=text)

    compact = _PARTICLE_RE.sub("", cleaned.replace(" ", ""))
    if compact in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[compact])

    if match := _ISO_RE.match(cleaned):
        year = _full_year(match["year"], two_digit_be=False)
        return _build(text, year, int(match["month"]), int(match["day"]), today)

    if match := _NUMERIC_RE.match(compact):
        year = _full_year(match["year"], two_digit_be=True)
        return _build(text, year, int(match["month"]), int(match["day"]), today)

    # Thai month names: dots, spaces and the words before the day are noise.
    thai = _PREFIX_RE.sub("", compact.replace(".", "").replace(",", ""))
    if match := _THAI_RE.match(thai):
        year = _full_year(match["year"], two_digit_be=True, ce_hint=match["era"] == "คศ")
        return _build(text, year, _THAI_MONTH_WORDS[match["month"]], int(match["day"]), today)

    english = cleaned.replace(",", " ").strip()
    english = re.sub(r"\s+", " ", english)
    if match := _ENG_DMY_RE.match(english) or _ENG_MDY_RE.match(english):
        year = _full_year(match["year"], two_digit_be=False)
        return _build(text, year, _ENGLISH_MONTHS[match["month"]], int(match["day"]), today)

    raise ThaiParseError(f"ไม่เข้าใจวันที่ “{text.strip()}” {DATE_HINT}", text=text)


# "09:00", "9.30 น.", "เวลา 09:00", "T09:00" at the end of a date and time.
_TIME_RE = re.compile(r"(?:\s*t|\s+เวลา|\s+)\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::\d{2})?\s*(?:น\.?)?$")
DATETIME_HINT = "เช่น 5 ม.ค. 2570 09:00 หรือ 5/1/2570 09:00 หรือ 2027-01-05T09:00"


def parse_datetime(text: str) -> datetime:
    """Read a Bangkok date and time typed in Thai or English, BE or CE (ISO with a zone works too)."""
    cleaned = to_arabic_digits(text).strip()
    if not cleaned:
        raise ThaiParseError(f"ยังไม่ได้ระบุวันและเวลา {DATETIME_HINT}", text=text)
    try:
        at = datetime.fromisoformat(cleaned)
    except ValueError:
        at = None
    if at is not None:
        if at.year > 2400:  # a BE year written the ISO way ("2570-01-05T09:00")
            at = at.replace(year=at.year - BE_OFFSET)
        # A time without a zone is Bangkok time, as every schedule of the clock is.
        return at if at.tzinfo is not None else at.replace(tzinfo=BANGKOK)
    match = _TIME_RE.search(cleaned.lower())
    if match is None:
        raise ThaiParseError(f"กรุณาระบุเวลาด้วยค่ะ {DATETIME_HINT}", text=text)
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ThaiParseError(f"ไม่มีเวลา {hour:02d}:{minute:02d} ค่ะ {DATETIME_HINT}", text=text)
    day = parse_date(cleaned[: match.start()])
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANGKOK)
