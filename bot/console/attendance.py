"""The day and after, in the console: check-in QR codes per course day, participants' check-ins,
the test questions and scores, and certificates (upload or generate, sent to the person in the chat)."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from bot.console.auth import actor, hr_required, login_required
from bot.sender import deliver
from bot.state import state
from handlers.attendance import checkin_text
from handlers.attendance.cards import certificate_ready
from handlers.kit.context import push_to
from models.attendance import (
    MAX_CHOICES,
    Certificate,
    CertificateError,
    CertificateSource,
    add_question,
    attendance_courses,
    checkin_code,
    course_days,
    delete_question,
    participants,
    questions_of,
    renew_checkin_code,
    store_certificate,
)
from models.base import utcnow
from models.course import Course
from models.org import get_settings
from models.outbox import queued_ids
from models.registration import Attendance, Registration, RegStatus
from thai.dates import today_bangkok

log = logging.getLogger(__name__)

bp = Blueprint("attendance", __name__, url_prefix="/attendance")
NAV = ("console.attendance.index", "วันอบรม")


class T:
    """The attendance pages' Thai text."""

    RENEWED = "เปลี่ยนรหัสลงทะเบียนของวันที่นี้แล้วค่ะ คิวอาร์โค้ดเดิมใช้ไม่ได้อีกต่อไป"
    NO_BASIC_ID = "ยังไม่ได้ตั้งค่า Basic ID ของบอท (line_bot_basic_id) คิวอาร์โค้ดจึงเปิดแชตไม่ได้ ผู้เข้าอบรมพิมพ์ข้อความด้านล่างในแชตแทนได้ค่ะ"
    QUESTION_ADDED = "เพิ่มคำถามแล้วค่ะ"
    QUESTION_BAD = "ยังเพิ่มคำถามไม่ได้: ต้องมีคำถาม ตัวเลือก 2-4 ข้อ และเลือกคำตอบที่ถูกต้องค่ะ"
    QUESTION_DELETED = "ลบคำถามแล้วค่ะ"
    CERT_SAVED = "บันทึกเกียรติบัตรของ {name} และส่งให้ในแชตแล้วค่ะ"
    CERT_SAVED_UNREACHABLE = "บันทึกเกียรติบัตรของ {name} แล้วค่ะ (ส่งในแชตไม่ได้: ยังไม่ผูกบัญชี LINE หรือบล็อกบอท)"
    CERT_BAD = "ไฟล์เกียรติบัตรต้องเป็น PDF, PNG หรือ JPEG ไม่เกิน 10 MB ค่ะ"
    CERT_GENERATED = "สร้างเกียรติบัตรแล้ว {n} ฉบับ ส่งในแชตแล้ว {sent} ฉบับค่ะ"
    CERT_NOT_ATTENDED = "ยังสร้างเกียรติบัตรไม่ได้ค่ะ: ยังไม่ได้บันทึกว่าผู้นี้เข้าร่วมการอบรม"


def _course(db: Session, course_id: int) -> Course:
    course = db.get(Course, course_id)
    if course is None:
        abort(404)
    return course


def _day(course: Course, day_text: str) -> date:
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        abort(404)
    if day not in course_days(course):
        abort(404)
    return day


def checkin_link(basic_id: str, code: str) -> str | None:
    """Return the link a check-in QR opens: the bot's chat with the check-in text typed."""
    basic_id = basic_id.strip()
    if not basic_id:
        return None
    return f"https://line.me/R/oaMessage/{quote(basic_id)}/?{quote(checkin_text(code))}"


@bp.get("/")
@login_required
def index() -> str:
    """List the courses running, coming or recently ended."""
    with state().db.transaction() as db:
        courses = attendance_courses(session=db, today=today_bangkok())
        return render_template("console/attendance_list.html", courses=courses, today=today_bangkok())


@bp.get("/<int:course_id>")
@login_required
def course(course_id: int) -> str:
    """One course: its days (QR codes), participants with check-ins, test scores and certificates."""
    with state().db.transaction() as db:
        c = _course(db, course_id)
        return render_template("console/attendance_course.html", course=c, days=course_days(c),
                               people=participants(session=db, course_id=c.id),
                               questions=questions_of(session=db, course_id=c.id), max_choices=MAX_CHOICES,
                               attended=Attendance.ATTENDED, not_attended=Attendance.NOT_ATTENDED)


@bp.get("/<int:course_id>/qr/<day_text>")
@login_required
def qr(course_id: int, day_text: str) -> str:
    """The printable check-in QR code of one course day."""
    import segno  # loaded by the pages that draw a QR code, not with the console

    with state().db.transaction() as db:
        c = _course(db, course_id)
        day = _day(c, day_text)
        code = checkin_code(session=db, course=c, day=day, now=utcnow()).code
        link = checkin_link(str(get_settings(session=db).get("line_bot_basic_id") or ""), code)
        svg = segno.make(link, error="m").svg_inline(scale=8, omitsize=True, light="#fff") if link else None
        return render_template("console/attendance_qr.html", course=c, day=day, code=code, link=link, svg=svg,
                               text=checkin_text(code), warn=None if link else T.NO_BASIC_ID)


@bp.post("/<int:course_id>/qr/<day_text>/renew")
@hr_required
def renew(course_id: int, day_text: str) -> Any:
    """Replace a day's code (a QR photo that went round): the old one answers as stale."""
    with state().db.transaction() as db:
        c = _course(db, course_id)
        day = _day(c, day_text)
        renew_checkin_code(session=db, course=c, day=day, now=utcnow())
    flash(T.RENEWED, "ok")
    return redirect(url_for("console.attendance.qr", course_id=course_id, day_text=day.isoformat()))


@bp.post("/<int:course_id>/quiz")
@hr_required
def add_quiz_question(course_id: int) -> Any:
    """Add a multiple-choice question to the course's test (asked before and after)."""
    choices = [request.form.get(f"choice{i}", "") for i in range(1, MAX_CHOICES + 1)]
    correct_text = request.form.get("correct", "")
    filled = [i for i, c in enumerate(choices) if c.strip()]
    try:
        correct = filled.index(int(correct_text) - 1)
    except ValueError:
        correct = -1
    with state().db.transaction() as db:
        _course(db, course_id)
        try:
            add_question(session=db, course_id=course_id, text=request.form.get("text", ""),
                         choices=[choices[i] for i in filled], correct=correct, now=utcnow())
        except ValueError:
            flash(T.QUESTION_BAD, "err")
            return redirect(url_for("console.attendance.course", course_id=course_id) + "#quiz")
    flash(T.QUESTION_ADDED, "ok")
    return redirect(url_for("console.attendance.course", course_id=course_id) + "#quiz")


@bp.post("/<int:course_id>/quiz/<int:question_id>/delete")
@hr_required
def delete_quiz_question(course_id: int, question_id: int) -> Any:
    """Remove a question (and the answers given to it)."""
    with state().db.transaction() as db:
        if not delete_question(session=db, course_id=course_id, question_id=question_id):
            abort(404)
    flash(T.QUESTION_DELETED, "ok")
    return redirect(url_for("console.attendance.course", course_id=course_id) + "#quiz")


def _registration(db: Session, course_id: int, registration_id: int) -> Registration:
    reg = db.get(Registration, registration_id)
    if reg is None or reg.course_id != course_id or reg.status != RegStatus.APPROVED:
        abort(404)
    return reg


def _hand_over(db: Session, cert: Certificate) -> bool:
    """Send the new certificate to its owner in the chat; False when they cannot receive it."""
    urls = state().services.document_url
    return push_to(db, cert.registration.staff, certificate_ready(cert, urls, get_settings(session=db)),
                   dedup_key=f"certificate:{cert.id}:{cert.stored_name}")


def _deliver(db: Session) -> None:
    """Send what this request queued now, after its commit (the clock retries whatever fails)."""
    s = state()
    try:
        deliver(s.db, s.gateway, queued_ids(db))
    except Exception:  # noqa: BLE001 - committed already; the outbox keeps the rows for the clock
        log.exception("delivering certificates failed; the clock retries")


@bp.post("/<int:course_id>/certificates/<int:registration_id>")
@hr_required
def upload_certificate(course_id: int, registration_id: int) -> Any:
    """Keep an uploaded certificate file for one participant and send it to them."""
    upload = request.files.get("file")
    data = upload.read(10 * 1024 * 1024 + 1) if upload else b""
    with state().db.transaction() as db:
        reg = _registration(db, course_id, registration_id)
        try:
            cert = store_certificate(session=db, registration_id=reg.id, data=data, source=CertificateSource.UPLOADED,
                                     upload_dir=state().config.UPLOAD_DIR, now=utcnow(), actor_id=actor()["actor_id"])
        except CertificateError:
            flash(T.CERT_BAD, "err")
            return redirect(url_for("console.attendance.course", course_id=course_id) + "#people")
        sent, name = _hand_over(db, cert), reg.staff.name
    _deliver(db)
    flash((T.CERT_SAVED if sent else T.CERT_SAVED_UNREACHABLE).format(name=name), "ok")
    return redirect(url_for("console.attendance.course", course_id=course_id) + "#people")


@bp.post("/<int:course_id>/certificates/generate")
@hr_required
def generate_certificates(course_id: int) -> Any:
    """Generate the certificate of every attendee (or one, with registration_id) and send them."""
    only = request.form.get("registration_id", "")
    with state().db.transaction() as db:
        _course(db, course_id)
        people = [p for p in participants(session=db, course_id=course_id)
                  if p.registration.attendance == Attendance.ATTENDED
                  and (str(p.registration.id) == only or (not only and p.certificate is None))]
        if only and not people:
            flash(T.CERT_NOT_ATTENDED, "err")
            return redirect(url_for("console.attendance.course", course_id=course_id) + "#people")
        # fpdf2 loads when certificates are made, not with the console (~0.2 s of every start).
        from bot.documents.certificate import generate_certificate

        sent = 0
        for p in people:
            cert = generate_certificate(session=db, registration_id=p.registration.id,
                                        upload_dir=state().config.UPLOAD_DIR, now=utcnow(),
                                        actor_id=actor()["actor_id"])
            sent += _hand_over(db, cert)
    _deliver(db)
    flash(T.CERT_GENERATED.format(n=len(people), sent=sent), "ok")
    return redirect(url_for("console.attendance.course", course_id=course_id) + "#people")
