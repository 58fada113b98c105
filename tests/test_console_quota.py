"""The console's quota page: LINE's figures beside the bot's own count of pushes per job and feature,
the announcement cap, what waits for the budget; and every outbox row naming who sent it."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date

from sqlalchemy import select

from bot.clock import run_due_jobs
from bot.console.quota import T, month_name
from models.base import utcnow
from models.org import get_settings, set_setting
from models.outbox import HELD_NOTE, KIND_REPLY, PENDING, SENT, OutboxMessage, enqueue_push
from tests.support import factories as f
from tests.support.chat import Chat
from tests.support.console import ConsoleClient
from tests.test_console_requests import org  # noqa: F401 - the fixture
from tests.test_scheduler_jobs import bkk, owed, person

URL = "/admin/quota/"


def _row(page: str, source: str) -> list[int]:
    """Return the figures (calls, messages, recipients ...) of a table row, by its source."""
    match = re.search(rf'<tr data-source="{re.escape(source)}">(.*?)</tr>', page, re.S)
    assert match, source
    return [int(n.replace(",", "")) for n in re.findall(r'class="num"[^>]*>([\d,]+)<', match[1])]


def _sent(tx) -> dict[str, list[int]]:
    """Return, per source, the calls, messages and recipients of the pushes sent (from the rows)."""
    with tx() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.status == SENT,
                                                     OutboxMessage.kind != KIND_REPLY)).all()
        out: dict[str, list[int]] = {}
        for r in rows:
            t = out.setdefault(r.source, [0, 0, 0])
            t[0], t[1], t[2] = t[0] + 1, t[1] + len(r.messages), t[2] + len(r.recipients)
        return out


def _sources(tx) -> dict[str, set[str]]:
    """Return, per reminder kind (the head of the dedup key), the sources its rows recorded."""
    with tx() as s:
        out: dict[str, set[str]] = {}
        for key, source in s.execute(select(OutboxMessage.dedup_key, OutboxMessage.source)):
            out.setdefault((key or "-").split(":", 1)[0], set()).add(source)
        return out


def _owing_and_new_course(tx) -> None:
    with tx() as s:
        f.hr(s)
        for _ in range(3):
            owed(s, person(s), end=date(2026, 12, 10), due=date(2026, 12, 25))
        person(s)  # owes nothing: announced to only
        f.course(s, today=date(2027, 1, 5), starts_in=30, deadline_in=20, title="หลักสูตรใหม่", announced_at=None)


def test_bulk_jobs_record_their_job_and_the_page_counts_them_beside_lines_figures(
        bot, tx, fake_line, hr_console: ConsoleClient) -> None:
    fake_line.standin.quota_limit, fake_line.standin.quota_used = 1000, 40  # 40 sent by hand in LINE OA
    _owing_and_new_course(tx)
    run_due_jobs(bot, bkk(2027, 1, 5, 8, 30))  # the daily jobs: overdue reports, the new course
    run_due_jobs(bot, bkk(2027, 1, 5, 9, 0))  # the monthly follow-up
    # Every row of the bulk jobs names the job that wrote it.
    assert _sources(tx) == {"announce": {"courses-announce"}, "followup": {"monthly-followup"},
                            "overdue": {"reports-deadlines"}}
    sent = _sent(tx)
    assert sent["monthly-followup"][2] == 4  # three who owe, and the HR summary
    assert sent["reports-deadlines"][2] == 3  # the three reports 11 days late
    assert sent["courses-announce"][2] == 5  # every reachable staff member, HR included
    billed = sum(v[2] for v in sent.values())

    page = hr_console.text(URL)
    assert T.HEADING.format(month=month_name(utcnow())) in page
    # LINE's figures: its limit and what it counted (its 40 and the bot's pushes).
    assert "<b>1,000</b>" in page and T.KINDS["limited"] in page
    assert f"<b>{40 + billed}</b> {T.USED}" in page and f"<b>{1000 - 40 - billed}</b> {T.LEFT}" in page
    # The bot's own count, per job, from the rows themselves.
    for source, figures in sent.items():
        assert _row(page, source) == figures, source
    assert _row(page, "total") == [sum(v[i] for v in sent.values()) for i in range(3)]
    assert "ติดตามรายงานประจำเดือน" in page and "ประกาศหลักสูตรใหม่" in page
    assert T.NOTHING_HELD in page


def test_announcements_over_the_cap_are_shown_waiting_and_follow_ups_still_go(
        bot, tx, fake_line, hr_console: ConsoleClient) -> None:
    _owing_and_new_course(tx)
    with tx() as s:
        set_setting(session=s, key="announcement_monthly_cap", value=2)
    run_due_jobs(bot, bkk(2027, 1, 5, 8, 30))
    run_due_jobs(bot, bkk(2027, 1, 5, 9, 0))
    with tx() as s:
        held = s.scalars(select(OutboxMessage).where(OutboxMessage.last_error == HELD_NOTE)).all()
        assert [(r.source, r.status, len(r.recipients)) for r in held] == [("courses-announce", PENDING, 5)]
    sent = _sent(tx)
    assert "courses-announce" not in sent and sent["monthly-followup"][2] == 4
    assert sent["budget"][2] == 1  # HR told once

    page = hr_console.text(URL)
    assert re.search(r"<b>2</b> " + re.escape(T.CAP), page)
    assert re.search(r"<b>0</b> " + re.escape(T.CAP_USED), page)
    held_part = page.split('id="held"', 1)[1]
    assert _row(held_part, "courses-announce") == [1, 5]
    assert T.NOTHING_HELD not in page
    assert _row(page, "budget")[2] == 1 and "แจ้งเจ้าหน้าที่งานบุคคลเรื่องโควตา" in page


def test_the_sender_marks_held_rows_as_the_page_reads_them() -> None:
    from bot import sender

    assert sender._HELD_NOTE == HELD_NOTE  # noqa: SLF001 - the page finds held rows by this note


def test_a_console_decision_counts_as_the_console_and_the_card_as_approvals(
        bot, tx, fake_line, hr_console: ConsoleClient, chat: Chat, org) -> None:  # noqa: F811
    response = hr_console.post(f"/admin/requests/{org['reg'].id}/decide", {"decision": "approve", "step": "1"})
    assert response.status_code == 302
    with tx() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        by = Counter((r.recipients[0], r.source) for r in rows)
    # The next approver gets the approval card; the requester hears it from the console.
    assert by[(org["top"].line_user_id, "approvals")] == 1
    assert by[(org["worker"].line_user_id, "console")] == 1
    assert {source for _, source in by} <= {"approvals", "console"}
    page = hr_console.text(URL)
    assert _row(page, "approvals")[2] == 1 and _row(page, "console")[2] >= 1
    assert "การ์ดขออนุมัติถึงผู้อนุมัติ" in page and "แจ้งจากหน้าจัดการระบบ" in page


def test_answers_in_the_chat_are_replies_not_pushes(bot, tx, chat: Chat, hr_console: ConsoleClient) -> None:
    with tx() as s:
        f.staff(s, line_user_id="Uasks")
    chat.say("Uasks", "สถานะ")
    with tx() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    assert rows and all(r.kind == KIND_REPLY and r.source == "chat" and r.status == SENT for r in rows)
    page = hr_console.text(URL)
    assert T.NOTHING_SENT in page
    assert T.REPLIES.format(calls=len(rows), messages=sum(len(r.messages) for r in rows)) in page


def test_when_line_fails_the_page_says_so_in_thai_and_still_counts(
        bot, tx, fake_line, viewer_console: ConsoleClient) -> None:
    with tx() as s:
        who = person(s)
    with tx() as s:
        enqueue_push(session=s, to=who.line_user_id, messages=[{"type": "text", "text": "ทดสอบ"}],
                     source="reports-deadlines")
    bot.sender.deliver()
    fake_line.standin.fail("/v2/bot/message/quota", 500, times=5)
    response = viewer_console.get(URL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert T.UNREACHABLE in page and "Traceback" not in page and "ApiException" not in page
    assert _row(page, "reports-deadlines") == [1, 1, 1] and "เตือนกำหนดส่งรายงาน" in page
    # Kept a minute: a second visit does not wait for LINE again.
    calls = len(fake_line.standin.calls)
    assert T.UNREACHABLE in viewer_console.text(URL)
    assert len(fake_line.standin.calls) == calls


def test_without_a_line_channel_the_page_says_it_is_not_connected(bot, hr_console: ConsoleClient, monkeypatch) -> None:
    monkeypatch.setattr(bot, "gateway", None)
    page = hr_console.text(URL)
    assert T.NOT_CONNECTED in page and T.NOTHING_SENT in page


def test_a_viewer_reads_the_page_without_the_settings_link(bot, fake_line, viewer_console: ConsoleClient,
                                                          hr_console: ConsoleClient) -> None:
    fake_line.standin.quota_limit = None  # an unlimited plan
    page = viewer_console.text(URL)
    assert T.KINDS["none"] in page and T.NO_LIMIT in page and T.CAP_NONE in page
    assert T.CAP_SET not in page
    assert T.CAP_SET in hr_console.text(URL)
    assert "โควตาข้อความ LINE" in viewer_console.text("/admin/")  # in the menu


def test_the_cap_is_a_setting_hr_can_set_and_clear(bot, tx, hr_console: ConsoleClient) -> None:
    assert hr_console.post("/admin/settings/", {"announcement_monthly_cap": "๑,๕๐๐"}).status_code == 302
    with tx() as s:
        assert get_settings(session=s)["announcement_monthly_cap"] == 1500
    assert re.search(r"<b>1,500</b> " + re.escape(T.CAP), hr_console.text(URL))
    bad = hr_console.post("/admin/settings/", {"announcement_monthly_cap": "หนึ่งพัน"})
    assert bad.status_code == 422
    assert hr_console.post("/admin/settings/", {"announcement_monthly_cap": ""}).status_code == 302
    with tx() as s:
        assert get_settings(session=s)["announcement_monthly_cap"] is None
