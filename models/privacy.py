"""Personal data (Thailand's PDPA): what is kept about a person, a copy of it, and erasure.

Erasure keeps the numbers the organisation reports by fiscal year (requests, attendance, money
spent, per course, unit and staff type) and removes what identifies the person: the staff row
becomes an anonymous placeholder (no name, no employee id, no LINE id), every free text they
wrote or that was written about them is emptied, their uploaded files, chat state, link codes and
queued messages go. An `erasures` row and the audit trail say when and by whom.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.admin import AdminUser
from models.audit import AuditLog, audit
from models.base import Base, utcnow
from models.conversation import Conversation
from models.events import InboundEvent
from models.linking import LinkAttempt, LinkCode
from models.org import Staff
from models.outbox import OutboxMessage
from models.registration import ApprovalStep, Registration
from models.privacy_tables import attendance_of, erase_feature_rows, stand_ins_of
from models.report import Report, ReportAttachment

ERASED_NAME = "ข้อมูลถูกลบ"


class Erasure(Base):
    """A person erased on request: the placeholder row left for the counts, when and by whom."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(20), default="cli")  # cli, console


class UploadTrash(Base):
    """An upload whose record is gone, to delete from UPLOAD_DIR by whoever knows that folder.

    Written in the transaction that removed the record, so a rollback keeps the file and a crash
    after commit leaves the name here for the next run (the CLI, the console, the clock).
    """

    __tablename__ = "upload_trash"

    stored_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


def trash(*, session: Session, names: list[str]) -> None:
    """Queue uploads for deletion once this transaction commits."""
    known = set(session.scalars(select(UploadTrash.stored_name).where(UploadTrash.stored_name.in_(names))))
    session.add_all(UploadTrash(stored_name=n) for n in dict.fromkeys(names) if n not in known)


def empty_trash(*, session: Session, upload_dir: str) -> int:
    """Delete the queued uploads from upload_dir and forget them; return how many files were there."""
    rows = list(session.scalars(select(UploadTrash)))
    removed = remove_files(upload_dir, [row.stored_name for row in rows])
    for row in rows:
        session.delete(row)
    return removed


class PrivacyError(Exception):
    """A request that cannot be carried out; str() is one Thai sentence."""


def find_staff(*, session: Session, employee_id: str) -> Staff:
    """Return the staff member with an employee id (erased people are not found)."""
    person = session.scalar(select(Staff).where(Staff.employee_id == employee_id.strip()))
    if person is None or is_erased(session=session, staff_id=person.id):
        raise PrivacyError(f"ไม่พบบุคลากรรหัส {employee_id.strip()}")
    return person


def is_erased(*, session: Session, staff_id: int) -> bool:
    """Tell whether a staff row is the placeholder of an erased person."""
    return session.scalar(select(Erasure.id).where(Erasure.staff_id == staff_id)) is not None


# --- what is kept -------------------------------------------------------------------------------


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Any) -> str:
    return str(value) if value is not None else "0"


def export_staff_data(*, session: Session, staff: Staff) -> dict[str, Any]:
    """Return everything kept about a person, as JSON-ready data (a copy for the person)."""
    regs = list(session.scalars(select(Registration).where(Registration.staff_id == staff.id)
                                .order_by(Registration.id)))
    reports = {r.registration_id: r for r in session.scalars(
        select(Report).where(Report.registration_id.in_([r.id for r in regs])))} if regs else {}
    decided = session.scalars(select(ApprovalStep).where(ApprovalStep.approver_id == staff.id)
                              .order_by(ApprovalStep.id))
    line_id = staff.line_user_id
    features = attendance_of(session, [r.id for r in regs])
    accounts = list(session.scalars(select(AdminUser).where(AdminUser.staff_id == staff.id).order_by(AdminUser.id)))
    account_ids = [a.id for a in accounts]
    audit_rows = session.scalars(select(AuditLog).where(or_(
        AuditLog.actor_id == staff.id, AuditLog.admin_id.in_(account_ids),
        (AuditLog.subject_type == "staff") & (AuditLog.subject_id == staff.id))).order_by(AuditLog.id))
    return {
        "staff": {
            "employee_id": staff.employee_id, "title": staff.title, "first_name": staff.first_name,
            "last_name": staff.last_name, "position": staff.position,
            "staff_type": staff.staff_type.name if staff.staff_type else None,
            "unit": staff.unit.name if staff.unit else None,
            "supervisor": staff.supervisor.name if staff.supervisor else None,
            "roles": list(staff.roles or []), "active": staff.active, "created_at": _when(staff.created_at),
        },
        "line": {
            "linked": line_id is not None, "line_user_id": line_id, "linked_at": _when(staff.line_linked_at),
            "reachable": staff.reachable, "course_announcements": staff.announcements,
        },
        "registrations": [_registration(r, reports.get(r.id)) | features[r.id] for r in regs],
        "decisions_made": [
            {"registration_id": s.registration_id, "step": s.step, "decision": s.decision,
             "reason": s.reason, "decided_at": _when(s.decided_at)} for s in decided
        ],
        "stand_ins": stand_ins_of(session, staff.id),
        "console_accounts": [{"username": a.username, "role": a.role, "active": a.active} for a in accounts],
        "chat_in_progress": _conversation(session, line_id),
        "messages_waiting": _waiting(session, line_id),
        "audit_trail": [
            {"at": _when(a.at), "action": a.action, "by_self": a.actor_id == staff.id or a.admin_id in account_ids}
            for a in audit_rows
        ],
    }


def _registration(reg: Registration, report: Report | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": reg.id, "course": reg.course.title, "course_code": reg.course.code,
        "course_start": _when(reg.course.start_date), "status": reg.status, "reason": reg.reason,
        "requested_at": _when(reg.created_at), "decided_at": _when(reg.decided_at),
        "attendance": reg.attendance, "not_attended_reason": reg.not_attended_reason,
        "report_due_on": _when(reg.report_due_on),
        "approvals": [{"step": s.step, "approver": s.approver.name, "decision": s.decision, "reason": s.reason}
                      for s in reg.steps],
        "report": None,
    }
    if report is not None:
        item["report"] = {
            "status": report.status, "submitted_at": _when(report.submitted_at), "learned": report.learned,
            "application": report.application, "expense_total": _money(report.expense_total),
            "review_reason": report.review_reason,
            "files": [{"name": a.stored_name, "type": a.content_type, "size": a.size} for a in report.attachments],
        }
    return item


def _conversation(session: Session, line_id: str | None) -> dict[str, Any] | None:
    conv = session.get(Conversation, line_id) if line_id else None
    return None if conv is None else {"flow": conv.flow, "step": conv.step, "expires_at": _when(conv.expires_at)}


def _waiting(session: Session, line_id: str | None) -> int:
    if not line_id:
        return 0
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending"))))
    return sum(1 for row in rows if line_id in (row.recipients or []))


# --- erasure ------------------------------------------------------------------------------------


@dataclass
class ErasureResult:
    """What an erasure removed; `files` went to the upload trash (empty_trash deletes them)."""

    staff_id: int
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def erase_staff(*, session: Session, staff: Staff, actor_id: int | None = None, via: str = "cli",
                now: datetime | None = None, admin_id: int | None = None) -> ErasureResult:
    """Erase a person: identity, LINE id, free texts, files, chat state; keep anonymous counts."""
    from models.staff import deactivate_staff, decisions_waiting_on

    now = now or utcnow()
    if is_erased(session=session, staff_id=staff.id):
        raise PrivacyError("บุคลากรนี้ถูกลบข้อมูลไปแล้ว")
    waiting = decisions_waiting_on(session=session, staff=staff)
    if waiting:
        raise PrivacyError(T.WAITING.format(n=waiting))
    # Leaving first: open requests are withdrawn and the approvers holding them are told.
    deactivate_staff(session=session, staff_id=staff.id, now=now, admin_id=admin_id, actor_id=actor_id)
    result = ErasureResult(staff_id=staff.id)
    line_id = staff.line_user_id
    reg_ids = list(session.scalars(select(Registration.id).where(Registration.staff_id == staff.id)))
    attachments = list(session.scalars(select(ReportAttachment).where(ReportAttachment.registration_id.in_(reg_ids))))
    feature_counts, cert_files = erase_feature_rows(session, staff.id, reg_ids, now)
    result.files = [a.stored_name for a in attachments] + cert_files
    trash(session=session, names=result.files)
    result.counts["files"] = len(attachments)
    for row in attachments:
        session.delete(row)
    if reg_ids:
        # Numbers stay (status, attendance, expenses); words about the person go.
        session.execute(update(Registration).where(Registration.id.in_(reg_ids))
                        .values(reason="", not_attended_reason=None))
        session.execute(update(Report).where(Report.registration_id.in_(reg_ids))
                        .values(learned="", application="", review_reason=None))
        session.execute(update(ApprovalStep).where(ApprovalStep.registration_id.in_(reg_ids)).values(reason=None))
    result.counts["registrations"] = len(reg_ids)
    result.counts.update(feature_counts)
    if line_id:
        result.counts["chat"] = _delete(session, delete(Conversation).where(Conversation.line_user_id == line_id))
        result.counts["link_attempts"] = _delete(session, delete(LinkAttempt).where(LinkAttempt.line_user_id == line_id))
        # Stored webhook events hold what the person typed until handled: none outlive the erasure.
        result.counts["inbound_events"] = _delete(session, delete(InboundEvent).where(
            InboundEvent.line_user_id == line_id))
        result.counts["messages"] = _forget_messages(session, line_id)
        session.execute(update(LinkCode).where(LinkCode.used_by_line_user == line_id).values(used_by_line_user=None))
    result.counts["link_codes"] = _delete(session, delete(LinkCode).where(LinkCode.staff_id == staff.id))
    # Nobody keeps this person as their supervisor: the chain is HR's to fix.
    session.execute(update(Staff).where(Staff.supervisor_id == staff.id).values(supervisor_id=None))
    staff.employee_id = f"erased-{staff.id}"
    staff.title, staff.first_name, staff.last_name, staff.position = "", ERASED_NAME, "", ""
    staff.line_user_id = staff.line_linked_at = staff.rich_menu_id = staff.supervisor_id = None
    staff.roles, staff.active, staff.reachable, staff.announcements = [], False, False, False
    session.add(Erasure(staff_id=staff.id, erased_at=now, actor_id=actor_id, via=via))
    audit(session=session, action="staff.erased", subject_type="staff", subject_id=staff.id, actor_id=actor_id,
          admin_id=admin_id, via=via, **result.counts)
    session.flush()
    return result


def _delete(session: Session, stmt: Any) -> int:
    return int(session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0)


def _forget_messages(session: Session, line_id: str) -> int:
    """Drop unsent messages to the person; sent ones lose their bodies and the LINE id."""
    forgotten = 0
    for row in session.scalars(select(OutboxMessage)):
        recipients = list(row.recipients or [])
        if line_id not in recipients:
            continue
        forgotten += 1
        others = [r for r in recipients if r != line_id]
        if not others and row.status in ("pending", "sending"):
            session.delete(row)
            continue
        row.recipients = others
        if not others:
            row.messages, row.reply_token, row.last_error = [], None, None
    return forgotten


def remove_files(upload_dir: str, names: list[str]) -> int:
    """Delete stored uploads by name; return how many were there."""
    removed = 0
    for name in names:
        if os.path.basename(name) != name:
            continue  # stored names are bare random names; anything else is not ours to delete
        try:
            os.remove(os.path.join(upload_dir, name))
            removed += 1
        except FileNotFoundError:
            pass
    return removed


# --- the readable summary -----------------------------------------------------------------------

HR_UNIT = "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)"


class T:
    """The Thai summary of what is kept and where it goes (chat, CLI and console say the same)."""

    HEAD = "ข้อมูลของ {name} ที่ระบบเก็บไว้"
    IDENTITY = "• รหัสบุคลากร {employee_id} ตำแหน่ง {position} สังกัด {unit} ประเภท {type}"
    SUPERVISOR = "• ผู้บังคับบัญชา: {name}"
    LINE_ON = "• ผูกบัญชี LINE แล้ว (เก็บรหัสผู้ใช้ LINE ไว้เพื่อส่งข้อความถึงท่าน) ข่าวหลักสูตร: {news}"
    LINE_OFF = "• ยังไม่ได้ผูกบัญชี LINE"
    REQUESTS = "• คำขออบรม {n} รายการ (เหตุผลที่ขอ ผลการพิจารณา การเข้าร่วม)"
    REPORTS = "• รายงานผลการอบรม {n} ฉบับ (สิ่งที่ได้เรียนรู้ การนำไปใช้ ค่าใช้จ่าย) ไฟล์แนบ {files} ไฟล์"
    DECISIONS = "• การพิจารณาคำขอของผู้อื่นที่ท่านทำ {n} ครั้ง"
    CHECKINS = "• การเช็กอินเข้าอบรม {n} ครั้ง"
    QUIZ = "• คำตอบแบบทดสอบก่อน/หลังอบรม {n} ข้อ (พร้อมคะแนน)"
    EVALUATIONS = "• แบบประเมินหลักสูตร {n} ฉบับ (คะแนนและความคิดเห็น)"
    CERTIFICATES = "• เกียรติบัตร {n} ฉบับ (ไฟล์)"
    STAND_INS = "• ช่วงเวลาการพิจารณาแทน (ผู้ปฏิบัติหน้าที่แทน) ที่ระบุชื่อท่าน {n} ช่วง"
    ACCOUNTS = "• บัญชีผู้ใช้หน้าจัดการ {n} บัญชี"
    AUDIT = "• บันทึกการใช้งาน {n} รายการ (ใคร ทำอะไร เมื่อใด ไม่เก็บข้อความแชต)"
    CHAT = "• ขั้นตอนที่ทำค้างในแชต: มี (ลบเองเมื่อครบ 24 ชั่วโมง)"
    WHERE = "ข้อมูลไปที่ใดบ้าง"
    WHERE_LINES = (
        "• เก็บในระบบของ{org} เพื่องานพัฒนาบุคลากรเท่านั้น",
        "• ผู้บังคับบัญชาตามลำดับขั้นเห็นคำขอและรายงานของท่าน {hr} เห็นทั้งหมด",
        "• ข้อความในแชตส่งผ่าน LINE (บริษัท LINE) ระบบไม่เก็บข้อความที่ท่านพิมพ์ นอกจากคำตอบในขั้นตอนที่ทำอยู่",
        "• เก็บไว้ {years} ปีตามระเบียบ แล้วลบอัตโนมัติ",
    )
    RIGHTS = "ขอสำเนาข้อมูลทั้งหมด ขอแก้ไข หรือขอให้ลบข้อมูล ติดต่อ {hr} ได้ค่ะ"
    WAITING = ("ยังมีคำขอของผู้อื่น {n} รายการรอการพิจารณาจากบุคคลนี้ "
               "กรุณาพิจารณาแทนหรือตั้งผู้บังคับบัญชาใหม่ก่อนลบข้อมูล ยังไม่ได้ลบข้อมูล")
    YES = "เปิด"
    NO = "ปิด"


def _feature_lines(data: dict[str, Any]) -> list[str]:
    """Return the summary lines of the attendance rows, stand-in periods and console accounts."""
    regs = data["registrations"]
    counts = [
        (T.CHECKINS, sum(len(r.get("checkins") or []) for r in regs)),
        (T.QUIZ, sum(p["answered"] for r in regs for p in (r.get("quiz") or {}).values())),
        (T.EVALUATIONS, sum(1 for r in regs if r.get("evaluation"))),
        (T.CERTIFICATES, sum(1 for r in regs if r.get("certificate"))),
        (T.STAND_INS, len(data.get("stand_ins") or [])),
        (T.ACCOUNTS, len(data.get("console_accounts") or [])),
    ]
    return [text.format(n=n) for text, n in counts if n]


def where_it_goes(settings: dict[str, Any]) -> list[str]:
    """Return where a person's data goes, one Thai line each."""
    org = settings.get("org_name", "")
    hr = settings.get("hr_unit_name", HR_UNIT)
    years = settings.get("retention_years", 5)
    return [line.format(org=org, hr=hr, years=years) for line in T.WHERE_LINES]


def describe(data: dict[str, Any], settings: dict[str, Any]) -> str:
    """Return the readable Thai summary of an export (what is kept, where it goes, whom to ask)."""
    person, line = data["staff"], data["line"]
    name = " ".join(p for p in (f"{person['title']}{person['first_name']}", person["last_name"]) if p)
    lines = [T.HEAD.format(name=name),
             T.IDENTITY.format(employee_id=person["employee_id"], position=person["position"] or "-",
                               unit=person["unit"] or "-", type=person["staff_type"] or "-")]
    if person["supervisor"]:
        lines.append(T.SUPERVISOR.format(name=person["supervisor"]))
    lines.append(T.LINE_ON.format(news=T.YES if line["course_announcements"] else T.NO)
                 if line["linked"] else T.LINE_OFF)
    regs = data["registrations"]
    reports = [r["report"] for r in regs if r["report"]]
    lines.append(T.REQUESTS.format(n=len(regs)))
    if reports:
        lines.append(T.REPORTS.format(n=len(reports), files=sum(len(r["files"]) for r in reports)))
    if data["decisions_made"]:
        lines.append(T.DECISIONS.format(n=len(data["decisions_made"])))
    lines += _feature_lines(data)
    lines.append(T.AUDIT.format(n=len(data["audit_trail"])))
    if data["chat_in_progress"]:
        lines.append(T.CHAT)
    lines += ["", T.WHERE, *where_it_goes(settings), "",
              T.RIGHTS.format(hr=settings.get("hr_unit_name", HR_UNIT))]
    return "\n".join(lines)
