"""Deliver outbox rows after commit: claim a row, call LINE, record the outcome."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from bot.db import Database
from bot.line import LineGateway, Outcome, Result
from models.base import utcnow
from models.outbox import (
    FAILED,
    KIND_MULTICAST,
    KIND_PUSH,
    KIND_REPLY,
    MAX_ATTEMPTS,
    PENDING,
    SENDING,
    SENT,
    OutboxMessage,
    claimable,
    due_ids,
)

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    reply_token: str | None
    recipients: list[str]
    messages: list[dict[str, Any]]
    retry_key: str
    attempts: int


def backoff(attempts: int) -> timedelta:
    """Return how long to wait before the next attempt: 1, 2, 4 ... minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def deliver(db: Database, gateway: LineGateway | None, ids: Iterable[int] | None = None,
            *, now: datetime | None = None) -> Counter[str]:
    """Send the given rows (or every due row); return counts per outcome."""
    stats: Counter[str] = Counter()
    if gateway is None:
        # Not connected to LINE: rows stay pending until a gateway exists.
        return stats
    if ids is None:
        with db.transaction() as session:
            ids = due_ids(session=session, now=now)
    for row_id in ids:
        # One row at a time: a sender killed mid-run leaves only the row in flight claimed,
        # so the next run sends the rest at once (the claimed one after CLAIM_TIMEOUT, and
        # LINE answers 409 for its retry key if it had arrived).
        claimed = _claim(db, row_id, now or utcnow())
        if claimed is None:
            stats["skipped"] += 1
            continue
        kind, outcome = _send(gateway, claimed)
        stats[_record(db, claimed, kind, outcome, now)] += 1
    return stats


def _claim(db: Database, row_id: int, now: datetime) -> _Claimed | None:
    # A conditional update claims only a row no other sender holds: two senders never send one row.
    table = OutboxMessage.__table__
    stmt = (
        update(table)
        .where(table.c.id == row_id, claimable(now))
        .values(status=SENDING, claimed_at=now, attempts=table.c.attempts + 1)
        .returning(table.c.id, table.c.kind, table.c.reply_token, table.c.recipients, table.c.messages,
                   table.c.retry_key, table.c.attempts)
    )
    with db.transaction() as session:
        found = session.execute(stmt).first()
    return _Claimed(*found) if found is not None else None


def _send(gateway: LineGateway, row: _Claimed) -> tuple[str, Outcome]:
    # Calls are made outside any transaction: no lock is held while LINE answers.
    kind = row.kind
    outcome = _call(gateway, kind, row)
    if kind == KIND_REPLY and outcome.result in (Result.BAD_REPLY_TOKEN, Result.RETRY):
        # The token expired or was used, or LINE did not answer: a push with the row's
        # retry key reaches the person and cannot arrive twice.
        kind = KIND_PUSH
        outcome = _call(gateway, kind, row)
    return kind, outcome


def _record(db: Database, row: _Claimed, kind: str, outcome: Outcome, now: datetime | None) -> str:
    change: dict[str, Any] = {"kind": kind}
    if kind != KIND_REPLY:
        change["reply_token"] = None
    change["last_error"] = None if outcome.delivered else f"{outcome.status or '-'} {outcome.error or ''}"[:500]
    if outcome.delivered:
        change.update(status=SENT, sent_at=utcnow())
    elif outcome.result is Result.RETRY and row.attempts < MAX_ATTEMPTS:
        change.update(status=PENDING, next_attempt_at=(now or utcnow()) + backoff(row.attempts))
    else:
        change["status"] = FAILED
        log.error("outbox row %s given up after %s attempts (%s)", row.id, row.attempts, outcome.status)
    with db.transaction() as session:
        session.execute(update(OutboxMessage.__table__).where(OutboxMessage.__table__.c.id == row.id).values(**change))
    return str(change["status"])


def _call(gateway: LineGateway, kind: str, row: _Claimed) -> Outcome:
    if kind == KIND_REPLY and row.reply_token:
        return gateway.reply(row.reply_token, row.messages)
    if kind == KIND_MULTICAST:
        return gateway.multicast(row.recipients, row.messages, row.retry_key)
    return gateway.push(row.recipients[0], row.messages, row.retry_key)
