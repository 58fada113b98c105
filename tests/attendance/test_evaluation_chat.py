"""The evaluation after a course: attendees only, ratings by quick reply, a comment, resumable, one reminder."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from bot.sender import deliver
from handlers.attendance.reminders import send_evaluations
from models.attendance import (
    EvaluationRating,
    EvaluationResponse,
    course_results,
    record_attendance,
    satisfaction_by_course,
)
from models.base import utcnow
from models.org import get_settings, set_setting
from models.outbox import queued_ids
from scheduler import bulk
from scheduler.calendar import WorkCalendar
from tests.attendance.helpers import flow_of
from tests.support import factories as f
from tests.support.chat import Chat, button, texts
from thai.dates import BANGKOK, today_bangkok


def run_job(bot, day, hour: int = 8, minute: int = 30) -> dict[str, int]:
    """Run the evaluation job as the clock would on a day, and deliver what it wrote."""
    now = datetime.combine(day, time(hour, minute), BANGKOK)
    with bot.db.transaction() as s:
        counts = send_evaluations(session=s, now=now, codec=bot.services.codec, settings=get_settings(session=s))
    deliver(bot.db, bot.gateway, bulk.written_ids(s) + queued_ids(s))
    return counts


def ended_course(tx, *, questions: list[str] | None = None) -> dict[str, int | str]:
    """A course that ended yesterday: Alice attended, Dave did not, Erin nobody recorded."""
    today = today_bangkok()
    with tx() as s:
        if questions:
            set_setting(session=s, key="evaluation_questions", value=questions)
        alice = f.staff(s, line_user_id="Ualice")
        dave = f.staff(s, line_user_id="Udave")
        erin = f.staff(s, line_user_id="Uerin")
        reg = f.finished_registration(s, alice, today=today, ended_days_ago=1, title="การบริหารความเสี่ยง")
        course = reg.course
        absent = f.finished_registration(s, dave, course_=course, today=today)
        f.finished_registration(s, erin, course_=course, today=today)
        record_attendance(session=s, registration_id=reg.id, present=True, by="hr", now=utcnow())
        record_attendance(session=s, registration_id=absent.id, present=False, by="hr", now=utcnow())
        return {"course": course.id, "reg": reg.id}


def _rate_all(chat: Chat, user: str, reply: list, ratings: list[str]) -> list:
    for rating in ratings:
        reply = chat.tap(user, button(reply, rating)["data"])
    return reply


def test_full_evaluation_attendees_only(chat: Chat, tx, bot) -> None:
    w = ended_course(tx)
    before = chat.mark()
    counts = run_job(bot, today_bangkok())
    assert counts["evaluations_sent"] == 1
    assert chat.inbox("Udave", after=before) == [] and chat.inbox("Uerin", after=before) == []
    got = chat.inbox("Ualice", after=before)
    assert "การบริหารความเสี่ยง" in texts(got) and "ข้อ 1/4" in texts(got) and "เนื้อหาการอบรม" in texts(got)
    reply = _rate_all(chat, "Ualice", got, ["5", "4", "3"])
    assert "ข้อ 4/4" in texts(reply)
    reply = chat.tap("Ualice", button(reply, "5")["data"])
    assert "ความคิดเห็น" in texts(reply) and flow_of(tx, "Ualice") == "eval_comment:comment"
    thanks = chat.say("Ualice", "อยากให้มีเอกสารประกอบมากขึ้นค่ะ")
    assert "ขอบคุณ" in texts(thanks) and flow_of(tx, "Ualice") is None
    with tx() as s:
        results = course_results(session=s, course_id=w["course"])
        assert (results.sent, results.completed, results.response_rate) == (1, 1, 1.0)
        assert [q.mean for q in results.questions] == [5, 4, 3, 5]
        assert results.questions[0].counts[5] == 1
        assert results.comments == ["อยากให้มีเอกสารประกอบมากขึ้นค่ะ"]
        assert satisfaction_by_course(session=s, course_ids=[w["course"]])[w["course"]].percent == 85.0
    # The clock again the next day: nobody is asked twice.
    assert run_job(bot, today_bangkok() + timedelta(days=1)).get("evaluations_sent", 0) == 0


def test_partial_then_resumed_and_double_taps_rate_once(chat: Chat, tx, bot) -> None:
    ended_course(tx, questions=["วิทยากร", "ประโยชน์ต่อการปฏิบัติงาน"])
    before = chat.mark()
    run_job(bot, today_bangkok())
    got = chat.inbox("Ualice", after=before)
    data = button(got, "4")["data"]
    second = chat.tap("Ualice", data)
    assert "ข้อ 2/2" in texts(second)
    again = chat.tap("Ualice", data)
    assert "ให้คะแนนข้อนี้ไปแล้ว" in texts(again) and "ข้อ 2/2" in texts(again)
    # She leaves and comes back later by typing แบบประเมิน: it resumes at question 2.
    resumed = chat.say("Ualice", "แบบประเมิน")
    assert "ข้อ 2/2" in texts(resumed)
    comment = chat.tap("Ualice", button(resumed, "2")["data"])
    done = chat.tap("Ualice", button(comment, "ข้าม")["data"])
    assert "ขอบคุณ" in texts(done)
    assert "ตอบแบบประเมินผลการอบรมหลักสูตรนี้แล้ว" in texts(chat.tap("Ualice", data))
    with tx() as s:
        assert s.scalar(select(func.count()).select_from(EvaluationRating)) == 2
        assert s.scalar(select(EvaluationResponse.completed_at)) is not None
    assert "ไม่มีแบบประเมินที่รอ" in texts(chat.say("Ualice", "แบบประเมิน"))


def test_one_reminder_after_three_working_days(chat: Chat, tx, bot) -> None:
    ended_course(tx)
    cal = WorkCalendar()
    sent = cal.on_or_after(today_bangkok())  # the clock runs on working days only
    before = chat.mark()
    run_job(bot, sent)
    assert chat.inbox("Ualice", after=before)
    mark = chat.mark()
    run_job(bot, cal.add_working_days(sent, 2))
    assert chat.inbox("Ualice", after=mark) == [], "reminded too early"
    due = cal.add_working_days(sent, 3)
    run_job(bot, due)
    reminder = chat.inbox("Ualice", after=mark)
    assert "ยังตอบแบบประเมินผลการอบรม" in texts(reminder)
    mark = chat.mark()
    run_job(bot, cal.next_working_day(due))
    assert chat.inbox("Ualice", after=mark) == [], "reminded twice"
    resumed = chat.tap("Ualice", button(reminder, "ตอบแบบประเมิน")["data"])
    assert "ข้อ 1/4" in texts(resumed)


def test_finished_evaluation_gets_no_reminder(chat: Chat, tx, bot) -> None:
    ended_course(tx, questions=["วิทยากร"])
    before = chat.mark()
    run_job(bot, today_bangkok())
    chat.tap("Ualice", button(chat.inbox("Ualice", after=before), "5")["data"])
    mark = chat.mark()
    run_job(bot, today_bangkok() + timedelta(days=10))
    assert chat.inbox("Ualice", after=mark) == []


def test_racing_and_redelivered_rating_taps_rate_once(chat: Chat, tx, bot, app, fake_line) -> None:
    from tests.support import events as ev
    from tests.support.chat import race

    ended_course(tx, questions=["วิทยากร", "สถานที่"])
    before = chat.mark()
    run_job(bot, today_bangkok())
    data = button(chat.inbox("Ualice", after=before), "3")["data"]
    assert race(app, bot, fake_line, [("Ualice", data), ("Ualice", data)]) == [200, 200]
    event = ev.postback_event("Ualice", data, chat.standin.issue_reply_token("Ualice"))
    chat.post(event)
    chat.post(event)
    with tx() as s:
        assert s.scalar(select(func.count()).select_from(EvaluationRating)) == 1
