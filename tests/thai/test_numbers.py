"""Thai digits, thousands separators, baht amounts and typed numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from thai import ThaiParseError
from thai import numbers as n
from thai.numbers import (
    baht_in_words,
    format_baht,
    format_number,
    parse_amount,
    parse_int,
    to_arabic_digits,
    to_thai_digits,
)


def test_digit_conversion() -> None:
    assert to_thai_digits("14 ธ.ค. 2569") == "๑๔ ธ.ค. ๒๕๖๙"
    assert to_arabic_digits("๑๔ ธ.ค. ๒๕๖๙") == "14 ธ.ค. 2569"
    assert to_arabic_digits(to_thai_digits("0123456789")) == "0123456789"
    assert to_thai_digits("") == ""
    assert n.ThaiParseError is ThaiParseError


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (3500, {}, "3,500"),
        (0, {}, "0"),
        (-1234567, {}, "-1,234,567"),
        (Decimal("3500.50"), {}, "3,500.50"),
        (Decimal("3500"), {}, "3,500"),
        (Decimal("3500.00"), {}, "3,500.00"),
        (3500.5, {}, "3,500.5"),
        (3500.0, {}, "3,500"),
        (1234.5678, {"decimals": 2}, "1,234.57"),
        (Decimal("2.675"), {"decimals": 2}, "2.68"),  # half up, as accountants round
        (3500, {"decimals": 2}, "3,500.00"),
        (1234567, {"thai_digits": True}, "๑,๒๓๔,๕๖๗"),
        (Decimal("-0.001"), {"decimals": 2}, "0.00"),
    ],
)
def test_format_number(value: int | float | Decimal, kwargs: dict[str, object], expected: str) -> None:
    assert format_number(value, **kwargs) == expected  # type: ignore[arg-type]


def test_format_number_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        format_number(float("nan"))
    with pytest.raises(TypeError):
        format_number(True)
    with pytest.raises(TypeError):
        format_number("3500")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (3500, {}, "3,500 บาท"),
        (Decimal("3500.50"), {}, "3,500.50 บาท"),
        (Decimal("3500.00"), {}, "3,500 บาท"),
        (3500.5, {}, "3,500.50 บาท"),
        (Decimal("0.005"), {}, "0.01 บาท"),
        (0, {}, "0 บาท"),
        (3500, {"thai_digits": True}, "๓,๕๐๐ บาท"),
        (Decimal("12345.75"), {"thai_digits": True}, "๑๒,๓๔๕.๗๕ บาท"),
    ],
)
def test_format_baht(value: int | float | Decimal, kwargs: dict[str, object], expected: str) -> None:
    assert format_baht(value, **kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3500, "สามพันห้าร้อยบาทถ้วน"),
        (Decimal("3500.50"), "สามพันห้าร้อยบาทห้าสิบสตางค์"),
        (21, "ยี่สิบเอ็ดบาทถ้วน"),
        (0, "ศูนย์บาทถ้วน"),
        (Decimal("0.25"), "ยี่สิบห้าสตางค์"),
        (10_000_000, "สิบล้านบาทถ้วน"),
    ],
)
def test_baht_in_words(value: int | Decimal, expected: str) -> None:
    assert baht_in_words(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3500", Decimal("3500")),
        ("3,500", Decimal("3500")),
        ("๓,๕๐๐", Decimal("3500")),
        ("3500 บาท", Decimal("3500")),
        ("3,500บาท", Decimal("3500")),
        ("3,500.50", Decimal("3500.50")),
        ("3500.5", Decimal("3500.5")),
        ("฿3,500", Decimal("3500")),
        ("3,500.-", Decimal("3500")),
        ("3,500 บาทถ้วน", Decimal("3500")),
        ("  3,500  ", Decimal("3500")),
        ("ไม่มี", Decimal("0")),
        ("ไม่มีค่ะ", Decimal("0")),
        ("-", Decimal("0")),
        ("0", Decimal("0")),
        ("10,000,000", Decimal("10000000")),
    ],
)
def test_parse_amount(text: str, expected: Decimal) -> None:
    value = parse_amount(text)
    assert value == expected
    assert isinstance(value, Decimal)


def test_parse_amount_keeps_typed_satang() -> None:
    assert str(parse_amount("3,500.50")) == "3500.50"
    assert str(parse_amount("3,500")) == "3500"


@pytest.mark.parametrize(
    "text",
    ["", "  ", "-3500", "−3,500", "abc", "สามพัน", "10,000,001", "99999999", "3,50,0", "3.505", "1e5", "3 500"],
)
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(ThaiParseError) as info:
        parse_amount(text)
    message = str(info.value)
    assert "กรุณา" in message
    # Only what the user typed may be echoed; our own words are all Thai.
    assert not any("a" <= ch.lower() <= "z" for ch in message.replace(text.strip(), ""))


def test_parse_amount_hint_mentions_none() -> None:
    with pytest.raises(ThaiParseError, match="ไม่มี"):
        parse_amount("ประมาณสามพัน")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), ("๑๒", 12), ("1,200", 1200), (" ๑,๒๐๐ ", 1200), ("-5", -5), ("0", 0)],
)
def test_parse_int(text: str, expected: int) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize("text", ["", "3.5", "สาม", "1,2", "12a"])
def test_parse_int_rejects(text: str) -> None:
    with pytest.raises(ThaiParseError, match="กรุณา"):
        parse_int(text)
