"""The clock's jobs of this feature: send the evaluation after a course, and remind once.

Working days at daily_reminders_time. Each person's evaluation is a response row created here
(unique per registration) and one push with the key "evaluation:<registration>"; the reminder
goes once, 3 working days after it was sent, to those who have not finished (reminded_at set).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from handlers.attendance import cards
from handlers.attendance.text import T
from handlers.kit.messages import Message, text
from handlers.kit.postback import PostbackCodec
from models.attendance import (
    EvaluationResponse,
    QuizPhase,
    due_evaluations,
    evaluation_questions,
    has_quiz,
    open_evaluation,
    score,
)
from models.attendance.evaluation import mark_reminded, unanswered_to_remind
from models.registration import Registration
from scheduler import bulk
from scheduler.calendar import WorkCalendar
from scheduler.registry import Reminders, working_days_at
from thai.dates import BANGKOK, today_bangkok

REMIND_AFTER_WORKING_DAYS = 3

reminders = Reminders("attendance")


def first_messages(session: Session, codec: PostbackCodec, reg: Registration,
                   response: EvaluationResponse) -> list[Message]:
    """Return what an attendee gets after the course: the test after it first (if any), else question 1."""
    course = reg.course
    dates = cards.dates_of(course)
    if has_quiz(session=session, course_id=course.id) and not score(
            session=session, registration_id=reg.id, course_id=course.id, phase=QuizPhase.POST).done:
        start = cards.quiz_start_button(codec, reg.id, QuizPhase.POST, T.QUIZ_START_POST)
        return [text(T.EVAL_AFTER_QUIZ.format(course=course.title, dates=dates), [start])]
    intro = text(T.EVAL_INTRO.format(course=course.title, dates=dates, total=len(response.questions)))
    return [intro, cards.eval_question(codec, response, 0)]


@reminders.job("attendance-evaluations", trigger=working_days_at("daily_reminders_time"))
def send_evaluations(*, session: Session, now: datetime, codec: PostbackCodec,
                     settings: Mapping[str, Any]) -> dict[str, int]:
    """Send the evaluation to each attendee of a course that ended, then remind those 3 working days late."""
    today = today_bangkok(now)
    counts: Counter[str] = Counter()
    planned: list[bulk.Planned] = []
    questions = evaluation_questions(settings)
    for reg in due_evaluations(session=session, today=today):
        response = open_evaluation(session=session, registration=reg, questions=questions, now=now)
        if response is None:
            continue
        counts["evaluations_sent"] += 1
        if not reg.staff.can_receive or reg.staff.line_user_id is None:
            counts["evaluations_unreachable"] += 1
            continue
        planned.append(bulk.push(reg.staff.line_user_id, first_messages(session, codec, reg, response),
                                 f"evaluation:{reg.id}"))
    # Sent on or before this working day: due for its one reminder today.
    last_day = WorkCalendar.from_settings(settings).add_working_days(today, -REMIND_AFTER_WORKING_DAYS)
    cutoff = datetime.combine(last_day + timedelta(days=1), time(0), BANGKOK)
    late = unanswered_to_remind(session=session, sent_before=cutoff)
    for response in late:
        staff = response.registration.staff
        if not staff.can_receive or staff.line_user_id is None:
            counts["reminders_unreachable"] += 1
            continue
        planned.append(bulk.push(staff.line_user_id,
                                 [cards.eval_reminder(codec, response, response.registration.course)],
                                 f"evaluation-reminder:{response.registration_id}"))
        counts["evaluation_reminders"] += 1
    mark_reminded(session=session, response_ids=[r.id for r in late], now=now)
    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)
