"""The courses feature's clock jobs: registration closing soon (an announcement) and training next.

Closing-soon is an optional announcement: it skips people who turned announcements off
(Staff.announcements). Training-next goes to every approved participant who can receive it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.courses.chat import T
from handlers.kit.messages import Message, message_action, postback_action, text, text_card
from handlers.kit.postback import Action, PostbackCodec
from models.course import Course, course_target_types
from models.org import Staff
from models.registration import Registration, RegStatus
from scheduler import bulk
from scheduler.calendar import WorkCalendar
from scheduler.registry import Counts, Reminders, working_days_at
from thai.dates import format_date, format_date_range, today_bangkok

reminders = Reminders("courses")


def _eligible(session: Session, course_ids: list[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Return each course's target staff types and the staff who registered, in two queries."""
    targets: dict[int, set[int]] = {}
    for course_id, type_id in session.execute(
        select(course_target_types.c.course_id, course_target_types.c.staff_type_id)
        .where(course_target_types.c.course_id.in_(course_ids))
    ):
        targets.setdefault(course_id, set()).add(type_id)
    registered: dict[int, set[int]] = {}
    for course_id, staff_id in session.execute(
        select(Registration.course_id, Registration.staff_id).where(Registration.course_id.in_(course_ids))
    ):
        registered.setdefault(course_id, set()).add(staff_id)
    return targets, registered


@reminders.job("courses-closing", trigger=working_days_at("daily_reminders_time"))
def closing_soon(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Announce, once per course, that registration closes within closing_soon_days."""
    today = today_bangkok(now)
    # A window rather than one exact day: the job runs on working days only, so a deadline
    # three days after a Saturday is announced on the first working day inside the window.
    horizon = today + timedelta(days=int(settings.get("closing_soon_days", 3)))
    courses = session.execute(
        select(Course.id, Course.title, Course.start_date, Course.end_date, Course.registration_deadline)
        .where(Course.active.is_(True), Course.registration_deadline >= today,
               Course.registration_deadline <= horizon, Course.start_date > today)
        .order_by(Course.id)
    ).all()
    counts: Counter[str] = Counter()
    planned: list[bulk.Planned] = []
    if courses:
        targets, registered = _eligible(session, [c.id for c in courses])
        audience = session.execute(
            select(Staff.id, Staff.staff_type_id, Staff.line_user_id)
            .where(Staff.can_receive, Staff.announcements.is_(True))
            .order_by(Staff.id)
        ).all()
        for course in courses:
            wanted, taken = targets.get(course.id), registered.get(course.id, set())
            to = [p.line_user_id for p in audience
                  if p.id not in taken and (not wanted or p.staff_type_id in wanted)]
            if not to:
                continue
            message = closing_message(codec, course.id, course.title, course.start_date, course.end_date,
                                      course.registration_deadline)
            planned += bulk.multicast(to, [message],
                                      f"closing:course{course.id}:eligible:{course.registration_deadline}")
            counts["closing"] += len(to)
    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)


@reminders.job("courses-starting", trigger=working_days_at("daily_reminders_time"))
def starting_next(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Remind the approved participants of courses that start before the next working day is over."""
    today = today_bangkok(now)
    # On a Friday this covers Saturday to Monday: the job does not run on the days between.
    until = WorkCalendar.from_settings(settings).next_working_day(today)
    rows = session.execute(
        select(Course.id, Course.title, Course.start_date, Course.end_date, Course.start_time, Course.venue,
               Staff.line_user_id)
        .join(Registration, Registration.course_id == Course.id)
        .join(Staff, Staff.id == Registration.staff_id)
        .where(Course.active.is_(True), Course.start_date > today, Course.start_date <= until,
               Registration.status == RegStatus.APPROVED, Staff.can_receive)
        .order_by(Course.id, Staff.id)
    ).all()
    counts: Counter[str] = Counter()
    planned: list[bulk.Planned] = []
    by_course: dict[int, list[Any]] = {}
    for r in rows:
        by_course.setdefault(r.id, []).append(r)
    for course_id, people in by_course.items():
        c = people[0]
        message = starting_message(c.title, c.start_date, c.end_date, c.start_time, c.venue, today)
        planned += bulk.multicast([p.line_user_id for p in people], [message],
                                  f"starting:course{course_id}:participants:{c.start_date}")
        counts["starting"] += len(people)
    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)


def closing_message(codec: PostbackCodec, course_id: int, title: str, start: date, end: date, deadline: date) -> Message:
    """Return the closing-soon announcement with a สมัคร button."""
    body = T.CLOSING.format(title=title, dates=format_date_range(start, end), deadline=format_date(deadline))
    action = postback_action(T.REGISTER, codec.pack(Action.REGISTER, course_id), display_text=T.REGISTER)
    # Both buttons the text names ride with it, as quick replies.
    return text_card(body, [action, message_action(T.BTN_MUTE)])


def starting_message(title: str, start: date, end: date, start_time: time | None, venue: str, today: date) -> Message:
    """Return the reminder to the participants of a course that starts next."""
    when = T.TOMORROW if (start - today).days == 1 else ""
    at = T.AT_TIME.format(time=f"{start_time:%H:%M}") if start_time else ""
    return text(T.STARTING.format(when=when, title=title, start=format_date(start, weekday=True), time=at,
                                  dates=format_date_range(start, end), venue=venue or T.NO_VENUE))
