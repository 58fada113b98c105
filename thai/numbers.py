"""Format and parse numbers and baht amounts the way Thai offices write them."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from thai import ThaiParseError

__all__ = [
    "ThaiParseError",
    "MAX_AMOUNT",
    "to_thai_digits",
    "to_arabic_digits",
    "format_number",
    "format_baht",
    "baht_in_words",
    "parse_amount",
    "parse_int",
]

Number = int | float | Decimal

# A training expense above ten million baht is a typing mistake, not a claim.
MAX_AMOUNT = Decimal("10000000")

_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_ARABIC_DIGITS = "0123456789"
_TO_THAI = str.maketrans(_ARABIC_DIGITS, _THAI_DIGITS)
_TO_ARABIC = str.maketrans(_THAI_DIGITS, _ARABIC_DIGITS)

_CENT = Decimal("0.01")

AMOUNT_HINT = "กรุณาพิมพ์จำนวนเงินเป็นตัวเลข เช่น 3,500 หรือพิมพ์ ไม่มี ค่ะ"
INT_HINT = "กรุณาพิมพ์เป็นตัวเลข เช่น 3 ค่ะ"

# Answers that mean "no expense" in a report form.
_ZERO_WORDS = frozenset({"ไม่มี", "ไม่มีค่าใช้จ่าย", "ไม่เสียค่าใช้จ่าย", "ฟรี", "-", "–", "—", "ไม่มีครับ", "ไม่มีค่ะ", "ไม่มีคะ"})
# Currency marks and words people wrap around an amount; removed before reading digits.
_CURRENCY_RE = re.compile(r"^(?:฿|บาท)?\s*(?P<num>.*?)\s*(?:บาท(?:ถ้วน)?|บ\.|฿)?\s*(?:\.-|-|=)?$")
# Either properly grouped thousands or plain digits, then at most two decimals (satang).
_AMOUNT_RE = re.compile(r"^(?P<sign>[-+−])?\s*(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?$")
_INT_RE = re.compile(r"^(?P<sign>[-+−])?\s*(?P<int>\d{1,3}(?:,\d{3})+|\d+)$")


def to_thai_digits(s: str) -> str:
    """Replace Arabic digits 0-9 with Thai digits ๐-๙."""
    return s.translate(_TO_THAI)


def to_arabic_digits(s: str) -> str:
    """Replace Thai digits ๐-๙ with Arabic digits 0-9."""
    return s.translate(_TO_ARABIC)


def _to_decimal(n: Number) -> Decimal:
    """Convert an int, float or Decimal to a finite Decimal."""
    if isinstance(n, bool):
        raise TypeError("format a number, not a bool")
    if isinstance(n, float):
        # repr gives the shortest text that round-trips, so 0.1 stays 0.1.
        d = Decimal(repr(n))
    elif isinstance(n, (int, Decimal)):
        d = Decimal(n)
    else:
        raise TypeError(f"cannot format {type(n).__name__} as a number")
    if not d.is_finite():
        raise ValueError("cannot format a non-finite number")
    return d


def _natural_places(n: Number, d: Decimal) -> int:
    """Return how many decimals a value shows when none are asked for."""
    if isinstance(n, int):
        return 0
    if isinstance(n, float):
        return 0 if n.is_integer() else max(0, -d.as_tuple().exponent)  # type: ignore[operator]
    exponent = d.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_number(n: Number, *, decimals: int | None = None, thai_digits: bool = False) -> str:
    """Format a number with thousands separators, e.g. 3500.5 -> "3,500.5"."""
    d = _to_decimal(n)
    places = _natural_places(n, d) if decimals is None else decimals
    if places < 0:
        raise ValueError("decimals must not be negative")
    d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)  # never show "-0"
    text = f"{d:,.{places}f}"
    return to_thai_digits(text) if thai_digits else text


def format_baht(amount: Number, *, thai_digits: bool = False) -> str:
    """Format money as "3,500 บาท", or "3,500.50 บาท" when there are satang."""
    d = _to_decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    places = 0 if d == d.to_integral_value() else 2
    return f"{format_number(d, decimals=places, thai_digits=thai_digits)} บาท"


def baht_in_words(amount: Number) -> str:
    """Spell an amount the way cheques do, e.g. "สามพันห้าร้อยบาทถ้วน"."""
    from pythainlp.util import bahttext, num_to_thaiword  # loaded lazily: pythainlp is heavy

    d = _to_decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    if d < 0:
        return "ลบ" + baht_in_words(-d)
    if 0 < d < 1:
        # bahttext would say "ศูนย์บาทห้าสิบสตางค์"; Excel's BAHTTEXT says only the satang.
        return f"{num_to_thaiword(int(d * 100))}สตางค์"
    # Pass an exact int when there are no satang so large sums are not rounded by float.
    return bahttext(int(d) if d == d.to_integral_value() else float(d))


def _clean(text: str) -> str:
    """Trim, convert Thai digits and squeeze spaces in a typed value."""
    return re.sub(r"\s+", " ", to_arabic_digits(text)).strip()


def parse_amount(text: str) -> Decimal:
    """Read an amount of baht typed by a user; "ไม่มี" and "-" mean zero."""
    if not isinstance(text, str):
        raise TypeError("parse_amount reads text")
    cleaned = _clean(text)
    if not cleaned:
        raise ThaiParseError(f"ยังไม่ได้พิมพ์จำนวนเงิน {AMOUNT_HINT}", text=text)
    if cleaned.replace(" ", "") in _ZERO_WORDS or cleaned in _ZERO_WORDS:
        return Decimal("0")
    stripped = _CURRENCY_RE.match(cleaned)
    number = stripped.group("num") if stripped else cleaned
    match = _AMOUNT_RE.match(number)
    if match is None:
        raise ThaiParseError(f"ไม่เข้าใจจำนวนเงิน “{text.strip()}” {AMOUNT_HINT}", text=text)
    try:
        value = Decimal(match.group("int").replace(",", "") + "." + (match.group("frac") or "0"))
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        raise ThaiParseError(f"ไม่เข้าใจจำนวนเงิน {AMOUNT_HINT}", text=text) from None
    if match.group("sign") in ("-", "−") and value != 0:
        raise ThaiParseError("จำนวนเงินต้องไม่ติดลบ กรุณาพิมพ์ใหม่ เช่น 3,500 ค่ะ", text=text)
    if value > MAX_AMOUNT:
        raise ThaiParseError(
            f"จำนวนเงินสูงเกินไป (เกิน {format_number(MAX_AMOUNT)} บาท) กรุณาตรวจสอบแล้วพิมพ์ใหม่ค่ะ", text=text
        )
    # Keep the satang the user typed ("3,500.50" -> Decimal("3500.50")) but no trailing ".0".
    return value if match.group("frac") else value.quantize(Decimal(1))


def parse_int(text: str) -> int:
    """Read a whole number typed with Arabic or Thai digits and optional commas."""
    if not isinstance(text, str):
        raise TypeError("parse_int reads text")
    cleaned = _clean(text)
    match = _INT_RE.match(cleaned)
    if match is None:
        if not cleaned:
            raise ThaiParseError(f"ยังไม่ได้พิมพ์ตัวเลข {INT_HINT}", text=text)
        raise ThaiParseError(f"ไม่เข้าใจตัวเลข “{text.strip()}” {INT_HINT}", text=text)
    value = int(match.group("int").replace(",", ""))
    return -value if match.group("sign") in ("-", "−") else value
