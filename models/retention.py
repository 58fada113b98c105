"""Retention: records older than the organisation's `retention_years` go, bookkeeping sooner.

The SOP keeps training records five years (setting `retention_years`). A request whose course
ended before the cut-off goes with its approval steps, report, images and anything another feature
hangs on it (found through the foreign keys, so a new feature's rows cannot block the purge);
audit entries older than the cut-off go too. People who left (inactive) and have nothing left are
erased like an erasure request. Bookkeeping only needed for a short while goes after a window:
processed webhook ids (LINE redelivers within hours), link attempts (the lock-out looks back 30
minutes), used or expired link codes, finished chats, and sent messages (their bodies and LINE ids).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, exists, or_, select
from sqlalchemy.orm import Session

from models.audit import AuditLog
from models.base import Base
from models.conversation import Conversation
from models.course import Course
from models.events import InboundEvent
from models.linking import LinkAttempt, LinkCode
from models.org import Staff
from models.outbox import FAILED, SENT, OutboxMessage
from models.privacy import Erasure, PrivacyError, erase_staff, trash
from models.privacy_tables import certificate_files
from models.registration import Registration, RegStatus
from models.report import ReportAttachment
from thai.dates import today_bangkok

DEFAULT_YEARS = 5
BOOKKEEPING = {
    "inbound_events": timedelta(days=7),
    "link_attempts": timedelta(days=30),
    "link_codes": timedelta(days=30),
    "conversations": timedelta(days=7),
    "outbox": timedelta(days=30),
}


@dataclass
class PurgeResult:
    """Rows removed per kind; `files` went to the upload trash (models.privacy.empty_trash)."""

    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def cutoff(today: date, years: int) -> date:
    """Return the first day still kept: the same date `years` years ago (28 Feb for 29 Feb)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def retention_years(settings: dict[str, Any]) -> int:
    """Return the organisation's retention in years (at least 1, whatever the setting says)."""
    try:
        return max(1, int(settings.get("retention_years", DEFAULT_YEARS)))
    except (TypeError, ValueError):
        return DEFAULT_YEARS


def purge_expired(*, session: Session, now: datetime, settings: dict[str, Any]) -> PurgeResult:
    """Remove records older than the retention and bookkeeping older than its window."""
    result = PurgeResult()
    keep_from = cutoff(today_bangkok(now), retention_years(settings))
    old = select(Registration.id).join(Course, Course.id == Registration.course_id).where(or_(
        Course.end_date < keep_from,
        Registration.status.in_((RegStatus.CANCELLED, RegStatus.REJECTED))
        & (Registration.created_at < _instant(keep_from)),
    ))
    reg_ids = list(session.scalars(old))
    result.files = list(session.scalars(select(ReportAttachment.stored_name)
                                        .where(ReportAttachment.registration_id.in_(reg_ids)))) if reg_ids else []
    result.files += certificate_files(session, reg_ids)  # their rows go with the walk below, the files here
    trash(session=session, names=result.files)
    result.counts["files"] = len(result.files)
    result.counts["registrations"] = delete_with_dependents(session, Registration.__table__, reg_ids)
    result.counts["audit"] = _count(session, delete(AuditLog).where(AuditLog.at < _instant(keep_from)))
    result.counts["people"] = _erase_leavers(session, now, keep_from)
    result.counts.update(prune_bookkeeping(session=session, now=now))
    return result


def _instant(day: date) -> datetime:
    from thai.dates import BANGKOK

    return datetime(day.year, day.month, day.day, tzinfo=BANGKOK)


def _count(session: Session, stmt: Any) -> int:
    return int(session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0)


def _erase_leavers(session: Session, now: datetime, keep_from: date) -> int:
    """Erase people who left, were added before the cut-off and have no request left."""
    leavers = session.scalars(select(Staff).where(
        Staff.active.is_(False), Staff.created_at < _instant(keep_from),
        ~exists().where(Registration.staff_id == Staff.id),
        ~exists().where(Erasure.staff_id == Staff.id),
    ))
    erased = 0
    for person in list(leavers):
        try:
            erase_staff(session=session, staff=person, via="retention", now=now)
        except PrivacyError:
            continue  # others' requests still wait on them: HR reassigns those first
        erased += 1
    return erased


def prune_bookkeeping(*, session: Session, now: datetime) -> dict[str, int]:
    """Remove bookkeeping rows older than their window; return how many per kind."""
    w = {name: now - window for name, window in BOOKKEEPING.items()}
    return {
        # Handled events are kept a week as the list of ids a redelivery is checked against.
        "inbound_events": _count(session, delete(InboundEvent).where(
            InboundEvent.done_at.is_not(None), InboundEvent.received_at < w["inbound_events"])),
        "link_attempts": _count(session, delete(LinkAttempt).where(LinkAttempt.at < w["link_attempts"])),
        "link_codes": _count(session, delete(LinkCode).where(
            or_(LinkCode.used_at < w["link_codes"], LinkCode.expires_at < w["link_codes"]))),
        "conversations": _count(session, delete(Conversation).where(Conversation.expires_at < w["conversations"])),
        "outbox": _count(session, delete(OutboxMessage).where(
            OutboxMessage.status.in_((SENT, FAILED)), OutboxMessage.created_at < w["outbox"])),
    }


def delete_with_dependents(session: Session, table: Table, ids: list[Any]) -> int:
    """Delete rows by primary key and, first, every row that refers to them (any feature's table)."""
    if not ids:
        return 0
    pk = next(iter(table.primary_key.columns))
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or child is table:
                continue
            child_pks = list(child.primary_key.columns)
            if len(child_pks) == 1:
                child_ids = list(session.scalars(select(child_pks[0]).where(fk.parent.in_(ids))))
                delete_with_dependents(session, child, child_ids)
            else:
                session.execute(delete(child).where(fk.parent.in_(ids)))
    total = 0
    for start in range(0, len(ids), 500):
        total += _count(session, delete(table).where(pk.in_(ids[start:start + 500])))
    return total
