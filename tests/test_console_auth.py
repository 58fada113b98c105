"""The console's door: sign-in, lock-out, sessions, roles, CSRF and the account commands."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from models.admin import (
    ADMIN_VIEWER,
    LOGIN_LOCK,
    AdminError,
    AdminUser,
    SignIn,
    admin_by_username,
    create_admin,
    list_admins,
    sign_in,
)
from models.base import utcnow
from tests.support.console import PASSWORD, ConsoleClient, make_admin


def test_every_console_page_but_the_login_needs_a_session(console_anon: ConsoleClient) -> None:
    response = console_anon.get("/admin/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    page = console_anon.text("/admin/login")
    assert "เข้าสู่ระบบ" in page and 'lang="th"' in page


def test_sign_in_and_out(app: Flask, tx, console_anon: ConsoleClient) -> None:
    name = make_admin(tx)
    response = console_anon.sign_in(name)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    home = console_anon.text("/admin/")
    assert "หน้าหลัก" in home and name in home and "ออกจากระบบ" in home
    out = console_anon.post("/admin/logout")
    assert out.status_code == 302
    assert console_anon.get("/admin/").status_code == 302


def test_a_wrong_password_says_so_in_thai_and_signs_nobody_in(tx, console_anon: ConsoleClient) -> None:
    name = make_admin(tx)
    response = console_anon.sign_in(name, "wrong-password-1")
    assert response.status_code == 401
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    unknown = console_anon.sign_in("nobody-here", "wrong-password-1")
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in unknown.get_data(as_text=True)
    assert console_anon.get("/admin/").status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes(tx, console_anon: ConsoleClient) -> None:
    name = make_admin(tx)
    for _ in range(4):
        assert console_anon.sign_in(name, "wrong-password-1").status_code == 401
    fifth = console_anon.sign_in(name, "wrong-password-1")
    assert "บัญชีถูกล็อกชั่วคราว" in fifth.get_data(as_text=True)
    # The right password does not open a locked account.
    locked = console_anon.sign_in(name)
    assert locked.status_code == 401 and "บัญชีถูกล็อกชั่วคราว" in locked.get_data(as_text=True)
    with tx() as session:
        user = admin_by_username(session=session, username=name)
        assert user is not None and user.locked_until is not None
        remaining = user.locked_until - utcnow()
        assert timedelta(minutes=14) < remaining <= LOCK_PLUS
        later = user.locked_until + timedelta(seconds=1)
        assert sign_in(session=session, username=name, password=PASSWORD, now=later).result is SignIn.OK


LOCK_PLUS = LOGIN_LOCK + timedelta(seconds=5)


def test_only_a_strong_hash_is_stored(session) -> None:
    user = create_admin(session=session, username="Somchai.HR", password=PASSWORD)
    assert user.username == "somchai.hr"
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
    with pytest.raises(AdminError, match="อย่างน้อย"):
        create_admin(session=session, username="short", password="abc")
    with pytest.raises(AdminError, match="มีชื่อผู้ใช้"):
        create_admin(session=session, username="somchai.hr", password=PASSWORD)


def test_an_unknown_name_is_checked_against_a_hash_as_costly_as_a_real_one(session) -> None:
    from models import admin

    user = create_admin(session=session, username="somchai.hr", password=PASSWORD)
    # method and work factors ("scrypt:32768:8:1"): the dummy must cost what a stored hash costs
    assert admin._DUMMY_HASH.split("$")[0] == user.password_hash.split("$")[0]
    assert sign_in(session=session, username="nobody.here", password=PASSWORD).result is SignIn.WRONG


def test_a_form_without_its_csrf_token_is_refused(app: Flask, hr_console: ConsoleClient) -> None:
    assert app.config["WTF_CSRF_ENABLED"] is True
    response = hr_console.post("/admin/logout", csrf=False)
    assert response.status_code == 400 and "แบบฟอร์มนี้หมดอายุ" in response.get_data(as_text=True)
    # Still signed in: the forged sign-out did nothing.
    assert hr_console.get("/admin/").status_code == 200
    anon = ConsoleClient(app.test_client())
    assert anon.post("/admin/login", data={"username": "x", "password": "y"}, csrf=False).status_code == 400


def test_a_viewer_reads_but_cannot_change(viewer_console: ConsoleClient) -> None:
    assert viewer_console.get("/admin/").status_code == 200
    # Every area's forms are tried by its own tests; signing out stays open to viewers.
    assert viewer_console.post("/admin/logout").status_code == 302


def test_a_password_reset_ends_old_sessions(tx, hr_console: ConsoleClient) -> None:
    from models.admin import reset_password

    with tx() as session:
        reset_password(session=session, username=hr_console.username, password="another-pass-456")
    assert hr_console.get("/admin/").status_code == 302


def test_login_never_redirects_off_the_console(tx, console_anon: ConsoleClient) -> None:
    name = make_admin(tx)
    console_anon.csrf_token()
    response = console_anon.client.post("/admin/login?next=//evil.example/x",
                                        data={"username": name, "password": PASSWORD,
                                              "csrf_token": console_anon.csrf_token()})
    assert response.headers["Location"].endswith("/admin/")


def test_cookies_are_secure_outside_development(tmp_path, database_url) -> None:
    from bot import create_app
    from bot.config import test_config

    prod = create_app(test_config(database_url, tmp_path, TESTING=False))
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["SESSION_COOKIE_HTTPONLY"]
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    prod.extensions["bot"].db.dispose()
    dev = create_app(test_config(database_url, tmp_path, TESTING=False, DEVELOPMENT=True))
    assert not dev.config["SESSION_COOKIE_SECURE"]
    dev.extensions["bot"].db.dispose()


def test_sarabun_is_served_by_the_app(console_anon: ConsoleClient) -> None:
    page = console_anon.text("/admin/login")
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page
    with console_anon.get("/admin/font/Regular.ttf") as font:
        assert font.status_code == 200 and font.mimetype == "font/ttf" and len(font.data) > 10_000
    with console_anon.get("/admin/static/console.css") as css:
        assert css.status_code == 200 and b"Sarabun" in css.data


def test_account_commands(app: Flask, tx) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-admin", "Viewer.One", "--role", "viewer"],
                         input="long-enough-pw1\nlong-enough-pw1\n")
    assert made.exit_code == 0, made.output
    assert "สร้างบัญชี viewer.one" in made.output
    with tx() as session:
        user = admin_by_username(session=session, username="viewer.one")
        assert isinstance(user, AdminUser) and user.role == ADMIN_VIEWER
    twice = runner.invoke(args=["create-admin", "viewer.one"], input="long-enough-pw1\nlong-enough-pw1\n")
    assert twice.exit_code == 1 and "มีชื่อผู้ใช้" in twice.output and "Traceback" not in twice.output
    listed = runner.invoke(args=["list-admins"])
    assert "viewer.one\tviewer" in listed.output
    reset = runner.invoke(args=["reset-admin-password", "viewer.one"], input="new-password-99\nnew-password-99\n")
    assert reset.exit_code == 0 and "ตั้งรหัสผ่านใหม่" in reset.output
    missing = runner.invoke(args=["reset-admin-password", "ghost"], input="new-password-99\nnew-password-99\n")
    assert missing.exit_code == 1 and "ไม่พบชื่อผู้ใช้ ghost" in missing.output
    # Expected failures: one Thai line each, no traceback, nothing made.
    for args, typed, says in ((["create-admin", "two"], "long-enough-pw1\nother-password-2\n", "ไม่ตรงกัน"),
                              (["create-admin", "three", "--role", "boss"], "", "ไม่รู้จักบทบาท"),
                              (["create-admin", "four"], "short\nshort\n", "อย่างน้อย 10"),
                              (["create-admin", "ก ข"], "long-enough-pw1\nlong-enough-pw1\n", "ชื่อผู้ใช้ต้องเป็น")):
        failed = runner.invoke(args=args, input=typed)
        assert failed.exit_code == 1 and says in failed.output, (args, failed.output)
        assert "Traceback" not in failed.output and "Error" not in failed.output
    with tx() as session:
        assert [u.username for u in list_admins(session=session)] == ["viewer.one"]


def test_seed_demo_makes_a_console_sign_in_that_make_run_shows(app: Flask, tx, bot) -> None:
    from pathlib import Path

    from bot.demo import demo_signin
    from models.admin import reset_password

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    line = [x for x in result.output.splitlines() if "หน้าจัดการระบบ" in x][0]
    password = line.rsplit(" ", 1)[1]
    instance = Path(bot.config.INSTANCE_DIR)
    with tx() as session:
        assert demo_signin(session=session, instance_dir=instance) == ("hr-demo", password)
        user = admin_by_username(session=session, username="hr-demo")
        assert user.role == "hr" and user.staff_id is not None
    console = ConsoleClient(app.test_client())
    assert console.sign_in("hr-demo", password).status_code == 302
    # Once HR changes the password, the old one is never printed again.
    with tx() as session:
        reset_password(session=session, username="hr-demo", password="changed-by-hr-1")
        assert demo_signin(session=session, instance_dir=instance) is None
    # Real data: no demo, no demo account.
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "ไม่โหลดข้อมูลตัวอย่าง" in again.output
