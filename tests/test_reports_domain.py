"""Report domain operations: who owes a report, submitting, review, not attended, history."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from models.audit import AuditLog
from models.org import get_settings
from models.registration import Attendance, Registration, RegStatus
from models.report import Report, ReportAttachment, ReportDraft, ReportStatus
from models.report_review import ReviewResult, acknowledge, may_review, request_revision, reviewer_of
from models.reports import (
    ReportError,
    ReportState,
    attachment_count,
    discard_pending_attachments,
    due_date,
    mark_not_attended,
    owed_reports,
    report_state,
    store_attachment,
    submit_report,
    training_history,
)
from tests.support import factories as f

TODAY = date(2026, 3, 20)
NOW = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)


def draft(**fields) -> ReportDraft:
    d = ReportDraft(learned="ได้เรียนรู้การจัดทำแผนพัฒนาบุคลากรสามปี", application="นำไปปรับแผนของกอง")
    d.expenses = {"registration": Decimal("3500"), "travel": Decimal("400"),
                  "accommodation": Decimal("1200"), "per_diem": Decimal("240")}
    for key, value in fields.items():
        setattr(d, key, value)
    return d


@pytest.fixture
def people(session):
    top, mid, boss, worker = f.chain(session, 3)
    hr = f.hr(session)
    return {"top": top, "boss": boss, "worker": worker, "hr": hr}


def test_ended_approved_course_is_owed_until_reported(session, people) -> None:
    worker = people["worker"]
    reg = f.finished_registration(session, worker, today=TODAY, ended_days_ago=1)
    assert owed_reports(session=session, staff=worker, today=TODAY) == [reg]
    submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert owed_reports(session=session, staff=worker, today=TODAY) == []


def test_course_not_ended_or_not_approved_is_not_owed(session, people) -> None:
    worker = people["worker"]
    ends_today = f.finished_registration(session, worker, today=TODAY, ended_days_ago=0)
    pending = f.finished_registration(session, worker, today=TODAY, ended_days_ago=5)
    pending.status = RegStatus.PENDING
    rejected = f.finished_registration(session, worker, today=TODAY, ended_days_ago=5)
    rejected.status = RegStatus.REJECTED
    session.flush()
    assert owed_reports(session=session, staff=worker, today=TODAY) == []
    assert owed_reports(session=session, staff=worker, today=TODAY + timedelta(days=1)) == [ends_today]


def test_owed_reports_oldest_first_and_only_mine(session, people) -> None:
    worker, other = people["worker"], f.staff(session)
    newer = f.finished_registration(session, worker, today=TODAY, ended_days_ago=2)
    older = f.finished_registration(session, worker, today=TODAY, ended_days_ago=9)
    f.finished_registration(session, other, today=TODAY)
    assert owed_reports(session=session, staff=worker, today=TODAY) == [older, newer]


def test_due_date_is_frozen_or_follows_the_setting(session, people) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY, due_days=15)
    settings = get_settings(session=session)
    assert due_date(reg, settings) == reg.course.end_date + timedelta(days=15)
    reg.report_due_on = None
    assert due_date(reg, {**settings, "report_due_days": 30}) == reg.course.end_date + timedelta(days=30)


def test_report_states(session, people) -> None:
    worker = people["worker"]
    settings = get_settings(session=session)
    reg = f.finished_registration(session, worker, today=TODAY, ended_days_ago=2)
    assert report_state(reg, None, today=TODAY, settings=settings) is ReportState.OWED
    late = TODAY + timedelta(days=30)
    assert report_state(reg, None, today=late, settings=settings) is ReportState.OVERDUE
    future = f.finished_registration(session, worker, today=TODAY, ended_days_ago=-10)
    assert report_state(future, None, today=TODAY, settings=settings) is ReportState.NONE
    report = submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert report_state(reg, report, today=late, settings=settings) is ReportState.SUBMITTED


def test_submit_stores_expenses_attachments_and_audit(session, people, tmp_path: Path) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    image = store_attachment(session=session, registration=reg, data=b"\xff\xd8jpeg", content_type="image/jpeg",
                             upload_dir=str(tmp_path), now=NOW)
    assert (tmp_path / image.stored_name).read_bytes() == b"\xff\xd8jpeg"
    assert len(image.stored_name) >= 32  # random, not the user's file name
    report = submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert report.status == ReportStatus.SUBMITTED and report.revision == 1
    assert report.expense_total == Decimal("5340")
    assert [a.id for a in report.attachments] == [image.id]
    assert reg.attendance == Attendance.ATTENDED
    assert session.scalar(select(AuditLog).where(AuditLog.action == "report.submitted")) is not None


def test_total_only_draft_keeps_items_zero(session, people) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    report = submit_report(session=session, registration=reg, draft=draft(total_only=True, total=Decimal("3500")),
                           now=NOW)
    assert report.expense_total == Decimal("3500")
    assert report.expense_registration == 0 and report.expense_travel == 0
    again = ReportDraft.from_report(report)
    assert again.total_only and again.total == Decimal("3500")


def test_draft_round_trips_through_json() -> None:
    d = draft()
    assert ReportDraft.from_data(d.to_data()) == d
    assert ReportDraft.from_data({}).expense_total == 0


def test_submitting_twice_is_refused(session, people) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    with pytest.raises(ReportError):
        submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert len(list(session.scalars(select(Report)))) == 1


def test_review_only_by_the_direct_supervisor_and_current_revision(session, people) -> None:
    worker, boss, top, hr = people["worker"], people["boss"], people["top"], people["hr"]
    reg = f.finished_registration(session, worker, today=TODAY)
    report = submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert reviewer_of(reg).id == boss.id
    assert not may_review(top, report) and not may_review(hr, report) and not may_review(worker, report)
    assert acknowledge(session=session, report=report, reviewer=top, revision=1, now=NOW) is ReviewResult.NOT_ALLOWED
    assert acknowledge(session=session, report=report, reviewer=boss, revision=2, now=NOW) is ReviewResult.STALE
    assert acknowledge(session=session, report=report, reviewer=boss, revision=1, now=NOW) is ReviewResult.DONE
    # A double tap changes it once.
    assert acknowledge(session=session, report=report, reviewer=boss, revision=1, now=NOW) is ReviewResult.STALE
    assert report.status == ReportStatus.ACKNOWLEDGED and report.reviewed_by_id == boss.id
    assert len(list(session.scalars(select(AuditLog).where(AuditLog.action == "report.acknowledged")))) == 1


def test_hr_reviews_when_there_is_no_supervisor(session, people) -> None:
    loner, hr = f.staff(session, line_user_id="Uloner"), people["hr"]
    reg = f.finished_registration(session, loner, today=TODAY)
    report = submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert reviewer_of(reg) is None
    assert may_review(hr, report)
    assert acknowledge(session=session, report=report, reviewer=hr, revision=1, now=NOW) is ReviewResult.DONE


def test_revision_request_then_resubmission(session, people, tmp_path: Path) -> None:
    worker, boss = people["worker"], people["boss"]
    reg = f.finished_registration(session, worker, today=TODAY)
    report = submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    with pytest.raises(ValueError):
        request_revision(session=session, report=report, reviewer=boss, revision=1, reason="  ", now=NOW)
    result = request_revision(session=session, report=report, reviewer=boss, revision=1, reason="เพิ่มตัวอย่างงาน",
                              now=NOW)
    assert result is ReviewResult.DONE
    assert report.status == ReportStatus.REVISION_REQUESTED and report.review_reason == "เพิ่มตัวอย่างงาน"
    assert owed_reports(session=session, staff=worker, today=TODAY) == [reg]
    store_attachment(session=session, registration=reg, data=b"png", content_type="image/png",
                     upload_dir=str(tmp_path), now=NOW)
    again = submit_report(session=session, registration=reg, draft=draft(application="นำไปใช้ปรับแผนอัตรากำลัง"),
                          now=NOW + timedelta(days=1))
    assert again.id == report.id and again.revision == 2 and again.status == ReportStatus.SUBMITTED
    assert again.application == "นำไปใช้ปรับแผนอัตรากำลัง"
    assert len(again.attachments) == 1
    # The card of revision 1 is stale now.
    assert acknowledge(session=session, report=again, reviewer=boss, revision=1, now=NOW) is ReviewResult.STALE
    assert acknowledge(session=session, report=again, reviewer=boss, revision=2, now=NOW) is ReviewResult.DONE
    with pytest.raises(ReportError):
        submit_report(session=session, registration=reg, draft=draft(), now=NOW)


def test_not_attended_owes_nothing_and_happens_once(session, people, tmp_path: Path) -> None:
    worker = people["worker"]
    reg = f.finished_registration(session, worker, today=TODAY)
    store_attachment(session=session, registration=reg, data=b"x", content_type="image/jpeg",
                     upload_dir=str(tmp_path), now=NOW)
    with pytest.raises(ValueError):
        mark_not_attended(session=session, registration=reg, reason=" ", now=NOW)
    assert mark_not_attended(session=session, registration=reg, reason="ป่วย", now=NOW, upload_dir=str(tmp_path))
    assert not mark_not_attended(session=session, registration=reg, reason="ป่วย", now=NOW)
    assert reg.attendance == Attendance.NOT_ATTENDED and reg.report_due_on is None
    assert owed_reports(session=session, staff=worker, today=TODAY) == []
    assert attachment_count(session=session, registration_id=reg.id) == 0
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ReportError):
        submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    settings = get_settings(session=session)
    assert report_state(reg, None, today=TODAY, settings=settings) is ReportState.NOT_ATTENDED


def test_not_attended_refused_after_a_report(session, people) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert not mark_not_attended(session=session, registration=reg, reason="ป่วย", now=NOW)


def test_store_attachment_refuses_non_images(session, people, tmp_path: Path) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    with pytest.raises(ValueError):
        store_attachment(session=session, registration=reg, data=b"%PDF", content_type="application/pdf",
                         upload_dir=str(tmp_path), now=NOW)
    a = store_attachment(session=session, registration=reg, data=b"1", content_type="image/png",
                         upload_dir=str(tmp_path), now=NOW)
    b = store_attachment(session=session, registration=reg, data=b"2", content_type="image/png",
                         upload_dir=str(tmp_path), now=NOW)
    assert a.stored_name != b.stored_name and a.stored_name.endswith(".png")
    assert discard_pending_attachments(session=session, registration_id=reg.id, upload_dir=str(tmp_path)) == 2
    assert session.scalars(select(ReportAttachment)).all() == []


def test_history_groups_by_fiscal_year_newest_first(session, people) -> None:
    worker = people["worker"]
    settings = get_settings(session=session)
    # 15 Sep 2025 is FY 2568; 10 Oct 2025 and 1 Mar 2026 are FY 2569.
    old = f.finished_registration(session, worker, course_=f.course(session, today=date(2025, 9, 1), starts_in=14))
    oct_ = f.finished_registration(session, worker, course_=f.course(session, today=date(2025, 10, 1), starts_in=9))
    mar = f.finished_registration(session, worker, course_=f.course(session, today=date(2026, 3, 1), starts_in=0))
    submit_report(session=session, registration=oct_, draft=draft(), now=NOW)
    years = training_history(session=session, staff=worker, today=TODAY, settings=settings)
    assert list(years) == [2569, 2568]
    assert [i.registration for i in years[2569]] == [mar, oct_]
    assert years[2569][1].state is ReportState.SUBMITTED
    assert years[2568][0].registration == old and years[2568][0].state is ReportState.OVERDUE


# --- taps that race: a report and "not attended" never both -------------------------------


def _behind_the_back(session, registration_id: int, **values) -> None:
    """Change a registration as another transaction would: the loaded object does not see it."""
    session.execute(update(Registration).where(Registration.id == registration_id).values(**values)
                    .execution_options(synchronize_session=False))


def test_submit_with_a_stale_registration_after_not_attended_is_refused(session, people) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    assert reg.attendance == Attendance.UNKNOWN
    _behind_the_back(session, reg.id, attendance=Attendance.NOT_ATTENDED, not_attended_reason="ลาป่วย")
    assert reg.attendance == Attendance.UNKNOWN  # stale, as in the handler of the racing tap
    with pytest.raises(ReportError):
        submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    session.expire_all()
    assert session.scalars(select(Report)).all() == []
    assert session.get(Registration, reg.id).attendance == Attendance.NOT_ATTENDED


def _just_before_the_update(session, monkeypatch, act) -> None:
    """Run act() right before mark_not_attended's UPDATE, as a racing transaction committing then would."""
    real = session.execute
    done = []

    def execute(statement, *args, **kwargs):
        if not done and getattr(statement, "is_update", False) and statement.table.name == "registrations":
            done.append(True)
            act()
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(session, "execute", execute)


def test_not_attended_loses_to_a_report_stored_after_its_check(session, people, monkeypatch) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    _just_before_the_update(session, monkeypatch, lambda: session.execute(
        insert(Report).values(registration_id=reg.id, learned="x", application="y", status=ReportStatus.SUBMITTED,
                              revision=1, submitted_at=NOW)))
    assert not mark_not_attended(session=session, registration=reg, reason="ลาป่วย", now=NOW)
    session.expire_all()
    assert session.get(Registration, reg.id).attendance == Attendance.UNKNOWN


def test_not_attended_loses_to_attendance_claimed_after_its_check(session, people, monkeypatch) -> None:
    reg = f.finished_registration(session, people["worker"], today=TODAY)
    _just_before_the_update(session, monkeypatch,
                            lambda: _behind_the_back(session, reg.id, attendance=Attendance.ATTENDED))
    assert not mark_not_attended(session=session, registration=reg, reason="ลาป่วย", now=NOW)
    session.expire_all()
    assert session.get(Registration, reg.id).attendance == Attendance.ATTENDED


def test_submit_and_not_attended_at_once_on_postgresql(bot, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("concurrency is only meaningful on PostgreSQL: SQLite serialises every writer")
    import threading

    db = bot.db  # the app's database: its fixture wipes what this test commits
    with db.transaction() as s:
        worker = f.chain(s, 1)[-1]
        reg_ids = [f.finished_registration(s, worker, today=TODAY).id for _ in range(6)]
    errors: list[BaseException] = []

    def submit(reg_id: int, barrier: threading.Barrier) -> None:
        with db.transaction() as s:
            reg = s.get(Registration, reg_id)
            barrier.wait(timeout=10)
            try:
                submit_report(session=s, registration=reg, draft=draft(), now=NOW)
            except ReportError:
                pass  # lost the race: the handler says so in Thai

    def absent(reg_id: int, barrier: threading.Barrier) -> None:
        with db.transaction() as s:
            reg = s.get(Registration, reg_id)
            barrier.wait(timeout=10)
            mark_not_attended(session=s, registration=reg, reason="ลาป่วย", now=NOW)

    def guarded(fn, *args) -> threading.Thread:
        def run() -> None:
            try:
                fn(*args)
            except BaseException as error:  # noqa: BLE001 - asserted below, on the main thread
                errors.append(error)
        return threading.Thread(target=run)

    for reg_id in reg_ids:
        barrier = threading.Barrier(2)
        threads = [guarded(submit, reg_id, barrier), guarded(absent, reg_id, barrier)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    with db.transaction() as s:
        absences = s.scalars(select(AuditLog.subject_id).where(AuditLog.action == "report.not_attended")).all()
        for reg_id in reg_ids:
            reg = s.get(Registration, reg_id)
            has_report = s.scalar(select(Report).where(Report.registration_id == reg_id)) is not None
            # Exactly one of the two happened, and the record says the same.
            assert has_report != (reg_id in absences), reg_id
            assert reg.attendance == (Attendance.ATTENDED if has_report else Attendance.NOT_ATTENDED), reg_id
            assert (reg.not_attended_reason is None) == has_report, reg_id


# --- who reviews when the supervisor cannot receive the card ---------------------------------


@pytest.mark.parametrize("why", ["unlinked", "blocked", "left"])
def test_hr_reviews_when_the_supervisor_cannot_receive(session, people, why: str) -> None:
    worker, boss, hr, top = people["worker"], people["boss"], people["hr"], people["top"]
    reg = f.finished_registration(session, worker, today=TODAY)
    report = submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert not may_review(hr, report)
    if why == "unlinked":
        boss.line_user_id = None
    elif why == "blocked":
        boss.reachable = False
    else:
        boss.active = False
    assert may_review(hr, report)
    assert not may_review(top, report) and not may_review(worker, report)
    assert acknowledge(session=session, report=report, reviewer=hr, revision=1, now=NOW) is ReviewResult.DONE


def test_nobody_reviews_their_own_report(session, people) -> None:
    hr = people["hr"]  # an HR officer without a supervisor
    reg = f.finished_registration(session, hr, today=TODAY)
    report = submit_report(session=session, registration=reg, draft=draft(), now=NOW)
    assert not may_review(hr, report)
