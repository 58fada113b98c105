"""Deliver outbox rows: claim a batch, call LINE, record every outcome.

Guarantees (see README "Reliability"):
- a row is held by one sender at a time (models.outbox.claim, or hold by the transaction that
  wrote it); a sender killed mid-batch leaves at most the rows it held, taken over after their
  lease;
- push and multicast carry the row's stored retry key, so LINE drops a repeat (409);
- a reply whose outcome is unknown (timeout, reset, 5xx, a dead sender) is retried with its
  own token while the token lives: "invalid reply token" then means the first attempt
  arrived, so nothing is pushed. A push replaces a reply only when the reply certainly did
  not arrive, or (counted as "uncertain") when the token died before LINE could tell;
- a 429 pauses every sender of every process for Retry-After (Throttle, the line_throttle row).
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.budget import Budget, next_month, tell_hr_held
from bot.db import Database
from bot.line import LineGateway, Outcome, Result
from models.base import utcnow
from models.outbox import (
    HELD_NOTE,
    CLAIM_TIMEOUT,
    FAILED,
    KIND_MULTICAST,
    KIND_REPLY,
    MAX_ATTEMPTS,
    PENDING,
    REPLY_CLAIM_TIMEOUT,
    REPLY_TOKEN_LIFE,
    SENT,
    OutboxMessage,
    claim,
    line_paused_until,
    pause_line,
    record,
)

log = logging.getLogger(__name__)

UNCERTAIN = "uncertain"  # stats key: a reply pushed after its token died with an unknown attempt
HELD = "held"  # stats key: an optional announcement waiting for next month's budget




@dataclass(frozen=True)
class Policy:
    """How a sender works: batch size, calls per claim, waits and leases."""

    batch: int = 50  # rows claimed at once (what a killed sender may leave held)
    attempts: int = 3  # calls per claimed row before it goes back to the outbox
    retry_delay: float = 0.5  # first wait between calls of one claim, doubled each time
    max_sleep: float = 30.0  # longest wait inside a claim; a longer Retry-After goes back to the outbox
    backoff_base: float = 60.0  # seconds before a row out of attempts is due again, doubled per claim
    reply_retry: float = 1.0  # a reply goes back for this long only: its token must still live
    lease: timedelta = CLAIM_TIMEOUT
    reply_lease: timedelta = REPLY_CLAIM_TIMEOUT
    token_life: timedelta = REPLY_TOKEN_LIFE

    def with_(self, **changes: Any) -> Policy:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


SHARED_REFRESH = 0.02  # seconds a sender trusts its last look at the shared pause


class Throttle:
    """After a 429 nobody calls LINE until Retry-After has passed: in this process and in every other.

    The pause is kept here (every sender of the process sees it at once) and, given a database,
    in the line_throttle row, which the other processes' throttles read at most every `refresh`
    seconds (one small read per process, not one per call) and again whenever a wait ends.
    """

    def __init__(self, db: Database | None = None, refresh: float = SHARED_REFRESH) -> None:
        self.db, self.refresh = db, refresh
        self._until = 0.0  # time.monotonic() at which this process's own pause ends
        self._shared_until = 0.0  # the shared pause's end, as last read, on the same clock
        self._read_at = -math.inf
        self._lock = threading.Lock()
        self._reading = threading.Lock()
        self._failing = False

    def pause(self, seconds: float) -> None:
        """Hold every sender back for this long, in every process."""
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)
        if self.db is None:
            return
        try:
            until = utcnow() + timedelta(seconds=seconds)
            # Urgent: on SQLite a plain writer naps behind the other senders' claims while they
            # go on calling LINE; the pause must reach them first.
            self.db.urgent(lambda session: pause_line(session=session, until=until))
        except Exception as exc:  # this process still pauses; the others learn from their own 429
            log.warning("LINE's pause could not be shared with other processes (%s)", type(exc).__name__)

    def remaining(self, *, fresh: bool = False) -> float:
        """Return how long senders must still wait (`fresh`: look at the shared pause now)."""
        if self.db is not None:
            age = time.monotonic() - self._read_at
            if fresh or age >= self.refresh:
                # Past twice the refresh (the reading thread is slow: a loaded machine), wait for
                # its answer instead of calling LINE on a stale one.
                self._read(fresh or age >= 2 * self.refresh)
        return max(0.0, max(self._until, self._shared_until) - time.monotonic())

    def wait(self, at_most: float) -> bool:
        """Sleep until the pause is over and return True; False at once if it lasts longer than at_most."""
        deadline = time.monotonic() + at_most
        slept = False
        while (left := self.remaining(fresh=slept)) > 0:
            if time.monotonic() + left > deadline:
                return False
            time.sleep(left)
            slept = True  # another process may have moved the pause later meanwhile
        return True

    def _read(self, wait: bool) -> None:
        asked = time.monotonic()
        # One look per process at a time; the other senders use the figure being read.
        if not self._reading.acquire(blocking=wait):
            return
        try:
            if self._read_at >= asked:
                return  # read while we waited for the lock
            assert self.db is not None
            with self.db.reading() as session:
                until = line_paused_until(session=session)
            now = time.monotonic()
            self._shared_until = now + (until - utcnow()).total_seconds() if until is not None else 0.0
            self._read_at = now
            self._failing = False
        except Exception as exc:  # the local pause still holds; look again after `refresh`
            self._read_at = time.monotonic()
            if not self._failing:
                log.warning("LINE's shared pause could not be read (%s)", type(exc).__name__)
            self._failing = True
        finally:
            self._reading.release()


@dataclass(frozen=True)
class _Done:
    change: dict[str, Any]
    stat: str
    uncertain: bool = False


def backoff(attempts: int, base: float = 60.0) -> timedelta:
    """Return how long a row waits before its next claim: base, 2x, 4x ... at most an hour."""
    return timedelta(seconds=min(3600.0, base * 2 ** max(0, attempts - 1)))


class Sender:
    """Claims rows in batches and sends them; safe to run in many threads and processes."""

    def __init__(self, db: Database, gateway: LineGateway, policy: Policy | None = None,
                 throttle: Throttle | None = None, budget: Budget | None = None) -> None:
        self.db, self.gateway = db, gateway
        self.policy = policy or Policy(attempts=max(1, gateway.retries), retry_delay=gateway.retry_delay)
        self.throttle = throttle or Throttle(db)
        self.budget = budget

    def deliver(self, ids: Iterable[int] | None = None, *, now: datetime | None = None) -> Counter[str]:
        """Send the given rows (or every due row, batch after batch); return counts per outcome."""
        stats: Counter[str] = Counter()
        if ids is not None:
            wanted = list(ids)
            for start in range(0, len(wanted), self.policy.batch):
                chunk = wanted[start : start + self.policy.batch]
                claimed = self.round(stats, chunk, now=now)
                if len(chunk) > claimed:
                    stats["skipped"] += len(chunk) - claimed
            return stats
        while self.round(stats, None, now=now) == self.policy.batch:
            pass
        return stats

    def round(self, stats: Counter[str], ids: Sequence[int] | None = None, *, now: datetime | None = None) -> int:
        """Claim one batch, send it, record it; return how many rows were claimed."""
        at = now or utcnow()
        with self.db.transaction() as session:
            rows = claim(session=session, now=at, limit=self.policy.batch, ids=ids,
                         lease=self.policy.lease, reply_lease=self.policy.reply_lease)
        if rows:
            self._send_claimed(rows, stats, at)
        return len(rows)

    def send_held(self, rows: Sequence[Any], *, then: Callable[[Session], None] | None = None) -> Counter[str]:
        """Send rows the caller's transaction held (models.outbox.hold); run `then` where they are recorded."""
        stats: Counter[str] = Counter()
        self._send_claimed(rows, stats, None, then)
        return stats

    def _send_claimed(self, rows: Sequence[Any], stats: Counter[str], at: datetime | None,
                      then: Callable[[Session], None] | None = None) -> None:
        done: list[tuple[int, dict[str, Any]]] = []
        try:
            for row in rows:
                result = self.send(row, at or row.claimed_at)
                done.append((row.id, result.change))
                stats[result.stat] += 1
                if result.uncertain:
                    stats[UNCERTAIN] += 1
        finally:
            # Whatever was sent is recorded, even when a call raised: the rest stay held until
            # their lease ends, then go again (retry keys keep that harmless).
            if done or then is not None:
                sent_at = utcnow()
                with self.db.transaction() as session:
                    record(session=session, outcomes=[(i, _stamp(c, sent_at)) for i, c in done])
                    if then is not None:
                        then(session)
            if any(c.get("last_error") == HELD_NOTE for _, c in done):
                tell_hr_held(self.db, at or utcnow())

    def send(self, row: Any, now: datetime) -> _Done:
        """Send one claimed row: a few calls at most, then its outcome to record."""
        if self.budget is not None and not self.budget.allows(row):
            # Not sent, not an attempt: it waits for next month's quota.
            return _Done({"status": PENDING, "next_attempt_at": next_month(now), "attempts": row.attempts - 1,
                          "last_error": HELD_NOTE}, HELD)
        policy = self.policy
        kind, unknown, note = row.kind, bool(row.outcome_unknown), None
        outcome = Outcome(Result.RETRY, None, "not attempted")
        for attempt in range(policy.attempts):
            if not self.throttle.wait(policy.max_sleep):
                break  # LINE asked for a long pause: the row waits in the outbox instead
            kind, outcome, unknown, note = self._attempt(row, kind, unknown, note, now)
            if outcome.result is not Result.RETRY:
                break
            if outcome.retry_after is not None:
                self.throttle.pause(outcome.retry_after)
            elif attempt + 1 < policy.attempts:
                time.sleep(min(policy.retry_delay * 2**attempt, policy.max_sleep))
        return self._outcome(row, kind, outcome, unknown, note, now)

    def _attempt(self, row: Any, kind: str, unknown: bool, note: str | None,
                 claimed_at: datetime) -> tuple[str, Outcome, bool, str | None]:
        if kind == KIND_REPLY:
            alive = bool(row.reply_token) and utcnow() < row.created_at + self.policy.token_life
            if alive:
                outcome = self.gateway.reply(row.reply_token, row.messages)
                if outcome.result is not Result.BAD_REPLY_TOKEN:
                    return kind, outcome, unknown or outcome.unknown, note
                if unknown or self._taken_over(row.id, claimed_at):
                    # Used, within its life: an earlier attempt we never heard back from arrived,
                    # or a sender that took the row over (our lease ran out) replied first.
                    return kind, Outcome(Result.DUPLICATE, outcome.status, "reply token already used"), unknown, note
                # Refused before we ever used it: the reply did not arrive, a push may carry it.
            elif unknown:
                note = UNCERTAIN
                log.warning("outbox row %s: reply token expired before LINE could tell whether a reply "
                            "arrived; pushing (may arrive twice)", row.id)
            kind = "push"
        return kind, self._call(kind, row), unknown, note

    def _taken_over(self, row_id: int, claimed_at: datetime) -> bool:
        # Another sender claimed the row after us: it may be the one that used the token.
        with self.db.transaction() as session:
            found = session.execute(select(OutboxMessage.claimed_at, OutboxMessage.status)
                                    .where(OutboxMessage.id == row_id)).first()
        if found is None or found.status == SENT or found.claimed_at is None:
            return True
        return abs((found.claimed_at - claimed_at).total_seconds()) > 0.001

    def _call(self, kind: str, row: Any) -> Outcome:
        if kind == KIND_MULTICAST:
            return self.gateway.multicast(row.recipients, row.messages, row.retry_key, attempts=1)
        return self.gateway.push(row.recipients[0], row.messages, row.retry_key, attempts=1)

    def _outcome(self, row: Any, kind: str, outcome: Outcome, unknown: bool, note: str | None,
                 now: datetime) -> _Done:
        change: dict[str, Any] = {"kind": kind, "outcome_unknown": unknown}
        if kind != KIND_REPLY:
            change["reply_token"] = None
        if outcome.delivered:
            change.update(status=SENT, last_error=outcome.error if outcome.result is Result.DUPLICATE and
                          kind == KIND_REPLY else None)
            return _Done(change, SENT, note == UNCERTAIN)
        change["last_error"] = f"{outcome.status or '-'} {outcome.error or ''}"[:500]
        if outcome.result is Result.RETRY and outcome.retry_after is not None and kind != KIND_REPLY:
            # LINE asked us to slow down; it did not refuse the message. The row is due again when
            # LINE said, and the claim is not counted: a long rate limit must not use up its
            # attempts, nor send it to the backoff's minute (the Throttle keeps every sender waiting).
            change.update(status=PENDING, attempts=row.attempts - 1,
                          next_attempt_at=now + timedelta(seconds=outcome.retry_after))
            return _Done(change, PENDING)
        if outcome.result is Result.RETRY and row.attempts < MAX_ATTEMPTS:
            wait = backoff(row.attempts, self.policy.backoff_base)
            if outcome.retry_after is not None:
                wait = max(wait, timedelta(seconds=outcome.retry_after))
            if kind == KIND_REPLY:
                # Back soon, while the token can still say whether this attempt arrived.
                wait = timedelta(seconds=min(self.policy.reply_retry, outcome.retry_after or self.policy.reply_retry))
            change.update(status=PENDING, next_attempt_at=now + wait)
            return _Done(change, PENDING)
        change["status"] = FAILED
        log.error("outbox row %s given up after %s attempts (%s)", row.id, row.attempts, outcome.status)
        return _Done(change, FAILED)


def _stamp(change: dict[str, Any], sent_at: datetime) -> dict[str, Any]:
    return {**change, "sent_at": sent_at} if change.get("status") == SENT else change


def deliver(db: Database, gateway: LineGateway | None, ids: Iterable[int] | None = None,
            *, now: datetime | None = None) -> Counter[str]:
    """Send the given rows (or every due row) from this thread; return counts per outcome."""
    if gateway is None:
        # Not connected to LINE: rows stay pending until a gateway exists.
        return Counter()
    return Sender(db, gateway).deliver(ids, now=now)
