"""The simulator's เลื่อนเวลา control: run what the clock would run at a chosen Bangkok instant,
move the chat's clock there, and offer the next run of each kind of job as a one-tap shortcut.

After a trip the whole simulated world runs at that time: the webhook's event clock (ctx.now),
the events' timestamps and the stand-in's delivery stamps carry the same offset, so an overdue
card's ส่งรายงาน finds the report owed, and the chat's times read as on that day.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Response, jsonify

from bot.clocktext import describe
from bot.sender import deliver
from bot.simulator import bp
from bot.simulator.plumbing import T, fail, request_payload, stand_in_of
from bot.state import BotState, state
from handlers import clock_jobs
from models.base import utcnow
from models.org import get_settings
from scheduler.triggers import MonthlyTrigger, WorkingDayTrigger
from thai.dates import BANGKOK, format_datetime

log = logging.getLogger(__name__)

# The clock's jobs by their kind of trigger, as the เลื่อนเวลา shortcuts say them (the working-day
# jobs of every feature fire together, so they share one shortcut).
TRIGGER_NAMES = {MonthlyTrigger: "ติดตามรายงานประจำเดือน", WorkingDayTrigger: "แจ้งเตือนประจำวัน"}


def simulated_now(s: BotState) -> datetime:
    """Return the chat's clock in Bangkok time."""
    return s.now().astimezone(BANGKOK)


def travel_to(s: BotState, at: datetime | None) -> None:
    """Move the chat's clock to an instant (None: back to real time); it runs on from there."""
    offset = timedelta(0) if at is None else at - utcnow()
    s.clock_offset = offset
    if s.standin is not None:
        s.standin.clock_offset = offset.total_seconds()


def clock_shortcuts(s: BotState) -> list[dict[str, str]]:
    """Return the next run of each kind of job after the chat's clock (label, date, time in Bangkok)."""
    try:
        with s.db.transaction() as session:
            settings = get_settings(session=session)
        now = simulated_now(s)  # after a trip the next runs count from there, so they move on
        shortcuts, seen = [], set()
        for job in clock_jobs():
            trigger = job.trigger(settings)
            label = TRIGGER_NAMES.get(type(trigger))
            when = trigger.get_next_fire_time(None, now) if label and label not in seen else None
            if label and when is not None:
                seen.add(label)
                local = when.astimezone(BANGKOK)
                shortcuts.append({"label": f"{label}: {format_datetime(local)}",
                                  "date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M")})
        return shortcuts
    except Exception:  # noqa: BLE001 - a convenience only: the control works without it
        log.info("no เลื่อนเวลา shortcuts: the clock's jobs could not be read", exc_info=True)
        return []


@bp.post("/api/clock")
def clock() -> Response:
    """Run the jobs due at a chosen Bangkok date and time (the เลื่อนเวลา control), and stay there."""
    s = state()
    raw = str(request_payload().get("at") or "").strip()
    try:
        at = datetime.strptime(raw, "%Y-%m-%dT%H:%M").replace(tzinfo=BANGKOK)
    except ValueError:
        return fail(T.BAD_TIME)
    try:
        from bot.clock import run_due_jobs  # imported here, so a broken clock leaves the chat page working
    except ImportError as exc:
        # Only "the clock is not there" is expected; a broken clock module is a bug to log.
        if exc.name != "bot.clock":
            log.exception("the scheduler's clock failed to import")
            return fail(T.CLOCK_FAILED, 500)
        return fail(T.CLOCK_MISSING, 503)
    standin = stand_in_of(s)
    before = len(standin.deliveries)
    previous = s.clock_offset
    travel_to(s, at)  # before the jobs run: what they send is stamped at that time too
    try:
        result = run_due_jobs(s, at)
    except Exception:
        log.exception("run_due_jobs failed for the simulator")
        travel_to(s, utcnow() + previous)
        return fail(T.CLOCK_FAILED, 500)
    # Whatever the jobs queued goes out now, as the clock's sender would send it.
    deliver(s.db, s.gateway)
    sent = len(standin.deliveries) - before
    jobs = result.get("jobs") if isinstance(result, dict) else None
    template = T.CLOCK_NOTHING if isinstance(jobs, dict) and not jobs and not sent else T.CLOCK_DONE
    return jsonify({
        "ok": True, "at": at.isoformat(),
        "message": template.format(at=format_datetime(at), sent=sent),
        "details": describe(result), "result": _jsonable(result),
        "now": format_datetime(simulated_now(s)), "shortcuts": clock_shortcuts(s),
    })


@bp.post("/api/clock/reset")
def reset_clock() -> Response:
    """Bring the chat's clock back to real time."""
    s = state()
    travel_to(s, None)
    now = format_datetime(simulated_now(s))
    return jsonify({"ok": True, "message": T.CLOCK_RESET.format(at=now), "now": now, "shortcuts": clock_shortcuts(s)})


def _jsonable(value: Any) -> Any:
    # The clock's result is for tests and the curious; anything JSON cannot hold is shown as text.
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
