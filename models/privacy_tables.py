"""Personal data in the feature tables (attendance, stand-ins): its copy and its erasure.

Kept apart from models.privacy so each feature's rows have one place; PERSONAL and NOT_PERSONAL
list every table that points at a person, and a test fails when a new one is in neither.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models.attendance.tables import AttendanceRecord, Certificate, Checkin, EvaluationResponse, QuizAnswer
from models.delegation import Delegation

# Tables with a foreign key to staff or registrations, and where their rows go in a copy.
PERSONAL = {
    "registrations": "registrations", "approval_steps": "registrations[].approvals / decisions_made",
    "reports": "registrations[].report", "report_attachments": "registrations[].report.files",
    "audit_log": "audit_trail", "checkins": "registrations[].checkins",
    "attendance_records": "registrations[].attendance_recorded_by",
    "quiz_answers": "registrations[].quiz", "evaluation_responses": "registrations[].evaluation",
    "evaluation_ratings": "registrations[].evaluation.ratings", "certificates": "registrations[].certificate",
    "delegations": "stand_ins", "link_codes": "(one-time codes; erased, not copied)",
    "admin_users": "console_accounts", "erasures": "(written by the erasure itself)",
    "staff": "staff.supervisor",
}
# Pointing at a person only as the one who did an office task (who set a plan amendment): the
# row is the organisation's record, not the person's; the person's own trail is the audit log.
NOT_PERSONAL = {"plan_amendments": "actor_id: who amended the plan (HR's record)"}


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def attendance_of(session: Session, reg_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return per registration its check-ins, quiz answers and scores, evaluation and certificate."""
    out: dict[int, dict[str, Any]] = {rid: {"checkins": [], "attendance_recorded_by": None, "quiz": {},
                                            "evaluation": None, "certificate": None} for rid in reg_ids}
    if not reg_ids:
        return out
    for c in session.scalars(select(Checkin).where(Checkin.registration_id.in_(reg_ids)).order_by(Checkin.day)):
        out[c.registration_id]["checkins"].append({"day": _when(c.day), "at": _when(c.at)})
    for rec in session.scalars(select(AttendanceRecord).where(AttendanceRecord.registration_id.in_(reg_ids))):
        out[rec.registration_id]["attendance_recorded_by"] = {"present": rec.present, "source": rec.source,
                                                              "at": _when(rec.recorded_at)}
    for a in session.scalars(select(QuizAnswer).where(QuizAnswer.registration_id.in_(reg_ids))
                             .order_by(QuizAnswer.id)):
        phase = out[a.registration_id]["quiz"].setdefault(a.phase, {"answers": [], "correct": 0, "answered": 0})
        phase["answers"].append({"question_id": a.question_id, "choice": a.choice, "correct": a.correct,
                                 "at": _when(a.answered_at)})
        phase["answered"] += 1
        phase["correct"] += int(a.correct)
    for e in session.scalars(select(EvaluationResponse).where(EvaluationResponse.registration_id.in_(reg_ids))):
        out[e.registration_id]["evaluation"] = {
            "sent_at": _when(e.sent_at), "completed_at": _when(e.completed_at), "comment": e.comment,
            "ratings": [{"question": _question(e.questions, r.position), "rating": r.rating} for r in e.ratings]}
    for cert in session.scalars(select(Certificate).where(Certificate.registration_id.in_(reg_ids))):
        out[cert.registration_id]["certificate"] = {"source": cert.source, "file": cert.stored_name,
                                                    "type": cert.content_type, "at": _when(cert.created_at)}
    return out


def _question(questions: list[Any], position: int) -> Any:
    return questions[position] if 0 <= position < len(questions or []) else position


def stand_ins_of(session: Session, staff_id: int) -> list[dict[str, Any]]:
    """Return the stand-in periods naming a person, as approver or as stand-in."""
    rows = session.scalars(select(Delegation).where(
        or_(Delegation.approver_id == staff_id, Delegation.stand_in_id == staff_id)).order_by(Delegation.id))
    return [{"role": "approver" if d.approver_id == staff_id else "stand_in",
             "other": (d.stand_in if d.approver_id == staff_id else d.approver).name,
             "starts_on": _when(d.starts_on), "ends_on": _when(d.ends_on), "reason": d.reason,
             "revoked_at": _when(d.revoked_at)} for d in rows]


def erase_feature_rows(session: Session, staff_id: int, reg_ids: list[int], now: datetime) -> tuple[dict[str, int], list[str]]:
    """Empty the person's evaluation comments, drop certificates (files returned), end stand-ins."""
    counts: dict[str, int] = {}
    files: list[str] = []
    if reg_ids:
        # Ratings and attendance stay, unattributed once the staff row is a placeholder.
        counts["comments"] = int(session.execute(
            update(EvaluationResponse).where(EvaluationResponse.registration_id.in_(reg_ids),
                                             EvaluationResponse.comment.is_not(None))
            .values(comment=None).execution_options(synchronize_session=False)).rowcount or 0)
        certs = list(session.scalars(select(Certificate).where(Certificate.registration_id.in_(reg_ids))))
        files = [c.stored_name for c in certs]
        for cert in certs:
            session.delete(cert)
        counts["certificates"] = len(certs)
    # Nothing may route approvals to or through an erased person: their periods end now.
    naming = or_(Delegation.approver_id == staff_id, Delegation.stand_in_id == staff_id)
    counts["stand_ins"] = int(session.execute(
        update(Delegation).where(naming, Delegation.revoked_at.is_(None)).values(revoked_at=now)
        .execution_options(synchronize_session=False)).rowcount or 0)
    session.execute(update(Delegation).where(naming).values(reason="", created_by="")
                    .execution_options(synchronize_session=False))
    return counts, files


def certificate_files(session: Session, reg_ids: list[int]) -> list[str]:
    """Return the stored names of the certificates of some registrations (retention trashes them)."""
    if not reg_ids:
        return []
    return list(session.scalars(select(Certificate.stored_name).where(Certificate.registration_id.in_(reg_ids))))

