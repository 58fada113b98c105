"""The simulator's เลื่อนเวลา control: run what the clock would run at a chosen Bangkok instant,
and offer the next run of each kind of job as a one-tap shortcut."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Response, jsonify

from bot.sender import deliver
from bot.simulator import bp
from bot.simulator.plumbing import T, fail, request_payload, stand_in_of
from bot.state import BotState, state
from handlers import clock_jobs
from models.org import get_settings
from scheduler.triggers import MonthlyTrigger, WorkingDayTrigger
from thai.dates import BANGKOK, format_datetime

log = logging.getLogger(__name__)

# The clock's jobs by their kind of trigger, as the เลื่อนเวลา shortcuts say them (the working-day
# jobs of every feature fire together, so they share one shortcut).
TRIGGER_NAMES = {MonthlyTrigger: "ติดตามรายงานประจำเดือน", WorkingDayTrigger: "แจ้งเตือนประจำวัน"}


def clock_shortcuts(s: BotState) -> list[dict[str, str]]:
    """Return the next run of each clock job (label, date, time in Bangkok), to fill เลื่อนเวลา in one tap."""
    try:
        with s.db.transaction() as session:
            settings = get_settings(session=session)
        now = datetime.now(BANGKOK)
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
    """Run the jobs due at a chosen Bangkok date and time (the เลื่อนเวลา control)."""
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
    try:
        result = run_due_jobs(s, at)
    except Exception:
        log.exception("run_due_jobs failed for the simulator")
        return fail(T.CLOCK_FAILED, 500)
    # Whatever the jobs queued goes out now, as the clock's sender would send it.
    deliver(s.db, s.gateway)
    sent = len(standin.deliveries) - before
    jobs = result.get("jobs") if isinstance(result, dict) else None
    template = T.CLOCK_NOTHING if isinstance(jobs, dict) and not jobs and not sent else T.CLOCK_DONE
    return jsonify({
        "ok": True, "at": at.isoformat(),
        "message": template.format(at=format_datetime(at), sent=sent),
        "result": _jsonable(result),
    })


def _jsonable(value: Any) -> Any:
    # The clock's result is for showing; anything JSON cannot hold is shown as text.
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
