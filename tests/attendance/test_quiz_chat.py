"""The tests before and after: asked at check-in and after the last day, one question at a time."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from handlers.attendance import checkin_text
from handlers.attendance.base import AttendanceAction as Action
from models.attendance import QuizPhase, course_scores, score
from models.course import Course
from tests.attendance.helpers import answers, course_today, flow_of
from tests.support import events as ev
from tests.support.chat import Chat, actions, button, texts


def test_pre_test_at_check_in_one_question_at_a_time(chat: Chat, tx) -> None:
    day = course_today(tx, quiz=True)
    reply = chat.say(day.alice, checkin_text(day.code))
    assert "แบบทดสอบก่อนการอบรม" in texts(reply) and "ข้อ 1/2" in texts(reply)
    assert flow_of(tx, day.alice) == "quiz:pre"
    second = chat.tap(day.alice, button(reply, "1) ใช้")["data"])
    assert "ข้อ 2/2" in texts(second)
    done = chat.tap(day.alice, button(second, "3) 8 ชนิด")["data"])
    assert "ได้ 1 จาก 2 คะแนน" in texts(done)
    assert flow_of(tx, day.alice) is None
    assert [c for _, c in answers(tx, day.alice_reg, QuizPhase.PRE)] == [0, 2]


def test_typed_number_answers_and_other_text_asks_again(chat: Chat, tx) -> None:
    day = course_today(tx, quiz=True)
    chat.say(day.alice, checkin_text(day.code))
    again = chat.say(day.alice, "ไม่แน่ใจค่ะ")
    assert "หมายเลข 1-2" in texts(again) and "ข้อ 1/2" in texts(again)
    assert "ข้อ 2/2" in texts(chat.say(day.alice, "๑"))
    assert len(answers(tx, day.alice_reg, QuizPhase.PRE)) == 1


def test_double_tap_and_redelivery_answer_once(chat: Chat, tx) -> None:
    day = course_today(tx, quiz=True)
    reply = chat.say(day.alice, checkin_text(day.code))
    data = button(reply, "1) ใช้")["data"]
    chat.tap(day.alice, data)
    second = chat.tap(day.alice, data)
    assert "ตอบข้อนี้ไปแล้ว" in texts(second) and "ข้อ 2/2" in texts(second)
    event = ev.postback_event(day.alice, button(second, "2) 6 ชนิด")["data"], chat.standin.issue_reply_token(day.alice))
    chat.post(event)
    chat.post(event)
    assert len(answers(tx, day.alice_reg, QuizPhase.PRE)) == 2


def test_cancel_stops_the_test_and_old_buttons_offer_to_resume(chat: Chat, tx) -> None:
    day = course_today(tx, quiz=True)
    reply = chat.say(day.alice, checkin_text(day.code))
    assert "ยกเลิก" in [a["label"] for a in actions(reply)]
    chat.say(day.alice, "ยกเลิก")
    assert flow_of(tx, day.alice) is None
    stale = chat.tap(day.alice, button(reply, "1) ใช้")["data"])
    assert "หยุดไว้แล้ว" in texts(stale)
    assert answers(tx, day.alice_reg, QuizPhase.PRE) == []
    resumed = chat.tap(day.alice, button(stale, "ทำแบบทดสอบต่อ")["data"])
    assert "ข้อ 1/2" in texts(resumed) and flow_of(tx, day.alice) == "quiz:pre"


def test_post_test_opens_after_the_last_day_and_hr_sees_both_scores(chat: Chat, tx, bot) -> None:
    day = course_today(tx, quiz=True)
    reply = chat.say(day.alice, checkin_text(day.code))
    reply = chat.tap(day.alice, button(reply, "2) ไม่ใช้")["data"])
    chat.tap(day.alice, button(reply, "1) 3 ชนิด")["data"])
    post = bot.services.codec.pack(Action.QUIZ_START, day.alice_reg, QuizPhase.POST)
    assert "หลังการอบรมวันสุดท้าย" in texts(chat.tap(day.alice, post))
    with tx() as s:  # the course ended yesterday
        c = s.get(Course, day.course_id)
        s.execute(update(Course).where(Course.id == c.id).values(
            start_date=c.start_date - timedelta(days=3), end_date=c.end_date - timedelta(days=3)))
    first = chat.tap(day.alice, post)
    assert "แบบทดสอบหลังการอบรม" in texts(first)
    second = chat.tap(day.alice, button(first, "1) ใช้")["data"])
    done = chat.tap(day.alice, button(second, "2) 6 ชนิด")["data"])
    assert "ได้ 2 จาก 2 คะแนน" in texts(done)
    assert "ทำแบบทดสอบหลังการอบรมครบแล้ว" in texts(chat.tap(day.alice, post))
    with tx() as s:
        assert score(session=s, registration_id=day.alice_reg, course_id=day.course_id, phase="post").correct == 2
        total, rows = course_scores(session=s, course_id=day.course_id)
        assert total == 2 and [(r.pre, r.post) for r in rows] == [(0, 2)]


def test_someone_elses_quiz_button_is_refused(chat: Chat, tx, bot) -> None:
    day = course_today(tx, quiz=True)
    data = bot.services.codec.pack(Action.QUIZ_START, day.alice_reg, QuizPhase.PRE)
    assert "ไม่ใช่ของท่าน" in texts(chat.tap(day.bob, data))
