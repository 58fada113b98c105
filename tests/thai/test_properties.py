"""Round trips between what we show and what we read back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from thai.dates import format_date, format_date_range, parse_date
from thai.nlu import Intent, parse_intent
from thai.numbers import MAX_AMOUNT, format_baht, format_number, parse_amount, to_arabic_digits, to_thai_digits

TODAY = date(2026, 11, 22)
dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))
# Money as users type it: whole baht or baht and satang, up to the ten-million cap.
amounts = st.one_of(
    st.integers(min_value=0, max_value=int(MAX_AMOUNT)).map(Decimal),
    st.integers(min_value=0, max_value=int(MAX_AMOUNT) * 100).map(lambda c: Decimal(c).scaleb(-2)),
)


@settings(deadline=None, max_examples=300)
@given(day=dates, style=st.sampled_from(["short", "long"]), thai_digits=st.booleans(), weekday=st.booleans())
def test_format_date_round_trip(day: date, style: str, thai_digits: bool, weekday: bool) -> None:
    text = format_date(day, style=style, thai_digits=thai_digits, weekday=weekday)  # type: ignore[arg-type]
    assert parse_date(text, today=TODAY) == day


@settings(deadline=None)
@given(start=dates, days=st.integers(min_value=0, max_value=400))
def test_date_range_ends_with_the_end_date(start: date, days: int) -> None:
    end = date.fromordinal(min(start.toordinal() + days, date(2100, 12, 31).toordinal()))
    text = format_date_range(start, end)
    assert text.endswith(format_date(end))
    assert parse_date(text.split(" - ")[-1] if " - " in text else text.split("-")[-1], today=TODAY) == end


@settings(deadline=None, max_examples=300)
@given(amount=amounts, thai_digits=st.booleans())
def test_format_baht_round_trip(amount: Decimal, thai_digits: bool) -> None:
    assert parse_amount(format_baht(amount, thai_digits=thai_digits)) == amount


@settings(deadline=None, max_examples=300)
@given(amount=amounts, thai_digits=st.booleans())
def test_format_number_round_trip(amount: Decimal, thai_digits: bool) -> None:
    assert parse_amount(format_number(amount, thai_digits=thai_digits)) == amount


@settings(deadline=None)
@given(text=st.text(max_size=30))
def test_digit_conversion_round_trip(text: str) -> None:
    arabic = to_arabic_digits(text)
    assert to_arabic_digits(to_thai_digits(arabic)) == arabic


@settings(deadline=None, max_examples=200)
@given(text=st.text(max_size=80))
def test_parse_intent_never_fails(text: str) -> None:
    parsed = parse_intent(text)
    assert isinstance(parsed.intent, Intent)
    assert 0.0 <= parsed.score <= 1.0
    assert parsed.query == parsed.query.strip()
