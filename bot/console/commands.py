"""Operator commands for console accounts: create-admin, list-admins, reset-admin-password."""
from __future__ import annotations

import sys

import click

from bot.state import state
from models.admin import ADMIN_HR, ADMIN_ROLES, AdminError, create_admin, list_admins, reset_password
from thai.dates import format_datetime


def _fail(message: str) -> None:
    # Expected failures: one Thai line, no traceback.
    click.echo(message, err=True)
    sys.exit(1)


def _ask_password() -> str:
    """Ask for the password twice (hidden); a mismatch ends the command in one Thai line."""
    first = click.prompt("รหัสผ่าน (อย่างน้อย 10 ตัวอักษร)", hide_input=True, default="", show_default=False)
    second = click.prompt("พิมพ์รหัสผ่านอีกครั้ง", hide_input=True, default="", show_default=False)
    if first != second:
        _fail("รหัสผ่านสองครั้งไม่ตรงกัน ไม่มีการเปลี่ยนแปลง")
    return str(first)


@click.command("create-admin")
@click.argument("username")
@click.option("--role", default=ADMIN_HR, show_default=True,
              help=f"one of {', '.join(ADMIN_ROLES)}: hr edits; viewer only reads (executives, auditors)")
def create_admin_command(username: str, role: str) -> None:
    """Create a console sign-in; asks for the password twice and keeps only its hash."""
    if role not in ADMIN_ROLES:
        _fail(f"สร้างบัญชีไม่สำเร็จ: ไม่รู้จักบทบาท “{role}” (ใช้ได้: {', '.join(ADMIN_ROLES)})")
    password = _ask_password()
    try:
        with state().db.transaction() as session:
            user = create_admin(session=session, username=username, password=password, role=role)
            name, role_name = user.username, user.role_name
    except AdminError as exc:
        _fail(f"สร้างบัญชีไม่สำเร็จ: {exc}")
    click.echo(f"สร้างบัญชี {name} ({role_name}) แล้ว เข้าสู่ระบบได้ที่ /admin/")


@click.command("list-admins")
def list_admins_command() -> None:
    """List the console sign-ins with their roles and last sign-in."""
    with state().db.transaction() as session:
        users = list_admins(session=session)
        rows = [(u.username, u.role, u.active, u.last_login_at, u.locked_until) for u in users]
    if not rows:
        click.echo("ยังไม่มีบัญชีหน้าจัดการระบบ สร้างด้วย flask --app bot create-admin USERNAME")
        return
    for username, role, active, last, locked in rows:
        status = "ใช้งาน" if active else "ปิดใช้งาน"
        seen = format_datetime(last) if last else "ยังไม่เคยเข้าสู่ระบบ"
        extra = f" ล็อกถึง {format_datetime(locked)}" if locked else ""
        click.echo(f"{username}\t{role}\t{status}\t{seen}{extra}")


@click.command("reset-admin-password")
@click.argument("username")
def reset_admin_password_command(username: str) -> None:
    """Set a new password for a console sign-in (lift a lock-out, reopen a closed account); old sessions end."""
    password = _ask_password()
    try:
        with state().db.transaction() as session:
            user = reset_password(session=session, username=username, password=password)
            name = user.username
    except AdminError as exc:
        _fail(f"เปลี่ยนรหัสผ่านไม่สำเร็จ: {exc}")
    click.echo(f"ตั้งรหัสผ่านใหม่ของ {name} แล้ว")


COMMANDS = (create_admin_command, list_admins_command, reset_admin_password_command)
