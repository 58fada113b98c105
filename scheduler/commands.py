"""The clock's operator commands: flask --app bot run-due-jobs --at ... and flask --app bot clock."""
from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.state import state
from thai.dates import BANGKOK


def _parse_instant(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2027-01-05T09:00:00+07:00") from None
    # A time without a zone is Bangkok time, as every schedule of the clock is.
    return at if at.tzinfo is not None else at.replace(tzinfo=BANGKOK)


@click.command("run-due-jobs")
@click.option("--at", "at_text", metavar="INSTANT",
              help="ISO instant, e.g. 2027-01-05T09:00:00+07:00 (default: now). No zone = Bangkok.")
def run_due_jobs_command(at_text: str | None) -> None:
    """Run the jobs the clock would run at an instant, then deliver; running it twice sends nothing twice."""
    from scheduler.clock import run_due_jobs

    result = run_due_jobs(state(), _parse_instant(at_text))
    click.echo(f"at {result['at']}: " + (", ".join(result["jobs"]) or "no job due"))
    for name, counts in result["jobs"].items():
        click.echo(f"  {name}: " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing"))
    delivered = result["delivered"]
    click.echo("  delivered: " + (", ".join(f"{k}={v}" for k, v in sorted(delivered.items())) or "nothing due"))


@click.command("clock")
def clock_command() -> None:
    """Run the scheduler in the foreground (the Procfile's clock process); Ctrl-C stops it."""
    from scheduler.clock import run_clock

    run_clock(state())


COMMANDS = (run_due_jobs_command, clock_command)
