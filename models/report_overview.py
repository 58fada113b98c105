"""Reports as HR oversees them: submitted reports and their files, and a reminder sent now."""
from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import audit
from models.org import Staff
from models.outbox import enqueue_push
from models.report import Report, ReportAttachment, ReportStatus

# What store_attachment names files: 32 hex digits and a known extension. Anything else in the
# table is never turned into a path.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|gif|webp)")
SHOWN = (ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED, ReportStatus.REVISION_REQUESTED)


def submitted_reports(*, session: Session, status: str | None = None, limit: int = 200) -> list[Report]:
    """Return submitted reports (all states, or one), newest first, with their attachments."""
    stmt = select(Report).order_by(Report.submitted_at.desc(), Report.id.desc()).limit(limit)
    if status in {s.value for s in SHOWN}:
        stmt = stmt.where(Report.status == status)
    return list(session.scalars(stmt).unique())


@dataclass(frozen=True)
class StoredFile:
    """Where an attachment's bytes are, and what they are."""

    path: str
    content_type: str


def attachment_file(*, session: Session, attachment_id: int, upload_dir: str) -> StoredFile | None:
    """Return the file of an attachment that belongs to a submitted report, or None.

    The path is built only from a stored name of the shape store_attachment gives, inside
    upload_dir: no request value ever becomes part of a path.
    """
    row = session.get(ReportAttachment, attachment_id)
    if row is None or row.report_id is None or not STORED_NAME.fullmatch(row.stored_name):
        return None
    path = os.path.join(os.path.realpath(upload_dir), row.stored_name)
    if not os.path.isfile(path):
        return None
    return StoredFile(path, row.content_type)


class Reminded(enum.Enum):
    """How a ส่งเตือน press ended."""

    QUEUED = "queued"
    ALREADY_TODAY = "already_today"  # one a day per person
    UNREACHABLE = "unreachable"  # not linked, blocked the bot, or left


def owed_reminder_key(staff_id: int, today: date) -> str:
    """Return the outbox dedup key of HR's reminder to one person on one day."""
    return f"remind:owed:{staff_id}:{today.isoformat()}"


def remind_now(*, session: Session, staff: Staff, today: date, messages: list[dict[str, Any]], by: str,
               actor_id: int | None = None, admin_id: int | None = None) -> Reminded:
    """Queue one reminder of owed reports to a person now, at most one a day (a dedup key per day)."""
    if not staff.can_receive or staff.line_user_id is None:
        return Reminded.UNREACHABLE
    row = enqueue_push(session=session, to=staff.line_user_id, messages=messages,
                       dedup_key=owed_reminder_key(staff.id, today))
    if row is None:
        return Reminded.ALREADY_TODAY
    audit(session=session, action="report.reminded", subject_type="staff", subject_id=staff.id,
          actor_id=actor_id, admin_id=admin_id, by=by)
    return Reminded.QUEUED
