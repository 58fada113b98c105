"""Check-in in the chat: the QR's text checks an approved participant in, on that day, once."""
from __future__ import annotations

from sqlalchemy import func, select

from handlers.attendance import checkin_text
from models.attendance import Checkin, renew_checkin_code
from models.base import utcnow
from models.course import Course
from models.registration import Attendance, Registration
from tests.attendance.helpers import course_today, flow_of
from tests.support import events as ev
from tests.support.chat import Chat, texts
from thai.dates import today_bangkok


def _checkins(tx) -> int:
    with tx() as s:
        return s.scalar(select(func.count()).select_from(Checkin))


def _attendance(tx, reg_id: int) -> str:
    with tx() as s:
        return s.get(Registration, reg_id).attendance


def test_right_code_checks_in_and_twice_says_already(chat: Chat, tx) -> None:
    day = course_today(tx)
    reply = chat.say(day.alice, checkin_text(day.code))
    assert "ลงทะเบียนเข้าอบรมเรียบร้อยแล้ว" in texts(reply) and "การเขียนหนังสือราชการ" in texts(reply)
    assert _attendance(tx, day.alice_reg) == Attendance.ATTENDED
    again = chat.say(day.alice, checkin_text(day.code))
    assert "ไว้แล้ว" in texts(again)
    assert _checkins(tx) == 1


def test_typed_code_with_spaces_and_lower_case_works(chat: Chat, tx) -> None:
    day = course_today(tx)
    reply = chat.say(day.alice, f"ลงทะเบียน เข้าอบรม   รหัส {day.code.lower()}")
    assert "เรียบร้อยแล้ว" in texts(reply)


def test_code_of_another_day_changes_nothing(chat: Chat, tx) -> None:
    day = course_today(tx)
    reply = chat.say(day.alice, checkin_text(day.tomorrow_code))
    assert "เท่านั้น" in texts(reply)
    assert _checkins(tx) == 0 and _attendance(tx, day.alice_reg) == Attendance.UNKNOWN


def test_stale_and_unknown_codes_change_nothing(chat: Chat, tx) -> None:
    day = course_today(tx)
    with tx() as s:
        renew_checkin_code(session=s, course=s.get(Course, day.course_id), day=today_bangkok(), now=utcnow())
    assert "ถูกเปลี่ยนแล้ว" in texts(chat.say(day.alice, checkin_text(day.code)))
    assert "ไม่ถูกต้อง" in texts(chat.say(day.alice, checkin_text("ABCDEF")))
    assert "ไม่พบรหัส" in texts(chat.say(day.alice, "ลงทะเบียนเข้าอบรม"))
    assert _checkins(tx) == 0 and _attendance(tx, day.alice_reg) == Attendance.UNKNOWN


def test_not_approved_and_not_registered_are_told_and_nothing_changes(chat: Chat, tx) -> None:
    day = course_today(tx)
    pending = chat.say(day.bob, checkin_text(day.code))
    assert "รอการอนุมัติ" in texts(pending) and "ลงทะเบียนเข้าอบรมไม่ได้" in texts(pending)
    stranger = chat.say(day.carol, checkin_text(day.code))
    assert "ไม่พบคำขอเข้ารับการอบรม" in texts(stranger)
    assert _checkins(tx) == 0


def test_unlinked_sender_is_guided_to_link(chat: Chat, tx) -> None:
    day = course_today(tx)
    reply = chat.say("Unobody", checkin_text(day.code))
    assert "ผูกบัญชี" in texts(reply)
    assert _checkins(tx) == 0


def test_redelivered_checkin_event_changes_nothing_twice(chat: Chat, tx) -> None:
    day = course_today(tx)
    event = ev.text_event(day.alice, checkin_text(day.code), chat.standin.issue_reply_token(day.alice))
    before = chat.mark()
    assert chat.post(event).status_code == 200
    assert chat.post(event).status_code == 200  # LINE redelivers the same webhookEventId
    assert len(chat.inbox(day.alice, after=before)) == 1
    assert _checkins(tx) == 1


def test_no_test_means_no_flow(chat: Chat, tx) -> None:
    day = course_today(tx)
    chat.say(day.alice, checkin_text(day.code))
    assert flow_of(tx, day.alice) is None


def test_check_in_mid_report_keeps_the_report_where_it_was(chat: Chat, tx) -> None:
    day = course_today(tx, quiz=True)
    with tx() as s:
        from tests.support import factories as f

        alice = s.get(Registration, day.alice_reg).staff
        f.finished_registration(s, alice, title="หลักสูตรที่จบแล้ว")
    chat.say(day.alice, "ส่งรายงาน")
    before = flow_of(tx, day.alice)
    assert before is not None and before.startswith("report:")
    reply = chat.say(day.alice, checkin_text(day.code))
    assert "เรียบร้อยแล้ว" in texts(reply) and "แตะปุ่มด้านล่างเมื่อพร้อม" in texts(reply)
    assert flow_of(tx, day.alice) == before
    assert _attendance(tx, day.alice_reg) == Attendance.ATTENDED
