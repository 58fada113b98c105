"""Settings: the organisation's names, reminder times, report days, holidays and the add-friend link."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from bot.console.auth import actor, hr_required, login_required
from bot.state import state
from models.org import get_settings
from models.settings import FIELDS, change_settings, read_settings_form, setting_changes

bp = Blueprint("settings", __name__, url_prefix="/settings")
NAV = ("console.settings.index", "ตั้งค่า")


class T:
    """The settings page's Thai text."""

    SAVED = "บันทึกการตั้งค่าแล้ว {n} รายการค่ะ"
    UNCHANGED = "ไม่มีการตั้งค่าที่เปลี่ยนแปลงค่ะ"
    FIX = "ยังไม่ได้บันทึก กรุณาแก้ไขรายการที่แจ้งไว้ค่ะ"


def _page(form: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> str:
    with state().db.transaction() as db:
        current = get_settings(session=db)
        changes = setting_changes(session=db)
    shown = form if form is not None else {f.key: f.show(current.get(f.key)) for f in FIELDS}
    return render_template("console/settings.html", fields=FIELDS, shown=shown, errors=errors or {},
                           changes=changes)


@bp.get("/")
@login_required
def index() -> str:
    """Show the settings and the trail of changes."""
    return _page()


@bp.post("/")
@hr_required
def save() -> Any:
    """Store the changed settings, all or none: any bad value saves nothing."""
    values, errors = read_settings_form(request.form)
    if errors:
        flash(T.FIX, "err")
        return _page(form={f.key: request.form.get(f.key, "") for f in FIELDS}, errors=errors), 422
    with state().db.transaction() as db:
        changed = change_settings(session=db, values=values, **actor())
    flash(T.SAVED.format(n=len(changed)) if changed else T.UNCHANGED, "ok")
    return redirect(url_for("console.settings.index"))
