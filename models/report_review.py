"""Reviewing a submitted report: who reviews it (the supervisor, HR standing in), รับทราบ, ขอให้แก้ไข.

State changes are conditional updates, so two reviewers at once or a double tap change a report once.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.audit import audit
from models.org import ROLE_HR, Staff
from models.registration import Registration
from models.report import Report, ReportStatus


class ReviewResult(enum.Enum):
    """How a supervisor's tap on a report card ended."""

    DONE = "done"
    STALE = "stale"  # an older revision, or someone already decided
    NOT_ALLOWED = "not_allowed"  # this person does not review this report


def reviewer_of(registration: Registration) -> Staff | None:
    """Return the person who reviews the report: the direct supervisor (None means HR)."""
    boss = registration.staff.supervisor
    return boss if boss is not None and boss.active else None


def hr_reviews(registration: Registration) -> bool:
    """Tell whether HR reviews: no active supervisor, or one who cannot receive the card in LINE."""
    boss = reviewer_of(registration)
    return boss is None or not boss.can_receive


def may_review(staff: Staff | None, report: Report) -> bool:
    """Tell whether this person reviews this report (the supervisor; HR when the card cannot reach one)."""
    if staff is None or not staff.active or staff.id == report.registration.staff_id:
        return False
    boss = reviewer_of(report.registration)
    if boss is not None and staff.id == boss.id:
        return True
    return hr_reviews(report.registration) and staff.has_role(ROLE_HR)


def _review(
    *, session: Session, report: Report, reviewer: Staff, revision: int, now: datetime,
    status: ReportStatus, reason: str | None,
) -> ReviewResult:
    if not may_review(reviewer, report):
        return ReviewResult.NOT_ALLOWED
    result = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == ReportStatus.SUBMITTED, Report.revision == revision)
        .values(status=status, reviewed_by_id=reviewer.id, reviewed_at=now, review_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return ReviewResult.STALE
    session.refresh(report)
    detail: dict[str, Any] = {"revision": revision}
    if reason:
        detail["reason"] = reason
    audit(session=session, action=f"report.{status.value}", subject_type="report", subject_id=report.id,
          actor_id=reviewer.id, **detail)
    return ReviewResult.DONE


def acknowledge(*, session: Session, report: Report, reviewer: Staff, revision: int, now: datetime) -> ReviewResult:
    """Acknowledge (รับทราบ) the current revision of a submitted report."""
    return _review(session=session, report=report, reviewer=reviewer, revision=revision, now=now,
                   status=ReportStatus.ACKNOWLEDGED, reason=None)


def request_revision(
    *, session: Session, report: Report, reviewer: Staff, revision: int, reason: str, now: datetime
) -> ReviewResult:
    """Send the current revision back to its author with a reason (ขอให้แก้ไข)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    return _review(session=session, report=report, reviewer=reviewer, revision=revision, now=now,
                   status=ReportStatus.REVISION_REQUESTED, reason=reason)


def review_is_current(report: Report, revision: int) -> bool:
    """Tell whether a card for this revision can still be decided."""
    return report.status == ReportStatus.SUBMITTED and report.revision == revision
