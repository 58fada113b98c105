"""The outbox: messages to send, written in the same transaction as the change that caused them."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON, Boolean, ColumnElement, Index, Integer, String, case, false, func, literal, or_, select, text, update,
)
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
# How long a sender may hold a claimed row before another takes it over (the holder died).
# A reply's lease is short, so a reply held by a killed sender is retried with its own token
# while the token still lives: LINE then says whether the first attempt arrived.
CLAIM_TIMEOUT = timedelta(minutes=2)
REPLY_CLAIM_TIMEOUT = timedelta(seconds=15)
# LINE's reply tokens work for about a minute; after this a reply is not attempted at all.
REPLY_TOKEN_LIFE = timedelta(seconds=50)

SOURCE_CHAT = "chat"  # replies and pushes written while handling a LINE event
SOURCE_CONSOLE = "console"  # written while HR works in the console
SOURCE_APPROVALS = "approvals"  # approval cards sent to an approver when a request reaches them
SOURCE_BUDGET = "budget"  # HR told that announcements wait for the budget
# Optional announcements (new courses, registration closing): they wait when the month's
# message budget would run out. Follow-ups of owed work and approval cards always go. The job
# ids are what rows carry; "closing" and "announce" head the dedup keys of rows written before
# rows carried their job.
OPTIONAL_SOURCES = frozenset({"closing", "courses-closing", "announce", "courses-announce"})
# What the sender writes on a row it holds back for next month's budget (bot/sender.py).
HELD_NOTE = "held: the month's message budget would be exceeded"

# The feature writing outbox rows in this context when neither the call nor its session says
# (the console sets it for each of its requests, so a page needs no wiring of its own).
_feature: ContextVar[str | None] = ContextVar("outbox_feature", default=None)


def begin_feature(source: str) -> Token[str | None]:
    """Mark the outbox rows written from now on in this context (any session) as a feature's."""
    return _feature.set(source)


def end_feature(token: Token[str | None]) -> None:
    """Undo begin_feature."""
    _feature.reset(token)


@contextmanager
def written_by(source: str) -> Iterator[None]:
    """Mark the outbox rows written inside the block (any session) as this feature's."""
    token = begin_feature(source)
    try:
        yield
    finally:
        end_feature(token)


# The rows a sender may still take, written out (not bound) so both databases match the
# partial index below: a claim walks it in id order and stops after one batch, instead of
# reading and sorting every waiting row (10,000 of them at the monthly follow-up) per batch.
_UNSENT = "status IN ('pending', 'sending')"


class OutboxMessage(Base):
    """One call to make to LINE: a reply, a push to one person, or a multicast."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "id", sqlite_where=text(_UNSENT), postgresql_where=text(_UNSENT)),)

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
    # Who wrote the row (a clock job, "chat", a console area): pushes are counted per source.
    source: Mapped[str | None] = mapped_column(String(40), index=True)
    # An earlier attempt may have reached LINE without us seeing the answer (timeout, reset,
    # 5xx, a sender killed mid-call). A reply in that state is never replaced by a push while
    # its token can still tell.
    outcome_unknown: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


def source_for(session: Session, source: str | None, dedup_key: str | None) -> str | None:
    """Return the job or feature a new row records as its source."""
    # The call's, else the transaction's (the webhook sets "chat", the clock its job id), else
    # the context's feature (the console), else the reminder kind heading its dedup key.
    if source:
        return source[:40]
    if session.info.get("outbox_source"):
        return str(session.info["outbox_source"])[:40]
    if _feature.get():
        return str(_feature.get())[:40]
    return dedup_key.split(":", 1)[0][:40] if dedup_key else None


def _track(session: Session, row: OutboxMessage) -> OutboxMessage:
    # The caller delivers what its transaction queued, right after commit.
    session.info.setdefault("outbox_new", []).append(row)
    return row


def queued_ids(session: Session) -> list[int]:
    """Return (and forget) the ids of rows this session queued; call after commit."""
    rows = session.info.pop("outbox_new", [])
    return [row.id for row in rows if row.id is not None]


def hold(*, session: Session, at: datetime) -> list[OutboxMessage]:
    """Claim the rows this session queued for the caller, who sends them right after commit.

    The inbox lanes send an event's answers at once: claiming them in the transaction that
    wrote them saves a claim transaction per event (and, on PostgreSQL, waking the outbox
    lanes for rows they could not take). A holder that dies leaves them to be taken over
    after their lease, as after any claim.
    """
    rows: list[OutboxMessage] = session.info.pop("outbox_new", [])
    for row in rows:
        row.status, row.claimed_at, row.attempts = SENDING, at, (row.attempts or 0) + 1
    return rows


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enqueue_reply(*, session: Session, reply_token: str, to: str, messages: list[dict[str, Any]],
                  received_at: datetime | None = None) -> list[OutboxMessage]:
    """Queue a reply; the recipient is kept so an expired token can fall back to a push."""
    rows = []
    # The token's life runs from when LINE sent the event, not from when a worker handled it.
    created = received_at or utcnow()
    source = source_for(session, None, None) or SOURCE_CHAT
    for i, batch in enumerate(_chunks(messages, MAX_MESSAGES)):
        # Only the first five messages can use the token; any more go as a push.
        row = OutboxMessage(
            kind=KIND_REPLY if i == 0 else KIND_PUSH,
            reply_token=reply_token if i == 0 else None,
            recipients=[to],
            messages=list(batch),
            source=source,
            created_at=created,
        )
        session.add(row)
        rows.append(_track(session, row))
    return rows


def enqueue_push(
    *, session: Session, to: str, messages: list[dict[str, Any]], dedup_key: str | None = None,
    source: str | None = None,
) -> OutboxMessage | None:
    """Queue a push to one LINE user; None if dedup_key was queued before."""
    return _insert(session, KIND_PUSH, [to], messages[:MAX_MESSAGES], dedup_key, source_for(session, source, dedup_key))


def enqueue_multicast(
    *, session: Session, to: Sequence[str], messages: list[dict[str, Any]], dedup_key: str | None = None,
    source: str | None = None,
) -> list[OutboxMessage]:
    """Queue one identical message to many users, 500 a call; a lone recipient goes by push."""
    recipients = list(dict.fromkeys(to))
    rows: list[OutboxMessage] = []
    if len(recipients) == 1:
        row = enqueue_push(session=session, to=recipients[0], messages=messages, dedup_key=dedup_key, source=source)
        return [row] if row else []
    source = source_for(session, source, dedup_key)
    for i, batch in enumerate(_chunks(recipients, MULTICAST_LIMIT)):
        key = f"{dedup_key}#{i}" if dedup_key else None
        row = _insert(session, KIND_MULTICAST, list(batch), messages[:MAX_MESSAGES], key, source)
        if row is not None:
            rows.append(row)
    return rows


def _insert(
    session: Session, kind: str, recipients: list[str], messages: list[dict[str, Any]], dedup_key: str | None,
    source: str | None,
) -> OutboxMessage | None:
    if dedup_key is None:
        row = OutboxMessage(kind=kind, recipients=recipients, messages=messages, source=source)
        session.add(row)
        return _track(session, row)
    # INSERT ... ON CONFLICT DO NOTHING: two clocks racing on one reminder write it once.
    values = {
        "kind": kind,
        "recipients": recipients,
        "messages": messages,
        "retry_key": str(uuid.uuid4()),
        "dedup_key": dedup_key,
        "source": source,
        "outcome_unknown": False,
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


def claimable(now: datetime, lease: timedelta = CLAIM_TIMEOUT,
              reply_lease: timedelta = REPLY_CLAIM_TIMEOUT) -> ColumnElement[bool]:
    """Return the condition of a row a sender may take: pending and due, or held by a sender
    that died (claimed longer ago than its lease), and not yet out of attempts."""
    table = OutboxMessage.__table__
    stamp = table.c.claimed_at.type
    held_since = case((table.c.kind == KIND_REPLY, literal(now - reply_lease, stamp)), else_=literal(now - lease, stamp))
    return (
        text(_UNSENT)
        & (table.c.attempts < MAX_ATTEMPTS)
        & (
            ((table.c.status == PENDING) & (table.c.next_attempt_at <= now))
            | ((table.c.status == SENDING) & (table.c.claimed_at < held_since))
        )
    )


def due_ids(*, session: Session, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Return ids of rows ready to send, oldest first."""
    stmt = select(OutboxMessage.id).where(claimable(now or utcnow())).order_by(OutboxMessage.id).limit(limit)
    return list(session.scalars(stmt))


def claim(*, session: Session, now: datetime, limit: int, ids: Sequence[int] | None = None,
          lease: timedelta = CLAIM_TIMEOUT, reply_lease: timedelta = REPLY_CLAIM_TIMEOUT) -> list[Any]:
    """Claim up to `limit` claimable rows (only among `ids` when given) in one statement.

    UPDATE .. WHERE id IN (SELECT .. LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING: on PostgreSQL
    several senders take disjoint batches without waiting for each other; on SQLite the write
    lock (BEGIN IMMEDIATE) makes the statement atomic, so two senders never hold one row.
    Taking over a row a dead sender held marks its outcome unknown: that sender may have sent it.
    """
    table = OutboxMessage.__table__
    pick = select(table.c.id).where(claimable(now, lease, reply_lease))
    if ids is not None:
        pick = pick.where(table.c.id.in_(list(ids)))
    pick = pick.order_by(table.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        update(table)
        .where(table.c.id.in_(pick.scalar_subquery()))
        .values(status=SENDING, claimed_at=now, attempts=table.c.attempts + 1,
                outcome_unknown=or_(table.c.outcome_unknown, table.c.status == SENDING))
        .returning(table.c.id, table.c.kind, table.c.reply_token, table.c.recipients, table.c.messages,
                   table.c.retry_key, table.c.attempts, table.c.created_at, table.c.outcome_unknown, table.c.source,
                   table.c.dedup_key)
    )
    return sorted(session.execute(stmt).all(), key=lambda r: r.id)


def record(*, session: Session, outcomes: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Write each row's outcome; rows sent alike share one statement."""
    table = OutboxMessage.__table__
    alike: dict[tuple[Any, ...], list[int]] = {}
    for row_id, change in outcomes:
        alike.setdefault(tuple(sorted(change.items())), []).append(row_id)
    for change, row_ids in alike.items():
        session.execute(update(table).where(table.c.id.in_(row_ids)).values(**dict(change)))


class LineThrottle(Base):
    """LINE's latest 429 pause, seen by every sender of every process (one row, id 1)."""

    __tablename__ = "line_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No sender calls LINE before this instant (Retry-After added to when the 429 came).
    paused_until: Mapped[datetime]


THROTTLE_ROW = 1


def pause_line(*, session: Session, until: datetime) -> None:
    """Hold every sender back until `until`; a pause already ending later stays as it is."""
    table = LineThrottle.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(id=THROTTLE_ROW, paused_until=until)
    # Two senders told at once: the later end wins, whatever order they write in.
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={"paused_until": stmt.excluded.paused_until},
                                      where=table.c.paused_until < stmt.excluded.paused_until)
    session.execute(stmt)


def line_paused_until(*, session: Session) -> datetime | None:
    """Return when the latest pause LINE asked for ends (None if it never asked)."""
    table = LineThrottle.__table__
    return session.execute(select(table.c.paused_until).where(table.c.id == THROTTLE_ROW)).scalar()


def source_of(source: str | None, dedup_key: str | None) -> str:
    """Return a row's source: as written, else the reminder kind heading its dedup key."""
    if source:
        return source
    return dedup_key.split(":", 1)[0] if dedup_key else SOURCE_CHAT


def pushes_since(*, session: Session, since: datetime) -> dict[str, int]:
    """Return the recipients of pushes and multicasts sent since an instant, per source (what LINE bills)."""
    return {source: t.recipients for source, t in sends_since(session=session, since=since).pushes.items()}


@dataclass
class Tally:
    """What one source sent (or holds): LINE calls, message objects, and recipients (what LINE bills)."""

    calls: int = 0
    messages: int = 0
    recipients: int = 0

    def add(self, messages: int | None, recipients: int | None) -> None:
        """Count one row of so many messages and recipients."""
        self.calls += 1
        self.messages += messages or 0
        self.recipients += recipients or 0


@dataclass
class MonthSends:
    """The pushes and multicasts sent since an instant per source, and the replies (free)."""

    pushes: dict[str, Tally]
    replies: Tally

    @property
    def total(self) -> Tally:
        """Every source's pushes together."""
        tallies = self.pushes.values()
        return Tally(sum(t.calls for t in tallies), sum(t.messages for t in tallies),
                     sum(t.recipients for t in tallies))

    def optional_recipients(self) -> int:
        """Return the recipients of optional announcements (what the monthly cap counts)."""
        return sum(t.recipients for k, t in self.pushes.items() if k in OPTIONAL_SOURCES)


def sends_since(*, session: Session, since: datetime) -> MonthSends:
    """Return what was sent since an instant: pushes per source and the replies."""
    table = OutboxMessage.__table__
    # The database counts the JSON arrays: no message body is read back (a month may be 10,000 rows).
    rows = session.execute(
        select(table.c.kind, table.c.source, table.c.dedup_key, func.json_array_length(table.c.messages),
               func.json_array_length(table.c.recipients))
        .where(table.c.status == SENT, table.c.sent_at >= since)
    )
    out = MonthSends({}, Tally())
    for kind, source, dedup_key, messages, recipients in rows:
        if kind == KIND_REPLY:
            out.replies.add(messages, recipients)
        else:
            out.pushes.setdefault(source_of(source, dedup_key), Tally()).add(messages, recipients)
    return out


@dataclass
class Held:
    """Optional announcements of one source waiting for the budget, and when they next try."""

    tally: Tally
    next_try: datetime


def held_for_budget(*, session: Session) -> dict[str, Held]:
    """Return, per source, the rows the sender holds back until next month's budget."""
    table = OutboxMessage.__table__
    rows = session.execute(
        select(table.c.source, table.c.dedup_key, func.json_array_length(table.c.messages),
               func.json_array_length(table.c.recipients), table.c.next_attempt_at)
        .where(table.c.status == PENDING, table.c.last_error == HELD_NOTE)
    )
    out: dict[str, Held] = {}
    for source, dedup_key, messages, recipients, next_try in rows:
        held = out.setdefault(source_of(source, dedup_key), Held(Tally(), next_try))
        held.tally.add(messages, recipients)
        held.next_try = min(held.next_try, next_try)
    return out
