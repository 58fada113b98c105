"""The HR plan in the console: list a year's activities, add, correct, amend with history, record results."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bot.console.auth import actor, hr_required, login_required
from bot.console.shown import requested_fiscal_year
from bot.state import state
from models.base import utcnow
from models.course import POLICY_AREAS, Course
from models.org import Unit
from models.plan import (
    STATUS_WORDS, TARGET_UNIT_WORDS, ActivityInput, PlanActivity, PlanError, ResultInput, activities, add_activity,
    amend_activity, describe_values, edit_activity, link_course, plan_years, record_result,
)
from thai.dates import fiscal_year, fiscal_year_bounds, parse_date, today_bangkok
from thai.numbers import format_number, parse_amount

bp = Blueprint("plan", __name__, url_prefix="/plan")
NAV = ("console.plan.index", "แผนพัฒนาบุคลากร")


class T:
    """The plan pages' Thai messages."""

    ADDED = "เพิ่มกิจกรรมในแผนแล้วค่ะ"
    SAVED = "บันทึกการแก้ไขแล้วค่ะ"
    AMENDED = "บันทึกการปรับแผน ครั้งที่ {n} แล้วค่ะ"
    RESULT = "บันทึกผลการดำเนินงานแล้วค่ะ"
    LINKED = "ปรับหลักสูตรของกิจกรรมแล้วค่ะ"
    NUMBER = "ตัวเลขไม่ถูกต้องค่ะ: {value}"
    DATE = "วันที่ไม่ถูกต้องค่ะ: {value}"


def _number(raw: str | None) -> Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return parse_amount(raw)
    except ValueError:
        raise PlanError(T.NUMBER.format(value=raw)) from None


def _form_input(year: int) -> ActivityInput:
    """Read the activity form (nothing is stored if any field is wrong)."""
    form = request.form
    unit = form.get("unit_id", "")
    return ActivityInput(
        fiscal_year=year, policy_area=form.get("policy_area", ""), title=form.get("title", ""),
        target_text=form.get("target_text", ""), target_number=_number(form.get("target_number")),
        target_unit=form.get("target_unit") or None, budget=_number(form.get("budget")) or Decimal("0"),
        quarters=tuple(int(q) for q in form.getlist("quarters") if q.isdigit()),
        unit_id=int(unit) if unit.isdigit() else None, is_training=form.get("is_training") == "1",
    )


def _activity(db: Session, activity_id: int) -> PlanActivity:
    row = db.get(PlanActivity, activity_id)
    if row is None:
        abort(404)
    return row


def _page(template: str, db: Session, **context: Any) -> str:
    units = list(db.scalars(select(Unit).order_by(Unit.name)))
    return render_template(template, areas=POLICY_AREAS, units=units, unit_words=TARGET_UNIT_WORDS,
                           status_words=STATUS_WORDS, **context)


@bp.get("/")
@login_required
def index() -> str:
    """A year's plan, by policy area."""
    year = requested_fiscal_year()
    with state().db.transaction() as db:
        rows = activities(session=db, fiscal_year=year)
        years = sorted(set(plan_years(session=db)) | {year, fiscal_year(today_bangkok())}, reverse=True)
        return _page("console/plan_list.html", db, year=year, years=years, rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@hr_required
def new() -> str | Response:
    """Add an activity to a year's plan."""
    year = requested_fiscal_year()
    with state().db.transaction() as db:
        if request.method == "POST":
            try:
                row = add_activity(session=db, data=_form_input(year), actor_id=actor()["actor_id"])
            except PlanError as exc:
                flash(str(exc), "err")
                return _page("console/plan_form.html", db, year=year, activity=None, form=request.form, mode="new")
            flash(T.ADDED, "ok")
            return redirect(url_for(".show", activity_id=row.id))
        return _page("console/plan_form.html", db, year=year, activity=None, form={}, mode="new")


@bp.get("/<int:activity_id>")
@login_required
def show(activity_id: int) -> str:
    """One activity: its values, results, courses and amendment history."""
    with state().db.transaction() as db:
        row = _activity(db, activity_id)
        first, last = fiscal_year_bounds(row.fiscal_year)
        courses = list(db.scalars(select(Course).where(Course.start_date >= first, Course.start_date <= last)
                                  .order_by(Course.start_date)))
        return _page("console/plan_show.html", db, activity=row, courses=courses, today=today_bangkok(),
                     describe=lambda values: describe_values(values, session=db, money=_money))


@bp.route("/<int:activity_id>/<mode>", methods=["GET", "POST"])
@hr_required
def change(activity_id: int, mode: str) -> str | Response:
    """Correct (edit) or amend (with reason and date, kept in the history) an activity."""
    if mode not in ("edit", "amend"):
        abort(404)
    with state().db.transaction() as db:
        row = _activity(db, activity_id)
        if request.method == "GET":
            return _page("console/plan_form.html", db, year=row.fiscal_year, activity=row, form={}, mode=mode)
        try:
            # A savepoint: a refused change leaves the row as it was, in the database and in memory.
            with db.begin_nested():
                data = _form_input(row.fiscal_year)
                if mode == "edit":
                    edit_activity(session=db, activity=row, data=data, now=_now(), actor_id=actor()["actor_id"])
                    flash(T.SAVED, "ok")
                else:
                    made = amend_activity(session=db, activity=row, data=data, reason=request.form.get("reason", ""),
                                          amended_on=_amended_on(), now=_now(), actor_id=actor()["actor_id"])
                    flash(T.AMENDED.format(n=made.round_no), "ok")
        except PlanError as exc:
            flash(str(exc), "err")
            return _page("console/plan_form.html", db, year=row.fiscal_year, activity=row, form=request.form,
                         mode=mode)
        return redirect(url_for(".show", activity_id=activity_id))


@bp.post("/<int:activity_id>/result")
@hr_required
def result(activity_id: int) -> Response:
    """Record the activity's result by hand."""
    form = request.form
    with state().db.transaction() as db:
        row = _activity(db, activity_id)
        marks = set(form.getlist("status"))
        try:
            with db.begin_nested():
                record_result(session=db, activity=row, now=_now(), actor_id=actor()["actor_id"], data=ResultInput(
                    result_text=form.get("result_text", ""), on_policy="on_policy" in marks,
                    off_policy="off_policy" in marks, done="done" in marks, problems=form.get("problems", ""),
                    fixes=form.get("fixes", ""), spent=_number(form.get("spent"))))
            flash(T.RESULT, "ok")
        except PlanError as exc:
            flash(str(exc), "err")
    return redirect(url_for(".show", activity_id=activity_id))


@bp.post("/<int:activity_id>/courses")
@hr_required
def courses(activity_id: int) -> Response:
    """Put the ticked courses of the year under this activity (unticked ones of it are taken out)."""
    chosen = {int(c) for c in request.form.getlist("course") if c.isdigit()}
    with state().db.transaction() as db:
        row = _activity(db, activity_id)
        first, last = fiscal_year_bounds(row.fiscal_year)
        for course in db.scalars(select(Course).where(Course.start_date >= first, Course.start_date <= last)):
            if course.id in chosen and course.activity_id != row.id:
                link_course(session=db, course=course, activity=row, actor_id=actor()["actor_id"])
            elif course.id not in chosen and course.activity_id == row.id:
                link_course(session=db, course=course, activity=None, actor_id=actor()["actor_id"])
        flash(T.LINKED, "ok")
    return redirect(url_for(".show", activity_id=activity_id))


def _money(value: Decimal) -> str:
    return format_number(value, decimals=0 if value == value.to_integral_value() else 2)


def _amended_on() -> date:
    on = request.form.get("amended_on", "").strip()
    try:
        return parse_date(on) if on else today_bangkok()
    except ValueError:
        raise PlanError(T.DATE.format(value=on)) from None


def _now() -> datetime:
    """One clock for the console's writes."""
    return utcnow()
