"""Executives' monthly card: figures, a chart LINE can fetch at a signed address, a dashboard button."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest

# The executives' job is wired into structure's layout (handlers.kit, bot.clock); before it is on main this waits.
run_due_jobs = pytest.importorskip("bot.clock", reason="needs structure's bot.clock").run_due_jobs

from models.org import ROLE_EXECUTIVE, ROLE_STAFF, Staff, set_setting
from tests.support.plan_org import build
from thai.dates import BANGKOK

BASE = "https://bot.example.go.th"
FOLLOWUP_DAY = datetime(2027, 8, 5, 9, 0, tzinfo=BANGKOK)  # a Thursday, the 5th


def _org(tx, *, base_url: str = BASE) -> str:
    with tx() as session:
        made = build(session)
        boss: Staff = made.people["finance"]
        boss.roles = [ROLE_STAFF, ROLE_EXECUTIVE]
        boss.line_user_id = "Uexecutive1"
        made.people["account"].line_user_id = "Unot-an-executive"
        set_setting(session=session, key="public_base_url", value=base_url)
    return "Uexecutive1"


def _cards(fake_line, user: str) -> list[dict]:
    return [m for m in fake_line.standin.messages_to(user) if m.get("type") == "flex"]


def test_executives_get_one_card_with_the_figures_chart_and_button(bot, tx, fake_line, client) -> None:
    user = _org(tx)
    result = run_due_jobs(bot, FOLLOWUP_DAY)
    assert result["jobs"]["executive-monthly"] == {"executives": 1, "written": 1}
    [card] = _cards(fake_line, user)
    assert _cards(fake_line, "Unot-an-executive") == []
    body = str(card["contents"]["body"])
    assert "4 จาก 7 คน (ร้อยละ 57)" in body  # finance, account, driver, clerk of seven
    assert "1 จาก 2 หลักสูตร" in body
    assert "20,750 จาก 170,000 บาท (ร้อยละ 12)" in body
    assert "2 รายการ (เลยกำหนด 2)" in body
    assert "สิงหาคม 2570" in card["contents"]["header"]["contents"][0]["text"]
    [open_button] = card["contents"]["footer"]["contents"]
    assert open_button["action"]["uri"] == f"{BASE}/admin/dashboard/?year=2570"
    image = card["contents"]["hero"]["url"]
    assert image.startswith(f"{BASE}/charts/executive/")
    path = urlsplit(image).path
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data[:4] == b"\x89PNG"
    forged = path.replace("2570", "2569")
    assert client.get(forged).status_code == 404
    assert client.get("/charts/executive/nonsense.png").status_code == 404


def test_a_rerun_the_same_month_sends_nothing_twice(bot, tx, fake_line) -> None:
    user = _org(tx)
    run_due_jobs(bot, FOLLOWUP_DAY)
    again = run_due_jobs(bot, FOLLOWUP_DAY.replace(second=30))
    assert again["jobs"]["executive-monthly"]["written"] == 0
    assert len(_cards(fake_line, user)) == 1


def test_without_a_public_address_the_card_goes_without_image_or_button(bot, tx, fake_line) -> None:
    user = _org(tx, base_url="")
    run_due_jobs(bot, FOLLOWUP_DAY)
    [card] = _cards(fake_line, user)
    assert "hero" not in card["contents"] and "footer" not in card["contents"]


def test_no_executive_no_card(bot, tx, fake_line) -> None:
    with tx() as session:
        build(session)
    assert run_due_jobs(bot, FOLLOWUP_DAY)["jobs"]["executive-monthly"] == {"executives": 0, "written": 0}
