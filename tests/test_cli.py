"""Operator commands: an expected failure is one Thai line, and exit 1 only when nothing was done."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bot import create_app
from bot.config import test_config
from models.org import Staff
from tests.support import factories as f

SHEET = "employee_id,title,first_name,last_name\nE900,นาง,สมใจ,ทดลอง\n"


def one_thai_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output and any("\u0e00" <= ch <= "\u0e7f" for ch in lines[0]), output
    return lines[0]


@pytest.fixture
def offline(database_url: str, tmp_path: Path, app: Flask) -> Iterator[Flask]:
    """The app with LINE configured but unreachable (nothing listens on port 9)."""
    config = test_config(database_url, tmp_path, LINE_API_BASE_URL="http://127.0.0.1:9",
                         LINE_DATA_API_BASE_URL="http://127.0.0.1:9", LINE_RETRIES=1, LINE_TIMEOUT=1.0)
    application = create_app(config)
    yield application
    state = application.extensions["bot"]
    state.gateway.close()
    state.db.dispose()


def test_import_staff_with_line_unreachable_saves_and_says_so(offline: Flask, tmp_path: Path, tx) -> None:
    with tx() as s:
        f.staff(s, line_user_id="Ulinked-offline")  # someone whose menu would be relinked
    sheet = tmp_path / "staff.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    result = offline.test_cli_runner().invoke(args=["import-staff", str(sheet)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "richmenu-sync" in result.output.splitlines()[-1]
    with tx() as s:
        assert s.scalar(select(Staff.first_name).where(Staff.employee_id == "E900")) == "สมใจ"


def test_richmenu_sync_with_line_unreachable_is_one_line_and_exit_1(offline: Flask) -> None:
    result = offline.test_cli_runner().invoke(args=["richmenu-sync"])
    assert result.exit_code == 1
    assert "ติดต่อ LINE ไม่ได้" in one_thai_line(result.output)


@pytest.mark.parametrize("content", [b"\x00\x01garbage", b"PK\x03\x04not really a zip"])
def test_a_bad_sheet_changes_nothing_and_exits_1(app: Flask, tmp_path: Path, tx, content: bytes) -> None:
    sheet = tmp_path / "staff.xlsx"
    sheet.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["import-staff", str(sheet)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "ไม่มีการเปลี่ยนแปลง" in result.output
    with tx() as s:
        assert s.scalar(select(Staff.id)) is None


def test_an_unknown_employee_id_is_one_line_and_exit_1(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["link-code", "NOBODY"])
    assert result.exit_code == 1
    assert "ไม่พบบุคลากร" in one_thai_line(result.output)


def test_an_unreadable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    config = test_config(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite3'}", tmp_path)
    application = create_app(config)
    try:
        result = application.test_cli_runner().invoke(args=["link-code", "E1"])
    finally:
        application.extensions["bot"].gateway.close()
    assert result.exit_code == 1
    assert "ฐานข้อมูล" in one_thai_line(result.output)
