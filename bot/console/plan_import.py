"""Importing a year's plan from a sheet in the console: upload, preview (nothing written), confirm.

The file waits on the server under UPLOAD_DIR named by a random token held in the session;
confirming reads it again and writes only when the preview is still clean.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from bot.console.auth import actor, hr_required
from bot.sheets.plan import PLAN_COLUMNS, apply_plan, read_plan
from bot.sheets.reader import SheetError
from bot.state import state
from models.base import utcnow
from thai.dates import fiscal_year, today_bangkok

bp = Blueprint("plan_import", __name__, url_prefix="/plan/import")
SUFFIXES = (".csv", ".xlsx", ".xlsm")
KEY = "plan_upload"


class T:
    """The import pages' Thai messages."""

    NO_FILE = "กรุณาเลือกไฟล์ .csv หรือ .xlsx ก่อนค่ะ"
    GONE = "ไม่พบไฟล์ที่รอยืนยัน กรุณาอัปโหลดใหม่ค่ะ"
    REFUSED = "ยังนำเข้าไม่ได้ ไฟล์มีปัญหา {n} รายการ ไม่มีการเปลี่ยนแปลงข้อมูลค่ะ"
    DONE = "นำเข้าแล้วค่ะ: {summary}"
    YEAR = "ปีงบประมาณต้องเป็นปี พ.ศ. เช่น 2570 ค่ะ"


def _dir() -> Path:
    path = Path(state().config.UPLOAD_DIR) / "plan-pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _held() -> tuple[Path, int] | None:
    held = session.get(KEY)
    if not isinstance(held, dict):
        return None
    token, suffix, year = str(held.get("token", "")), str(held.get("suffix", "")), held.get("year")
    if len(token) != 32 or not token.isalnum() or suffix not in SUFFIXES or not isinstance(year, int):
        return None
    path = _dir() / f"{token}{suffix}"
    return (path, year) if path.exists() else None


def _forget() -> None:
    held = _held()
    session.pop(KEY, None)
    if held is not None:
        held[0].unlink(missing_ok=True)


@bp.route("/", methods=["GET", "POST"])
@hr_required
def upload() -> Any:
    """The upload form; a posted sheet is kept and previewed."""
    if request.method == "GET":
        return render_template("console/plan_import.html", columns=PLAN_COLUMNS, preview=None,
                               year=fiscal_year(today_bangkok()))
    file = request.files.get("file")
    if file is None or not file.filename or Path(file.filename).suffix.lower() not in SUFFIXES:
        flash(T.NO_FILE, "err")
        return redirect(url_for(".upload"))
    raw = request.form.get("year", "")
    if not raw.isdigit() or not 2400 <= int(raw) <= 2700:
        flash(T.YEAR, "err")
        return redirect(url_for(".upload"))
    _forget()
    token, suffix = secrets.token_hex(16), Path(file.filename).suffix.lower()
    file.save(_dir() / f"{token}{suffix}")
    session[KEY] = {"token": token, "suffix": suffix, "year": int(raw)}
    return redirect(url_for(".preview"))


@bp.get("/preview")
@hr_required
def preview() -> Any:
    """What the file would add and change, and every problem by row; nothing is written."""
    held = _held()
    if held is None:
        flash(T.GONE, "err")
        return redirect(url_for(".upload"))
    path, year = held
    with state().db.transaction() as db:
        try:
            result = read_plan(path, session=db, fiscal_year=year)
        except SheetError as exc:
            _forget()
            return render_template("console/plan_import.html", columns=PLAN_COLUMNS, preview=None, year=year,
                                   problems=exc.problems)
        return render_template("console/plan_import.html", columns=PLAN_COLUMNS, preview=result, year=year)


@bp.post("/confirm")
@hr_required
def confirm() -> Any:
    """Write the previewed plan if it is still clean; cancel forgets the file."""
    held = _held()
    if held is None:
        flash(T.GONE, "err")
        return redirect(url_for(".upload"))
    if request.form.get("cancel"):
        _forget()
        return redirect(url_for("console.plan.index"))
    path, year = held
    with state().db.transaction() as db:
        try:
            result = read_plan(path, session=db, fiscal_year=year)
            apply_plan(result, session=db, now=utcnow(), actor_id=actor()["actor_id"])
        except SheetError as exc:
            flash(T.REFUSED.format(n=len(exc.problems)), "err")
            return redirect(url_for(".preview"))
    _forget()
    flash(T.DONE.format(summary=result.describe()), "ok")
    return redirect(url_for("console.plan.index", year=year))


