"""The clock's jobs through run_due_jobs: who is told what, on which day, and never twice."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.clock import run_due_jobs, run_job
from bot.state import BotState
from handlers.kit.postback import Action
from models.org import ROLE_APPROVER, ROLE_STAFF, Staff, set_setting
from models.outbox import OutboxMessage
from models.registration import ApprovalStep, Attendance, Registration, RegStatus, StepDecision
from models.report import Report, ReportStatus
from tests.support import factories as f
from tests.support.chat import actions, texts
from tests.support.fake_line import FakeLineServer
from thai.dates import BANGKOK

_n = itertools.count(1)


# --- helpers (also used by the other scheduler tests) -------------------------------------------


def bkk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """Return a Bangkok wall-clock instant."""
    return datetime(y, m, d, hh, mm, tzinfo=BANGKOK)


def person(s: Session, *, linked: bool = True, **fields: Any) -> Staff:
    """Create a staff member, linked to a LINE user unless told otherwise."""
    return f.staff(s, line_user_id=f"Uclock{next(_n)}" if linked else None, **fields)


def owed(s: Session, who: Staff, *, end: date, due: date | None, title: str | None = None,
         report_status: str | None = None, status: str = RegStatus.APPROVED,
         attendance: str = Attendance.UNKNOWN) -> Registration:
    """Create a registration for a two-day course that ended on `end`, with its report state."""
    extra = {"title": title} if title else {}
    course = f.course(s, today=end, starts_in=-1, days=2, deadline_in=-10, **extra)
    reg = Registration(staff_id=who.id, course_id=course.id, status=status, attendance=attendance,
                       report_due_on=due, approval_levels=1, current_step=1)
    s.add(reg)
    s.flush()
    if report_status:
        s.add(Report(registration_id=reg.id, status=report_status))
        s.flush()
    return reg


def inbox(fake_line: FakeLineServer, who: Staff | str) -> list[dict[str, Any]]:
    """Return every message a person received."""
    user = who if isinstance(who, str) else who.line_user_id
    assert user
    return fake_line.standin.messages_to(user)


def message_calls(fake_line: FakeLineServer) -> list[Any]:
    """Return the push and multicast calls LINE accepted."""
    return [c for c in fake_line.standin.calls if c.status == 200 and "/message/" in c.path]


def outbox_count(bot: BotState) -> int:
    """Return how many outbox rows exist."""
    with bot.db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


# --- the monthly follow-up ----------------------------------------------------------------------


def test_monthly_follow_up_on_the_5th_lists_owed_reports_and_summarises_for_hr(bot, tx, fake_line) -> None:
    with tx() as s:
        a = person(s, unit_name="กองคลัง")
        owed(s, a, end=date(2026, 12, 10), due=date(2026, 12, 25), title="การจัดซื้อจัดจ้างภาครัฐ")
        owed(s, a, end=date(2026, 12, 28), due=date(2027, 1, 12), title="ระบบบัญชีคอมพิวเตอร์")
        b = person(s)
        b1 = owed(s, b, end=date(2026, 12, 20), due=None, title="การเขียนหนังสือราชการ")  # due = end + 15 = 4 Jan
        unlinked = person(s, linked=False, first_name="ไม่มีไลน์")
        owed(s, unlinked, end=date(2026, 11, 1), due=date(2026, 11, 16))
        blocked = person(s, reachable=False)
        owed(s, blocked, end=date(2026, 12, 1), due=date(2026, 12, 16))
        revising = person(s)
        owed(s, revising, end=date(2026, 12, 1), due=date(2027, 1, 20), report_status=ReportStatus.REVISION_REQUESTED)
        done = person(s)
        owed(s, done, end=date(2026, 12, 1), due=date(2026, 12, 16), report_status=ReportStatus.SUBMITTED)
        acknowledged = person(s)
        owed(s, acknowledged, end=date(2026, 12, 1), due=date(2026, 12, 16), report_status=ReportStatus.ACKNOWLEDGED)
        absent = person(s)
        owed(s, absent, end=date(2026, 12, 1), due=date(2026, 12, 16), attendance=Attendance.NOT_ATTENDED)
        ends_today = person(s)
        owed(s, ends_today, end=date(2027, 1, 5), due=date(2027, 1, 20))
        pending = person(s)
        owed(s, pending, end=date(2026, 12, 1), due=date(2026, 12, 16), status=RegStatus.PENDING)
        hr1, hr2 = f.hr(s), f.hr(s)
        hr_unlinked = f.hr(s, linked=False)
        assert hr_unlinked.line_user_id is None

    result = run_due_jobs(bot, bkk(2027, 1, 5, 9, 0))

    counts = result["jobs"]["monthly-followup"]
    assert counts["followup_staff"] == 3 and counts["staff_unreachable"] == 2 and counts["followup_hr"] == 2
    assert result["delivered"] == {"sent": 4}  # three pushes and one multicast to both HR officers

    [to_a] = inbox(fake_line, a)
    assert to_a["type"] == "flex"
    body = texts([to_a])
    assert "การจัดซื้อจัดจ้างภาครัฐ" in body and "ระบบบัญชีคอมพิวเตอร์" in body
    assert "25 ธ.ค. 2569 (เลยกำหนด)" in body and "12 ม.ค. 2570" in body
    [send] = [x for x in actions([to_a]) if x["label"] == "ส่งรายงาน"]
    chooser = bot.services.codec.unpack(send["data"])
    assert chooser.action is Action.REPORT and chooser.id is None  # two reports: the chooser lists them

    [to_b] = inbox(fake_line, b)
    [send_b] = [x for x in actions([to_b]) if x["label"] == "ส่งรายงาน"]
    assert bot.services.codec.unpack(send_b["data"]).id == b1.id
    assert "4 ม.ค. 2570 (เลยกำหนด)" in texts([to_b])
    assert len(inbox(fake_line, revising)) == 1
    for nobody in (blocked, done, acknowledged, absent, ends_today, pending):
        assert inbox(fake_line, nobody) == []

    [summary] = inbox(fake_line, hr1)
    assert inbox(fake_line, hr2) == [summary]
    body = summary["text"]
    assert "ประจำเดือนมกราคม 2570 (ปีงบประมาณ 2570)" in body
    assert "ค้างส่งทั้งหมด 6 รายการ จาก 5 คน เลยกำหนด 4 รายการ" in body
    assert "• กองคลัง: ค้างส่ง 2 เลยกำหนด 1" in body
    assert "• สำนักปลัด: ค้างส่ง 4 เลยกำหนด 3" in body
    assert a.name in body and b.name in body and unlinked.name in body and blocked.name in body
    assert revising.name not in body  # owed but not overdue: counted, not named
    assert [c.path for c in message_calls(fake_line)].count("/v2/bot/message/multicast") == 1


def test_running_the_same_instant_again_sends_nothing_twice(bot, tx, fake_line) -> None:
    with tx() as s:
        a = person(s)
        owed(s, a, end=date(2026, 12, 10), due=date(2026, 12, 25))
        f.hr(s)
    first = run_due_jobs(bot, bkk(2027, 1, 5, 9, 0))
    calls, rows = len(fake_line.standin.calls), outbox_count(bot)
    second = run_due_jobs(bot, bkk(2027, 1, 5, 9, 0).replace(second=30))
    assert first["jobs"]["monthly-followup"]["written"] == 2
    assert second["jobs"]["monthly-followup"]["written"] == 0
    assert second["delivered"] == {}
    assert len(fake_line.standin.calls) == calls and outbox_count(bot) == rows
    assert len(inbox(fake_line, a)) == 1
    # Next month is a new period: told again.
    run_due_jobs(bot, bkk(2027, 2, 5, 9, 0))
    assert len(inbox(fake_line, a)) == 2


def test_a_saturday_5th_moves_past_the_substitution_holiday(bot, tx, fake_line) -> None:
    with tx() as s:
        a = person(s)
        owed(s, a, end=date(2026, 11, 10), due=date(2026, 11, 25))
    assert run_due_jobs(bot, bkk(2026, 12, 5, 9, 0))["jobs"] == {}  # Saturday
    assert run_due_jobs(bot, bkk(2026, 12, 7, 9, 0))["jobs"] == {}  # in lieu of the 5 December holiday
    assert inbox(fake_line, a) == []
    assert "monthly-followup" in run_due_jobs(bot, bkk(2026, 12, 8, 9, 0))["jobs"]
    assert len(inbox(fake_line, a)) == 1


def test_a_weekday_holiday_5th_and_an_organisation_holiday_move_the_follow_up(bot, tx, fake_line) -> None:
    with tx() as s:
        a = person(s)
        owed(s, a, end=date(2025, 11, 1), due=date(2025, 11, 16))
        set_setting(session=s, key="extra_holidays", value=["2027-01-05"])
    assert run_due_jobs(bot, bkk(2025, 12, 5, 9, 0))["jobs"] == {}  # Friday, King Bhumibol's birthday
    assert "monthly-followup" in run_due_jobs(bot, bkk(2025, 12, 8, 9, 0))["jobs"]
    assert run_due_jobs(bot, bkk(2027, 1, 5, 9, 0))["jobs"] == {}  # the organisation is closed
    assert "monthly-followup" in run_due_jobs(bot, bkk(2027, 1, 6, 9, 0))["jobs"]
    assert len(inbox(fake_line, a)) == 2


def test_same_day_setting_sends_on_the_5th_anyway(bot, tx, fake_line) -> None:
    with tx() as s:
        a = person(s)
        owed(s, a, end=date(2026, 11, 10), due=date(2026, 11, 25))
        set_setting(session=s, key="monthly_followup_on_holiday", value="same_day")
        set_setting(session=s, key="monthly_followup_time", value="10:30")
    assert run_due_jobs(bot, bkk(2026, 12, 5, 9, 0))["jobs"] == {}
    assert "monthly-followup" in run_due_jobs(bot, bkk(2026, 12, 5, 10, 30))["jobs"]
    assert len(inbox(fake_line, a)) == 1


def test_hr_hears_even_when_nothing_is_owed(bot, tx, fake_line) -> None:
    with tx() as s:
        officer = f.hr(s)
    run_due_jobs(bot, bkk(2027, 1, 5, 9, 0))
    [summary] = inbox(fake_line, officer)
    assert "ไม่มีรายงานผลการอบรมค้างส่ง" in summary["text"]


# --- the working-day reminders -------------------------------------------------------------------


def test_report_due_and_overdue_thresholds(bot, tx, fake_line) -> None:
    # Wednesday 13 January 2027; thresholds 3 days before and 7 days after the due date.
    with tx() as s:
        boss = person(s, roles=(ROLE_STAFF, ROLE_APPROVER))
        p = person(s, supervisor=boss)
        in3 = owed(s, p, end=date(2027, 1, 1), due=date(2027, 1, 16), title="ครบกำหนดอีกสามวัน")
        owed(s, p, end=date(2027, 1, 2), due=date(2027, 1, 17), title="ครบกำหนดอีกสี่วัน")
        owed(s, p, end=date(2027, 1, 3), due=date(2027, 1, 13), title="ครบกำหนดวันนี้")
        owed(s, p, end=date(2026, 12, 20), due=date(2027, 1, 7), title="เลยมาหกวัน")
        owed(s, p, end=date(2026, 12, 20), due=date(2027, 1, 6), title="เลยมาเจ็ดวัน")
        owed(s, p, end=date(2026, 12, 1), due=date(2026, 12, 24), title="เลยมานานแล้ว")
        owed(s, p, end=date(2026, 12, 1), due=date(2026, 12, 1), title="ส่งแล้ว", report_status=ReportStatus.SUBMITTED)

    counts = run_due_jobs(bot, bkk(2027, 1, 13, 8, 30))["jobs"]["reports-deadlines"]
    assert counts["due_soon"] == 2 and counts["overdue_staff"] == 2 and counts["overdue_supervisor"] == 2
    mine = texts(inbox(fake_line, p))
    assert "ครบกำหนดอีกสามวัน" in mine and "อีก 3 วัน" in mine
    assert "ครบกำหนดวันนี้" in mine and "(วันนี้)" in mine
    assert "ครบกำหนดอีกสี่วัน" not in mine and "เลยมาหกวัน" not in mine and "ส่งแล้ว" not in mine
    assert "เลยมาเจ็ดวัน เลยกำหนดส่งมาแล้ว 7 วัน" in mine and "เลยมานานแล้ว เลยกำหนดส่งมาแล้ว 20 วัน" in mine
    [due_message] = [m for m in inbox(fake_line, p) if "ครบกำหนดอีกสามวัน" in texts([m])]
    [due_button] = [a for a in actions([due_message]) if a["label"] == "ส่งรายงาน"]
    assert bot.services.codec.unpack(due_button["data"]).id == in3.id
    boss_says = texts(inbox(fake_line, boss))
    assert p.name in boss_says and "เลยมาเจ็ดวัน" in boss_says and "เลยมาหกวัน" not in boss_says

    # Thursday: the four-day one is now due in three, the six-day one is seven days late;
    # what was said yesterday is not said again.
    before_p, before_boss = len(inbox(fake_line, p)), len(inbox(fake_line, boss))
    counts = run_due_jobs(bot, bkk(2027, 1, 14, 8, 30))["jobs"]["reports-deadlines"]
    assert counts["written"] == 3
    new = texts(inbox(fake_line, p)[before_p:])
    assert "ครบกำหนดอีกสี่วัน" in new and "เลยมาหกวัน" in new
    assert "ครบกำหนดอีกสามวัน" not in new and "เลยมาเจ็ดวัน" not in new
    assert len(inbox(fake_line, boss)) == before_boss + 1


def test_reminders_skip_people_who_cannot_receive_but_still_tell_the_supervisor(bot, tx, fake_line) -> None:
    with tx() as s:
        boss = person(s)
        gone = person(s, supervisor=boss, reachable=False)
        owed(s, gone, end=date(2026, 12, 20), due=date(2027, 1, 6))
    run_due_jobs(bot, bkk(2027, 1, 13, 8, 30))
    assert inbox(fake_line, gone) == []
    assert len(inbox(fake_line, boss)) == 1


def test_registration_closing_soon_goes_once_to_eligible_staff_who_have_not_registered(bot, tx, fake_line) -> None:
    today = date(2027, 1, 13)
    with tx() as s:
        p1 = person(s)
        registered = person(s)
        muted = person(s, announcements=False)
        blocked = person(s, reachable=False)
        teacher = person(s, type_name="ครู")
        soon = f.course(s, today=today, starts_in=20, deadline_in=2, title="เปิดรับอีกสองวัน")
        f.course(s, today=today, starts_in=20, deadline_in=7, title="ยังอีกนาน")
        f.course(s, today=today, starts_in=20, deadline_in=-1, title="ปิดไปแล้ว")
        f.course(s, today=today, starts_in=20, deadline_in=3, title="เฉพาะครู", targets=("ครู",))
        f.course(s, today=today, starts_in=20, deadline_in=1, title="ปิดการรับสมัครแล้ว", active=False)
        s.add(Registration(staff_id=registered.id, course_id=soon.id, status=RegStatus.PENDING))

    counts = run_due_jobs(bot, bkk(2027, 1, 13, 8, 30))["jobs"]["courses-closing"]
    assert counts["closing"] == 3
    assert texts(inbox(fake_line, p1)).count("เปิดรับอีกสองวัน") == 1
    assert "เฉพาะครู" not in texts(inbox(fake_line, p1))
    assert "เปิดรับอีกสองวัน" in texts(inbox(fake_line, teacher)) and "เฉพาะครู" in texts(inbox(fake_line, teacher))
    for nobody in (registered, muted, blocked):
        assert inbox(fake_line, nobody) == []
    [register] = [a for a in actions(inbox(fake_line, p1)) if a["label"] == "สมัคร"]
    assert bot.services.codec.unpack(register["data"]).action is Action.REGISTER
    # One identical message to both goes by multicast; the teachers-only one to one person by push.
    paths = [c.path for c in message_calls(fake_line)]
    assert paths.count("/v2/bot/message/multicast") == 1 and paths.count("/v2/bot/message/push") == 1

    run_due_jobs(bot, bkk(2027, 1, 14, 8, 30))  # still inside the window: once per course
    assert texts(inbox(fake_line, p1)).count("เปิดรับอีกสองวัน") == 1


def test_training_next_reminds_approved_participants_with_venue_and_time(bot, tx, fake_line) -> None:
    friday = date(2027, 1, 15)
    with tx() as s:
        p1, p2, waiting = person(s), person(s), person(s)
        saturday = f.course(s, today=friday, starts_in=1, deadline_in=-5, title="อบรมวันเสาร์",
                            venue="ห้องประชุมสภา", start_time=time(9, 0))
        monday = f.course(s, today=friday, starts_in=3, deadline_in=-5, title="อบรมวันจันทร์", venue="")
        tuesday = f.course(s, today=friday, starts_in=4, deadline_in=-5, title="อบรมวันอังคาร")
        for c in (saturday, monday, tuesday):
            s.add(Registration(staff_id=p1.id, course_id=c.id, status=RegStatus.APPROVED))
        s.add(Registration(staff_id=p2.id, course_id=saturday.id, status=RegStatus.APPROVED))
        s.add(Registration(staff_id=waiting.id, course_id=saturday.id, status=RegStatus.PENDING))

    run_due_jobs(bot, bkk(2027, 1, 15, 8, 30))
    said = texts(inbox(fake_line, p1))
    assert "แจ้งเตือนการอบรมพรุ่งนี้ค่ะ" in said and "อบรมวันเสาร์" in said
    assert "ห้องประชุมสภา" in said and "เริ่ม: วันเสาร์ที่ 16 ม.ค. 2570 เวลา 09:00 น." in said
    assert "อบรมวันจันทร์" in said and "วันจันทร์ที่ 18 ม.ค. 2570" in said  # no job on the weekend
    assert "อบรมวันอังคาร" not in said
    assert "อบรมวันเสาร์" in texts(inbox(fake_line, p2))
    assert inbox(fake_line, waiting) == []
    run_due_jobs(bot, bkk(2027, 1, 18, 8, 30))  # Monday: the Monday course was already announced
    assert texts(inbox(fake_line, p1)).count("อบรมวันจันทร์") == 1
    assert "อบรมวันอังคาร" in texts(inbox(fake_line, p1))


def test_a_decision_waiting_is_nudged_after_two_working_days_then_every_two(bot, tx, fake_line) -> None:
    with tx() as s:
        approver = person(s, roles=(ROLE_STAFF, ROLE_APPROVER))
        requester = person(s, supervisor=approver)
        course = f.course(s, today=date(2027, 1, 11), starts_in=30, deadline_in=20, title="หลักสูตรรออนุมัติ")
        reg = Registration(staff_id=requester.id, course_id=course.id, status=RegStatus.PENDING, approval_levels=1)
        s.add(reg)
        s.flush()
        # Reached on Monday 11 January 2027, 10:00 Bangkok.
        s.add(ApprovalStep(registration_id=reg.id, step=1, approver_id=approver.id,
                           decision=StepDecision.WAITING, reached_at=bkk(2027, 1, 11, 10, 0).astimezone(UTC)))
        reg_id = reg.id

    seen = []
    for day in (12, 13, 14, 15, 18, 19, 20):
        run_due_jobs(bot, bkk(2027, 1, day, 8, 30))
        seen.append(len(inbox(fake_line, approver)))
    # Two messages (a line and the card) on Thursday (3 working days), Monday (5) and Wednesday (7).
    assert seen == [0, 0, 2, 2, 4, 4, 6]
    said = inbox(fake_line, approver)
    assert "รอการอนุมัติจากท่านมา 3 วันทำการ" in texts(said[:1])
    assert "รอการอนุมัติจากท่านมา 5 วันทำการ" in texts(said[2:3])
    approve = [a for a in actions(said[:2]) if a["label"] == "อนุมัติ"][0]
    postback = bot.services.codec.unpack(approve["data"])
    assert (postback.action, postback.id, postback.arg) == (Action.APPROVE, reg_id, "1")
    assert inbox(fake_line, requester) == []


def test_a_decided_request_is_not_nudged(bot, tx, fake_line) -> None:
    with tx() as s:
        approver = person(s)
        requester = person(s)
        course = f.course(s, today=date(2027, 1, 11), starts_in=30, deadline_in=20)
        reg = Registration(staff_id=requester.id, course_id=course.id, status=RegStatus.CANCELLED)
        s.add(reg)
        s.flush()
        s.add(ApprovalStep(registration_id=reg.id, step=1, approver_id=approver.id,
                           decision=StepDecision.WAITING, reached_at=bkk(2027, 1, 4).astimezone(UTC)))
    run_due_jobs(bot, bkk(2027, 1, 14, 8, 30))
    assert inbox(fake_line, approver) == []


def test_a_request_for_a_course_that_has_started_is_no_longer_nudged(bot, tx, fake_line) -> None:
    with tx() as s:
        approver = person(s, roles=(ROLE_STAFF, ROLE_APPROVER))
        requester = person(s, supervisor=approver)
        # Starts on Wednesday 13 January 2027; the decision has waited since Monday 4 January.
        course = f.course(s, today=date(2027, 1, 4), starts_in=9, deadline_in=5)
        reg = Registration(staff_id=requester.id, course_id=course.id, status=RegStatus.PENDING, approval_levels=1)
        s.add(reg)
        s.flush()
        s.add(ApprovalStep(registration_id=reg.id, step=1, approver_id=approver.id,
                           decision=StepDecision.WAITING, reached_at=bkk(2027, 1, 4, 10, 0).astimezone(UTC)))
    run_due_jobs(bot, bkk(2027, 1, 12, 8, 30))  # the day before: still decidable, nudged
    assert len(inbox(fake_line, approver)) == 2
    for day in (13, 14, 15, 18):  # from the first day of the course on it cannot be decided
        counts = run_due_jobs(bot, bkk(2027, 1, day, 8, 30))["jobs"]["approvals-waiting"]
        assert counts.get("waiting", 0) == 0
    assert len(inbox(fake_line, approver)) == 2


def _followup_statements(bot: BotState, at: datetime) -> int:
    """Return how many SQL statements the monthly follow-up job runs at an instant."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(bot.db.engine, "before_cursor_execute", count)
    try:
        counts, _ = run_job(bot, "monthly-followup", at)
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", count)
    assert counts["followup_staff"] > 0
    return len(seen)


def test_monthly_follow_up_planning_does_not_grow_with_staff(bot, tx) -> None:
    def owing(n: int) -> None:
        with tx() as s:
            boss = person(s)
            for i in range(n):
                who = person(s, supervisor=boss if i % 2 else None, unit_name="กองคลัง" if i % 3 else "สำนักปลัด")
                owed(s, who, end=date(2026, 11, 10), due=date(2026, 11, 25))
                if i % 4 == 0:
                    owed(s, who, end=date(2026, 12, 20), due=None)

    with tx() as s:
        f.hr(s)
    owing(5)
    few = _followup_statements(bot, bkk(2027, 1, 5, 9, 0))
    owing(35)
    many = _followup_statements(bot, bkk(2027, 2, 5, 9, 0))
    assert few == many, (few, many)


def test_fiscal_year_boundary_30_september_and_1_october(bot, tx, fake_line) -> None:
    with tx() as s:
        p = person(s)
        owed(s, p, end=date(2026, 9, 1), due=date(2026, 9, 23), title="เลยกำหนดสามสิบกันยา")
        owed(s, p, end=date(2026, 9, 20), due=date(2026, 10, 2), title="ครบกำหนดสองตุลา")
        owed(s, p, end=date(2026, 9, 1), due=date(2026, 9, 24), title="เลยกำหนดหนึ่งตุลา")
        officer = f.hr(s)

    run_due_jobs(bot, bkk(2026, 9, 30, 8, 30))
    first = texts(inbox(fake_line, p))
    assert "เลยกำหนดสามสิบกันยา" in first and "ครบกำหนดสองตุลา" in first and "เลยกำหนดหนึ่งตุลา" not in first
    count = len(inbox(fake_line, p))
    run_due_jobs(bot, bkk(2026, 10, 1, 8, 30))
    new = inbox(fake_line, p)[count:]
    assert len(new) == 1 and "เลยกำหนดหนึ่งตุลา" in texts(new)

    run_due_jobs(bot, bkk(2026, 9, 7, 9, 0))  # 5 Sep 2026 was a Saturday
    run_due_jobs(bot, bkk(2026, 10, 5, 9, 0))
    september, october = inbox(fake_line, officer)
    assert "ประจำเดือนกันยายน 2569 (ปีงบประมาณ 2569)" in september["text"]
    assert "ประจำเดือนตุลาคม 2569 (ปีงบประมาณ 2570)" in october["text"]
    assert "ค้างส่งทั้งหมด 3 รายการ" in october["text"]


def test_no_gateway_leaves_rows_pending_for_later(bot, tx, fake_line) -> None:
    with tx() as s:
        a = person(s)
        owed(s, a, end=date(2026, 12, 10), due=date(2026, 12, 25))
    gateway, bot.gateway = bot.gateway, None
    try:
        result = run_due_jobs(bot, bkk(2027, 1, 5, 9, 0))
    finally:
        bot.gateway = gateway
    assert result["jobs"]["monthly-followup"]["written"] == 1 and result["delivered"] == {}
    assert inbox(fake_line, a) == []
    # The next run (or the clock's minute job) delivers what is due.
    assert run_due_jobs(bot, bkk(2027, 1, 5, 9, 1))["delivered"] == {"sent": 1}
    assert len(inbox(fake_line, a)) == 1
