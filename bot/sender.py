"""Deliver outbox rows after commit: claim, call LINE, record the outcome."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

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
    SENT,
    OutboxMessage,
    claim,
    due_ids,
)

log = logging.getLogger(__name__)


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
        stats[_deliver_one(db, gateway, row_id, now=now)] += 1
    return stats


def _deliver_one(db: Database, gateway: LineGateway, row_id: int, *, now: datetime | None) -> str:
    with db.transaction() as session:
        if not claim(session=session, row_id=row_id, now=now):
            return "skipped"
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        kind, token, to, messages, key = row.kind, row.reply_token, list(row.recipients), list(row.messages), row.retry_key

    # The call is made outside any transaction: no lock is held while LINE answers.
    outcome = _call(gateway, kind, token, to, messages, key)
    if kind == KIND_REPLY and outcome.result in (Result.BAD_REPLY_TOKEN, Result.RETRY):
        # The token expired or was used, or LINE did not answer: a push with the row's
        # retry key reaches the person and cannot arrive twice.
        kind = KIND_PUSH
        outcome = _call(gateway, kind, None, to, messages, key)

    with db.transaction() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        row.kind = kind
        if kind != KIND_REPLY:
            row.reply_token = None
        row.last_error = None if outcome.delivered else f"{outcome.status or '-'} {outcome.error or ''}"[:500]
        if outcome.delivered:
            row.status, row.sent_at = SENT, utcnow()
        elif outcome.result is Result.RETRY and row.attempts < MAX_ATTEMPTS:
            row.status = PENDING
            row.next_attempt_at = (now or utcnow()) + backoff(row.attempts)
        else:
            row.status = FAILED
            log.error("outbox row %s given up after %s attempts (%s)", row_id, row.attempts, outcome.status)
        return row.status


def _call(gateway: LineGateway, kind: str, token: str | None, to: list[str], messages: list, key: str) -> Outcome:
    if kind == KIND_REPLY and token:
        return gateway.reply(token, messages)
    if kind == KIND_MULTICAST:
        return gateway.multicast(to, messages, key)
    return gateway.push(to[0], messages, key)
