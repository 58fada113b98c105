"""Uploads: a staff or course sheet is checked in a preview, and saved only when HR confirms.

The uploaded file waits on the server (under UPLOAD_DIR, named by a random token); the browser's
session holds only that token, never the sheet. Confirming re-runs the dry run and imports only
if the preview the officer saw is still what would happen.
"""
from __future__ import annotations

import io
import logging
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for

from bot.console.auth import actor, hr_required, login_required
from bot.sheets import SheetError, import_courses_file, import_staff_file
from bot.sheets.preview import Kind, Preview, columns_of, dry_run
from bot.sheets.template import template_csv, template_xlsx
from bot.state import state
from models.audit import audit

log = logging.getLogger(__name__)
bp = Blueprint("uploads", __name__, url_prefix="/uploads")
NAV = ("console.uploads.index", "นำเข้าไฟล์")
KINDS: dict[str, str] = {"staff": "รายชื่อบุคลากร", "courses": "หลักสูตร"}
SUFFIXES = (".csv", ".xlsx", ".xlsm")
PENDING_TTL = 24 * 3600  # an upload nobody confirmed within a day is deleted


class T:
    """The upload pages' Thai text."""

    NO_FILE = "กรุณาเลือกไฟล์ .csv หรือ .xlsx ก่อนค่ะ"
    BAD_TYPE = "ไม่รองรับไฟล์ชนิดนี้ กรุณาใช้ไฟล์ .csv หรือ .xlsx ค่ะ"
    GONE = "ไม่พบไฟล์ที่รอยืนยัน (อาจยืนยันหรือยกเลิกไปแล้ว) กรุณาอัปโหลดใหม่ค่ะ"
    MOVED = "ข้อมูลในระบบเปลี่ยนไปหลังจากตรวจไฟล์ กรุณาตรวจรายการด้านล่างอีกครั้งก่อนยืนยันค่ะ"
    REFUSED = "ยังนำเข้าไม่ได้ ไฟล์มีปัญหา {n} รายการ ไม่มีการเปลี่ยนแปลงข้อมูลค่ะ"
    CANCELLED = "ยกเลิกการนำเข้าแล้ว ไม่มีการเปลี่ยนแปลงข้อมูลค่ะ"
    TOO_BIG = "ไฟล์ใหญ่เกินไป (ไม่เกิน 16 MB) กรุณาแบ่งเป็นหลายไฟล์ค่ะ"


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        abort(404)
    return kind  # type: ignore[return-value]


def _pending_dir() -> Path:
    path = Path(state().config.UPLOAD_DIR) / "console-pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(directory: Path) -> None:
    """Delete uploads left unconfirmed for more than a day."""
    cutoff = time.time() - PENDING_TTL
    for old in directory.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue


def _path_of(held: object) -> Path | None:
    """Return where a session's waiting file is kept (the token is checked, never trusted as a path)."""
    if not isinstance(held, dict):
        return None
    token, suffix = str(held.get("token", "")), str(held.get("suffix", ""))
    if len(token) != 32 or not token.isalnum() or suffix not in SUFFIXES:
        return None
    return _pending_dir() / f"{token}{suffix}"


def _pending(kind: Kind) -> Path | None:
    """Return this session's waiting file of a kind, if it is still there."""
    held = session.get("upload")
    path = _path_of(held) if isinstance(held, dict) and held.get("kind") == kind else None
    return path if path is not None and path.exists() else None


def _forget() -> None:
    """Delete this session's waiting file, if any."""
    path = _path_of(session.pop("upload", None))
    if path is not None:
        path.unlink(missing_ok=True)


@bp.get("/")
@login_required
def index() -> str:
    """Show the upload forms, the templates and the columns each sheet accepts."""
    return render_template("console/uploads.html", kinds=KINDS, columns={k: columns_of(k) for k in KINDS})  # type: ignore[arg-type]


@bp.get("/<kind>/template.<ext>")
@login_required
def template(kind: str, ext: str) -> Any:
    """Download an empty sheet with the right headers and one example row."""
    k = _kind(kind)
    if ext == "xlsx":
        data, mime = template_xlsx(k), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif ext == "csv":
        data, mime = template_csv(k), "text/csv; charset=utf-8"
    else:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=mime, as_attachment=True, download_name=f"{k}-template.{ext}")


@bp.post("/<kind>")
@hr_required
def upload(kind: str) -> Any:
    """Keep an uploaded sheet on the server and show its preview."""
    k = _kind(kind)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(T.NO_FILE, "err")
        return redirect(url_for("console.uploads.index"))
    suffix = Path(file.filename).suffix.lower()
    if suffix not in SUFFIXES:
        flash(T.BAD_TYPE if suffix != ".xls" else "ไฟล์ .xls รุ่นเก่ายังอ่านไม่ได้ กรุณาบันทึกเป็น .xlsx หรือ .csv แล้วอัปโหลดใหม่ค่ะ",
              "err")
        return redirect(url_for("console.uploads.index"))
    _forget()
    directory = _pending_dir()
    _sweep(directory)
    token = secrets.token_hex(16)
    file.save(directory / f"{token}{suffix}")
    session["upload"] = {"kind": k, "token": token, "suffix": suffix, "name": Path(file.filename).name[:120]}
    return redirect(url_for("console.uploads.preview", kind=k))


def _dry_run(kind: Kind, path: Path) -> Preview:
    return dry_run(session_factory=state().db.Session, kind=kind, path=path)


@bp.get("/<kind>/preview")
@hr_required
def preview(kind: str) -> Any:
    """Show what confirming the waiting sheet would do, row by row."""
    k = _kind(kind)
    path = _pending(k)
    if path is None:
        flash(T.GONE, "warn")
        return redirect(url_for("console.uploads.index"))
    result = _dry_run(k, path)
    return render_template("console/upload_preview.html", kind=k, kinds=KINDS, preview=result,
                           filename=session["upload"].get("name", ""))


@bp.post("/<kind>/confirm")
@hr_required
def confirm(kind: str) -> Any:
    """Import the waiting sheet, if the preview the officer saw still holds."""
    k = _kind(kind)
    path = _pending(k)
    if path is None:
        flash(T.GONE, "warn")
        return redirect(url_for("console.uploads.index"))
    if _dry_run(k, path).fingerprint != request.form.get("fingerprint", ""):
        flash(T.MOVED, "warn")
        return redirect(url_for("console.uploads.preview", kind=k))
    who = actor()
    importer = import_staff_file if k == "staff" else import_courses_file
    try:
        with state().db.transaction() as db:
            summary = importer(session=db, path=path, actor_id=who["actor_id"])
            audit(session=db, action=f"console.upload.{k}", subject_type="import", subject_id=None,
                  admin_id=who["admin_id"], actor_id=who["actor_id"], rows=summary.rows)
    except SheetError as exc:
        flash(T.REFUSED.format(n=len(exc.problems)), "err")
        return redirect(url_for("console.uploads.preview", kind=k))
    _forget()
    flash(summary.describe(), "ok")
    if k == "staff":
        _relink_everyone()
    return redirect(url_for("console.staff.index" if k == "staff" else "console.uploads.index"))


def _relink_everyone() -> None:
    """Roles and supervisors may have changed, and with them the rich menus (as the CLI import does)."""
    s = state()
    if s.gateway is None:
        return
    from bot.richmenu import link_people

    try:
        link_people(s.db, s.gateway, None)
    except Exception:  # noqa: BLE001 - the import is committed; richmenu-sync can link later
        log.exception("relinking rich menus after a console import failed")


@bp.post("/cancel")
@hr_required
def cancel() -> Any:
    """Drop the waiting sheet."""
    _forget()
    flash(T.CANCELLED, "ok")
    return redirect(url_for("console.uploads.index"))
