"""The month's message budget: optional announcements wait, follow-ups and approval cards go."""
from __future__ import annotations

from sqlalchemy import select

from bot.budget import month_start, next_month, read_quota
from models.base import utcnow
from models.org import set_setting
from models.outbox import PENDING, SENT, OutboxMessage, enqueue_multicast, enqueue_push, pushes_since
from tests.support import factories as f

HELLO = [{"type": "text", "text": "สวัสดีค่ะ"}]


def _rows(tx) -> dict[str, OutboxMessage]:
    with tx() as s:
        return {r.dedup_key or r.source: r for r in s.scalars(select(OutboxMessage))}


def _queue(tx) -> None:
    with tx() as s:
        enqueue_multicast(session=s, to=["Ua", "Ub", "Uc"], messages=HELLO, dedup_key="closing:course1:eligible:2027-01-10")
        enqueue_push(session=s, to="Ud", messages=HELLO, dedup_key="followup:staff:Ud:2027-01")
        enqueue_push(session=s, to="Ue", messages=HELLO, source="approvals")


def test_announcements_over_the_monthly_cap_wait_and_hr_is_told_once(bot, tx, fake_line) -> None:
    with tx() as s:
        officer = f.hr(s)
        set_setting(session=s, key="announcement_monthly_cap", value=2)
        hr_line = officer.line_user_id
    _queue(tx)
    stats = bot.sender.deliver()
    assert stats["held"] == 1
    rows = _rows(tx)
    held = rows["closing:course1:eligible:2027-01-10#0"]
    assert held.status == PENDING and held.next_attempt_at >= next_month(utcnow()) and held.attempts == 0
    assert rows["followup:staff:Ud:2027-01"].status == SENT and rows["approvals"].status == SENT
    assert fake_line.standin.messages_to("Ua") == []
    assert len(fake_line.standin.messages_to("Ud")) == 1 and len(fake_line.standin.messages_to("Ue")) == 1
    # HR hears of it once a month, however many runs are held.
    bot.sender.deliver()
    bot.sender.deliver()
    told = fake_line.standin.messages_to(hr_line)
    assert len(told) == 1 and "โควตา" in told[0]["text"]


def test_announcements_wait_when_lines_quota_would_run_out(bot, tx, fake_line) -> None:
    fake_line.standin.quota_limit, fake_line.standin.quota_used = 100, 98
    _queue(tx)
    assert read_quota(bot.gateway).remaining == 2
    bot.sender.deliver()
    rows = _rows(tx)
    assert rows["closing:course1:eligible:2027-01-10#0"].status == PENDING
    assert rows["followup:staff:Ud:2027-01"].status == SENT and rows["approvals"].status == SENT


def test_without_a_cap_or_limit_announcements_go_and_pushes_are_counted_per_source(bot, tx, fake_line) -> None:
    _queue(tx)
    assert bot.sender.deliver()["sent"] == 3
    with tx() as s:
        counts = pushes_since(session=s, since=month_start(utcnow()))
    assert counts == {"closing": 3, "followup": 1, "approvals": 1}
    quota = read_quota(bot.gateway)
    assert quota.limit is None and quota.used == 5  # LINE counts one per recipient of each push


def test_quota_command_shows_lines_figures_and_counts(app, bot, tx, fake_line) -> None:
    fake_line.standin.quota_limit = 500
    _queue(tx)
    bot.sender.deliver()
    result = app.test_cli_runner().invoke(args=["quota"])
    assert result.exit_code == 0, result.output
    assert "500" in result.output and "ใช้ไปแล้ว 5" in result.output
    # Named as the console names them, the job's id beside for operators.
    assert "แจ้งหลักสูตรใกล้ปิดรับสมัคร (courses-closing): 3" in result.output
    assert "ติดตามรายงานประจำเดือน (monthly-followup): 1" in result.output
    assert "(approvals): 1" in result.output and "การ์ดขออนุมัติถึงผู้อนุมัติ" in result.output
