"""The clock process (APScheduler 3) and `run_due_jobs`, which runs what the clock would run at an instant.

One clock per deployment: `flask --app bot clock` (the Procfile's clock:) starts a
BlockingScheduler whose job store is the application's database (SQLAlchemyJobStore, table
apscheduler_jobs, left out of Alembic). Jobs have fixed ids and are written with
replace_existing=True on every start, so a restart never duplicates them; coalesce=True and a
misfire grace window make a clock that was down at 09:00 run the follow-up once when it comes
back within the window. The scheduler is never started inside web workers.

Two clocks at once (a deploy overlap, an operator running run-due-jobs by hand) are harmless:
every reminder row has a unique dedup_key, and every row is claimed before it is sent.

"What is due at an instant" is decided by the same triggers the scheduler uses: a job is due at
`at` when its trigger fires in at's minute (Asia/Bangkok), i.e. the trigger's first fire time
at or after the start of that minute is that minute. So 2027-01-05T09:00:30+07:00 runs the
monthly follow-up (the 5th of January 2027 is a Tuesday), 09:01 runs nothing.
"""
from __future__ import annotations

import logging
import signal
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.sender import deliver
from bot.state import BotState
from models.org import get_settings
from models.outbox import due_ids, queued_ids
from scheduler import bulk, jobs
from scheduler.triggers import MonthlyTrigger, WorkingDayTrigger
from thai.dates import BANGKOK

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
OUTBOX_JOB_ID = "outbox-retry"
OUTBOX_GRACE = 50  # seconds: a missed minute is simply picked up by the next one
DELIVERY_WORKERS = 8  # parallel LINE calls; each row is claimed first, so workers never double up
DELIVERY_ROUNDS = 50  # due_ids hands out 1,000 rows a round


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its fixed id, what it runs, and how its trigger comes from the settings."""

    id: str
    fn: Callable[..., jobs.Counts]
    trigger: Callable[[Mapping[str, Any]], BaseTrigger]
    misfire_grace_time: int  # seconds


JOBS: dict[str, JobSpec] = {
    "monthly_followup": JobSpec("monthly-followup", jobs.monthly_followup, MonthlyTrigger.from_settings, 6 * 3600),
    "daily_reminders": JobSpec("daily-reminders", jobs.daily_reminders, WorkingDayTrigger.from_settings, 4 * 3600),
}


# --- running jobs ------------------------------------------------------------------------------


def run_job(state: BotState, name: str, now: datetime) -> tuple[jobs.Counts, list[int]]:
    """Run one job in its own transaction; return its counts and the outbox ids it wrote."""
    spec = JOBS[name]
    with state.db.transaction() as session:
        settings = get_settings(session=session)
        counts = spec.fn(session=session, now=now, codec=state.services.codec, settings=settings)
    ids = bulk.written_ids(session) + queued_ids(session)
    log.info("job %s at %s wrote %s outbox rows", name, now.isoformat(), len(ids))
    return counts, ids


def deliver_outbox(state: BotState, first: Iterable[int] = (), *, workers: int = DELIVERY_WORKERS) -> dict[str, int]:
    """Deliver the given rows, then every other due row (left by a crash or a failed call)."""
    stats: Counter[str] = Counter()
    if state.gateway is None:
        return {}
    batch = list(first)
    for _ in range(DELIVERY_ROUNDS):
        if not batch:
            with state.db.transaction() as session:
                batch = due_ids(session=session)
            if not batch:
                break
        stats.update(_deliver_parallel(state, batch, workers))
        batch = []
    return dict(stats)


def _deliver_parallel(state: BotState, ids: list[int], workers: int) -> Counter[str]:
    assert state.gateway is not None
    if workers <= 1 or len(ids) < 2 * workers:
        return deliver(state.db, state.gateway, ids)
    # Interleaved slices keep the oldest rows first in every worker.
    slices = [ids[i::workers] for i in range(workers)]
    stats: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox") as pool:
        futures = [pool.submit(deliver, state.db, state.gateway, part) for part in slices]
        errors = []
        for future in futures:
            try:
                stats.update(future.result())
            except Exception as exc:  # re-raised below, after the other workers finished
                errors.append(exc)
    if errors:
        raise errors[0]
    return stats


def minute_of(at: datetime) -> datetime:
    """Return the start of at's minute in Bangkok (a naive at is taken as Bangkok time)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=BANGKOK)
    return at.astimezone(BANGKOK).replace(second=0, microsecond=0)


def due_jobs(settings: Mapping[str, Any], at: datetime) -> list[str]:
    """Return the names of the jobs whose trigger fires in at's minute."""
    minute = minute_of(at)
    return [name for name, spec in JOBS.items() if spec.trigger(settings).get_next_fire_time(None, minute) == minute]


def run_due_jobs(state: BotState, at: datetime) -> dict[str, Any]:
    """Run exactly what the clock would run at an instant, then deliver; safe to repeat."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=BANGKOK)
    with state.db.transaction() as session:
        settings = get_settings(session=session)
    names = due_jobs(settings, at)
    result: dict[str, Any] = {"at": minute_of(at).isoformat(), "jobs": {}, "delivered": {}}
    written: list[int] = []
    for name in names:
        counts, ids = run_job(state, name, at)
        result["jobs"][name] = counts
        written += ids
    # The clock's minute job would deliver whatever is due; so does this, new rows first.
    result["delivered"] = deliver_outbox(state, written)
    return result


# --- the APScheduler process -------------------------------------------------------------------

# The clock process's state: job functions are stored by reference (module:function) in the
# job store, so they find the app through this rather than through pickled arguments.
_state: BotState | None = None
_scheduler: BaseScheduler | None = None


def _current() -> BotState:
    if _state is None:
        raise RuntimeError("the clock's jobs run only inside the clock process (scheduler.clock.build_scheduler)")
    return _state


def fire(name: str) -> jobs.Counts:
    """Run one scheduled job now and deliver what it wrote (called by APScheduler)."""
    state = _current()
    counts, ids = run_job(state, name, datetime.now(UTC))
    deliver_outbox(state, ids)
    return counts


def tick() -> dict[str, int]:
    """Every minute: deliver due outbox rows, and follow settings changes (new times, holidays)."""
    state = _current()
    stats = deliver_outbox(state)
    if _scheduler is not None:
        with state.db.transaction() as session:
            settings = get_settings(session=session)
        sync_triggers(_scheduler, settings)
    return stats


def sync_triggers(scheduler: BaseScheduler, settings: Mapping[str, Any]) -> list[str]:
    """Reschedule the jobs whose trigger no longer matches the settings; return their ids."""
    changed = []
    for spec in JOBS.values():
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


def build_scheduler(state: BotState, scheduler_cls: type[BaseScheduler] = BlockingScheduler,
                    *, now: datetime | None = None) -> BaseScheduler:
    """Build the clock's scheduler with its jobs (not started)."""
    global _state, _scheduler
    _state = state
    store = make_jobstore(state.config.DATABASE_URL)
    scheduler = scheduler_cls(
        timezone=BANGKOK,
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    _scheduler = scheduler
    with state.db.transaction() as session:
        settings = get_settings(session=session)
    missed = _missed_runs(store, now or datetime.now(UTC))
    for name, spec in JOBS.items():
        extra: dict[str, Any] = {}
        if spec.id in missed:
            # Down at the scheduled time: keep that time, so the misfire grace window decides.
            extra["next_run_time"] = missed[spec.id]
        scheduler.add_job(
            f"{__name__}:fire", trigger=spec.trigger(settings), args=[name], id=spec.id, name=name,
            replace_existing=True, coalesce=True, misfire_grace_time=spec.misfire_grace_time, **extra,
        )
    scheduler.add_job(
        f"{__name__}:tick", trigger=CronTrigger(minute="*", timezone=BANGKOK), id=OUTBOX_JOB_ID,
        name="outbox retry", replace_existing=True, coalesce=True, misfire_grace_time=OUTBOX_GRACE,
    )
    return scheduler


def _missed_runs(store: SQLAlchemyJobStore, now: datetime) -> dict[str, datetime]:
    # Reads the stored jobs before start(): a next run time in the past is a run the clock
    # missed while it was down (replace_existing would otherwise move it to the future).
    store.jobs_t.create(store.engine, checkfirst=True)
    missed = {}
    for spec in JOBS.values():
        try:
            job = store.lookup_job(spec.id)
        except Exception:  # a job stored by an older version that no longer unpickles
            log.warning("stored job %s could not be read; it is replaced", spec.id)
            continue
        if job is not None and job.next_run_time is not None and job.next_run_time < now:
            missed[spec.id] = job.next_run_time
    return missed


def run_clock(state: BotState) -> None:
    """Start the blocking scheduler until SIGTERM or Ctrl-C."""
    scheduler = build_scheduler(state)

    def stop(signum: int, _frame: Any) -> None:
        log.info("clock stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("clock starting: jobs %s", ", ".join(f"{job.id} ({job.trigger})" for job in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
