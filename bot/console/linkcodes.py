"""Link codes on paper: an A4 sheet of cut-out slips, one per person, with the bot's QR code.

A code is shown once, on the sheet made when it is issued (only its hash is kept), so the
sheet is the answer to the POST that issues the codes, never a page to come back to.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy.orm import Session

from bot.console.auth import actor, hr_required
from bot.console.staff import current_filter
from bot.state import state
from models.linking import IssuedCode, create_link_code, issue_link_codes
from models.org import Staff, get_settings
from models.staff import StaffFilter, matching_staff

bp = Blueprint("linkcodes", __name__, url_prefix="/link-codes")


class T:
    """The link-code pages' Thai text."""

    NOBODY = "ไม่มีบุคลากรที่ยังไม่ได้ผูกบัญชี LINE ตามเงื่อนไขที่เลือกค่ะ"
    LEFT = "บุคคลนี้พ้นจากการปฏิบัติงานแล้ว จึงออกรหัสผูกบัญชีไม่ได้ค่ะ"


def qr_svg(url: str) -> Markup | None:
    """Return an inline SVG QR code of a link (None without a link)."""
    if not url:
        return None
    # segno writes the SVG itself: no image files, no outside service. Escaped data, safe markup.
    # Imported here: only the code sheets draw QR codes.
    import segno

    return Markup(segno.make(url, error="m").svg_inline(scale=3, border=2, omitsize=False))


def _sheet(db: Session, issued: list[IssuedCode], heading: str) -> str:
    settings = get_settings(session=db)
    url = settings.get("line_add_friend_url") or ""
    return render_template("console/link_slips.html", issued=issued, heading=heading, qr=qr_svg(url),
                           add_friend_url=url, org_name=settings["org_name"], hr_unit=settings["hr_unit_name"])


@bp.post("/staff/<int:staff_id>")
@hr_required
def one(staff_id: int) -> Any:
    """Issue a new code to one person (linked or not: a new phone needs one too) and print it."""
    with state().db.transaction() as db:
        person = db.get(Staff, staff_id)
        if person is None:
            abort(404)
        if not person.active:
            flash(T.LEFT, "err")
            return redirect(url_for("console.staff.edit", staff_id=staff_id))
        code, expires = create_link_code(session=db, staff=person, admin_id=actor()["admin_id"])
        issued = [IssuedCode(person, code, expires)]
        page = _sheet(db, issued, f"รหัสผูกบัญชี LINE ของ {person.name}")
    return page


@bp.post("/")
@hr_required
def bulk() -> Any:
    """Issue codes to every active person not yet linked (within the list's filters) and print them."""
    shown = current_filter(request.form)
    filt = StaffFilter(q=shown.q, unit_id=shown.unit_id, staff_type_id=shown.staff_type_id, role=shown.role,
                       linked=False, active=True)
    with state().db.transaction() as db:
        people = matching_staff(session=db, filter=filt)
        if not people:
            flash(T.NOBODY, "warn")
            return redirect(url_for("console.staff.index", **{k: v for k, v in request.form.items()
                                                                if k in {"q", "unit", "type", "role"}}))
        issued = issue_link_codes(session=db, people=people, admin_id=actor()["admin_id"])
        page = _sheet(db, issued, f"รหัสผูกบัญชี LINE ({len(issued)} คน)")
    return page
