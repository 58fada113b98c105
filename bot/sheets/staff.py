"""The staff sheet: its columns, the checks of each row and of the supervisor chain, the upsert."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sheets.cells import RowCheck
from bot.sheets.reader import (
    Column,
    ImportSummary,
    Lookup,
    Row,
    SheetError,
    Table,
    by_row,
    check_duplicates,
    clean_text,
    read_table,
    set_changed,
)
from models.audit import audit
from models.org import ROLE_APPROVER, ROLE_EXECUTIVE, ROLE_HR, ROLE_STAFF, ROLES, Staff, StaffType, Unit

STAFF_COLUMNS: tuple[Column, ...] = (
    Column("employee_id", "รหัสพนักงาน", ("รหัสบุคลากร",), required=True),
    Column("title", "คำนำหน้า", ("คำนำหน้าชื่อ",)),
    Column("first_name", "ชื่อ", required=True),
    Column("last_name", "นามสกุล", ("สกุล",), required=True),
    Column("position", "ตำแหน่ง"),
    Column("staff_type", "ประเภทบุคลากร", ("ประเภท",)),
    Column("unit", "สังกัด", ("หน่วยงาน",)),
    Column("supervisor_id", "รหัสผู้บังคับบัญชา"),
    Column("roles", "บทบาท"),
    Column("active", "ใช้งาน", ("สถานะการใช้งาน",)),
)

_ROLE_WORDS: dict[str, str] = {
    "staff": ROLE_STAFF, "บุคลากร": ROLE_STAFF,
    "approver": ROLE_APPROVER, "ผู้อนุมัติ": ROLE_APPROVER,
    "hr": ROLE_HR, "เจ้าหน้าที่บุคคล": ROLE_HR, "เจ้าหน้าที่การเจ้าหน้าที่": ROLE_HR, "งานบุคคล": ROLE_HR,
    "executive": ROLE_EXECUTIVE, "ผู้บริหาร": ROLE_EXECUTIVE,
}  # fmt: skip


@dataclass
class _StaffRow:
    number: int
    ok: bool
    employee_id: str
    title: str
    first_name: str
    last_name: str
    position: str
    staff_type: str | None
    unit: str | None
    supervisor_id: str | None
    roles: list[str]
    active: bool


def _check_staff_row(row: Row, table: Table, problems: list[str]) -> _StaffRow:
    """Read one staff row; ``ok`` is False when it had a problem (the rest still feeds the chart check)."""
    check = RowCheck(row, table, problems)
    employee_id = check.key("employee_id", required=True)
    title = check.text("title", max_len=60)
    first_name = check.text("first_name", required=True, max_len=120)
    last_name = check.text("last_name", required=True, max_len=120)
    position = check.text("position", max_len=200)
    staff_type = check.text("staff_type", max_len=120) or None
    unit = check.text("unit", max_len=200) or None
    supervisor_id = check.key("supervisor_id") or None
    roles = {ROLE_STAFF}  # everyone in the staff register may request training
    for word in check.names("roles", max_len=60):
        role = _ROLE_WORDS.get(word.casefold())
        if role is None:
            check.problem(f"ไม่รู้จักบทบาท “{word}” (ใช้ได้: บุคลากร/staff, ผู้อนุมัติ/approver, เจ้าหน้าที่บุคคล/hr, ผู้บริหาร/executive)")
        else:
            roles.add(role)
    active = check.flag("active", default=True)
    if employee_id and supervisor_id == employee_id:
        check.problem(f"รหัสผู้บังคับบัญชาเป็นรหัสของตัวเอง ({employee_id})")
    return _StaffRow(row.number, check.ok, employee_id, title, first_name, last_name, position, staff_type,
                     unit, supervisor_id, [r for r in ROLES if r in roles], active)


def _check_supervisors(rows: list[_StaffRow], table: Table, boss_in_db: dict[str, str | None],
                       active_in_db: dict[str, bool], problems: list[str]) -> None:
    """Check every supervisor exists and is active, and that no chain loops (file and DB together)."""
    # The organisation chart after the import: the file's rows override what the DB holds.
    boss_of = dict(boss_in_db)
    active = dict(active_in_db)
    row_of: dict[str, int] = {}
    for p in rows:
        row_of[p.employee_id] = p.number
        active[p.employee_id] = p.active
        if table.has("supervisor_id"):
            boss_of[p.employee_id] = p.supervisor_id
        else:
            boss_of.setdefault(p.employee_id, None)
    if not table.has("supervisor_id"):
        return

    for p in rows:
        if p.supervisor_id is None or p.supervisor_id == p.employee_id:
            continue
        if p.supervisor_id not in boss_of:
            problems.append(f"แถวที่ {p.number}: ไม่พบรหัสผู้บังคับบัญชา {p.supervisor_id} (ไม่มีในไฟล์และในระบบ)")
        elif p.active and not active.get(p.supervisor_id, True):
            where = f"แถวที่ {row_of[p.supervisor_id]}" if p.supervisor_id in row_of else "ในระบบ"
            problems.append(f"แถวที่ {p.number}: ผู้บังคับบัญชา {p.supervisor_id} ถูกปิดการใช้งาน ({where})")

    for p in rows:
        path = [p.employee_id]
        current = boss_of.get(p.employee_id)
        seen = {p.employee_id}
        while current is not None and current not in seen:
            path.append(current)
            seen.add(current)
            current = boss_of.get(current)
        if current == p.employee_id and len(path) > 1:  # len 1 = own supervisor, reported already
            loop = " → ".join([*path, p.employee_id])
            problems.append(f"แถวที่ {p.number}: สายการบังคับบัญชาวนกลับมาที่ตัวเอง ({loop})")


def import_staff_file(*, session: Session, path: Path, actor_id: int | None = None) -> ImportSummary:
    """Upsert staff from a CSV/XLSX file by employee id; refuse the whole file on any problem."""
    # Check everything, then write everything: the two halves belong in one reading.
    table = read_table(Path(path), STAFF_COLUMNS)
    problems: list[str] = []
    checked = [_check_staff_row(row, table, problems) for row in table.rows]
    check_duplicates(((p.number, p.employee_id) for p in checked), "รหัสพนักงาน", problems)

    people = {person.employee_id: person for person in session.scalars(select(Staff))}
    emp_of_id = {person.id: emp for emp, person in people.items()}
    boss_in_db = {emp: emp_of_id.get(person.supervisor_id) if person.supervisor_id else None
                  for emp, person in people.items()}
    # Every row with an id takes part in the chart check, even one with other problems, so a
    # bad date on a boss's row does not also report their staff as having an unknown boss.
    firsts: dict[str, _StaffRow] = {}
    for p in checked:
        if p.employee_id:
            firsts.setdefault(p.employee_id, p)
    _check_supervisors(list(firsts.values()), table, boss_in_db,
                       {emp: person.active for emp, person in people.items()}, problems)
    if problems:
        raise SheetError(by_row(problems))

    summary = ImportSummary(kind="staff", ignored_columns=table.ignored)
    units, types = Lookup(session, Unit), Lookup(session, StaffType)
    changed: set[str] = set()
    added: set[str] = set()
    for p in checked:
        person = people.get(p.employee_id)
        if person is None:
            person = Staff(employee_id=p.employee_id, first_name=p.first_name, last_name=p.last_name,
                           roles=p.roles, active=p.active)
            session.add(person)
            people[p.employee_id] = person
            added.add(p.employee_id)
        if _apply_staff(person, p, table, units, types):
            changed.add(p.employee_id)
    # Supervisors second, so a boss defined further down the file already exists.
    if table.has("supervisor_id"):
        for p in checked:
            if boss_in_db.get(p.employee_id) != p.supervisor_id or p.employee_id in added:
                people[p.employee_id].supervisor = people[p.supervisor_id] if p.supervisor_id else None
                changed.add(p.employee_id)
    session.flush()

    summary.added = len(added)
    summary.updated = len(changed - added)
    summary.unchanged = len(checked) - summary.added - summary.updated
    summary.new_units, summary.new_staff_types = units.created, types.created
    audit(session=session, action="import.staff", subject_type="staff", subject_id=None, actor_id=actor_id,
          rows=len(checked), added=summary.added, updated=summary.updated, unchanged=summary.unchanged,
          new_units=units.created, new_staff_types=types.created)
    return summary


def _apply_staff(person: Staff, p: _StaffRow, table: Table, units: Lookup, types: Lookup) -> bool:
    """Copy a row's columns onto a person (only the columns the file has); tell whether any changed."""
    changed = False
    for name in ("first_name", "last_name"):
        changed |= set_changed(person, name, getattr(p, name))
    for name in ("title", "position", "active"):
        if table.has(name):
            changed |= set_changed(person, name, getattr(p, name))
    if table.has("roles") and set(person.roles or []) != set(p.roles):
        person.roles = p.roles
        changed = True
    if table.has("unit"):
        current = clean_text(person.unit.name) if person.unit is not None else None
        if current != p.unit:
            person.unit = units.get(p.unit) if p.unit else None
            changed = True
    if table.has("staff_type"):
        current = clean_text(person.staff_type.name) if person.staff_type is not None else None
        if current != p.staff_type:
            person.staff_type = types.get(p.staff_type) if p.staff_type else None
            changed = True
    return changed


