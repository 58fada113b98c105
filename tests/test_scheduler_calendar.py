"""Working days, the clock's triggers, and which jobs are due at an instant (no database)."""
from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time

import pytest

from handlers import clock_jobs
from models.org import DEFAULT_SETTINGS
from scheduler.calendar import WorkCalendar, add_working_days, is_working_day, next_working_day, working_days_between
from scheduler.clock import due_jobs, minute_of
from scheduler.triggers import MonthlyTrigger, WorkingDayTrigger, parse_clock_time
from thai.dates import BANGKOK


def bkk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BANGKOK)


def settings(**changes: object) -> dict:
    return {**DEFAULT_SETTINGS, **changes}


# --- working days ---------------------------------------------------------------------------


def test_weekends_and_thai_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2027, 1, 5))  # a Tuesday
    assert not is_working_day(date(2027, 1, 9))  # Saturday
    assert not is_working_day(date(2027, 1, 1))  # New Year's Day, a Friday
    assert not is_working_day(date(2027, 4, 13))  # Songkran
    assert not is_working_day(date(2026, 5, 13))  # Royal Ploughing Ceremony: government offices close


def test_the_5_december_2026_holiday_on_a_saturday_is_made_up_on_monday() -> None:
    # The holidays package knows the substitution day; the next working day is Tuesday the 8th.
    assert not is_working_day(date(2026, 12, 7))
    assert next_working_day(date(2026, 12, 4)) == date(2026, 12, 8)


def test_extra_holidays_of_the_organisation_count_and_bad_entries_are_ignored() -> None:
    cal = WorkCalendar(["2027-01-05", "not a date", "2027-13-01"])
    assert not cal.is_working_day(date(2027, 1, 5))
    assert cal.is_working_day(date(2027, 1, 6))


def test_add_working_days_and_count_between() -> None:
    assert add_working_days(date(2027, 4, 9), 1) == date(2027, 4, 12)  # Friday -> Monday
    assert add_working_days(date(2027, 4, 12), 1) == date(2027, 4, 16)  # over Songkran 13-15
    assert add_working_days(date(2027, 4, 12), 2) == date(2027, 4, 19)
    assert add_working_days(date(2027, 4, 16), -2) == date(2027, 4, 9)
    assert add_working_days(date(2027, 4, 9), 0) == date(2027, 4, 9)
    assert working_days_between(date(2027, 1, 11), date(2027, 1, 14)) == 3
    assert working_days_between(date(2027, 1, 15), date(2027, 1, 18)) == 1  # Friday -> Monday
    assert working_days_between(date(2027, 1, 18), date(2027, 1, 11)) == 0
    assert working_days_between(date(2027, 1, 11), date(2027, 1, 18), ["2027-01-12"]) == 4


# --- the monthly trigger ----------------------------------------------------------------------


def monthly(**changes: object) -> MonthlyTrigger:
    return MonthlyTrigger.from_settings(settings(**changes))


def test_follow_up_on_the_5th_at_nine_bangkok() -> None:
    trigger = monthly()
    assert trigger.get_next_fire_time(None, bkk(2026, 12, 20)) == bkk(2027, 1, 5, 9, 0)
    assert trigger.get_next_fire_time(None, bkk(2027, 1, 5, 9, 0)) == bkk(2027, 1, 5, 9, 0)
    assert trigger.get_next_fire_time(None, bkk(2027, 1, 5, 9, 0).replace(second=1)) == bkk(2027, 2, 5, 9, 0)
    # APScheduler asks "after the previous fire time" to count missed runs.
    assert trigger.get_next_fire_time(bkk(2027, 1, 5, 9, 0), bkk(2027, 3, 1)) == bkk(2027, 2, 5, 9, 0)
    # 09:00 in Bangkok is 02:00 UTC.
    assert trigger.get_next_fire_time(None, datetime(2027, 1, 4, tzinfo=UTC)).astimezone(UTC).hour == 2


def test_follow_up_on_a_saturday_5th_goes_to_the_next_working_day() -> None:
    # 5 Dec 2026 is a Saturday and a holiday; Monday the 7th is its substitution day.
    assert monthly().fire_date(2026, 12) == date(2026, 12, 8)
    assert monthly().get_next_fire_time(None, bkk(2026, 11, 6)) == bkk(2026, 12, 8, 9, 0)


def test_follow_up_on_a_weekday_holiday_5th_goes_to_the_next_working_day() -> None:
    assert monthly().fire_date(2025, 12) == date(2025, 12, 8)  # Friday 5 Dec 2025 is a holiday
    assert monthly(extra_holidays=["2027-01-05"]).fire_date(2027, 1) == date(2027, 1, 6)


def test_same_day_setting_keeps_the_5th() -> None:
    trigger = monthly(monthly_followup_on_holiday="same_day")
    assert trigger.fire_date(2026, 12) == date(2026, 12, 5)


def test_day_and_time_are_settings_and_a_day_past_the_month_end_means_its_last_day() -> None:
    trigger = monthly(monthly_followup_day=31, monthly_followup_time="16:45")
    assert trigger.fire_date(2027, 4) == date(2027, 4, 30)  # a Friday
    assert trigger.get_next_fire_time(None, bkk(2027, 4, 1)) == bkk(2027, 4, 30, 16, 45)


def test_a_follow_up_pushed_into_the_next_month_keeps_its_own_period() -> None:
    # 31 Dec 2026 is New Year's Eve, then New Year's Day and a weekend: Monday 4 January.
    trigger = monthly(monthly_followup_day=31)
    assert trigger.fire_date(2026, 12) == date(2027, 1, 4)
    assert trigger.period_of(date(2027, 1, 4)) == "2026-12"
    assert trigger.get_next_fire_time(None, bkk(2027, 1, 1)) == bkk(2027, 1, 4, 9, 0)


def test_fiscal_year_boundary_months_fire_normally() -> None:
    trigger = monthly()
    assert trigger.fire_date(2026, 9) == date(2026, 9, 7)  # 5 Sep 2026 is a Saturday
    assert trigger.fire_date(2026, 10) == date(2026, 10, 5)
    assert trigger.get_next_fire_time(bkk(2026, 9, 7, 9, 0), bkk(2026, 9, 30, 23, 59)) == bkk(2026, 10, 5, 9, 0)


def test_bad_time_setting_falls_back_to_the_default() -> None:
    assert parse_clock_time("25:99x", "09:00") == time(9, 0)
    assert parse_clock_time("7:05", "09:00") == time(7, 5)


def test_triggers_pickle_and_compare_by_settings() -> None:
    trigger = monthly()
    assert pickle.loads(pickle.dumps(trigger)) == trigger
    assert trigger != monthly(monthly_followup_time="10:00")
    daily = WorkingDayTrigger.from_settings(settings())
    assert pickle.loads(pickle.dumps(daily)) == daily


# --- the working-day trigger ------------------------------------------------------------------


def test_daily_reminders_fire_at_eight_thirty_on_working_days_only() -> None:
    trigger = WorkingDayTrigger.from_settings(settings())
    fires, previous = [], None
    for _ in range(4):
        previous = trigger.get_next_fire_time(previous, bkk(2026, 12, 3))
        fires.append(previous)
    # Thursday, Friday, then past the weekend, the in-lieu Monday, to Tuesday; Wednesday.
    assert fires == [bkk(2026, 12, 3, 8, 30), bkk(2026, 12, 4, 8, 30), bkk(2026, 12, 8, 8, 30), bkk(2026, 12, 9, 8, 30)]


# --- what is due at an instant ----------------------------------------------------------------

# The working-day jobs of every feature, in the order handlers.FEATURES registers them.
DAILY = ["reports-deadlines", "courses-closing", "courses-starting", "courses-announce", "approvals-waiting",
         "privacy-retention", "attendance-evaluations"]
# The monthly follow-up day's jobs: the follow-up of owed reports, then the executives' card.
MONTHLY = ["monthly-followup", "executive-monthly"]


@pytest.mark.parametrize("at,expected", [
    (bkk(2027, 1, 5, 9, 0), MONTHLY),
    (bkk(2027, 1, 5, 9, 0).replace(second=59), MONTHLY),
    (bkk(2027, 1, 5, 8, 30), DAILY),
    (bkk(2027, 1, 5, 9, 1), []),
    (bkk(2027, 1, 6, 9, 0), []),
    (bkk(2027, 1, 9, 8, 30), []),  # Saturday
    (bkk(2026, 12, 5, 9, 0), []),  # Saturday 5th
    (bkk(2026, 12, 7, 9, 0), []),  # the substitution holiday
    (bkk(2026, 12, 8, 9, 0), MONTHLY),
    (datetime(2027, 1, 5, 2, 0, tzinfo=UTC), MONTHLY),  # the same instant in UTC
    (datetime(2027, 1, 5, 9, 0), MONTHLY),  # no zone: Bangkok
])
def test_due_jobs_match_the_trigger_minute_in_bangkok(at: datetime, expected: list[str]) -> None:
    assert due_jobs(clock_jobs(), settings(), at) == expected


def test_due_jobs_follow_the_settings() -> None:
    assert due_jobs(clock_jobs(), settings(monthly_followup_on_holiday="same_day"), bkk(2026, 12, 5, 9, 0)) == MONTHLY
    changed = settings(monthly_followup_time="08:30")
    assert due_jobs(clock_jobs(), changed, bkk(2027, 1, 5, 8, 30)) == ["monthly-followup", *DAILY, "executive-monthly"]  # in FEATURES order


def test_minute_of_floors_in_bangkok() -> None:
    assert minute_of(datetime(2027, 1, 5, 2, 0, 42, 5, tzinfo=UTC)) == bkk(2027, 1, 5, 9, 0)
