"""The clock's wiring: the `Clock` scheduler.clock is handed, delivery after each job, and the
operator commands flask --app bot run-due-jobs --at ... and flask --app bot clock."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from bot.clocktext import describe
from bot.state import BotState, state
from handlers import clock_jobs
from models.outbox import due_ids
from scheduler.registry import Counts
from thai import ThaiParseError
from thai.dates import format_datetime, parse_datetime

# scheduler.clock brings APScheduler (which reads every installed package's entry points as it
# loads): imported by the functions that run jobs, so other commands start without it.
if TYPE_CHECKING:
    from scheduler import clock as machinery

DELIVERY_WORKERS = 8  # parallel LINE calls; each row is claimed first, so workers never double up
DELIVERY_ROUNDS = 50  # due_ids hands out 1,000 rows a round


def clock_of(s: BotState) -> machinery.Clock:
    """Return what the clock needs from this app: its database, every feature's jobs, the codec, delivery."""
    from scheduler import clock as machinery

    return machinery.Clock(
        transaction=s.db.transaction, jobs=clock_jobs(), codec=s.services.codec,
        deliver=lambda first: after_job(s, first), database_url=s.config.DATABASE_URL,
    )


def after_job(s: BotState, first: Iterable[int] = ()) -> dict[str, int]:
    """After a job commits: delete the uploads it queued for deletion (retention), then deliver."""
    from bot.privacy_commands import sweep_uploads

    sweep_uploads(s)
    return deliver_outbox(s, first)


def run_due_jobs(s: BotState, at: datetime) -> dict[str, Any]:
    """Run exactly what the clock would run at an instant in this app, then deliver; safe to repeat."""
    from scheduler import clock as machinery

    return machinery.run_due_jobs(clock_of(s), at)


def run_job(s: BotState, job_id: str, now: datetime) -> tuple[Counts, list[int]]:
    """Run one job of this app in its own transaction; return its counts and the outbox ids it wrote."""
    from scheduler import clock as machinery

    return machinery.run_job(clock_of(s), job_id, now)


def deliver_outbox(s: BotState, first: Iterable[int] = (), *, workers: int = DELIVERY_WORKERS) -> dict[str, int]:
    """Deliver the given rows, then every other due row (left by a crash or a failed call)."""
    stats: Counter[str] = Counter()
    if s.gateway is None or s.sender is None:  # not connected: rows wait in the outbox
        return {}
    batch = list(first)
    for _ in range(DELIVERY_ROUNDS):
        if not batch:
            with s.db.transaction() as session:
                batch = due_ids(session=session)
            if not batch:
                break
        stats.update(_deliver_parallel(s, batch, workers))
        batch = []
    return dict(stats)


def _deliver_parallel(s: BotState, ids: list[int], workers: int) -> Counter[str]:
    assert s.sender is not None
    if workers <= 1 or len(ids) < 2 * workers:
        return s.sender.deliver(ids)
    # Interleaved slices keep the oldest rows first in every worker.
    slices = [ids[i::workers] for i in range(workers)]
    stats: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox") as pool:
        futures = [pool.submit(s.sender.deliver, part) for part in slices]
        errors = []
        for future in futures:
            try:
                stats.update(future.result())
            except Exception as exc:  # re-raised below, after the other workers finished
                errors.append(exc)
    if errors:
        raise errors[0]
    return stats


# --- operator commands -------------------------------------------------------------------------


def _parse_instant(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        # BE or CE, Thai or Arabic digits; a time without a zone is Bangkok time, as every schedule is.
        return parse_datetime(value)
    except ThaiParseError as error:
        # An operator's typo: one Thai line, nothing run.
        click.echo(f"{error} ไม่มีงานใดถูกเรียกใช้", err=True)
        sys.exit(1)


@click.command("run-due-jobs")
@click.option("--at", "at_text", metavar="วันเวลา",
              help="วันและเวลาที่จะให้ระบบทำงาน (กรุงเทพฯ) เช่น \"5 ม.ค. 2570 09:00\" หรือ 2027-01-05T09:00 "
                   "(ไม่ระบุ = ตอนนี้)")
def run_due_jobs_command(at_text: str | None) -> None:
    """ทำงานที่ถึงกำหนด ณ วันเวลาที่ระบุ แล้วส่งข้อความ (สั่งซ้ำได้ ข้อความไม่ซ้ำ)"""
    at = _parse_instant(at_text)
    result = run_due_jobs(state(), at)
    click.echo(T.RAN_AT.format(at=format_datetime(at)))
    for line in describe(result):
        click.echo(f"  {line}")
    # The ids and counters as they are, for scripts and logs.
    for name, counts in result["jobs"].items():
        click.echo(f"  [{name}] " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))


@click.command("clock")
def clock_command() -> None:
    """เดินนาฬิกาของระบบ (กระบวนการ clock ใน Procfile) กด Ctrl-C เพื่อหยุด"""
    from scheduler import clock as machinery

    machinery.run_clock(clock_of(state()))


COMMANDS = (run_due_jobs_command, clock_command)


class T:
    """What the clock's commands tell the operator."""

    RAN_AT = "ทำงานตามกำหนด ณ {at}"
