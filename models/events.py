"""The inbox: LINE's webhook events, stored when they arrive and handled by the workers.

The webhook only verifies, stores and answers 200 (LINE's advice: handle events
asynchronously); workers claim stored events and run the chat on them. Rules kept here:
- a webhookEventId is stored once, so a LINE redelivery is dropped at the door;
- one person's events are handled one at a time and in order (a register tap before its
  confirm): only the oldest unhandled event of each person can be claimed;
- an event is handled exactly once: `finish` runs in the handler's own transaction and
  refuses a second finish, so a worker whose lease ran out rolls its work back;
- the answers keep the order too: a person's next event is claimable only once the one before
  is `release`d, which its lane does after sending that event's replies;
- the event's body (what a person typed) is kept only until it is handled.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, Text, and_, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from models.base import Base, utcnow

LEASE = timedelta(seconds=30)  # how long a claim holds before another worker takes the event over
MAX_CLAIMS = 3  # an event whose handling killed this many workers is answered with the apology

_WAITING = text("done_at IS NULL")


class InboundEvent(Base):
    """One webhook event: stored on arrival, claimed by a worker, finished once."""

    __tablename__ = "inbound_events"
    __table_args__ = (
        # The claim looks at unhandled events only: oldest first, and each person's oldest.
        Index("ix_inbound_events_waiting", "id", sqlite_where=_WAITING, postgresql_where=_WAITING),
        Index("ix_inbound_events_waiting_user", "line_user_id", "id", sqlite_where=_WAITING,
              postgresql_where=_WAITING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # LINE's id for the event; unique, so a redelivery inserts nothing (NULLs never clash).
    webhook_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    line_user_id: Mapped[str | None] = mapped_column(String(64))
    # The event's JSON until it is handled, then NULL: a person's words are not kept.
    body: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_until: Mapped[datetime | None]
    claims: Mapped[int] = mapped_column(Integer, default=0)
    handled_at: Mapped[datetime | None]  # the chat ran on it (set with the chat's own changes)
    done_at: Mapped[datetime | None]  # handled and its replies sent: the person's next may go

    def event(self) -> dict[str, Any]:
        """Return the stored event as LINE sent it."""
        return json.loads(self.body or "{}")  # type: ignore[no-any-return]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def row_of(raw: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Return the inbox row of one checked event."""
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    return {
        "webhook_event_id": _text(raw.get("webhookEventId")),
        "event_type": (_text(raw.get("type")) or "unknown")[:40],
        "line_user_id": _text(source.get("userId")) if source.get("type") == "user" else None,
        "body": json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
        "received_at": now,
        "claims": 0,
    }


def _insert_stmt(dialect: str) -> Any:
    """Return the inbox's INSERT for a dialect: a redelivery inserts nothing, new rows come back."""
    table = InboundEvent.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert(table).on_conflict_do_nothing(index_elements=["webhook_event_id"])
            .returning(table.c.id, table.c.webhook_event_id))


# Built once per dialect: the webhook stores with it on every call, so its compiled form is reused.
_INSERTS = {name: _insert_stmt(name) for name in ("postgresql", "sqlite")}


def store(*, session: Session, events: Sequence[dict[str, Any]], now: datetime | None = None) -> list[int]:
    """Store events in one statement; return the ids of the new ones (redeliveries are dropped)."""
    return store_calls(session=session, calls=[events], now=now)[0]


def store_calls(*, session: Session, calls: Sequence[Sequence[dict[str, Any]]],
                now: datetime | None = None) -> list[list[int]]:
    """Store several webhook calls' events at once; return each call's new ids, in order."""
    at = now or utcnow()
    rows = [[row_of(e, at) for e in events] for events in calls]
    flat = [row for call in rows for row in call]
    if not flat:
        return [[] for _ in calls]
    conn = session.connection()
    stmt = _INSERTS[conn.dialect.name]
    # Core, not the ORM: this runs on every webhook call and no object is wanted back.
    if all(row["webhook_event_id"] for row in flat):
        # One executemany: a call's rows come back by their LINE id, the first of a repeated id wins.
        new = {key: id_ for id_, key in conn.execute(stmt, flat)}
        ids = []
        for call in rows:
            mine = []
            for row in call:
                id_ = new.pop(row["webhook_event_id"], None)
                if id_ is not None:
                    mine.append(id_)
            ids.append(sorted(mine))
    else:
        # An event without LINE's id (never from LINE itself) cannot be told apart by it: row by row.
        ids = [sorted(id_ for row in call for id_, _ in conn.execute(stmt, row)) for call in rows]
    return ids


# Built once: a new alias per claim rebuilds the table's column collection (about a millisecond).
_EARLIER = aliased(InboundEvent)


def claim(*, session: Session, now: datetime, limit: int, lease: timedelta = LEASE,
          ids: Sequence[int] | None = None) -> list[InboundEvent]:
    """Hold up to `limit` events for handling: each the oldest unhandled one of its person."""
    earlier = _EARLIER
    stmt = (
        select(InboundEvent)
        .where(InboundEvent.done_at.is_(None),
               or_(InboundEvent.claimed_until.is_(None), InboundEvent.claimed_until < now),
               # A person's next event waits until the one before is finished.
               ~exists().where(and_(earlier.line_user_id == InboundEvent.line_user_id, earlier.id < InboundEvent.id,
                                    earlier.done_at.is_(None))))
        .order_by(InboundEvent.id).limit(limit)
    )
    if ids is not None:
        stmt = stmt.where(InboundEvent.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never take the same event; on SQLite the write lock (BEGIN IMMEDIATE) does it.
        stmt = stmt.with_for_update(skip_locked=True, of=InboundEvent)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.claimed_until = now + lease
        row.claims += 1
    session.flush()
    return rows


def finish(*, session: Session, event_id: int, now: datetime | None = None) -> bool:
    """Mark an event handled and forget its body; False if it was handled already."""
    done = session.execute(update(InboundEvent)
                           .where(InboundEvent.id == event_id, InboundEvent.handled_at.is_(None))
                           .values(handled_at=now or utcnow(), body=None))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def release(*, session: Session, event_id: int, now: datetime | None = None) -> None:
    """Close a handled event (its replies went): the person's next event may be claimed."""
    session.execute(update(InboundEvent).where(InboundEvent.id == event_id)
                    .values(done_at=now or utcnow(), claimed_until=None))


def waiting(*, session: Session) -> int:
    """Return how many events wait to be handled."""
    return int(session.scalar(select(func.count()).select_from(InboundEvent).where(InboundEvent.done_at.is_(None)))
               or 0)
