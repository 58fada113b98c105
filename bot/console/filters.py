"""Template filters: dates in BE, baht and numbers the Thai way."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask

from thai.dates import fiscal_year, format_date, format_datetime
from thai.numbers import format_baht, format_number


def be_date(value: date | datetime | None, style: str = "short") -> str:
    """Show a date in BE (e.g. 14 ธ.ค. 2569); nothing for no date."""
    return format_date(value, style=style) if value else "–"  # type: ignore[arg-type]


def be_datetime(value: datetime | None) -> str:
    """Show a moment in Bangkok time and BE."""
    return format_datetime(value) if value else "–"


def baht(value: int | float | Decimal | None) -> str:
    """Show an amount in baht."""
    return format_baht(value) if value is not None else "–"


def number(value: int | float | Decimal | None) -> str:
    """Show a number with thousands separators."""
    return format_number(value) if value is not None else "–"


def register(app: Flask) -> None:
    """Add the filters to the app's templates."""
    app.add_template_filter(be_date, "be_date")
    app.add_template_filter(be_datetime, "be_datetime")
    app.add_template_filter(baht, "baht")
    app.add_template_filter(number, "number")
    app.add_template_filter(lambda d: f"{fiscal_year(d)}" if d else "–", "fiscal_year")
