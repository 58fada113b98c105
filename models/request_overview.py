"""Overseeing approvals from the console: every waiting step, and one request's whole story."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.audit import AuditLog, trail_of
from models.approval import waiting_steps
from models.delegation import acting_approver
from models.org import Staff
from models.registration import ApprovalStep, Registration
from models.report import Report


@dataclass(frozen=True)
class Waiting:
    """A step waiting for a decision: whose it is, who acts on it today, since when."""

    registration: Registration
    step: ApprovalStep
    approver: Staff
    acting: Staff  # the approver, or their stand-in today
    since: datetime


def waiting_overview(*, session: Session, today: date) -> list[Waiting]:
    """Return every step that can still be decided (the waiting rule, course not started), by approver,
    oldest first, with who acts on it today."""
    acting = aliased(Staff)
    approver = aliased(Staff)
    rows = session.execute(
        waiting_steps(today=today)
        .add_columns(acting)
        .join(approver, approver.id == ApprovalStep.approver_id)
        .join(acting, acting.id == acting_approver(ApprovalStep.approver_id, today))
        .order_by(approver.first_name, approver.last_name, approver.id, ApprovalStep.reached_at, ApprovalStep.id)
    ).unique().all()
    return [Waiting(step.registration, step, step.approver, person,
                    step.reached_at or step.registration.created_at) for step, person in rows]


def request_trail(*, session: Session, registration_id: int) -> list[AuditLog]:
    """Return the full audit trail of one request: the request itself and its report, oldest first."""
    subjects: list[tuple[str, int]] = [("registration", registration_id)]
    report_id = session.scalar(select(Report.id).where(Report.registration_id == registration_id))
    if report_id is not None:
        subjects.append(("report", report_id))
    return trail_of(session=session, subjects=subjects)
