"""Working days: Monday to Friday, minus Thailand's holidays and the organisation's own.

Thai public offices close on the public holidays and on the government-only ones (the Royal
Ploughing Ceremony), so both of the `holidays` package's categories count. An organisation adds
its own closures with the `extra_holidays` setting (ISO dates).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

# Long enough to cross any run of Thai holidays (Songkran plus a weekend is under ten days).
_SEARCH_LIMIT = 60


@lru_cache(maxsize=128)
def national_holidays(year: int) -> frozenset[date]:
    """Return Thailand's public and government holidays of one year (in-lieu days included)."""
    import holidays  # its country tables load when a working day is first counted, not at every start

    found = holidays.Thailand(years=year, categories=(holidays.PUBLIC, holidays.GOVERNMENT))
    return frozenset(found.keys())


def parse_extra_holidays(values: Iterable[Any] | None) -> frozenset[date]:
    """Read the extra_holidays setting; entries that are not ISO dates are skipped with a warning."""
    days: set[date] = set()
    for value in values or ():
        if isinstance(value, date):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            log.warning("extra_holidays holds an entry that is not an ISO date; skipped")
    return frozenset(days)


class WorkCalendar:
    """Working days of one organisation."""

    def __init__(self, extra_holidays: Iterable[Any] | None = ()) -> None:
        self.extra = parse_extra_holidays(extra_holidays)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> WorkCalendar:
        """Build the calendar from the organisation settings."""
        return cls(settings.get("extra_holidays") or ())

    def is_holiday(self, day: date) -> bool:
        """Tell whether a day is a national, government or organisation holiday."""
        return day in self.extra or day in national_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        """Tell whether offices are open on a day."""
        return day.weekday() < 5 and not self.is_holiday(day)

    def on_or_after(self, day: date) -> date:
        """Return the day itself if it is a working day, else the next working day."""
        for offset in range(_SEARCH_LIMIT):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("no working day within two months")  # only with absurd extra_holidays

    def next_working_day(self, day: date) -> date:
        """Return the first working day strictly after a day."""
        return self.on_or_after(day + timedelta(days=1))

    def add_working_days(self, day: date, count: int) -> date:
        """Return the date `count` working days after (or before, if negative) a day."""
        step = 1 if count >= 0 else -1
        remaining, current = abs(count), day
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Count the working days after `start` up to and including `end` (0 if end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def is_working_day(day: date, extra_holidays: Iterable[Any] | None = ()) -> bool:
    """Tell whether offices are open on a day."""
    return WorkCalendar(extra_holidays).is_working_day(day)


def next_working_day(day: date, extra_holidays: Iterable[Any] | None = ()) -> date:
    """Return the first working day strictly after a day."""
    return WorkCalendar(extra_holidays).next_working_day(day)


def add_working_days(day: date, count: int, extra_holidays: Iterable[Any] | None = ()) -> date:
    """Return the date `count` working days after a day."""
    return WorkCalendar(extra_holidays).add_working_days(day, count)


def working_days_between(start: date, end: date, extra_holidays: Iterable[Any] | None = ()) -> int:
    """Count the working days after `start` up to and including `end`."""
    return WorkCalendar(extra_holidays).working_days_between(start, end)
