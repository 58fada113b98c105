"""Post-training reports: who owes one (the rule, for one person and for everyone), submitting, not attending, history.

Domain operations only (no Flask, no LINE); the caller owns the session (review: models.report_review). State changes are
conditional updates, so a double tap or two reviewers at once change a record once.
"""
from __future__ import annotations

import enum
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from models.audit import audit
from models.course import Course
from models.org import Staff, Unit
from models.registration import Attendance, Registration, RegStatus, report_due
from models.report import EXPENSE_FIELDS, ZERO, Report, ReportAttachment, ReportDraft, ReportStatus
from thai.names import full_name

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Content types we keep, with the file extension they are stored under.
IMAGE_TYPES = {"image/jpeg": ".jpg", "image/jpg": ".jpg", "image/png": ".png", "image/gif": ".gif",
               "image/webp": ".webp"}




class ReportState(enum.StrEnum):
    """Where a registration stands as to its report (for history and follow-ups)."""

    NONE = "none"  # no report expected: not approved, or the course has not ended yet
    OWED = "owed"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    REVISION_REQUESTED = "revision_requested"
    NOT_ATTENDED = "not_attended"


class ReportError(ValueError):
    """A report cannot be submitted now (already sent, not owed)."""


# --- who owes what ----------------------------------------------------------------------------


def due_date(reg: Registration, settings: dict[str, Any]) -> date:
    """Return the day the report of one registration is due (models.registration.report_due)."""
    return report_due(reg.report_due_on, reg.course.end_date, settings)


def report_of(*, session: Session, registration_id: int) -> Report | None:
    """Return the report of a registration, if one was submitted."""
    return session.scalar(select(Report).where(Report.registration_id == registration_id))


def owes_report(today: date) -> ColumnElement[bool]:
    """SQL condition on a select of Registration joined to Course: a report (or its revision) is owed today.

    The one rule of "owed": approved, the course ended before today, attendance not "not
    attended", and no report that is submitted or acknowledged (a revision request makes it
    owed again). The chat (one person) and the clock (everyone) both filter with it.
    """
    settled = (select(Report.id)
               .where(Report.registration_id == Registration.id,
                      Report.status.in_([ReportStatus.SUBMITTED, ReportStatus.ACKNOWLEDGED]))
               .correlate_except(Report).exists())
    return and_(Registration.status == RegStatus.APPROVED, Registration.attendance != Attendance.NOT_ATTENDED,
                Course.end_date < today, ~settled)


def owed_reports(*, session: Session, staff: Staff, today: date) -> list[Registration]:
    """Return the approved, ended registrations that await a report (or its revision), oldest first."""
    stmt = (
        select(Registration)
        .join(Course, Course.id == Registration.course_id)
        .where(Registration.staff_id == staff.id, owes_report(today))
        .order_by(Course.end_date, Registration.id)
    )
    return list(session.scalars(stmt).unique())


def is_owed(*, session: Session, registration: Registration, today: date) -> bool:
    """Tell whether this registration awaits a report (or its revision) now."""
    stmt = (select(Registration.id).join(Course, Course.id == Registration.course_id)
            .where(Registration.id == registration.id, owes_report(today)))
    return session.scalar(stmt) is not None


@dataclass(frozen=True)
class OwedRow:
    """One owed report with what the reminders need about its owner and their supervisor."""

    registration_id: int
    staff_id: int
    name: str
    unit: str | None
    line_user_id: str | None  # None when the owner cannot receive a push
    supervisor_id: int | None
    supervisor_line_user_id: str | None  # None when the supervisor cannot receive a push
    course_title: str
    due: date
    overdue_days: int


def owed_reports_all(*, session: Session, today: date, settings: dict[str, Any]) -> list[OwedRow]:
    """Return every owed report (owes_report) of every active staff member in one query, by staff then due date."""
    supervisor = aliased(Staff)
    stmt = (
        select(
            Registration.id, Registration.staff_id, Registration.report_due_on, Course.title, Course.end_date,
            Staff.title, Staff.first_name, Staff.last_name, Staff.line_user_id, Staff.can_receive, Unit.name,
            supervisor.id, supervisor.line_user_id, supervisor.can_receive,
        )
        .join(Course, Course.id == Registration.course_id)
        .join(Staff, Staff.id == Registration.staff_id)
        .outerjoin(Unit, Unit.id == Staff.unit_id)
        .outerjoin(supervisor, supervisor.id == Staff.supervisor_id)
        .where(owes_report(today), Staff.active.is_(True))
        .order_by(Registration.staff_id, Registration.id)
    )
    rows = []
    for (reg_id, staff_id, due_on, course_title, end_date, title, first, last, line_id, reaches, unit,
         sup_id, sup_line, sup_reaches) in session.execute(stmt):
        due = report_due(due_on, end_date, settings)
        rows.append(OwedRow(
            registration_id=reg_id, staff_id=staff_id, name=full_name(title, first, last), unit=unit,
            line_user_id=line_id if reaches else None,
            supervisor_id=sup_id, supervisor_line_user_id=sup_line if sup_reaches else None,
            course_title=course_title, due=due, overdue_days=(today - due).days,
        ))
    rows.sort(key=lambda r: (r.staff_id, r.due, r.registration_id))
    return rows


def report_state(reg: Registration, report: Report | None, *, today: date, settings: dict[str, Any]) -> ReportState:
    """Return where a registration stands as to its report."""
    if reg.attendance == Attendance.NOT_ATTENDED:
        return ReportState.NOT_ATTENDED
    if report is not None:
        return ReportState(report.status)
    if reg.status != RegStatus.APPROVED or reg.course.end_date >= today:
        return ReportState.NONE
    return ReportState.OVERDUE if today > due_date(reg, settings) else ReportState.OWED


# --- not attended -----------------------------------------------------------------------------


def mark_not_attended(
    *, session: Session, registration: Registration, reason: str, now: datetime, upload_dir: str | None = None
) -> bool:
    """Record that the person did not attend (no report owed); False if that changed nothing.

    Only while attendance is unknown and no report exists: a report always wins.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    # One conditional statement decides: a ยืนยัน racing this tap either stored its report (or
    # claimed attendance) first, and this changes nothing, or it finds "not attended" and fails.
    has_report = select(Report.id).where(Report.registration_id == registration.id).exists()
    result = session.execute(
        update(Registration)
        .where(
            Registration.id == registration.id,
            Registration.status == RegStatus.APPROVED,
            Registration.attendance == Attendance.UNKNOWN,
            ~has_report,
        )
        .values(attendance=Attendance.NOT_ATTENDED, not_attended_reason=reason, report_due_on=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.refresh(registration)
    discard_pending_attachments(session=session, registration_id=registration.id, upload_dir=upload_dir)
    audit(session=session, action="report.not_attended", subject_type="registration",
          subject_id=registration.id, actor_id=registration.staff_id, reason=reason)
    return True


# --- attachments ------------------------------------------------------------------------------


def attachment_count(*, session: Session, registration_id: int) -> int:
    """Return how many images the report of a registration holds (sent and pending)."""
    rows = session.scalars(select(ReportAttachment.id).where(ReportAttachment.registration_id == registration_id))
    return len(list(rows))


def store_attachment(
    *, session: Session, registration: Registration, data: bytes, content_type: str, upload_dir: str, now: datetime
) -> ReportAttachment:
    """Save an image under a random name and record it as pending for this registration."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    extension = IMAGE_TYPES.get(content_type)
    if extension is None:
        raise ValueError("not an image type we keep")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError("image too large")
    os.makedirs(upload_dir, exist_ok=True)
    name = secrets.token_hex(16) + extension
    path = os.path.join(upload_dir, name)
    # O_EXCL: never overwrite, even on the (astronomically unlikely) clash of random names.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    row = ReportAttachment(
        registration_id=registration.id,
        # On a resubmission the report exists, but the image joins it only on ยืนยัน.
        report_id=None,
        stored_name=name,
        content_type="image/jpeg" if content_type == "image/jpg" else content_type,
        size=len(data),
        created_at=now,
    )
    session.add(row)
    session.flush()
    log.info("stored image %s for registration %s", row.id, registration.id)
    return row


def discard_pending_attachments(*, session: Session, registration_id: int, upload_dir: str | None) -> int:
    """Forget images of an unfinished wizard (and delete their files if upload_dir is given)."""
    rows = list(session.scalars(select(ReportAttachment).where(
        ReportAttachment.registration_id == registration_id, ReportAttachment.report_id.is_(None))))
    for row in rows:
        if upload_dir:
            try:
                os.remove(os.path.join(upload_dir, row.stored_name))
            except OSError:
                pass  # already gone: nothing to free
    if rows:
        session.execute(delete(ReportAttachment).where(ReportAttachment.id.in_([r.id for r in rows]))
                        .execution_options(synchronize_session=False))
    return len(rows)


# --- submitting -------------------------------------------------------------------------------


def _apply(report: Report, draft: ReportDraft) -> None:
    report.learned = draft.learned.strip()
    report.application = draft.application.strip()
    items = {k: ZERO for k in EXPENSE_FIELDS} if draft.total_only else draft.expenses
    report.expense_registration = items.get("registration", ZERO)
    report.expense_travel = items.get("travel", ZERO)
    report.expense_accommodation = items.get("accommodation", ZERO)
    report.expense_per_diem = items.get("per_diem", ZERO)
    report.expense_total = draft.expense_total


def _first_report(session: Session, registration: Registration, draft: ReportDraft, now: datetime) -> Report:
    report = Report(registration_id=registration.id, status=ReportStatus.SUBMITTED, revision=1, submitted_at=now)
    _apply(report, draft)
    try:
        # A savepoint: a second ยืนยัน racing this one hits the unique key, not the whole event.
        with session.begin_nested():
            session.add(report)
    except IntegrityError:
        raise ReportError("the report was submitted already") from None
    return report


def _resubmit(session: Session, report: Report, draft: ReportDraft, now: datetime) -> None:
    # Only from revision_requested, once (a double tap finds it submitted).
    result = session.execute(
        update(Report)
        .where(Report.id == report.id, Report.status == ReportStatus.REVISION_REQUESTED)
        .values(status=ReportStatus.SUBMITTED, revision=Report.revision + 1, submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ReportError("the report is not awaiting a revision")
    session.refresh(report)
    _apply(report, draft)


def submit_report(*, session: Session, registration: Registration, draft: ReportDraft, now: datetime) -> Report:
    """Store the report (or its new revision after a revision request) and attach the wizard's images.

    Raises ReportError when there is nothing to submit: already submitted or acknowledged,
    not approved, or marked not attended.
    """
    if not draft.learned.strip():
        raise ValueError("the report says nothing learned")
    # Claim attendance first, conditionally (never trust the loaded object: a racing
    # "not attended" may have committed since). On PostgreSQL this also locks the row, so a
    # racing mark_not_attended waits and then finds attendance no longer unknown.
    claimed = session.execute(
        update(Registration)
        .where(
            Registration.id == registration.id,
            Registration.status == RegStatus.APPROVED,
            Registration.attendance != Attendance.NOT_ATTENDED,
        )
        .values(attendance=Attendance.ATTENDED)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.refresh(registration)
        raise ReportError("no report is owed for this registration")
    set_committed_value(registration, "attendance", Attendance.ATTENDED)
    report = report_of(session=session, registration_id=registration.id)
    if report is None:
        report, action = _first_report(session, registration, draft, now), "report.submitted"
    else:
        _resubmit(session, report, draft, now)
        action = "report.resubmitted"
    session.execute(
        update(ReportAttachment)
        .where(ReportAttachment.registration_id == registration.id, ReportAttachment.report_id.is_(None))
        .values(report_id=report.id)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(report)
    audit(session=session, action=action, subject_type="report", subject_id=report.id,
          actor_id=registration.staff_id, registration_id=registration.id, revision=report.revision)
    return report


# --- history ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryItem:
    """One course in a person's training history."""

    registration: Registration
    report: Report | None
    state: ReportState


def training_history(*, session: Session, staff: Staff, today: date, settings: dict[str, Any]) -> dict[int, list[HistoryItem]]:
    """Return the training a person has had, per BE fiscal year, newest year first, courses by start date.

    Only training that took place and was attended counts: not a cancelled, pending or rejected
    request, not a course still to come, and not one the person said they did not attend.
    """
    regs = list(session.scalars(select(Registration).join(Course, Course.id == Registration.course_id).where(
        Registration.staff_id == staff.id, Registration.status == RegStatus.APPROVED,
        Registration.attendance != Attendance.NOT_ATTENDED, Course.end_date < today)).unique())
    reports = {
        r.registration_id: r
        for r in session.scalars(select(Report).where(Report.registration_id.in_([g.id for g in regs]))).unique()
    } if regs else {}
    years: dict[int, list[HistoryItem]] = {}
    for reg in sorted(regs, key=lambda g: (g.course.start_date, g.id), reverse=True):
        report = reports.get(reg.id)
        item = HistoryItem(reg, report, report_state(reg, report, today=today, settings=settings))
        years.setdefault(reg.course.fiscal_year, []).append(item)
    return dict(sorted(years.items(), reverse=True))
