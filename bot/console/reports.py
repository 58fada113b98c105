"""Reports (รายงานผลการอบรม): submitted reports with their photos and certificates (served only to
signed-in accounts), and owed and overdue reports with a ส่งเตือน button (one reminder a day)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from bot.console.auth import actor, current_admin, hr_required, login_required
from bot.console.sending import deliver_now
from bot.console.shown import helpers
from bot.state import state
from models.org import Staff, get_settings
from models.outbox import queued_ids
from models.report_overview import Reminded, attachment_file, remind_now, submitted_reports
from models.reports import OwedRow, owed_reports_all
from thai.dates import today_bangkok

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.context_processor(helpers)
NAV = ("console.reports.index", "รายงานผลการอบรม")


class T:
    """What these pages say."""

    REMINDED = "ส่งเตือน {name} แล้วค่ะ"
    ALREADY = "วันนี้ส่งเตือน {name} ไปแล้วค่ะ (ส่งได้วันละครั้ง)"
    UNREACHABLE = "{name} ยังไม่ได้ผูกบัญชี LINE หรือรับข้อความจากบอทไม่ได้ จึงส่งเตือนไม่ได้ค่ะ"
    NOTHING_OWED = "{name} ไม่มีรายงานค้างส่งแล้วค่ะ"
    STATUS = {"submitted": "รอผู้บังคับบัญชารับทราบ", "acknowledged": "ผู้บังคับบัญชารับทราบแล้ว",
              "revision_requested": "ขอให้แก้ไข"}


def _owed_by_person(rows: list[OwedRow]) -> list[dict[str, Any]]:
    people: dict[int, dict[str, Any]] = {}
    for r in rows:
        person = people.setdefault(r.staff_id, {"staff_id": r.staff_id, "name": r.name, "unit": r.unit,
                                                "reachable": r.line_user_id is not None, "items": []})
        person["items"].append(r)
    return sorted(people.values(), key=lambda p: -max(i.overdue_days for i in p["items"]))


@bp.get("/")
@login_required
def index() -> str:
    """Submitted reports (newest first) and the reports still owed, overdue first."""
    today = today_bangkok()
    status = request.args.get("status") or None
    with state().db.transaction() as db:
        owed = owed_reports_all(session=db, today=today, settings=get_settings(session=db))
        reports = submitted_reports(session=db, status=status)
        return render_template("console/reports/index.html", reports=reports, owed=_owed_by_person(owed),
                               status=status, statuses=T.STATUS, today=today)


@bp.get("/files/<int:attachment_id>")
@login_required
def file(attachment_id: int) -> Any:
    """Send one photo or certificate of a submitted report (never a public URL)."""
    with state().db.transaction() as db:
        found = attachment_file(session=db, attachment_id=attachment_id, upload_dir=state().config.UPLOAD_DIR)
    if found is None:
        abort(404)
    response = send_file(found.path, mimetype=found.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/remind/<int:staff_id>")
@hr_required
def remind(staff_id: int) -> Any:
    """Send one reminder of owed reports now (at most one a day per person)."""
    from handlers.reports.reminders import followup_message  # a chat feature: loaded when used

    today = today_bangkok()
    s = state()
    with s.db.transaction() as db:
        person = db.scalar(select(Staff).where(Staff.id == staff_id)) or abort(404)
        mine = [r for r in owed_reports_all(session=db, today=today, settings=get_settings(session=db))
                if r.staff_id == staff_id]
        if not mine:
            flash(T.NOTHING_OWED.format(name=person.name), "warn")
            return redirect(url_for(".index"))
        # The same card as the monthly follow-up, sent now.
        outcome = remind_now(session=db, staff=person, today=today,
                             messages=[followup_message(s.services.codec, mine, today)],
                             by=current_admin().username, **actor())
        name = person.name
    deliver_now(queued_ids(db))
    if outcome is Reminded.QUEUED:
        flash(T.REMINDED.format(name=name), "ok")
    elif outcome is Reminded.ALREADY_TODAY:
        flash(T.ALREADY.format(name=name), "warn")
    else:
        flash(T.UNREACHABLE.format(name=name), "err")
    return redirect(url_for(".index"))
