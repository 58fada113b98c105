"""Buddhist-era formatting, fiscal periods and parsing of typed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from thai import ThaiParseError
from thai import dates as d
from thai.dates import (
    BANGKOK,
    THAI_MONTHS_LONG,
    THAI_MONTHS_SHORT,
    THAI_WEEKDAYS,
    be_year,
    evaluation_round,
    fiscal_quarter,
    fiscal_year,
    fiscal_year_bounds,
    format_date,
    format_date_range,
    format_datetime,
    parse_date,
    parse_datetime,
    today_bangkok,
)

TODAY = date(2026, 11, 22)  # a Sunday in fiscal year 2570


def test_tables() -> None:
    assert len(THAI_MONTHS_SHORT) == len(THAI_MONTHS_LONG) == 12
    assert THAI_MONTHS_SHORT[11] == "ธ.ค." and THAI_MONTHS_LONG[0] == "มกราคม"
    assert THAI_WEEKDAYS[date(2026, 12, 14).weekday()] == "วันจันทร์"
    assert str(BANGKOK) == "Asia/Bangkok"


def test_parse_error_is_value_error_with_thai_message() -> None:
    assert issubclass(ThaiParseError, ValueError)
    assert d.ThaiParseError is ThaiParseError
    with pytest.raises(ThaiParseError) as info:
        parse_date("เมื่อไหร่ก็ได้", today=TODAY)
    message = str(info.value)
    assert "กรุณาพิมพ์เช่น 14 ธ.ค. 2569" in message
    assert not any("a" <= ch.lower() <= "z" for ch in message)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "14 ธ.ค. 2569"),
        ({"style": "long"}, "14 ธันวาคม 2569"),
        ({"style": "long", "weekday": True}, "วันจันทร์ที่ 14 ธันวาคม 2569"),
        ({"style": "long", "thai_digits": True}, "๑๔ ธันวาคม ๒๕๖๙"),
        ({"thai_digits": True, "weekday": True}, "วันจันทร์ที่ ๑๔ ธ.ค. ๒๕๖๙"),
    ],
)
def test_format_date(kwargs: dict[str, object], expected: str) -> None:
    assert format_date(date(2026, 12, 14), **kwargs) == expected  # type: ignore[arg-type]


def test_format_date_converts_datetimes_to_bangkok() -> None:
    # 20:00 UTC on 13 Dec is already 14 Dec in Bangkok; naive datetimes are UTC.
    assert format_date(datetime(2026, 12, 13, 20, 0)) == "14 ธ.ค. 2569"
    assert format_date(datetime(2026, 12, 13, 20, 0, tzinfo=UTC)) == "14 ธ.ค. 2569"
    assert format_date(datetime(2026, 12, 14, 1, 0, tzinfo=BANGKOK)) == "14 ธ.ค. 2569"


def test_format_date_rejects_unknown_style() -> None:
    with pytest.raises(ValueError):
        format_date(date(2026, 12, 14), style="medium")  # type: ignore[arg-type]


def test_format_datetime() -> None:
    assert format_datetime(datetime(2026, 12, 14, 2, 30, tzinfo=UTC)) == "14 ธ.ค. 2569 09:30 น."
    assert format_datetime(datetime(2026, 12, 14, 2, 30)) == "14 ธ.ค. 2569 09:30 น."
    assert format_datetime(datetime(2026, 12, 31, 17, 5), thai_digits=True) == "๑ ม.ค. ๒๕๗๐ ๐๐:๐๕ น."
    other = timezone(timedelta(hours=-5))
    assert format_datetime(datetime(2026, 12, 13, 21, 30, tzinfo=other)) == "14 ธ.ค. 2569 09:30 น."


@pytest.mark.parametrize(
    ("start", "end", "style", "expected"),
    [
        (date(2026, 12, 14), date(2026, 12, 14), "short", "14 ธ.ค. 2569"),
        (date(2026, 12, 14), date(2026, 12, 17), "short", "14-17 ธ.ค. 2569"),
        (date(2026, 9, 30), date(2026, 10, 2), "short", "30 ก.ย. - 2 ต.ค. 2569"),
        (date(2026, 12, 30), date(2027, 1, 2), "short", "30 ธ.ค. 2569 - 2 ม.ค. 2570"),
        (date(2026, 12, 14), date(2026, 12, 17), "long", "14-17 ธันวาคม 2569"),
        (date(2026, 9, 30), date(2026, 10, 2), "long", "30 กันยายน - 2 ตุลาคม 2569"),
    ],
)
def test_format_date_range(start: date, end: date, style: str, expected: str) -> None:
    assert format_date_range(start, end, style=style) == expected  # type: ignore[arg-type]


def test_format_date_range_thai_digits_and_order() -> None:
    assert format_date_range(date(2023, 3, 20), date(2023, 3, 23), thai_digits=True) == "๒๐-๒๓ มี.ค. ๒๕๖๖"
    with pytest.raises(ValueError):
        format_date_range(date(2026, 12, 17), date(2026, 12, 14))


@pytest.mark.parametrize(
    ("day", "fy", "quarter", "round_"),
    [
        (date(2026, 9, 30), 2569, 4, 2),
        (date(2026, 10, 1), 2570, 1, 1),
        (date(2026, 12, 31), 2570, 1, 1),
        (date(2027, 1, 1), 2570, 2, 1),
        (date(2027, 3, 31), 2570, 2, 1),
        (date(2027, 4, 1), 2570, 3, 2),
        (date(2027, 6, 30), 2570, 3, 2),
        (date(2027, 7, 1), 2570, 4, 2),
        (date(2027, 9, 30), 2570, 4, 2),
        (date(2027, 10, 1), 2571, 1, 1),
    ],
)
def test_fiscal_periods(day: date, fy: int, quarter: int, round_: int) -> None:
    assert fiscal_year(day) == fy
    assert fiscal_quarter(day) == quarter
    assert evaluation_round(day) == round_


def test_fiscal_year_of_datetime_uses_bangkok_time() -> None:
    # 30 Sep 18:00 UTC is 1 Oct 01:00 in Bangkok: already the next fiscal year.
    assert fiscal_year(datetime(2026, 9, 30, 18, 0, tzinfo=UTC)) == 2570
    assert fiscal_year(datetime(2026, 9, 30, 16, 0, tzinfo=UTC)) == 2569


def test_fiscal_year_bounds() -> None:
    assert fiscal_year_bounds(2570) == (date(2026, 10, 1), date(2027, 9, 30))
    first, last = fiscal_year_bounds(2567)
    assert fiscal_year(first) == fiscal_year(last) == 2567
    assert fiscal_year(first - timedelta(days=1)) == 2566
    assert fiscal_year(last + timedelta(days=1)) == 2568


def test_be_year_and_today() -> None:
    assert be_year(date(2023, 3, 20)) == 2566
    assert be_year(datetime(2026, 12, 31, 18, 0, tzinfo=UTC)) == 2570
    assert today_bangkok(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == date(2027, 1, 1)
    assert today_bangkok(datetime(2026, 12, 31, 16, 59)) == date(2026, 12, 31)
    assert isinstance(today_bangkok(), date)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-14", date(2026, 12, 14)),
        ("14/12/2569", date(2026, 12, 14)),
        ("14/12/2026", date(2026, 12, 14)),
        ("14-12-2569", date(2026, 12, 14)),
        ("14.12.69", date(2026, 12, 14)),
        ("14 ธ.ค. 2569", date(2026, 12, 14)),
        ("14 ธ.ค.2569", date(2026, 12, 14)),
        ("14 ธ. ค. 2569", date(2026, 12, 14)),
        ("14 ธค 2569", date(2026, 12, 14)),
        ("14ธค69", date(2026, 12, 14)),
        ("14 ธันวาคม 2569", date(2026, 12, 14)),
        ("14 ธันวา 69", date(2026, 12, 14)),
        ("๑๔ ธันวาคม ๒๕๖๙", date(2026, 12, 14)),
        ("๒๘ พ.ย.๖๕", date(2022, 11, 28)),
        ("14 ธันวาคม พ.ศ. 2569", date(2026, 12, 14)),
        ("14 ธันวาคม ค.ศ. 2026", date(2026, 12, 14)),
        ("วันที่ 14 ธ.ค. 2569", date(2026, 12, 14)),
        ("วันจันทร์ที่ 14 ธันวาคม 2569", date(2026, 12, 14)),
        ("14 ธ.ค. 2026", date(2026, 12, 14)),
        ("1 มี.ค. 2570", date(2027, 3, 1)),
        ("1 ม.ค. 2570", date(2027, 1, 1)),
        ("5 ก.ค. 68", date(2025, 7, 5)),
        ("29 ก.พ. 2567", date(2024, 2, 29)),
        ("14 Dec 2026", date(2026, 12, 14)),
        ("14 december 2026", date(2026, 12, 14)),
        ("December 14, 2026", date(2026, 12, 14)),
        ("Dec 14 2026", date(2026, 12, 14)),
        ("  14   ธ.ค.   2569  ", date(2026, 12, 14)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("วันนี้", TODAY),
        ("วันนี้ค่ะ", TODAY),
        ("พรุ่งนี้", TODAY + timedelta(days=1)),
        ("มะรืนนี้", TODAY + timedelta(days=2)),
        ("มะรืน", TODAY + timedelta(days=2)),
        ("เมื่อวาน", TODAY - timedelta(days=1)),
        ("สัปดาห์หน้า", TODAY + timedelta(days=7)),
        ("อาทิตย์หน้า", TODAY + timedelta(days=7)),
    ],
)
def test_parse_relative_words(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_missing_year_means_next_occurrence() -> None:
    assert parse_date("14 ธ.ค.", today=TODAY) == date(2026, 12, 14)
    assert parse_date("22 พ.ย.", today=TODAY) == TODAY  # today itself counts
    assert parse_date("21 พ.ย.", today=TODAY) == date(2027, 11, 21)
    assert parse_date("5 ม.ค.", today=TODAY) == date(2027, 1, 5)
    assert parse_date("14/12", today=TODAY) == date(2026, 12, 14)
    assert parse_date("29 ก.พ.", today=TODAY) == date(2028, 2, 29)  # next leap year


def test_parse_passes_dates_through() -> None:
    assert parse_date(date(2026, 12, 14)) == date(2026, 12, 14)
    # openpyxl gives naive wall-clock datetimes: keep the calendar day as written.
    assert parse_date(datetime(2026, 12, 14, 23, 30)) == date(2026, 12, 14)
    assert parse_date(datetime(2026, 12, 13, 20, 0, tzinfo=UTC)) == date(2026, 12, 14)


@pytest.mark.parametrize(
    "text",
    ["31 ก.พ. 2569", "29 ก.พ. 2566", "31/04/2569", "32 ธ.ค. 2569", "2026-13-01", "0 ม.ค. 2569", "31 เม.ย."],
)
def test_invalid_calendar_dates_raise(text: str) -> None:
    with pytest.raises(ThaiParseError) as info:
        parse_date(text, today=TODAY)
    assert "กรุณา" in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", "abc", "14 ธ.ค. 25x", "ธันวาคม", "14", "เร็วๆ นี้", "14 foo 2026"])
def test_unreadable_dates_raise(text: str) -> None:
    with pytest.raises(ThaiParseError):
        parse_date(text, today=TODAY)


def test_parse_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        parse_date(45000, today=TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-05T09:00", datetime(2027, 1, 5, 9, 0, tzinfo=BANGKOK)),
        ("2570-01-05T09:00", datetime(2027, 1, 5, 9, 0, tzinfo=BANGKOK)),
        ("5 ม.ค. 2570 09:00", datetime(2027, 1, 5, 9, 0, tzinfo=BANGKOK)),
        ("5/1/2570 09:00", datetime(2027, 1, 5, 9, 0, tzinfo=BANGKOK)),
        ("๕ ม.ค. ๒๕๗๐ เวลา ๐๙.๓๐ น.", datetime(2027, 1, 5, 9, 30, tzinfo=BANGKOK)),
        ("2027-01-05T02:00:00+00:00", datetime(2027, 1, 5, 9, 0, tzinfo=BANGKOK)),
    ],
)
def test_parse_datetime_reads_be_and_ce(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(("text", "says"), [("5 ม.ค. 2570", "กรุณาระบุเวลา"), ("5/1/2570 25:00", "ไม่มีเวลา 25:00"),
                                             ("", "ยังไม่ได้ระบุวันและเวลา"), ("เมื่อวาน 9:00x", "กรุณาระบุเวลา")])
def test_parse_datetime_explains_in_thai(text: str, says: str) -> None:
    with pytest.raises(ThaiParseError, match=says):
        parse_datetime(text)
