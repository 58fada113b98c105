"""Following up one's own requests (คำขอของฉัน) and cancelling one before the course starts."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.kit.context import Ctx
from handlers.kit.messages import (
    GREY,
    RED,
    Message,
    bubble,
    button,
    carousel,
    clip,
    flex,
    message_action,
    postback_action,
    row,
    t,
    text,
)
from handlers.kit.postback import Action
from handlers.kit.router import Router
from models.approval import CancelRefused, cancel, check_cancellable
from models.registration import LIVE, Attendance, Registration, RegStatus, StepDecision, requests_of, status_text
from models.report import Report, ReportStatus
from thai.dates import format_date, format_date_range, format_datetime
from thai.nlu import Intent

router = Router("requests")

CAROUSEL_MAX = 12
HEADER = {
    RegStatus.PENDING: "#B7791F",
    RegStatus.APPROVED: "#0B6E4F",
    RegStatus.REJECTED: RED,
    RegStatus.CANCELLED: GREY,
}


class T:
    """What this feature says."""

    NONE = "ท่านยังไม่มีคำขอเข้ารับการอบรมค่ะ พิมพ์ \"อบรม\" เพื่อดูหลักสูตรที่เปิดรับสมัครค่ะ"
    INTRO = "คำขอของท่าน {count} รายการค่ะ"
    MORE = "แสดง {shown} รายการล่าสุดจากทั้งหมด {count} รายการค่ะ"
    ALT = "คำขอของฉัน"
    L_DATES = "วันที่"
    L_STATUS = "สถานะ"
    L_HOLDER = "อยู่ที่"
    L_SENT = "ยื่นเมื่อ"
    L_REASON = "เหตุผลที่ไม่อนุมัติ"
    L_DUE = "ส่งรายงานภายใน"
    L_REPORT = "รายงานผลการอบรม"
    # Once the report is in, the card says where it stands instead of the deadline.
    REPORT_STATES = {
        ReportStatus.SUBMITTED: "ส่งแล้ว รอผู้บังคับบัญชารับทราบ",
        ReportStatus.ACKNOWLEDGED: "ส่งแล้ว ได้รับการรับทราบแล้ว",
        ReportStatus.REVISION_REQUESTED: "ส่งแล้ว มีการขอให้แก้ไข",
    }
    NOT_ATTENDED = "ไม่ได้เข้าร่วม (ไม่ต้องส่งรายงาน)"
    CANCEL = "ยกเลิกคำขอ"
    CONFIRM_ASK = "ต้องการยกเลิกคำขอเข้ารับการอบรม \"{course}\" ({dates}) ใช่ไหมคะ"
    CONFIRM_HOW = "แตะ \"ยืนยันยกเลิกคำขอ\" เพื่อยกเลิกคำขอนี้ หรือแตะ \"ไม่ยกเลิก\" เพื่อเก็บคำขอไว้ตามเดิมค่ะ"
    CONFIRM_ASK_APPROVED = (
        "คำขอนี้ได้รับอนุมัติแล้ว หากยกเลิก ระบบจะแจ้ง{hr} ด้วยค่ะ"
    )
    CONFIRM_ALT = "ยืนยันการยกเลิกคำขอเข้ารับการอบรม"
    # Not THAI.md's bare ยืนยัน / ยกเลิก: here "ยกเลิก" would read as cancelling the request.
    CONFIRM = "ยืนยันยกเลิกคำขอ"
    KEEP = "ไม่ยกเลิก"
    KEPT_ARG = "kept"  # on the KEEP button's คำขอของฉัน: say first that nothing changed
    KEPT = "คำขอยังคงอยู่ตามเดิมค่ะ"
    DONE = "ยกเลิกคำขอเข้ารับการอบรม \"{course}\" แล้วค่ะ"
    TO_HOLDER = "{name} ยกเลิกคำขอเข้ารับการอบรม \"{course}\" แล้ว ท่านไม่ต้องพิจารณาคำขอนี้แล้วค่ะ"
    TO_HR = "{name} ({unit}) ยกเลิกคำขอเข้ารับการอบรม \"{course}\" ({dates}) ที่ได้รับอนุมัติแล้วค่ะ"
    MENU = "คำขอของฉัน"
    NOT_FOUND = "ไม่พบคำขอนี้ค่ะ"


def request_bubble(reg: Registration, ctx: Ctx, report: Report | None = None) -> dict[str, Any]:
    """Return one request: the course, its status, who holds it, and ยกเลิกคำขอ when allowed."""
    course = reg.course
    waiting = next((s for s in reg.steps if s.decision == StepDecision.WAITING), None)
    rows = [row(T.L_DATES, format_date_range(course.start_date, course.end_date)), row(T.L_STATUS, status_text(reg))]
    if waiting and reg.status == RegStatus.PENDING:
        # Only a pending request is "at" someone; a settled one is at nobody, so no "อยู่ที่ -".
        rows.append(row(T.L_HOLDER, waiting.approver.name))
    rows.append(row(T.L_SENT, format_datetime(reg.created_at)))
    if reg.status == RegStatus.REJECTED:
        rejected = next((s for s in reg.steps if s.decision == StepDecision.REJECTED), None)
        rows.append(row(T.L_REASON, (rejected.reason if rejected else None) or "-"))
    if reg.status == RegStatus.APPROVED and reg.attendance == Attendance.NOT_ATTENDED:
        rows.append(row(T.L_REPORT, T.NOT_ATTENDED))
    elif reg.status == RegStatus.APPROVED and report is not None:
        rows.append(row(T.L_REPORT, T.REPORT_STATES[ReportStatus(report.status)]))
    elif reg.status == RegStatus.APPROVED and reg.report_due_on:
        rows.append(row(T.L_DUE, format_date(reg.report_due_on)))
    buttons = None
    if reg.status in LIVE and ctx.today < course.start_date:
        buttons = [button(postback_action(T.CANCEL, ctx.pack(Action.CANCEL_REQUEST, reg.id), T.CANCEL),
                          style="secondary")]
    return bubble(clip(course.title, 120), rows, buttons, subtitle=course.kind,
                  header_color=HEADER.get(RegStatus(reg.status), GREY))


@router.intent(Intent.MY_REQUESTS)
@router.postback(Action.MY_REQUESTS)
def my_requests(event: Any, ctx: Ctx) -> list[Message]:
    """List the person's requests, newest first, with status and who holds each."""
    assert ctx.staff is not None
    regs = requests_of(session=ctx.session, staff=ctx.staff)
    kept = [text(T.KEPT)] if ctx.postback is not None and ctx.postback.arg == T.KEPT_ARG else []
    if not regs:
        return [*kept, text(T.NONE, [message_action("อบรม")])]
    shown = regs[:CAROUSEL_MAX]
    reports = {r.registration_id: r for r in ctx.session.scalars(
        select(Report).where(Report.registration_id.in_([r.id for r in shown]))).unique()}
    messages = [*kept, text(T.INTRO.format(count=len(regs))),
                flex(T.ALT, carousel([request_bubble(r, ctx, reports.get(r.id)) for r in shown]))]
    if len(regs) > len(shown):
        messages.append(text(T.MORE.format(shown=len(shown), count=len(regs))))
    return messages


@router.postback(Action.CANCEL_REQUEST)
def ask_cancel(event: Any, ctx: Ctx) -> list[Message]:
    """Ask before cancelling (nothing changes yet)."""
    assert ctx.postback is not None and ctx.staff is not None
    if ctx.postback.id is None:
        return [text(T.NOT_FOUND)]
    try:
        reg = check_cancellable(session=ctx.session, registration_id=ctx.postback.id, staff=ctx.staff,
                                today=ctx.today)
    except CancelRefused as refused:
        return [text(refused.say(ctx.hr), [message_action(T.MENU)])]
    course = reg.course
    body = [t(T.CONFIRM_ASK.format(course=course.title, dates=format_date_range(course.start_date,
                                                                               course.end_date)))]
    if reg.status == RegStatus.APPROVED:
        body.append(t(T.CONFIRM_ASK_APPROVED.format(hr=ctx.hr), size="xs", color=GREY))
    body.append(t(T.CONFIRM_HOW, size="xs", color=GREY))
    buttons = [
        button(postback_action(T.CONFIRM, ctx.pack(Action.CANCEL_REQUEST_CONFIRM, reg.id), T.CONFIRM),
               color=RED),
        button(postback_action(T.KEEP, ctx.pack(Action.MY_REQUESTS, None, T.KEPT_ARG), T.KEEP), style="secondary"),
    ]
    return [flex(T.CONFIRM_ALT, bubble(T.CANCEL, body, buttons, header_color=GREY))]


@router.postback(Action.CANCEL_REQUEST_CONFIRM)
def confirm_cancel(event: Any, ctx: Ctx) -> list[Message]:
    """Cancel the request; tell the approver who held it (and HR when it was approved)."""
    assert ctx.postback is not None and ctx.staff is not None
    if ctx.postback.id is None:
        return [text(T.KEPT)]
    try:
        done = cancel(session=ctx.session, registration_id=ctx.postback.id, staff=ctx.staff, now=ctx.now,
                      today=ctx.today)
    except CancelRefused as refused:
        return [text(refused.say(ctx.hr), [message_action(T.MENU)])]
    course, staff = done.registration.course, ctx.staff
    if done.holder is not None:
        ctx.push(done.holder, [text(T.TO_HOLDER.format(name=staff.name, course=course.title))])
    if done.was == RegStatus.APPROVED:
        ctx.tell_hr([text(T.TO_HR.format(name=staff.name, unit=staff.unit.name if staff.unit else "-",
                                         course=course.title,
                                         dates=format_date_range(course.start_date, course.end_date)))])
    return [text(T.DONE.format(course=course.title), [message_action(T.MENU)])]
