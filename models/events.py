"""Webhook events already handled, so a LINE redelivery is skipped."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow


class ProcessedEvent(Base):
    """A webhookEventId seen once; the primary key makes a second insert fail."""

    __tablename__ = "processed_events"

    webhook_event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def first_time(*, session: Session, webhook_event_id: str, event_type: str) -> bool:
    """Record an event id; False if it was recorded before (a redelivery)."""
    stmt = _RECORD[session.get_bind().dialect.name == "postgresql"]
    values = {"webhook_event_id": webhook_event_id, "event_type": event_type[:40], "received_at": utcnow()}
    return session.execute(stmt, values).scalar() is not None


def _record(insert: Any) -> Any:
    # Built once per dialect (with bind parameters): every chat event runs it.
    return (
        insert(ProcessedEvent)
        .values(webhook_event_id=bindparam("webhook_event_id"), event_type=bindparam("event_type"),
                received_at=bindparam("received_at"))
        .on_conflict_do_nothing(index_elements=["webhook_event_id"])
        .returning(ProcessedEvent.webhook_event_id)
    )


_RECORD = {False: _record(sqlite_insert), True: _record(pg_insert)}
