"""The audit trail: who did what to which record, and when."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, and_, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow


class AuditLog(Base):
    """One recorded action; detail holds ids and reasons, never message bodies."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    # The console account that acted (HR in the browser), when it was not someone in the chat.
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def audit(
    *,
    session: Session,
    action: str,
    subject_type: str,
    subject_id: int | None,
    actor_id: int | None = None,
    admin_id: int | None = None,
    **detail: Any,
) -> AuditLog:
    """Record an action in the audit trail (inside the caller's transaction)."""
    row = AuditLog(
        actor_id=actor_id,
        admin_id=admin_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        at=utcnow(),
    )
    session.add(row)
    return row


def trail_of(*, session: Session, subjects: Sequence[tuple[str, int]]) -> list[AuditLog]:
    """Return the audit rows of some records (subject type, id), oldest first."""
    if not subjects:
        return []
    wanted = or_(*(and_(AuditLog.subject_type == kind, AuditLog.subject_id == sid) for kind, sid in subjects))
    return list(session.scalars(select(AuditLog).where(wanted).order_by(AuditLog.at, AuditLog.id)))
