"""Evaluation in the console: results per course (response rate, mean and spread per question,
comments) and the organisation's evaluation questions."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot.console.auth import actor, hr_required, login_required
from bot.state import state
from models.attendance import RATINGS, course_results, evaluation_questions, parse_questions
from models.course import Course
from models.org import get_settings
from models.settings import change_settings

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")


class T:
    """The evaluation pages' Thai text."""

    SAVED = "บันทึกคำถามแบบประเมินแล้วค่ะ ใช้กับแบบประเมินที่ส่งหลังจากนี้"
    UNCHANGED = "ไม่มีคำถามที่เปลี่ยนแปลงค่ะ"
    BAD = "ใส่คำถามบรรทัดละข้อ 1-10 ข้อ แต่ละข้อไม่เกิน 200 ตัวอักษรค่ะ"


@bp.get("/course/<int:course_id>")
@login_required
def results(course_id: int) -> str:
    """One course's evaluation results."""
    with state().db.transaction() as db:
        course = db.get(Course, course_id)
        if course is None:
            abort(404)
        return render_template("console/evaluation_results.html", course=course,
                               results=course_results(session=db, course_id=course_id), ratings=RATINGS)


@bp.get("/questions")
@login_required
def questions() -> str:
    """The questions every attendee rates 1-5."""
    with state().db.transaction() as db:
        current = evaluation_questions(get_settings(session=db))
    return render_template("console/evaluation_questions.html", text="\n".join(current), error=None)


@bp.post("/questions")
@hr_required
def save_questions() -> Any:
    """Replace the questions (one a line); answers already sent keep the questions they were asked."""
    text = request.form.get("questions", "")
    try:
        new = parse_questions(text)
    except ValueError:
        return render_template("console/evaluation_questions.html", text=text, error=T.BAD), 422
    with state().db.transaction() as db:
        changed = change_settings(session=db, values={"evaluation_questions": new}, **actor())
    flash(T.SAVED if changed else T.UNCHANGED, "ok")
    return redirect(url_for("console.evaluation.questions"))
