"""Attendance as a domain rule: one operation sets it, check-ins only with today's live code."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.attendance import (
    AttendanceError,
    CheckinResult,
    check_in,
    checkin_code,
    record_attendance,
    renew_checkin_code,
)
from models.registration import Attendance, Registration, RegStatus
from models.reports import mark_not_attended
from tests.support import factories as f
from thai.dates import today_bangkok

NOW = datetime(2027, 1, 12, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, a Tuesday
TODAY = today_bangkok(NOW)


def _approved(session, person, course, status=RegStatus.APPROVED) -> Registration:
    reg = Registration(staff=person, course=course, status=status, approval_levels=1, current_step=1)
    session.add(reg)
    session.flush()
    return reg


def test_hr_record_wins_over_the_persons_own_not_attended(session) -> None:
    person = f.staff(session)
    reg = f.finished_registration(session, person, today=TODAY)
    assert record_attendance(session=session, registration_id=reg.id, present=True, by="hr", now=NOW)
    # Recorded present: the person's own "ไม่ได้เข้าร่วม" no longer applies.
    assert not mark_not_attended(session=session, registration=reg, reason="ติดราชการ", now=NOW)
    assert reg.attendance == Attendance.ATTENDED
    # Twice changes nothing the second time.
    assert not record_attendance(session=session, registration_id=reg.id, present=True, by="hr", now=NOW)


def test_hr_overrides_a_self_declared_absence_and_a_checkin_never_overrides_hr(session) -> None:
    person = f.staff(session)
    reg = f.finished_registration(session, person, today=TODAY)
    assert mark_not_attended(session=session, registration=reg, reason="ป่วย", now=NOW)
    assert record_attendance(session=session, registration_id=reg.id, present=True, by="hr", now=NOW)
    session.refresh(reg)
    assert reg.attendance == Attendance.ATTENDED and reg.not_attended_reason is None
    assert record_attendance(session=session, registration_id=reg.id, present=False, by="hr", now=NOW)
    assert not record_attendance(session=session, registration_id=reg.id, present=True, by="checkin", now=NOW)
    session.refresh(reg)
    assert reg.attendance == Attendance.NOT_ATTENDED


def test_only_an_approved_request_has_attendance(session) -> None:
    person = f.staff(session)
    course = f.course(session, today=TODAY, starts_in=0)
    reg = _approved(session, person, course, status=RegStatus.PENDING)
    with pytest.raises(AttendanceError):
        record_attendance(session=session, registration_id=reg.id, present=True, by="hr", now=NOW)
    with pytest.raises(ValueError):
        record_attendance(session=session, registration_id=reg.id, present=True, by="someone", now=NOW)


def test_check_in_needs_todays_live_code(session) -> None:
    person = f.staff(session)
    course = f.course(session, today=TODAY, starts_in=0, days=2)
    reg = _approved(session, person, course)
    today_code = checkin_code(session=session, course=course, day=TODAY, now=NOW)
    tomorrow_code = checkin_code(session=session, course=course, day=TODAY + timedelta(days=1), now=NOW)
    assert checkin_code(session=session, course=course, day=TODAY, now=NOW).code == today_code.code
    assert check_in(session=session, staff_id=person.id, code=tomorrow_code.code, now=NOW).result \
        is CheckinResult.WRONG_DAY
    assert check_in(session=session, staff_id=person.id, code="ZZZZZZ", now=NOW).result is CheckinResult.UNKNOWN_CODE
    old = today_code.code
    fresh = renew_checkin_code(session=session, course=course, day=TODAY, now=NOW)
    assert fresh.code != old
    assert check_in(session=session, staff_id=person.id, code=old, now=NOW).result is CheckinResult.STALE_CODE
    session.refresh(reg)
    assert reg.attendance == Attendance.UNKNOWN
    outcome = check_in(session=session, staff_id=person.id, code=fresh.code, now=NOW)
    assert outcome.result is CheckinResult.CHECKED_IN and outcome.first_of_course
    assert check_in(session=session, staff_id=person.id, code=fresh.code, now=NOW).result is CheckinResult.ALREADY
    session.refresh(reg)
    assert reg.attendance == Attendance.ATTENDED
