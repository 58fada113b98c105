"""New courses announced once to the staff they target, respecting ปิดการแจ้งเตือน (issue 16)."""
from __future__ import annotations

from datetime import date

from bot.clock import run_due_jobs
from handlers.kit.postback import Action
from tests.support import factories as f
from tests.support.chat import Chat, actions, texts
from tests.test_scheduler_jobs import bkk, inbox, person


def test_a_new_course_is_announced_once_to_the_staff_it_targets(bot, tx, fake_line) -> None:
    today = date(2027, 1, 13)
    with tx() as s:
        clerk = person(s)
        muted = person(s, announcements=False)
        blocked = person(s, reachable=False)
        teacher = person(s, type_name="ครู")
        f.course(s, today=today, starts_in=30, deadline_in=20, title="หลักสูตรใหม่สำหรับทุกคน", announced_at=None)
        f.course(s, today=today, starts_in=30, deadline_in=20, title="ใหม่เฉพาะครู", targets=("ครู",),
                 announced_at=None)
        f.course(s, today=today, starts_in=30, deadline_in=20, title="ประกาศไปแล้ว")
        f.course(s, today=today, starts_in=30, deadline_in=-1, title="ปิดรับแล้ว", announced_at=None)

    result = run_due_jobs(bot, bkk(2027, 1, 13, 8, 30))
    assert result["jobs"]["courses-announce"]["courses"] == 2
    said = texts(inbox(fake_line, clerk))
    assert "หลักสูตรใหม่เปิดรับสมัคร" in said and "หลักสูตรใหม่สำหรับทุกคน" in said
    assert "ใหม่เฉพาะครู" not in said and "ประกาศไปแล้ว" not in said and "ปิดรับแล้ว" not in said
    assert "ใหม่เฉพาะครู" in texts(inbox(fake_line, teacher))
    for nobody in (muted, blocked):  # ปิดการแจ้งเตือน is respected; the unreachable get nothing
        assert inbox(fake_line, nobody) == []
    # The text names สมัคร and ปิดการแจ้งเตือน: both ride with it.
    labels = {a["label"]: a for a in actions(inbox(fake_line, clerk))}
    assert bot.services.codec.unpack(labels["สมัคร"]["data"]).action is Action.REGISTER
    assert labels["ปิดการแจ้งเตือน"]["text"] == "ปิดการแจ้งเตือน"
    # In the card itself, not as quick replies: those show under the newest message only, so
    # with several reminders arriving together the older ones would lose their buttons.
    [card] = [m for m in inbox(fake_line, clerk) if "หลักสูตรใหม่สำหรับทุกคน" in texts([m])]
    assert card["type"] == "flex" and "quickReply" not in card
    assert [b["action"]["label"] for b in card["contents"]["footer"]["contents"]] == ["สมัคร", "ปิดการแจ้งเตือน"]

    run_due_jobs(bot, bkk(2027, 1, 14, 8, 30))  # the next working day: announced once
    assert texts(inbox(fake_line, clerk)).count("หลักสูตรใหม่สำหรับทุกคน") == 1


def test_turning_announcements_on_does_not_talk_about_follow_ups(chat: Chat, tx) -> None:
    with tx() as s:
        f.staff(s, line_user_id="Unews", announcements=False)
    on = chat.say("Unews", "เปิดการแจ้งเตือน")
    assert "เปิดการแจ้งเตือนข่าวหลักสูตรแล้ว" in texts(on) and "จะยังแจ้งตามปกติ" not in texts(on)
    off = chat.say("Unews", "เลิกส่งข่าว")  # a negation: off, not on
    assert "ปิดการแจ้งเตือนข่าวหลักสูตร" in texts(off) and "จะยังแจ้งตามปกติ" in texts(off)
