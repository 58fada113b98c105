"""The clock process (APScheduler 3) and `run_due_jobs`, which runs what the clock would run at an instant.

One clock per deployment: `flask --app bot clock` (the Procfile's clock:) starts a
BlockingScheduler whose job store is the application's database (SQLAlchemyJobStore, table
apscheduler_jobs, left out of Alembic). Jobs have fixed ids and are written with
replace_existing=True on every start, so a restart never duplicates them; coalesce=True and a
misfire grace window make a clock that was down at 09:00 run the follow-up once when it comes
back within the window. The scheduler is never started inside web workers.

Two clocks at once (a deploy overlap, an operator running run-due-jobs by hand) are harmless:
every reminder row has a unique dedup_key, and every row is claimed before it is sent.

The clock knows no feature and nothing of bot/: it is handed a `Clock` (bot.clock builds it)
holding the database's transaction factory, the jobs the features registered
(scheduler.registry), the postback codec and a deliver function.

"What is due at an instant" is decided by the same triggers the scheduler uses: a job is due at
`at` when its trigger fires in at's minute (Asia/Bangkok), i.e. the trigger's first fire time
at or after the start of that minute is that minute. So 2027-01-05T09:00:30+07:00 runs the
monthly follow-up (the 5th of January 2027 is a Tuesday), 09:01 runs nothing.
"""
from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from models.org import get_settings
from models.outbox import queued_ids
from scheduler import bulk
from scheduler.registry import ClockJob, Counts
from thai.dates import BANGKOK

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
OUTBOX_JOB_ID = "outbox-retry"
OUTBOX_GRACE = 50  # seconds: a missed minute is simply picked up by the next one


@dataclass(frozen=True)
class Clock:
    """What the clock is handed: the database, the features' jobs, the codec, and delivery."""

    transaction: Callable[[], AbstractContextManager[Session]]  # one committed transaction
    jobs: tuple[ClockJob, ...]
    codec: Any  # the chat kit's PostbackCodec: the jobs sign their buttons with it
    # Deliver these outbox rows first, then every other due row; returns counts per outcome.
    deliver: Callable[[Sequence[int]], dict[str, int]]
    database_url: str  # where the APScheduler job store lives

    def job(self, job_id: str) -> ClockJob:
        """Return the job with this id (KeyError when no feature registered it)."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)

    def settings(self) -> dict[str, Any]:
        """Read the organisation settings now (they may change while the clock runs)."""
        with self.transaction() as session:
            return get_settings(session=session)


# --- running jobs ------------------------------------------------------------------------------


def run_job(clock: Clock, job_id: str, now: datetime) -> tuple[Counts, list[int]]:
    """Run one job in its own transaction; return its counts and the outbox ids it wrote."""
    job = clock.job(job_id)
    with clock.transaction() as session:
        # Every outbox row the job writes records it, so the console counts pushes per job.
        session.info["outbox_source"] = job_id
        settings = get_settings(session=session)
        counts = job.run(session=session, now=now, codec=clock.codec, settings=settings)
    ids = bulk.written_ids(session) + queued_ids(session)
    log.info("job %s at %s wrote %s outbox rows", job_id, now.isoformat(), len(ids))
    return counts, ids


def minute_of(at: datetime) -> datetime:
    """Return the start of at's minute in Bangkok (a naive at is taken as Bangkok time)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=BANGKOK)
    return at.astimezone(BANGKOK).replace(second=0, microsecond=0)


def due_jobs(jobs: Iterable[ClockJob], settings: Mapping[str, Any], at: datetime) -> list[str]:
    """Return the ids of the jobs whose trigger fires in at's minute, in registration order."""
    minute = minute_of(at)
    return [job.id for job in jobs if job.trigger(settings).get_next_fire_time(None, minute) == minute]


def run_due_jobs(clock: Clock, at: datetime) -> dict[str, Any]:
    """Run exactly what the clock would run at an instant, then deliver; safe to repeat."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=BANGKOK)
    result: dict[str, Any] = {"at": minute_of(at).isoformat(), "jobs": {}, "delivered": {}}
    written: list[int] = []
    for job_id in due_jobs(clock.jobs, clock.settings(), at):
        counts, ids = run_job(clock, job_id, at)
        result["jobs"][job_id] = counts
        written += ids
    # The clock's minute job would deliver whatever is due; so does this, new rows first.
    result["delivered"] = clock.deliver(written)
    return result


# --- the APScheduler process -------------------------------------------------------------------

# The clock process's state: job functions are stored by reference (module:function) in the
# job store, so they find the clock through this rather than through pickled arguments.
_clock: Clock | None = None
_scheduler: BaseScheduler | None = None


def _current() -> Clock:
    if _clock is None:
        raise RuntimeError("the clock's jobs run only inside the clock process (scheduler.clock.build_scheduler)")
    return _clock


def fire(job_id: str) -> Counts:
    """Run one scheduled job now and deliver what it wrote (called by APScheduler)."""
    clock = _current()
    counts, ids = run_job(clock, job_id, datetime.now(UTC))
    clock.deliver(ids)
    return counts


def tick() -> dict[str, int]:
    """Every minute: deliver due outbox rows, and follow settings changes (new times, holidays)."""
    clock = _current()
    stats = clock.deliver([])
    if _scheduler is not None:
        sync_triggers(_scheduler, clock.jobs, clock.settings())
    return stats


def sync_triggers(scheduler: BaseScheduler, jobs: Iterable[ClockJob], settings: Mapping[str, Any]) -> list[str]:
    """Reschedule the jobs whose trigger no longer matches the settings; return their ids."""
    changed = []
    for spec in jobs:
        job = scheduler.get_job(spec.id)
        trigger = spec.trigger(settings)
        if job is not None and job.trigger != trigger:
            scheduler.reschedule_job(spec.id, trigger=trigger)
            changed.append(spec.id)
            log.info("job %s rescheduled after a settings change", spec.id)
    return changed


def make_jobstore(database_url: str) -> SQLAlchemyJobStore:
    """Return the job store on the application's database (its own small engine)."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("sqlite"):
        # Plain deferred transactions: the store mostly reads, and in WAL mode a reader does not
        # wait for a job's long write transaction (the app's engine begins IMMEDIATE).
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    return SQLAlchemyJobStore(url=database_url, tablename=JOBSTORE_TABLE, engine_options=options)


def build_scheduler(clock: Clock, scheduler_cls: type[BaseScheduler] = BlockingScheduler,
                    *, now: datetime | None = None) -> BaseScheduler:
    """Build the clock's scheduler with its jobs (not started)."""
    global _clock, _scheduler
    _clock = clock
    store = make_jobstore(clock.database_url)
    scheduler = scheduler_cls(
        timezone=BANGKOK,
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    _scheduler = scheduler
    settings = clock.settings()
    _forget_unknown(store, {job.id for job in clock.jobs} | {OUTBOX_JOB_ID})
    missed = _missed_runs(store, clock.jobs, now or datetime.now(UTC))
    for job in clock.jobs:
        extra: dict[str, Any] = {}
        if job.id in missed:
            # Down at the scheduled time: keep that time, so the misfire grace window decides.
            extra["next_run_time"] = missed[job.id]
        scheduler.add_job(
            f"{__name__}:fire", trigger=job.trigger(settings), args=[job.id], id=job.id, name=job.id,
            replace_existing=True, coalesce=True, misfire_grace_time=job.misfire_grace_time, **extra,
        )
    scheduler.add_job(
        f"{__name__}:tick", trigger=CronTrigger(minute="*", timezone=BANGKOK), id=OUTBOX_JOB_ID,
        name="outbox retry", replace_existing=True, coalesce=True, misfire_grace_time=OUTBOX_GRACE,
    )
    return scheduler


def _forget_unknown(store: SQLAlchemyJobStore, known: set[str]) -> None:
    # A job no feature registers any more (renamed, removed, or the old combined
    # "daily-reminders") would fire into nothing every day: drop it from the store.
    store.jobs_t.create(store.engine, checkfirst=True)
    with store.engine.begin() as conn:
        stale = [job_id for (job_id,) in conn.execute(store.jobs_t.select().with_only_columns(store.jobs_t.c.id))
                 if job_id not in known]
        if stale:
            conn.execute(store.jobs_t.delete().where(store.jobs_t.c.id.in_(stale)))
            log.info("clock jobs no feature registers were removed: %s", ", ".join(sorted(stale)))


def _missed_runs(store: SQLAlchemyJobStore, jobs: Iterable[ClockJob], now: datetime) -> dict[str, datetime]:
    # Reads the stored jobs before start(): a next run time in the past is a run the clock
    # missed while it was down (replace_existing would otherwise move it to the future).
    missed = {}
    for spec in jobs:
        try:
            job = store.lookup_job(spec.id)
        except Exception:  # a job stored by an older version that no longer unpickles
            log.warning("stored job %s could not be read; it is replaced", spec.id)
            continue
        if job is not None and job.next_run_time is not None and job.next_run_time < now:
            missed[spec.id] = job.next_run_time
    return missed


def run_clock(clock: Clock) -> None:
    """Start the blocking scheduler until SIGTERM or Ctrl-C."""
    scheduler = build_scheduler(clock)

    def stop(signum: int, _frame: Any) -> None:
        log.info("clock stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("clock starting: jobs %s", ", ".join(f"{job.id} ({job.trigger})" for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
