"""The courses feature's new-course announcement: each new open course, once, to the staff it
targets. It is an optional announcement, so it skips whoever turned announcements off
(ปิดการแจ้งเตือน). No push budget exists on this branch yet; the one-course-one-message rule and
MAX_COURSES_PER_RUN keep the volume down."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.courses.chat import T
from handlers.courses.reminders import reminders
from handlers.kit.messages import Message, message_action, postback_action, text_card
from handlers.kit.postback import Action, PostbackCodec
from models.announcements import audience, courses_to_announce, mark_announced
from models.course import Course
from scheduler import bulk
from scheduler.registry import Counts, working_days_at
from thai.dates import format_date, format_date_range, today_bangkok


def new_course_message(codec: PostbackCodec, course: Course) -> Message:
    """Return the announcement with the สมัคร and ปิดการแจ้งเตือน buttons it names."""
    body = T.NEW_COURSE.format(title=course.title, dates=format_date_range(course.start_date, course.end_date),
                               deadline=format_date(course.registration_deadline))
    register = postback_action(T.REGISTER, codec.pack(Action.REGISTER, course.id), display_text=T.REGISTER)
    return text_card(body, [register, message_action(T.BTN_MUTE)])


@reminders.job("courses-announce", trigger=working_days_at("daily_reminders_time"))
def announce_new(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Tell the staff a new open course targets about it, once per course."""
    counts: Counter[str] = Counter()
    planned: list[bulk.Planned] = []
    for course in courses_to_announce(session=session, today=today_bangkok(now)):
        # Claim the course first: two clocks racing announce it once.
        if not mark_announced(session=session, course_id=course.id, now=now):
            continue
        counts["courses"] += 1
        to = [p.line_user_id for p in audience(session=session, course=course) if p.line_user_id]
        if to:
            planned += bulk.multicast(to, [new_course_message(codec, course)], f"announce:course{course.id}")
            counts["announced"] += len(to)
    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)
