"""Courses (หลักสูตร): the fiscal-year list, add and edit, close registration, cancel, participants
and attendance."""
from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bot.console.auth import actor, current_admin, hr_required, login_required
from bot.console.sending import chat_context, deliver_now
from bot.console.shown import helpers, typed_amount, typed_date, typed_int
from bot.state import state
from handlers.kit.messages import text
from models.course import COURSE_KINDS, POLICY_AREAS, Course
from models.courses import (
    CourseError,
    CourseInput,
    add_course,
    cancel_course,
    close_registration,
    courses_of_year,
    fiscal_years,
    participants,
    update_course,
)
from models.org import StaffType, get_settings
from models.plan import PlanActivity
from models.base import utcnow
from models.outbox import queued_ids
from models.registration import Registration
from thai import ThaiParseError
from thai.numbers import to_arabic_digits
from thai.dates import fiscal_year, format_date, format_date_range, today_bangkok

try:  # day's models/attendance (the one operation that sets attendance); on main soon
    from models.attendance import AttendanceError, record_attendance
except ImportError:  # pragma: no cover - until day's branch is merged
    AttendanceError, record_attendance = ValueError, None  # type: ignore[assignment,misc]

bp = Blueprint("courses", __name__, url_prefix="/courses")
bp.context_processor(helpers)
NAV = ("console.courses.index", "หลักสูตร")


class T:
    """What these pages and their chat messages say."""

    ADDED = "เพิ่มหลักสูตร \"{title}\" แล้วค่ะ"
    SAVED = "บันทึกการแก้ไขหลักสูตรแล้วค่ะ"
    # The end moved: approval had frozen these report due dates, which follow it.
    SAVED_MOVED = ("บันทึกการแก้ไขหลักสูตรแล้วค่ะ และเลื่อนกำหนดส่งรายงานของผู้ได้รับอนุมัติ {n} คน"
                   "ตามวันสิ้นสุดการอบรมใหม่แล้วค่ะ")
    CLOSED = "ปิดรับสมัครหลักสูตรนี้แล้วค่ะ"
    CANCELLED = "ยกเลิกหลักสูตรแล้ว และแจ้งผู้สมัคร {n} คนแล้วค่ะ"
    CONFIRM = "กรุณาติ๊กยืนยันการยกเลิกหลักสูตรค่ะ"
    ATTENDED = "บันทึกการเข้าร่วมของ {name} แล้ว: {value}ค่ะ"
    SAME = "การเข้าร่วมของ {name} บันทึกเป็น{value}อยู่แล้วค่ะ"
    NO_ATTENDANCE = "บันทึกการเข้าร่วมได้เฉพาะผู้ที่ได้รับอนุมัติ และหลังหลักสูตรเริ่มแล้วค่ะ"
    PRESENT, ABSENT = "เข้าร่วม", "ไม่ได้เข้าร่วม"
    BAD_TIME = "เวลาเริ่มไม่ถูกต้องค่ะ กรุณาพิมพ์เช่น 09:00"
    BAD_LEVELS = "จำนวนขั้นการอนุมัติต้องเป็นตัวเลขค่ะ"
    L_START, L_END, L_DEADLINE = "วันเริ่มอบรม", "วันสิ้นสุดการอบรม", "วันปิดรับสมัคร"
    L_SEATS, L_FEE, L_BUDGET = "จำนวนที่นั่ง", "ค่าลงทะเบียน", "งบประมาณ"
    L_HOURS = "จำนวนชั่วโมง"
    BAD_HOURS = "ไม่เข้าใจ “{raw}” กรุณาพิมพ์เป็นตัวเลข เช่น 12 หรือ 6.5 ค่ะ"
    BAD_ACTIVITY = "กิจกรรมตามแผนที่เลือกไม่ถูกต้องค่ะ"
    # in the chat
    TOLD_PARTICIPANT = ("หลักสูตร \"{course}\" ({dates}) ถูกยกเลิกแล้วค่ะ คำขอเข้ารับการอบรมของท่านจึงถูกยกเลิกด้วย "
                        "สอบถามเพิ่มเติมได้ที่{hr}ค่ะ")
    TOLD_HOLDER = "คำขอเข้ารับการอบรมของ {staff} หลักสูตร \"{course}\" ไม่ต้องพิจารณาแล้วค่ะ เนื่องจากหลักสูตรถูกยกเลิก"


@bp.get("/")
@login_required
def index() -> str:
    """The courses of one fiscal year with seats taken and left and the deadline."""
    today = today_bangkok()
    fy_text = request.args.get("fy", "")
    fy = int(fy_text) if fy_text.isdigit() else fiscal_year(today)
    with state().db.transaction() as db:
        return render_template("console/courses/index.html", rows=courses_of_year(session=db, fy=fy, today=today),
                               years=fiscal_years(session=db, today=today), fy=fy, today=today)


def _typed_hours(raw: str) -> Decimal:
    """Read training hours typed in Thai or Arabic digits ("๑๒", "6.5 ชั่วโมง"); the domain refuses < 0."""
    value = to_arabic_digits(raw).strip().removesuffix("ชั่วโมง").removesuffix("ชม.").strip()
    if not re.fullmatch(r"-?\d{1,7}(\.\d+)?", value):
        raise ThaiParseError(T.BAD_HOURS.format(raw=raw.strip()[:40]))
    return Decimal(value)


def _form_values(form: MultiDict[str, str], today: date) -> tuple[CourseInput | None, list[str]]:
    """Read the course form into values; return the problems of the fields that cannot be read."""
    problems: list[str] = []

    def read(label: str, fn: Any, raw: str) -> Any:
        try:
            return fn(raw)
        except ThaiParseError as bad:
            problems.append(f"{label}: {bad}")
            return None

    start = read(T.L_START, lambda v: typed_date(v, today), form.get("start_date", ""))
    end = read(T.L_END, lambda v: typed_date(v, today), form.get("end_date", ""))
    deadline = read(T.L_DEADLINE, lambda v: typed_date(v, today), form.get("registration_deadline", ""))
    seats = read(T.L_SEATS, typed_int, form.get("seats", ""))
    fee = read(T.L_FEE, typed_amount, form.get("fee", ""))
    budget = read(T.L_BUDGET, typed_amount, form.get("budget", ""))
    hours_text = form.get("hours", "").strip()
    hours = read(T.L_HOURS, _typed_hours, hours_text) if hours_text else None
    activity_text = form.get("activity_id", "").strip()
    activity_id = int(activity_text) if activity_text.isdigit() else None
    if activity_text and activity_id is None:
        problems.append(T.BAD_ACTIVITY)
    start_time = None
    if form.get("start_time", "").strip():
        try:
            start_time = time.fromisoformat(form["start_time"].strip())
        except ValueError:
            problems.append(T.BAD_TIME)
    levels_text = form.get("approval_levels", "").strip()
    levels = int(levels_text) if levels_text.isdigit() else None
    if levels_text and levels is None:
        problems.append(T.BAD_LEVELS)
    if problems or None in (start, end, deadline, seats, fee, budget):
        return None, problems
    types = [int(v) for v in form.getlist("target_type_ids") if v.isdigit()]
    return CourseInput(
        code=form.get("code", ""), title=form.get("title", ""), start_date=start, end_date=end,
        registration_deadline=deadline, kind=form.get("kind", ""), organizer=form.get("organizer", ""),
        venue=form.get("venue", ""), start_time=start_time, seats=seats, fee=fee, budget=budget,
        policy_area=form.get("policy_area", ""), approval_levels=levels,
        description=form.get("description", ""), target_type_ids=types, hours=hours, activity_id=activity_id,
    ), []


def _render_form(db: Any, course: Course | None, form: dict[str, Any], problems: list[str], status: int = 200) -> Any:
    types = list(db.scalars(select(StaffType).order_by(StaffType.name)))
    # The course's own fiscal year when it has one; a new course may be for this year or the next.
    this_year = fiscal_year(course.start_date if course else today_bangkok())
    years = (this_year,) if course else (this_year, this_year + 1)
    activities = list(db.scalars(select(PlanActivity).where(PlanActivity.fiscal_year.in_(years))
                                 .order_by(PlanActivity.fiscal_year, PlanActivity.policy_area, PlanActivity.seq)))
    return render_template("console/courses/form.html", course=course, form=form, problems=problems,
                           types=types, kinds=COURSE_KINDS, areas=POLICY_AREAS, activities=activities), status


def _as_form(data: CourseInput) -> dict[str, Any]:
    """Return a stored course as the form shows it (dates in BE)."""
    return {
        "code": data.code, "title": data.title, "kind": data.kind, "organizer": data.organizer,
        "venue": data.venue, "start_date": format_date(data.start_date), "end_date": format_date(data.end_date),
        "registration_deadline": format_date(data.registration_deadline),
        "start_time": data.start_time.strftime("%H:%M") if data.start_time else "", "seats": str(data.seats),
        "fee": f"{data.fee:,.2f}".replace(".00", ""), "budget": f"{data.budget:,.2f}".replace(".00", ""),
        "policy_area": data.policy_area, "approval_levels": str(data.approval_levels or ""),
        "description": data.description, "target_type_ids": [str(i) for i in data.target_type_ids],
        "hours": "" if data.hours is None else f"{data.hours:f}".removesuffix(".0"),
        "activity_id": str(data.activity_id or ""),
    }


@bp.get("/new")
@hr_required
def new() -> Any:
    """The empty course form."""
    with state().db.transaction() as db:
        return _render_form(db, None, {"kind": COURSE_KINDS[0], "policy_area": "การพัฒนาทรัพยากรบุคคล"}, [])


@bp.post("/new")
@hr_required
def create() -> Any:
    """Add a course from the form; every problem is shown and nothing is saved."""
    today = today_bangkok()
    data, problems = _form_values(request.form, today)
    with state().db.transaction() as db:
        if data is not None:
            try:
                course = add_course(session=db, data=data, by=current_admin().username, **actor())
                flash(T.ADDED.format(title=course.title), "ok")
                return redirect(url_for(".show", course_id=course.id))
            except CourseError as refused:
                problems = refused.problems
        return _render_form(db, None, _form_dict(request.form), problems, 400)


def _form_dict(form: MultiDict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = form.to_dict()
    values["target_type_ids"] = form.getlist("target_type_ids")
    return values


@bp.get("/<int:course_id>/edit")
@hr_required
def edit(course_id: int) -> Any:
    """The course form filled with the course."""
    with state().db.transaction() as db:
        course = db.get(Course, course_id) or abort(404)
        return _render_form(db, course, _as_form(CourseInput.of(course)), [])


@bp.post("/<int:course_id>/edit")
@hr_required
def update(course_id: int) -> Any:
    """Save the edited course; every problem is shown and nothing is saved."""
    data, problems = _form_values(request.form, today_bangkok())
    with state().db.transaction() as db:
        course = db.get(Course, course_id) or abort(404)
        if data is not None:
            try:
                done = update_course(session=db, course_id=course_id, data=data, by=current_admin().username,
                                     **actor())
                moved = done.report_due_moved
                flash(T.SAVED_MOVED.format(n=moved) if moved else T.SAVED, "ok")
                return redirect(url_for(".show", course_id=course_id))
            except CourseError as refused:
                problems = refused.problems
        return _render_form(db, course, _form_dict(request.form), problems, 400)


@bp.get("/<int:course_id>")
@login_required
def show(course_id: int) -> str:
    """A course and its participants: request, approval step, attendance, report."""
    today = today_bangkok()
    with state().db.transaction() as db:
        course = db.get(Course, course_id) or abort(404)
        rows = participants(session=db, course_id=course_id, today=today, settings=get_settings(session=db))
        activity = db.get(PlanActivity, course.activity_id) if course.activity_id is not None else None
        return render_template("console/courses/show.html", course=course, rows=rows, today=today,
                               activity=activity)


@bp.post("/<int:course_id>/close")
@hr_required
def close(course_id: int) -> Any:
    """Stop taking registrations now."""
    with state().db.transaction() as db:
        db.get(Course, course_id) or abort(404)
        try:
            close_registration(session=db, course_id=course_id, today=today_bangkok(),
                               by=current_admin().username, **actor())
            flash(T.CLOSED, "ok")
        except CourseError as refused:
            flash(str(refused), "err")
    return redirect(url_for(".show", course_id=course_id))


@bp.get("/<int:course_id>/cancel")
@hr_required
def confirm_cancel(course_id: int) -> str:
    """Ask HR to confirm cancelling a course (its participants will be told)."""
    with state().db.transaction() as db:
        course = db.get(Course, course_id) or abort(404)
        rows = participants(session=db, course_id=course_id, today=today_bangkok(),
                            settings=get_settings(session=db))
        live = [r for r in rows if r.registration.status in ("pending", "approved")]
        return render_template("console/courses/cancel.html", course=course, live=live)


@bp.post("/<int:course_id>/cancel")
@hr_required
def cancel(course_id: int) -> Any:
    """Cancel a course: its live requests are cancelled and the participants and card holders told."""
    if request.form.get("confirm") != "yes":
        flash(T.CONFIRM, "err")
        return redirect(url_for(".confirm_cancel", course_id=course_id))
    with state().db.transaction() as db:
        db.get(Course, course_id) or abort(404)
        ctx = chat_context(db)
        try:
            done = cancel_course(session=db, course_id=course_id, today=ctx.today, now=ctx.now,
                                 by=current_admin().username, **actor())
        except CourseError as refused:
            flash(str(refused), "err")
            return redirect(url_for(".show", course_id=course_id))
        course = done.course
        dates = format_date_range(course.start_date, course.end_date)
        hr = ctx.settings.get("hr_unit_name") or "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)"
        for reg in done.registrations:
            ctx.push(reg.staff, [text(T.TOLD_PARTICIPANT.format(course=course.title, dates=dates, hr=hr))])
        for reg, holder in done.holders:
            ctx.push(holder, [text(T.TOLD_HOLDER.format(staff=reg.staff.name, course=course.title))])
        count = len(done.registrations)
    deliver_now(queued_ids(db))
    flash(T.CANCELLED.format(n=count), "ok")
    return redirect(url_for(".show", course_id=course_id))


@bp.post("/<int:course_id>/attendance/<int:registration_id>")
@hr_required
def attendance(course_id: int, registration_id: int) -> Any:
    """Record that a participant attended or not; this decides who owes a report."""
    choice = request.form.get("present")
    back = redirect(url_for(".show", course_id=course_id))
    with state().db.transaction() as db:
        reg = db.get(Registration, registration_id)
        if reg is None or reg.course_id != course_id:
            abort(404)
        if choice not in ("yes", "no") or record_attendance is None or today_bangkok() < reg.course.start_date:
            flash(T.NO_ATTENDANCE, "err")
            return back
        present = choice == "yes"
        value = T.PRESENT if present else T.ABSENT
        try:
            changed = record_attendance(session=db, registration_id=reg.id, present=present, by="hr",
                                        now=utcnow(), actor_id=actor()["actor_id"])
        except AttendanceError:
            flash(T.NO_ATTENDANCE, "err")
            return back
        flash((T.ATTENDED if changed else T.SAME).format(name=reg.staff.name, value=value), "ok")
    return back
