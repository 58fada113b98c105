"""Personal data (PDPA) for HR: look a person up, see what is kept, download a copy, erase.

The same domain operations as `flask --app bot export-staff-data` / `erase-staff`; erasure asks
for the employee id to be typed again on a confirmation page, and both are audited with the
console account that did them. Viewers may not see a person's data here at all.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console.auth import T as AUTH_T
from bot.console.auth import actor, hr_required, own_record
from bot.state import state
from models.audit import audit
from models.org import Staff, get_settings
from models.privacy import (PrivacyError, describe, empty_trash, erase_staff, export_staff_data, is_erased,
                            where_it_goes)
from models.retention import retention_years

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
NAV = ("console.privacy.index", "ข้อมูลส่วนบุคคล")


class T:
    """The privacy pages' Thai text."""

    NOT_FOUND = "ไม่พบบุคลากรรหัส {employee_id} ค่ะ"
    MISMATCH = "รหัสบุคลากรที่พิมพ์ไม่ตรงกัน ยังไม่ได้ลบข้อมูลค่ะ"
    ERASED = "ลบข้อมูลของรหัส {employee_id} แล้วค่ะ (ไฟล์แนบ {files} ไฟล์) ตัวเลขสรุปรายปีงบประมาณยังอยู่โดยไม่ระบุตัวบุคคล"


def _person(staff_id: int) -> Staff:
    with state().db.transaction() as db:
        person = db.get(Staff, staff_id)
        if person is None or is_erased(session=db, staff_id=staff_id):
            abort(404)
        return person


@bp.get("/")
@hr_required
def index() -> str | Response:
    """Find a person by employee id; say what is kept, where it goes and for how long."""
    employee_id = request.args.get("employee_id", "").strip()[:40]
    with state().db.transaction() as db:
        settings = get_settings(session=db)
        if employee_id:
            person = db.scalar(select(Staff).where(Staff.employee_id == employee_id))
            if person is not None and not is_erased(session=db, staff_id=person.id):
                return redirect(url_for("console.privacy.show", staff_id=person.id))
            flash(T.NOT_FOUND.format(employee_id=employee_id), "err")
    return render_template("console/privacy_index.html", where=where_it_goes(settings),
                           years=retention_years(settings), employee_id=employee_id)


@bp.get("/<int:staff_id>")
@hr_required
def show(staff_id: int) -> str:
    """Show the Thai summary of what is kept about one person."""
    person = _person(staff_id)
    with state().db.transaction() as db:
        summary = describe(export_staff_data(session=db, staff=db.get(Staff, staff_id)), get_settings(session=db))
    return render_template("console/privacy_show.html", person=person, summary=summary)


@bp.get("/<int:staff_id>/export.json")
@hr_required
def export(staff_id: int) -> Response:
    """Download everything kept about a person as JSON (audited)."""
    _person(staff_id)
    with state().db.transaction() as db:
        person = db.get(Staff, staff_id)
        data = export_staff_data(session=db, staff=person)
        audit(session=db, action="staff.exported", subject_type="staff", subject_id=staff_id, via="console",
              **actor())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="staff-data-{staff_id}.json"', "Cache-Control": "no-store"})


@bp.route("/<int:staff_id>/erase", methods=["GET", "POST"])
@hr_required
def erase(staff_id: int) -> str | Response:
    """Confirm, then erase a person (the employee id typed again is the confirmation)."""
    person = _person(staff_id)
    if request.method == "GET":
        return render_template("console/privacy_erase.html", person=person, own=own_record(staff_id), own_text=AUTH_T.OWN_RECORD)
    if own_record(staff_id):
        flash(AUTH_T.OWN_RECORD, "err")
        return redirect(url_for("console.privacy.erase", staff_id=staff_id))
    if request.form.get("confirm_employee_id", "").strip() != person.employee_id:
        flash(T.MISMATCH, "err")
        return redirect(url_for("console.privacy.erase", staff_id=staff_id))
    who = actor()
    try:
        with state().db.transaction() as db:
            result = erase_staff(session=db, staff=db.get(Staff, staff_id), via="console",
                                 actor_id=who["actor_id"], admin_id=who["admin_id"])
    except PrivacyError as exc:
        flash(str(exc), "err")
        return redirect(url_for("console.privacy.show", staff_id=staff_id))
    with state().db.transaction() as db:
        empty_trash(session=db, upload_dir=state().config.UPLOAD_DIR)
    flash(T.ERASED.format(employee_id=person.employee_id, files=result.counts.get("files", 0)), "ok")
    return redirect(url_for("console.privacy.index"))
