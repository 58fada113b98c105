"""Multi-step chat flows keep their state here, so a restart mid-flow loses nothing."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

FLOW_TTL = timedelta(hours=24)


class Conversation(Base):
    """The flow a LINE user is in (one at a time), its step and what was typed so far."""

    __tablename__ = "conversations"

    line_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


def get_conversation(*, session: Session, line_user_id: str) -> Conversation | None:
    """Return the user's flow, or None; an expired one is returned too (caller says so)."""
    return session.get(Conversation, line_user_id)


def start_conversation(
    *, session: Session, line_user_id: str, flow: str, step: str, data: dict[str, Any] | None = None
) -> Conversation:
    """Start (or replace) the user's flow at a step."""
    now = utcnow()
    conv = session.get(Conversation, line_user_id)
    if conv is None:
        conv = Conversation(line_user_id=line_user_id, flow=flow, step=step)
        session.add(conv)
    conv.flow, conv.step, conv.data = flow, step, dict(data or {})
    conv.updated_at, conv.expires_at = now, now + FLOW_TTL
    return conv


def advance(conv: Conversation, *, step: str, **changes: Any) -> None:
    """Move a flow to a step, merging new data (a new dict so the JSON change is seen)."""
    now = utcnow()
    conv.data = {**(conv.data or {}), **changes}
    conv.step = step
    conv.updated_at, conv.expires_at = now, now + FLOW_TTL


def end_conversation(*, session: Session, line_user_id: str) -> bool:
    """End the user's flow; tell whether there was one (and this call ended it)."""
    # A bulk DELETE, not session.delete(): when two events of one user race to end the same
    # flow, the loser simply deletes nothing instead of failing on a vanished row.
    result = session.execute(
        delete(Conversation).where(Conversation.line_user_id == line_user_id),
        execution_options={"synchronize_session": "fetch"},
    )
    return bool(result.rowcount)
