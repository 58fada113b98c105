"""The outbox: messages to send, written in the same transaction as the change that caused them."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, Integer, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

KIND_REPLY = "reply"
KIND_PUSH = "push"
KIND_MULTICAST = "multicast"

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"  # gave up: LINE refused it for good, or retries ran out

MULTICAST_LIMIT = 500  # LINE's maximum recipients per multicast call
MAX_MESSAGES = 5  # LINE's maximum messages per call
MAX_ATTEMPTS = 12
CLAIM_TIMEOUT = timedelta(minutes=5)


class OutboxMessage(Base):
    """One call to make to LINE: a reply, a push to one person, or a multicast."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    reply_token: Mapped[str | None] = mapped_column(String(255))
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    messages: Mapped[list[Any]] = mapped_column(JSON)
    # Chosen before the first attempt, so LINE drops a retried push it already accepted.
    retry_key: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()))
    # Reminder identity (kind:subject:recipient:period); unique, so a rerun writes nothing.
    dedup_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # Status code and LINE's error message only: never the message bodies.
    last_error: Mapped[str | None] = mapped_column(String(500))


def _track(session: Session, row: OutboxMessage) -> OutboxMessage:
    # The caller delivers what its transaction queued, right after commit.
    session.info.setdefault("outbox_new", []).append(row)
    return row


def queued_ids(session: Session) -> list[int]:
    """Return (and forget) the ids of rows this session queued; call after commit."""
    rows = session.info.pop("outbox_new", [])
    return [row.id for row in rows if row.id is not None]


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enqueue_reply(*, session: Session, reply_token: str, to: str, messages: list[dict[str, Any]]) -> list[OutboxMessage]:
    """Queue a reply; the recipient is kept so an expired token can fall back to a push."""
    rows = []
    for i, batch in enumerate(_chunks(messages, MAX_MESSAGES)):
        # Only the first five messages can use the token; any more go as a push.
        row = OutboxMessage(
            kind=KIND_REPLY if i == 0 else KIND_PUSH,
            reply_token=reply_token if i == 0 else None,
            recipients=[to],
            messages=list(batch),
        )
        session.add(row)
        rows.append(_track(session, row))
    return rows


def enqueue_push(
    *, session: Session, to: str, messages: list[dict[str, Any]], dedup_key: str | None = None
) -> OutboxMessage | None:
    """Queue a push to one LINE user; None if dedup_key was queued before."""
    return _insert(session, KIND_PUSH, [to], messages[:MAX_MESSAGES], dedup_key)


def enqueue_multicast(
    *, session: Session, to: Sequence[str], messages: list[dict[str, Any]], dedup_key: str | None = None
) -> list[OutboxMessage]:
    """Queue one identical message to many users, 500 a call; a lone recipient goes by push."""
    recipients = list(dict.fromkeys(to))
    rows: list[OutboxMessage] = []
    if len(recipients) == 1:
        row = enqueue_push(session=session, to=recipients[0], messages=messages, dedup_key=dedup_key)
        return [row] if row else []
    for i, batch in enumerate(_chunks(recipients, MULTICAST_LIMIT)):
        key = f"{dedup_key}#{i}" if dedup_key else None
        row = _insert(session, KIND_MULTICAST, list(batch), messages[:MAX_MESSAGES], key)
        if row is not None:
            rows.append(row)
    return rows


def _insert(
    session: Session, kind: str, recipients: list[str], messages: list[dict[str, Any]], dedup_key: str | None
) -> OutboxMessage | None:
    if dedup_key is None:
        row = OutboxMessage(kind=kind, recipients=recipients, messages=messages)
        session.add(row)
        return _track(session, row)
    # INSERT ... ON CONFLICT DO NOTHING: two clocks racing on one reminder write it once.
    values = {
        "kind": kind,
        "recipients": recipients,
        "messages": messages,
        "retry_key": str(uuid.uuid4()),
        "dedup_key": dedup_key,
        "status": PENDING,
        "attempts": 0,
        "created_at": utcnow(),
        "next_attempt_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
    stmt = stmt.returning(OutboxMessage.id)
    new_id = session.execute(stmt).scalar()
    if new_id is None:
        return None
    row = session.get(OutboxMessage, new_id)
    return _track(session, row) if row is not None else None


def claimable(now: datetime) -> ColumnElement[bool]:
    """Return the condition of a row a sender may take: pending and due, or held by a sender
    that died (claimed longer ago than CLAIM_TIMEOUT), and not yet out of attempts."""
    table = OutboxMessage.__table__
    return (
        (table.c.attempts < MAX_ATTEMPTS)
        & (
            ((table.c.status == PENDING) & (table.c.next_attempt_at <= now))
            | ((table.c.status == SENDING) & (table.c.claimed_at < now - CLAIM_TIMEOUT))
        )
    )


def due_ids(*, session: Session, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Return ids of rows ready to send, oldest first."""
    stmt = select(OutboxMessage.id).where(claimable(now or utcnow())).order_by(OutboxMessage.id).limit(limit)
    return list(session.scalars(stmt))
