"""ปิดการแจ้งเตือน / เปิดการแจ้งเตือน: only the optional announcements follow the switch."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.clock import run_due_jobs
from models.audit import AuditLog
from models.org import Staff
from tests.support import factories as f
from tests.support.chat import Chat, button, texts
from tests.test_scheduler_jobs import bkk, owed


def _announcements(bot, staff_id: int) -> bool:
    with bot.db.transaction() as s:
        return bool(s.get(Staff, staff_id).announcements)


def test_turning_announcements_off_and_on_by_typing(chat: Chat, bot, tx) -> None:
    with tx() as s:
        me = f.staff(s, line_user_id="Unotify1")
        me_id = me.id

    said = texts(chat.say("Unotify1", "ปิดการแจ้งเตือน"))
    assert "ปิดการแจ้งเตือนข่าวหลักสูตร" in said
    assert "รายงานผลการอบรมที่ค้างส่ง" in said and "รอการอนุมัติ" in said  # these stay on
    assert _announcements(bot, me_id) is False
    assert "ปิดอยู่แล้ว" in texts(chat.say("Unotify1", "ปิดแจ้งเตือนค่ะ"))

    said = texts(chat.say("Unotify1", "เปิดการแจ้งเตือน"))
    assert "เปิดการแจ้งเตือนข่าวหลักสูตรแล้ว" in said
    assert _announcements(bot, me_id) is True
    with bot.db.transaction() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.subject_id == me_id))]
    assert actions == ["announcements_off", "announcements_on"]


def test_the_quick_reply_turns_them_back_on(chat: Chat, bot, tx) -> None:
    with tx() as s:
        me_id = f.staff(s, line_user_id="Unotify2").id
    reply = chat.say("Unotify2", "ปิดการแจ้งเตือน")
    again = chat.tap("Unotify2", button(reply, "เปิดการแจ้งเตือน")["data"])
    assert "เปิดการแจ้งเตือนข่าวหลักสูตรแล้ว" in texts(again)
    assert _announcements(bot, me_id) is True
    chat.tap("Unotify2", button(again, "ปิดการแจ้งเตือน")["data"])
    assert _announcements(bot, me_id) is False


def test_a_stranger_is_guided_to_link_first(chat: Chat) -> None:
    assert "ยังไม่ได้ผูก" in texts(chat.say("Unotify-stranger", "ปิดการแจ้งเตือน"))


def test_announcements_off_skips_closing_courses_but_not_owed_reports(chat: Chat, bot, tx, fake_line) -> None:
    today = date(2027, 1, 13)
    with tx() as s:
        me = f.staff(s, line_user_id="Unotify3")
        f.course(s, today=today, starts_in=20, deadline_in=2, title="หลักสูตรใกล้ปิดรับสมัคร")
        owed(s, me, end=date(2026, 12, 20), due=date(2027, 1, 6), title="หลักสูตรที่ยังไม่ส่งรายงาน")
    chat.say("Unotify3", "ปิดการแจ้งเตือน")
    mark = chat.mark()
    run_due_jobs(bot, bkk(2027, 1, 13, 8, 30))
    said = texts(chat.inbox("Unotify3", after=mark))
    assert "หลักสูตรที่ยังไม่ส่งรายงาน" in said
    assert "หลักสูตรใกล้ปิดรับสมัคร" not in said
