"""Operator commands for personal data: export-staff-data, erase-staff, purge-expired."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from bot.state import BotState, state
from models.audit import audit
from models.org import get_settings
from models.privacy import PrivacyError, describe, empty_trash, erase_staff, export_staff_data, find_staff
from models.retention import purge_expired


class T:
    """What these commands say."""

    SAVED = "บันทึกสำเนาข้อมูลทั้งหมด (JSON) ไว้ที่ {path}"
    CONFIRM = "ลบข้อมูลของ {name} (รหัส {employee_id}) ถาวร? ตัวเลขสรุปรายปีงบประมาณยังคงอยู่โดยไม่ระบุตัวบุคคล"
    NOT_ERASED = "ยกเลิกแล้ว ไม่มีการลบข้อมูล"
    ERASED = ("ลบข้อมูลของรหัส {employee_id} แล้ว: คำขออบรม {registrations} รายการไม่ระบุตัวบุคคลแล้ว "
              "ไฟล์แนบ {files} ไฟล์ ข้อความที่รอส่ง/ส่งแล้ว {messages} รายการ บันทึกในประวัติการดำเนินการแล้ว")
    PURGED = ("ลบข้อมูลที่เกินระยะเวลาเก็บรักษา: คำขออบรม {registrations} รายการ ไฟล์ {files} ไฟล์ "
              "บันทึกการดำเนินการ {audit} รายการ บุคลากรที่พ้นสภาพ {people} คน; "
              "ข้อมูลประกอบระบบ {bookkeeping} รายการ")


def _safe(employee_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", employee_id.strip())[:40] or "staff"


@click.command("export-staff-data")
@click.argument("employee_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              help="where to write the JSON (default: staff-data-EMPLOYEE_ID.json here)")
def export_staff_data_command(employee_id: str, out: str | None) -> None:
    """Print what is kept about a staff member (Thai) and write all of it as JSON."""
    s = state()
    with s.db.transaction() as session:
        try:
            person = find_staff(session=session, employee_id=employee_id)
        except PrivacyError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        data = export_staff_data(session=session, staff=person)
        settings = get_settings(session=session)
        audit(session=session, action="staff.exported", subject_type="staff", subject_id=person.id, via="cli")
    path = Path(out or f"staff-data-{_safe(employee_id)}.json")
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(describe(data, settings))
    click.echo(T.SAVED.format(path=path))


@click.command("erase-staff")
@click.argument("employee_id")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def erase_staff_command(employee_id: str, yes: bool) -> None:
    """Erase a staff member (name, LINE id, texts, files); anonymous counts stay; audited."""
    s = state()
    with s.db.transaction() as session:
        try:
            person = find_staff(session=session, employee_id=employee_id)
        except PrivacyError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        if not yes and not click.confirm(T.CONFIRM.format(name=person.name, employee_id=person.employee_id)):
            click.echo(T.NOT_ERASED)
            return
        try:
            result = erase_staff(session=session, staff=person, via="cli")
        except PrivacyError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
    with s.db.transaction() as session:
        empty_trash(session=session, upload_dir=s.config.UPLOAD_DIR)
    click.echo(T.ERASED.format(employee_id=employee_id.strip(), registrations=result.counts.get("registrations", 0),
                               files=result.counts.get("files", 0), messages=result.counts.get("messages", 0)))


@click.command("purge-expired")
def purge_expired_command() -> None:
    """Remove what is older than the retention (setting retention_years) and old bookkeeping now."""
    from models.base import utcnow

    s = state()
    with s.db.transaction() as session:
        result = purge_expired(session=session, now=utcnow(), settings=get_settings(session=session))
    with s.db.transaction() as session:
        removed = empty_trash(session=session, upload_dir=s.config.UPLOAD_DIR)
    c = result.counts
    bookkeeping = sum(c.get(k, 0) for k in ("inbound_events", "link_attempts", "link_codes", "conversations",
                                            "outbox"))
    click.echo(T.PURGED.format(registrations=c["registrations"], files=removed, audit=c["audit"],
                               people=c["people"], bookkeeping=bookkeeping))


def sweep_uploads(s: BotState) -> int:
    """Delete the uploads whose records are gone (queued in upload_trash); return how many."""
    with s.db.transaction() as session:
        return empty_trash(session=session, upload_dir=s.config.UPLOAD_DIR)


COMMANDS = (export_staff_data_command, erase_staff_command, purge_expired_command)
