"""Course operations HR runs from the console: add, edit, close, cancel, lists (domain)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from models.audit import AuditLog
from models.base import utcnow
from models.course import Course
from models.courses import (
    CourseError,
    CourseInput,
    add_course,
    cancel_course,
    close_registration,
    courses_of_year,
    fiscal_years,
    participants,
    update_course,
)
from models.delegation import set_stand_in
from models.org import DEFAULT_SETTINGS
from models.approval import decide
from models.registration import RegStatus, StepDecision, is_open, register
from models.report import Report, ReportStatus
from models.reports import ReportState
from tests.support import factories as f
from thai.dates import fiscal_year, today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


def _input(today: date, **changes) -> CourseInput:
    values = dict(code="HR-01", title="การเขียนหนังสือราชการ", start_date=today + timedelta(days=30),
                  end_date=today + timedelta(days=31), registration_deadline=today + timedelta(days=20),
                  seats=2, fee=Decimal("1500"))
    values.update(changes)
    return CourseInput(**values)


def test_add_and_edit_a_course_with_every_problem_named(session) -> None:
    today = today_bangkok()
    kind = f.staff_type(session, "ครู")
    course = add_course(session=session, data=_input(today, target_type_ids=[kind.id]), by="hr1")
    assert course.id and course.target_types == [kind] and course.fee == Decimal("1500")
    with pytest.raises(CourseError) as bad:
        add_course(session=session, data=_input(today, code="", title="", end_date=today, seats=-1,
                                                registration_deadline=today + timedelta(days=40)), by="hr1")
    assert len(bad.value.problems) == 5, bad.value.problems
    with pytest.raises(CourseError) as taken:
        add_course(session=session, data=_input(today), by="hr1")
    assert "มีอยู่แล้ว" in str(taken.value)
    edited = update_course(session=session, course_id=course.id, data=_input(today, title="ใหม่", seats=5),
                           by="hr1").course
    assert (edited.title, edited.seats, edited.target_types) == ("ใหม่", 5, [])
    actions = list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["course.added", "course.updated"]


def test_seats_cannot_drop_below_the_requests_already_made(session) -> None:
    today = today_bangkok()
    top, worker = f.chain(session, 1)
    course = f.course(session, seats=5)
    register(session=session, staff=worker, course=course, reason="", today=today, settings=SETTINGS)
    other = f.staff(session, supervisor=top)
    register(session=session, staff=other, course=course, reason="", today=today, settings=SETTINGS)
    data = CourseInput.of(course)
    data.seats = 1
    with pytest.raises(CourseError) as refused:
        update_course(session=session, course_id=course.id, data=data, by="hr1")
    assert "2 คน" in str(refused.value)


def test_close_registration_stops_new_requests_once(session) -> None:
    today = today_bangkok()
    course = f.course(session)
    assert is_open(course, today)
    close_registration(session=session, course_id=course.id, today=today, by="hr1")
    assert not is_open(session.get(Course, course.id), today)
    with pytest.raises(CourseError):
        close_registration(session=session, course_id=course.id, today=today, by="hr1")


def test_cancel_withdraws_the_course_and_cancels_live_requests_once(session) -> None:
    today = today_bangkok()
    top, head, worker = f.chain(session, 2)
    deputy = f.staff(session, line_user_id="Udep")
    course = f.course(session)
    pending = register(session=session, staff=worker, course=course, reason="", today=today, settings=SETTINGS)
    colleague = f.staff(session, supervisor=head, line_user_id="Ucol")
    approved = register(session=session, staff=colleague, course=course, reason="", today=today, settings=SETTINGS)
    for step, who in ((1, head), (2, top)):
        decide(session=session, registration_id=approved.id, step=step, approver=who, approve=True, reason=None,
               now=utcnow())
    set_stand_in(session=session, approver_id=head.id, stand_in_id=deputy.id, starts_on=today, ends_on=today,
                 by="hr1", now=utcnow(), today=today)
    done = cancel_course(session=session, course_id=course.id, today=today, now=utcnow(), by="hr1")
    assert {r.id for r in done.registrations} == {pending.id, approved.id}
    assert all(r.status == RegStatus.CANCELLED for r in done.registrations)
    # The pending request's card is held today by the head's stand-in.
    assert [(r.id, who.id) for r, who in done.holders] == [(pending.id, deputy.id)]
    assert {s.decision for r in done.registrations for s in r.steps} <= {StepDecision.VOID, StepDecision.APPROVED}
    with pytest.raises(CourseError):
        cancel_course(session=session, course_id=course.id, today=today, now=utcnow(), by="hr1")


def test_a_finished_course_cannot_be_cancelled(session) -> None:
    today = today_bangkok()
    course = f.course(session, starts_in=-5, deadline_in=-10)
    with pytest.raises(CourseError) as refused:
        cancel_course(session=session, course_id=course.id, today=today, now=utcnow(), by="hr1")
    assert "อบรมเสร็จแล้ว" in str(refused.value)


def test_fiscal_year_list_counts_seats(session) -> None:
    today = date(2026, 12, 1)
    top, worker = f.chain(session, 1)
    near = f.course(session, today=today, starts_in=20, seats=3)
    f.course(session, today=today, starts_in=400, seats=0)
    register(session=session, staff=worker, course=near, reason="", today=today, settings=SETTINGS)
    assert fiscal_years(session=session, today=today) == [2571, 2570]
    rows = courses_of_year(session=session, fy=fiscal_year(today), today=today)
    assert [(r.course.id, r.taken, r.left, r.open) for r in rows] == [(near.id, 1, 2, True)]
    assert courses_of_year(session=session, fy=2571, today=today)[0].left is None


def test_participants_show_step_stand_in_attendance_and_report_state(session) -> None:
    today = today_bangkok()
    top, head, worker = f.chain(session, 2)
    deputy = f.staff(session)
    course = f.course(session)
    pending = register(session=session, staff=worker, course=course, reason="", today=today, settings=SETTINGS)
    set_stand_in(session=session, approver_id=head.id, stand_in_id=deputy.id, starts_on=today, ends_on=today,
                 by="hr1", now=utcnow(), today=today)
    rows = participants(session=session, course_id=course.id, today=today, settings=SETTINGS)
    assert [(p.registration.id, p.step.step, p.acting.id, p.state) for p in rows] == [
        (pending.id, 1, deputy.id, ReportState.NONE)]
    done = f.finished_registration(session, worker)
    session.add(Report(registration_id=done.id, learned="ได้ความรู้", status=ReportStatus.SUBMITTED))
    session.flush()
    rows = participants(session=session, course_id=done.course_id, today=today, settings=SETTINGS)
    assert [(p.step, p.state) for p in rows] == [(None, ReportState.SUBMITTED)]


def test_putting_a_course_off_moves_the_report_due_dates_approval_froze(session) -> None:
    # Approval freezes a report's due date; a course put off by a week must not have the bot
    # chase reports for training that has not happened yet.
    today = today_bangkok()
    top, worker = f.chain(session, 1)
    course = f.course(session, starts_in=20, days=2)
    approved = f.finished_registration(session, worker, course_=course)
    pending = register(session=session, staff=f.staff(session, supervisor=top), course=course, reason="",
                       today=today, settings=SETTINGS)
    due = approved.report_due_on
    assert due is not None and pending.report_due_on is None

    data = CourseInput.of(course)
    data.title = "ชื่อใหม่"  # not a date: nothing moves
    assert update_course(session=session, course_id=course.id, data=data, by="hr1").report_due_moved == 0
    assert approved.report_due_on == due

    week = timedelta(days=7)
    data.start_date, data.end_date, data.registration_deadline = (
        data.start_date + week, data.end_date + week, data.registration_deadline + week)
    assert update_course(session=session, course_id=course.id, data=data, by="hr1").report_due_moved == 1
    session.expire_all()
    assert session.get(type(approved), approved.id).report_due_on == due + week
    assert session.get(type(pending), pending.id).report_due_on is None
    last = session.scalars(select(AuditLog).where(AuditLog.action == "course.updated")
                           .order_by(AuditLog.id.desc())).first()
    assert last.detail["report_due_moved"] == 1
