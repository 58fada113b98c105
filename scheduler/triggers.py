"""When the clock's jobs fire, as APScheduler triggers that know Thai working days.

Cron cannot say "the 5th, or the next working day when the 5th is a holiday", so these two
triggers compute their fire times from the working-day calendar. They are plain picklable
objects (the SQLAlchemy job store keeps them) built from the organisation settings, and the
same objects decide what `run_due_jobs --at` runs, so the clock and the command never disagree.
"""
from __future__ import annotations

import calendar as stdcalendar
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from models.org import NEXT_WORKING_DAY, SAME_DAY
from scheduler.calendar import WorkCalendar, parse_extra_holidays
from thai.dates import BANGKOK


def parse_clock_time(value: Any, default: str) -> time:
    """Read an "HH:MM" setting; a malformed value falls back to the default."""
    for candidate in (value, default):
        try:
            hour, minute = (int(part) for part in str(candidate).strip().split(":")[:2])
            return time(hour, minute)
        except (TypeError, ValueError):
            continue
    raise ValueError(f"bad default time {default!r}")


def _start(previous_fire_time: datetime | None, now: datetime) -> datetime:
    # APScheduler asks for the first fire time after the previous one (to count missed runs),
    # or the first one at or after now.
    if previous_fire_time is not None:
        return (previous_fire_time + timedelta(microseconds=1)).astimezone(BANGKOK)
    return now.astimezone(BANGKOK)


class _SettingsTrigger(BaseTrigger):
    """Common parts: equality by state (to see whether settings changed) and a readable repr."""

    def _state(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._state() == self._state()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._state())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state()!r}>"


class MonthlyTrigger(_SettingsTrigger):
    """Fires once a month on a day at a time (Bangkok); a non-working day moves it on, unless same_day."""

    def __init__(self, day: int, at: time, on_holiday: str = NEXT_WORKING_DAY,
                 extra_holidays: tuple[str, ...] = ()) -> None:
        self.day = max(1, min(31, int(day)))
        self.at = at
        self.on_holiday = SAME_DAY if on_holiday == SAME_DAY else NEXT_WORKING_DAY
        self.extra_holidays = tuple(sorted(extra_holidays))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MonthlyTrigger:
        """Build the monthly follow-up trigger from the organisation settings."""
        try:
            day = int(settings.get("monthly_followup_day") or 5)
        except (TypeError, ValueError):
            day = 5
        return cls(
            day=day,
            at=parse_clock_time(settings.get("monthly_followup_time"), "09:00"),
            on_holiday=str(settings.get("monthly_followup_on_holiday") or NEXT_WORKING_DAY),
            extra_holidays=tuple(d.isoformat() for d in parse_extra_holidays(settings.get("extra_holidays"))),
        )

    def _state(self) -> tuple[Any, ...]:
        return (self.day, self.at, self.on_holiday, self.extra_holidays)

    def fire_date(self, year: int, month: int) -> date:
        """Return the day the follow-up of a month goes out."""
        # A day beyond the month's end (31 in April) means its last day.
        nominal = date(year, month, min(self.day, stdcalendar.monthrange(year, month)[1]))
        if self.on_holiday == SAME_DAY:
            return nominal
        return WorkCalendar(self.extra_holidays).on_or_after(nominal)

    def period_of(self, day: date) -> str | None:
        """Return the month ("2027-01") whose follow-up goes out on a day, or None."""
        year, month = day.year, day.month
        for _ in range(2):  # this month's, or last month's pushed past the month's end
            if self.fire_date(year, month) == day:
                return f"{year:04d}-{month:02d}"
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return None

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        start = _start(previous_fire_time, now)
        # Start a month early: last month's follow-up may have been pushed into this one.
        year, month = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
        for _ in range(15):
            fire = datetime.combine(self.fire_date(year, month), self.at, BANGKOK)
            if fire >= start:
                return fire
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    def __str__(self) -> str:
        return f"monthly[day={self.day}, {self.at:%H:%M}, {self.on_holiday}]"


class WorkingDayTrigger(_SettingsTrigger):
    """Fires at a time (Bangkok) on every working day."""

    def __init__(self, at: time, extra_holidays: tuple[str, ...] = ()) -> None:
        self.at = at
        self.extra_holidays = tuple(sorted(extra_holidays))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> WorkingDayTrigger:
        """Build the daily reminders trigger from the organisation settings."""
        return cls(
            at=parse_clock_time(settings.get("daily_reminders_time"), "08:30"),
            extra_holidays=tuple(d.isoformat() for d in parse_extra_holidays(settings.get("extra_holidays"))),
        )

    def _state(self) -> tuple[Any, ...]:
        return (self.at, self.extra_holidays)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        start = _start(previous_fire_time, now)
        cal = WorkCalendar(self.extra_holidays)
        day = start.date()
        for _ in range(90):
            fire = datetime.combine(day, self.at, BANGKOK)
            if fire >= start and cal.is_working_day(day):
                return fire
            day += timedelta(days=1)
        return None

    def __str__(self) -> str:
        return f"working days[{self.at:%H:%M}]"


TriggerFactory = Callable[[Mapping[str, Any]], BaseTrigger]


def working_days_at(setting: str, default: str = "08:30") -> TriggerFactory:
    """Return a factory of the working-day trigger at the "HH:MM" time a setting names."""

    def build(settings: Mapping[str, Any]) -> WorkingDayTrigger:
        return WorkingDayTrigger(
            at=parse_clock_time(settings.get(setting), default),
            extra_holidays=tuple(d.isoformat() for d in parse_extra_holidays(settings.get("extra_holidays"))),
        )

    return build


def monthly_followup_day(settings: Mapping[str, Any]) -> MonthlyTrigger:
    """Build the monthly trigger of the follow-up day settings (monthly_followup_*)."""
    return MonthlyTrigger.from_settings(settings)
