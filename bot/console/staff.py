"""Staff: the searchable list, adding and editing people, deactivating and reactivating them."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from bot.console.auth import T as AUTH_T
from bot.console.auth import actor, hr_required, login_required, own_record
from bot.state import state
from models.org import ROLES, Staff
from models.staff import (
    ROLE_NAMES,
    StaffError,
    StaffFilter,
    StaffInput,
    deactivate_staff,
    decisions_waiting_on,
    open_requests,
    possible_supervisors,
    reactivate_staff,
    save_staff,
    search_staff,
    staff_types,
    units,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")
NAV = ("console.staff.index", "บุคลากร")


class T:
    """The staff pages' Thai text."""

    ADDED = "เพิ่ม {name} แล้วค่ะ"
    SAVED = "บันทึกข้อมูลของ {name} แล้วค่ะ"
    UNCHANGED = "ไม่มีข้อมูลที่เปลี่ยนแปลงค่ะ"
    FIX = "ยังบันทึกไม่ได้ กรุณาแก้ไขช่องที่แจ้งไว้ค่ะ"
    DEACTIVATED = "ปิดการใช้งาน {name} แล้วค่ะ ถอนคำขอที่ค้างอยู่ {withdrawn} รายการ แจ้งผู้อนุมัติ {told} คน"
    ACCOUNTS_CLOSED = ("ปิดบัญชีเข้าหน้าจัดการระบบของบุคคลนี้ {n} บัญชีด้วยค่ะ หากกลับมาปฏิบัติงาน "
                       "ผู้ดูแลระบบเปิดบัญชีได้อีกครั้งด้วยคำสั่ง reset-admin-password ค่ะ")
    STILL_WAITING = "ยังมีคำขอของผู้อื่น {n} รายการรอการพิจารณาจาก {name} กรุณาพิจารณาแทนหรือตั้งผู้รักษาราชการแทนค่ะ"
    REACTIVATED = "เปิดใช้งาน {name} อีกครั้งแล้วค่ะ"


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _flag(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get((value or "").strip())


def current_filter(args: MultiDict[str, str]) -> StaffFilter:
    """Read the list's filters from the query string (active only unless asked otherwise)."""
    active = args.get("active", "1")
    return StaffFilter(q=args.get("q", "").strip()[:100], unit_id=_int(args.get("unit")),
                       staff_type_id=_int(args.get("type")),
                       role=args.get("role") if args.get("role") in ROLES else None,
                       linked=_flag(args.get("linked")), active=_flag(active))


def _choices(db: Session, exclude_id: int | None = None) -> dict[str, Any]:
    return {"units": units(session=db), "staff_types": staff_types(session=db),
            "supervisors": possible_supervisors(session=db, exclude_id=exclude_id),
            "roles": ROLES, "role_names": ROLE_NAMES}


@bp.get("/")
@login_required
def index() -> str:
    """List staff with search and filters."""
    filt = current_filter(request.args)
    with state().db.transaction() as db:
        found = search_staff(session=db, filter=filt, page=_int(request.args.get("page")) or 1)
        choices = _choices(db)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("console/staff_list.html", found=found, filt=filt, args=args, **choices)


def _form_input(form: MultiDict[str, str]) -> StaffInput:
    return StaffInput(
        employee_id=form.get("employee_id", ""), title=form.get("title", ""),
        first_name=form.get("first_name", ""), last_name=form.get("last_name", ""),
        position=form.get("position", ""), unit_id=_int(form.get("unit_id")), new_unit=form.get("new_unit", ""),
        staff_type_id=_int(form.get("staff_type_id")), new_staff_type=form.get("new_staff_type", ""),
        supervisor_id=_int(form.get("supervisor_id")), roles=form.getlist("roles"),
    )


def _relink_menus(db: Session, people: list[Staff | None]) -> None:
    """Give each person the rich menu their roles now call for, once the change commits."""
    hook = state().services.on_menu_change
    if hook is None:
        return
    for person in people:
        if person is not None and person.active and person.line_user_id:
            hook(db, person)


@bp.route("/new", methods=["GET", "POST"])
@hr_required
def new() -> Any:
    """Add a person by hand."""
    data, errors = StaffInput(), {}
    if request.method == "POST":
        data = _form_input(request.form)
        try:
            with state().db.transaction() as db:
                person = save_staff(session=db, data=data, **actor())
                _relink_menus(db, [person.supervisor])
                name, person_id = person.name, person.id
        except StaffError as exc:
            errors = exc.errors
        else:
            flash(T.ADDED.format(name=name), "ok")
            return redirect(url_for("console.staff.edit", staff_id=person_id))
    with state().db.transaction() as db:
        choices = _choices(db)
    status = 422 if errors else 200
    return render_template("console/staff_form.html", person=None, data=data, errors=errors, **choices), status


def _as_input(person: Staff) -> StaffInput:
    return StaffInput(employee_id=person.employee_id, title=person.title, first_name=person.first_name,
                      last_name=person.last_name, position=person.position, unit_id=person.unit_id,
                      staff_type_id=person.staff_type_id, supervisor_id=person.supervisor_id,
                      roles=list(person.roles or []))


@bp.route("/<int:staff_id>", methods=["GET", "POST"])
@login_required
def edit(staff_id: int) -> Any:
    """Show a person; HR may change them (viewers see the same page, read only)."""
    errors: dict[str, str] = {}
    data: StaffInput | None = None
    if request.method == "POST":
        data = _form_input(request.form)
        try:
            with state().db.transaction() as db:
                before = db.get(Staff, staff_id)
                if before is None:
                    abort(404)
                old_boss, old_roles = before.supervisor, set(before.roles or [])
                person = save_staff(session=db, data=data, staff_id=staff_id, **actor())
                if old_boss != person.supervisor or old_roles != set(person.roles or []):
                    _relink_menus(db, [person, old_boss, person.supervisor])
                name = person.name
        except StaffError as exc:
            errors = exc.errors
        else:
            flash(T.SAVED.format(name=name), "ok")
            return redirect(url_for("console.staff.edit", staff_id=staff_id))
    with state().db.transaction() as db:
        person = db.get(Staff, staff_id)
        if person is None:
            abort(404)
        choices = _choices(db, exclude_id=staff_id)
        opened = open_requests(session=db, staff=person)
        waiting = decisions_waiting_on(session=db, staff=person)
        page = render_template("console/staff_form.html", person=person, data=data or _as_input(person),
                               errors=errors, opened=opened, waiting=waiting, **choices)
    return page, 422 if errors else 200


@bp.route("/<int:staff_id>/deactivate", methods=["GET", "POST"])
@hr_required
def deactivate(staff_id: int) -> Any:
    """Confirm, then mark a person as left: their open requests are withdrawn, the approvers told."""
    if request.method == "POST" and own_record(staff_id):
        flash(AUTH_T.OWN_RECORD, "err")
        return redirect(url_for("console.staff.deactivate", staff_id=staff_id))
    if request.method == "POST":
        with state().db.transaction() as db:
            try:
                done = deactivate_staff(session=db, staff_id=staff_id, **actor())
            except StaffError:
                abort(404)
            name = done.staff.name
        flash(T.DEACTIVATED.format(name=name, withdrawn=done.withdrawn, told=done.told), "ok")
        if done.accounts_closed:
            flash(T.ACCOUNTS_CLOSED.format(n=done.accounts_closed), "warn")
        if done.waiting_on_them:
            flash(T.STILL_WAITING.format(n=done.waiting_on_them, name=name), "warn")
        return redirect(url_for("console.staff.edit", staff_id=staff_id))
    with state().db.transaction() as db:
        person = db.get(Staff, staff_id)
        if person is None:
            abort(404)
        page = render_template("console/staff_deactivate.html", person=person, own=own_record(staff_id), own_text=AUTH_T.OWN_RECORD,
                               opened=open_requests(session=db, staff=person),
                               waiting=decisions_waiting_on(session=db, staff=person))
    return page


@bp.post("/<int:staff_id>/reactivate")
@hr_required
def reactivate(staff_id: int) -> Any:
    """Bring a person back to work."""
    with state().db.transaction() as db:
        try:
            person = reactivate_staff(session=db, staff_id=staff_id, **actor())
        except StaffError:
            abort(404)
        name = person.name
    flash(T.REACTIVATED.format(name=name), "ok")
    return redirect(url_for("console.staff.edit", staff_id=staff_id))
