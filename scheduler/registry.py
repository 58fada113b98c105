"""Clock jobs as features declare them: a `Reminders` collector per feature, like a Router.

    reminders = Reminders("reports")

    @reminders.job("reports-deadlines", trigger=working_days_at("daily_reminders_time"))
    def report_deadlines(*, session, now, codec, settings) -> dict[str, int]: ...

A job plans what to tell whom and writes it to the outbox (scheduler.bulk), nothing else; the
clock (scheduler.clock) runs it in its own transaction and delivers after commit. The job's id
is its APScheduler id, fixed, so a restart replaces rather than duplicates it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from scheduler.triggers import TriggerFactory, monthly_followup_day, working_days_at

__all__ = ["ClockJob", "Codec", "Counts", "JobFn", "Reminders", "collect", "monthly_followup_day",
           "working_days_at"]

Counts = dict[str, int]
DEFAULT_GRACE = 4 * 3600  # seconds: a clock down at 08:30 still reminds if back by 12:30


class Codec(Protocol):
    """What a job needs of the chat kit's postback codec: signed data for its buttons."""

    def pack(self, action: Any, id: int | None = None, arg: str | int = "") -> str: ...


class JobFn(Protocol):
    """A job: write the reminders due at now; return what it did, counted."""

    def __call__(self, *, session: Session, now: datetime, codec: Any, settings: Mapping[str, Any]) -> Counts: ...


@dataclass(frozen=True)
class ClockJob:
    """One scheduled job: its fixed id, its trigger built from the settings, and what it runs."""

    id: str
    trigger: TriggerFactory
    run: JobFn
    misfire_grace_time: int = DEFAULT_GRACE  # seconds late the clock may still run it
    feature: str = ""


@dataclass
class Reminders:
    """The clock jobs of one chat feature."""

    feature: str
    jobs: list[ClockJob] = field(default_factory=list)

    def job(self, id: str, *, trigger: TriggerFactory,
            misfire_grace_time: int = DEFAULT_GRACE) -> Callable[[JobFn], JobFn]:
        """Register fn(*, session, now, codec, settings) -> counts to run whenever the trigger fires."""

        def decorator(fn: JobFn) -> JobFn:
            self.jobs.append(ClockJob(id, trigger, fn, misfire_grace_time, self.feature))
            return fn

        return decorator


def collect(collectors: Iterable[Reminders]) -> tuple[ClockJob, ...]:
    """Merge the features' jobs in order; an id registered twice fails here, at start-up."""
    jobs: dict[str, ClockJob] = {}
    for reminders in collectors:
        for job in reminders.jobs:
            if job.id in jobs:
                raise RuntimeError(f"{reminders.feature} registers clock job {job.id!r} again")
            jobs[job.id] = job
    return tuple(jobs.values())
