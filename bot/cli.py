"""Operator commands: flask --app bot <command>."""
from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from bot.clock import COMMANDS as clock_commands
from bot.sheets import SheetError, import_courses_file, import_staff_file
from bot.state import state
from models.linking import create_link_code
from models.org import Staff
from thai.dates import format_datetime

log = logging.getLogger(__name__)


class T:
    """What the operator commands say when something expected goes wrong (one line each)."""

    NO_DATABASE = "เชื่อมต่อฐานข้อมูลไม่ได้ กรุณาตรวจสอบ DATABASE_URL และว่าฐานข้อมูลทำงานอยู่ ไม่มีการเปลี่ยนแปลงข้อมูล"
    NO_LINE = "ติดต่อ LINE ไม่ได้ในขณะนี้ ไม่มีการเปลี่ยนแปลงใน LINE กรุณาลองใหม่ภายหลัง"
    NO_FILE = "อ่านไฟล์ไม่ได้ ({reason}) ไม่มีการเปลี่ยนแปลงข้อมูล"
    IMPORTED_MENUS_LATER = (
        "บันทึกการนำเข้าแล้ว แต่ติดต่อ LINE ไม่ได้ จึงยังไม่ได้ปรับริชเมนูตามบทบาท "
        "กรุณาสั่ง flask --app bot richmenu-sync เมื่อ LINE กลับมาใช้ได้"
    )


def line_unreachable(exc: BaseException) -> bool:
    """Tell whether an exception means LINE could not be reached or refused the call."""
    import urllib3
    from linebot.v3.messaging.exceptions import ApiException, OpenApiException

    return isinstance(exc, urllib3.exceptions.HTTPError | ApiException | OpenApiException | ConnectionError)


def expected_failures(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the failures an operator can expect (no database, no LINE) into one Thai line and exit 1.

    Commands that get this far did nothing: those that save work first and then call LINE
    (import-staff) catch LINE's failure themselves and exit 0.
    """
    from sqlalchemy.exc import OperationalError

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except OperationalError:
            log.warning("operator command %s: database unreachable", fn.__name__)
            click.echo(T.NO_DATABASE, err=True)
        except Exception as exc:
            if isinstance(exc, OSError) and not line_unreachable(exc):
                click.echo(T.NO_FILE.format(reason=exc.strerror or type(exc).__name__), err=True)
                sys.exit(1)
            if not line_unreachable(exc):
                raise
            log.warning("operator command %s: LINE unreachable (%s)", fn.__name__, type(exc).__name__)
            click.echo(T.NO_LINE, err=True)
        sys.exit(1)

    return guarded


def register(app: Flask) -> None:
    """Add every command to the app's CLI (each runs inside the app context)."""
    app.cli.add_command(db_group)
    for cmd in (link_code, import_staff, import_courses, send_outbox, seed_demo, worker, quota):
        add(app, cmd)
    for cmd in clock_commands:  # run-due-jobs, clock
        add(app, cmd)
    from bot.richmenu import richmenu_sync_command  # richmenu-sync

    add(app, richmenu_sync_command)
    from bot.documents.commands import COMMANDS as document_commands  # export-hr-report, export-hr-plan ...

    for cmd in document_commands:
        add(app, cmd)
    from bot.privacy_commands import COMMANDS as privacy_commands  # export-staff-data, erase-staff, purge-expired

    for cmd in privacy_commands:
        add(app, cmd)
    from bot.console.commands import COMMANDS as console_commands  # create-admin, list-admins, ...

    for cmd in console_commands:
        add(app, cmd)


def add(app: Flask, cmd: click.Command) -> None:
    """Add one command, wrapped so it runs in the app context like @app.cli.command would."""
    if cmd.callback is not None and not getattr(cmd.callback, "_in_app_context", False):
        cmd.callback = with_appcontext(expected_failures(cmd.callback))
        cmd.callback._in_app_context = True  # type: ignore[attr-defined]
    app.cli.add_command(cmd)


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Manage the database schema (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@expected_failures
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema to a revision (default: the newest)."""
    from bot import migrate  # Alembic (and Mako) load for db commands only

    migrate.upgrade(state().config.DATABASE_URL, revision)
    click.echo("ฐานข้อมูลเป็นรุ่นล่าสุดแล้ว")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to a revision."""
    from bot import migrate

    migrate.downgrade(state().config.DATABASE_URL, revision)


@click.command("link-code")
@click.argument("employee_id")
def link_code(employee_id: str) -> None:
    """Print a one-time code (valid 7 days) that links a staff member's LINE account."""
    with state().db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.employee_id == employee_id.strip()))
        if staff is None or not staff.active:
            click.echo(f"ไม่พบบุคลากรรหัส {employee_id}", err=True)
            sys.exit(1)
        code, expires = create_link_code(session=session, staff=staff)
        click.echo(f"รหัสผูกบัญชี LINE ของ {staff.name} ใช้ได้ถึง {format_datetime(expires)}")
        click.echo("ให้เจ้าตัวพิมพ์รหัสนี้ในแชตกับบอท:")
    click.echo(code)


def _run_import(kind: str, path: str) -> None:
    fn = import_staff_file if kind == "staff" else import_courses_file
    try:
        with state().db.transaction() as session:
            summary = fn(session=session, path=Path(path))
    except SheetError as exc:
        click.echo(f"นำเข้าไม่สำเร็จ: พบปัญหา {len(exc.problems)} รายการ ไม่มีการเปลี่ยนแปลงข้อมูล", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(summary.describe())
    s = state()
    if kind == "staff" and s.gateway is not None:
        # Roles and supervisors may have changed, and with them who gets which rich menu
        # (a new subordinate makes someone an approver): relink everyone, which is idempotent.
        from bot.richmenu import link_people

        try:
            linked, failed = link_people(s.db, s.gateway, None)
        except Exception as exc:
            if not line_unreachable(exc):
                raise
            # The import is committed: say what was not done, and succeed.
            click.echo(T.IMPORTED_MENUS_LATER)
            return
        if linked or failed:
            click.echo(f"ปรับริชเมนูตามบทบาทแล้ว {linked} คน ไม่สำเร็จ {failed} คน")


@click.command("import-staff")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_staff(path: str) -> None:
    """Import staff from CSV or XLSX (all rows or none)."""
    _run_import("staff", path)


@click.command("import-courses")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_courses(path: str) -> None:
    """Import courses from CSV or XLSX (all rows or none)."""
    _run_import("courses", path)


@click.command("send-outbox")
def send_outbox() -> None:
    """Send every outbox message that is due."""
    s = state()
    if s.gateway is None:
        click.echo("ยังไม่ได้เชื่อมต่อ LINE: ไม่มีการส่งข้อความ", err=True)
        sys.exit(1)
    assert s.sender is not None
    stats = s.sender.deliver()
    click.echo(", ".join(f"{k}={v}" for k, v in sorted(stats.items())) or "ไม่มีข้อความที่ต้องส่ง")


@click.command("worker")
@click.option("--lanes", type=int, default=None, help="parallel senders (default WORKER_LANES, 8)")
@click.option("--inbox-lanes", type=int, default=None, help="parallel chat handlers (default INBOX_LANES, 4)")
@click.option("--nice", type=int, default=None, help="lower the CPU priority by this much (default WORKER_NICE, 10)")
def worker(lanes: int | None, inbox_lanes: int | None, nice: int | None) -> None:
    """Handle stored chat events and deliver the outbox continuously (the Procfile's worker); Ctrl-C stops it."""
    from bot.worker import lower_priority, run_worker

    s = state()
    if s.sender is None:
        click.echo("ยังไม่ได้เชื่อมต่อ LINE: ไม่มีการส่งข้อความ", err=True)
        sys.exit(1)
    # The webhook shares the machine: its answers to LINE go before the chat's backlog.
    lower_priority(s.config.WORKER_NICE if nice is None else nice)
    run_worker(s, lanes=lanes or s.config.WORKER_LANES, inbox_lanes=inbox_lanes or s.config.INBOX_LANES)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the fictional demo organisation when the database is empty (never over real data)."""
    from bot.demo import create_demo_admin, load_demo

    with state().db.transaction() as session:
        if session.scalar(select(Staff.id).limit(1)) is not None:
            click.echo("มีข้อมูลอยู่แล้ว ไม่โหลดข้อมูลตัวอย่าง")
            return
        load_demo(session=session)
        signin = create_demo_admin(session=session, instance_dir=Path(state().config.INSTANCE_DIR))
    click.echo("โหลดข้อมูลองค์กรตัวอย่างแล้ว")
    click.echo(f"หน้าจัดการระบบ (ตัวอย่าง): ชื่อผู้ใช้ {signin[0]} รหัสผ่าน {signin[1]}")


@click.command("quota")
def quota() -> None:
    """Show LINE's message quota for this month and the pushes each job and feature sent."""
    from bot.budget import month_start, read_quota
    from bot.console.quota import push_lines
    from models.base import utcnow
    from models.org import get_settings
    from models.outbox import sends_since

    s = state()
    q = read_quota(s.gateway)
    with s.db.transaction() as session:
        pushes = sends_since(session=session, since=month_start(utcnow())).pushes
        cap = get_settings(session=session).get("announcement_monthly_cap")
    limit = "ไม่จำกัด/ไม่ทราบ" if q.limit is None else f"{q.limit:,}"
    used = "ไม่ทราบ" if q.used is None else f"{q.used:,}"
    click.echo(f"โควตาข้อความ LINE เดือนนี้: {limit} ใช้ไปแล้ว {used}")
    click.echo(f"เพดานประกาศหลักสูตรต่อเดือน: {cap if cap else 'ไม่กำหนด'}")
    click.echo("ข้อความที่ส่งแบบ push เดือนนี้ (นับตามผู้รับ):")
    for line in push_lines(pushes):  # as the console's quota page names and orders them
        click.echo(f"  {line.name} ({line.source}): {line.tally.recipients:,}")
