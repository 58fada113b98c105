"""Each rule is written once in models/ and serves one person and the whole table alike: the chat
(one row) and the clock (every row) must never disagree about who is owed, who waits, who hears."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.approval import waiting_for, waiting_steps
from models.org import ROLE_HR, ROLE_STAFF, Staff, hr_line_ids, hr_officers
from models.registration import ApprovalStep, Attendance, Registration, RegStatus, StepDecision, report_due
from models.report import ReportStatus
from models.reports import due_date, is_owed, owed_reports, owed_reports_all
from tests.support import factories as f
from tests.test_scheduler_jobs import owed

TODAY = date(2027, 1, 13)
SETTINGS = {"report_due_days": 15}


def test_who_can_receive_a_push_is_the_same_on_a_row_and_in_sql(session: Session) -> None:
    people = []
    for i, (active, linked, reachable) in enumerate(itertools.product((True, False), repeat=3)):
        people.append(f.staff(session, line_user_id=f"Urule{i}" if linked else None, active=active,
                              reachable=reachable))
    people.append(f.staff(session, line_user_id="", active=True, reachable=True))  # an empty id is no link
    session.flush()
    in_sql = set(session.scalars(select(Staff.id).where(Staff.can_receive, Staff.id.in_([p.id for p in people]))))
    on_rows = {p.id for p in people if p.can_receive}
    assert in_sql == on_rows and len(on_rows) == 1


def test_hr_who_can_receive_are_the_hr_officers_a_push_reaches(session: Session) -> None:
    reachable = f.hr(session)
    unlinked = f.hr(session, linked=False)
    blocked = f.staff(session, line_user_id="Ublocked-hr", roles=(ROLE_STAFF, ROLE_HR), reachable=False)
    f.staff(session, line_user_id="Unot-hr")
    officers = hr_officers(session=session)
    assert {reachable.id, unlinked.id, blocked.id} <= {p.id for p in officers}
    assert all(p.has_role(ROLE_HR) for p in officers)
    receiving = hr_officers(session=session, receiving=True)
    assert [p.id for p in receiving] == [p.id for p in officers if p.can_receive]
    assert hr_line_ids(session=session) == [p.line_user_id for p in receiving]


def test_owed_reports_and_their_due_dates_agree_for_one_person_and_for_everyone(session: Session) -> None:
    worker = f.staff(session, line_user_id="Uowed")
    ended = TODAY - timedelta(days=3)
    cases = [
        owed(session, worker, end=ended, due=None),  # due from the settings
        owed(session, worker, end=ended, due=TODAY + timedelta(days=2)),
        owed(session, worker, end=ended, due=TODAY, report_status=ReportStatus.REVISION_REQUESTED),
        owed(session, worker, end=ended, due=TODAY, report_status=ReportStatus.SUBMITTED),
        owed(session, worker, end=ended, due=TODAY, report_status=ReportStatus.ACKNOWLEDGED),
        owed(session, worker, end=ended, due=TODAY, attendance=Attendance.NOT_ATTENDED),
        owed(session, worker, end=ended, due=TODAY, status=RegStatus.PENDING),
        owed(session, worker, end=TODAY, due=TODAY),  # ends today: not yet owed
    ]
    mine = {r.id for r in owed_reports(session=session, staff=worker, today=TODAY)}
    everyone = {row.registration_id: row for row in owed_reports_all(session=session, today=TODAY, settings=SETTINGS)
                if row.staff_id == worker.id}
    assert mine == set(everyone) == {r.id for r in cases[:3]}
    assert {r.id for r in cases if is_owed(session=session, registration=r, today=TODAY)} == mine
    for reg in cases[:3]:
        session.refresh(reg)
        assert everyone[reg.id].due == due_date(reg, SETTINGS)
    assert everyone[cases[0].id].due == report_due(None, cases[0].course.end_date, SETTINGS) == ended + timedelta(days=15)


def test_a_waiting_decision_is_the_same_for_the_approver_and_for_the_clock(session: Session) -> None:
    approver = f.staff(session, line_user_id="Uwaits")
    requester = f.staff(session, supervisor=approver)
    steps = []
    for starts_in, decision, status in ((5, StepDecision.WAITING, RegStatus.PENDING),
                                        (0, StepDecision.WAITING, RegStatus.PENDING),  # the course starts today
                                        (5, StepDecision.APPROVED, RegStatus.APPROVED),
                                        (5, StepDecision.WAITING, RegStatus.CANCELLED)):
        course = f.course(session, today=TODAY, starts_in=starts_in, deadline_in=-1)
        reg = Registration(staff_id=requester.id, course_id=course.id, status=status, approval_levels=1)
        session.add(reg)
        session.flush()
        step = ApprovalStep(registration_id=reg.id, step=1, approver_id=approver.id, decision=decision,
                            reached_at=datetime(2027, 1, 4, 3, 0, tzinfo=UTC))
        session.add(step)
        session.flush()
        steps.append(step)
    chat = [s.id for _, s in waiting_for(session=session, approver=approver, today=TODAY)]
    clock = [s.id for s in session.scalars(waiting_steps(today=TODAY).where(ApprovalStep.approver_id == approver.id))]
    assert chat == clock == [steps[0].id]
