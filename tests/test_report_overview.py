"""Submitted reports' files and HR's ส่งเตือน: the domain rules."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from models.base import utcnow
from models.outbox import OutboxMessage
from models.report import Report, ReportAttachment, ReportStatus
from models.report_overview import Reminded, attachment_file, remind_now, submitted_reports
from models.reports import store_attachment
from tests.support import factories as f
from thai.dates import today_bangkok

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def test_only_files_of_submitted_reports_with_a_stored_name_are_served(session, tmp_path) -> None:
    worker = f.staff(session, line_user_id="Uw")
    reg = f.finished_registration(session, worker)
    pending = store_attachment(session=session, registration=reg, data=PNG, content_type="image/png",
                               upload_dir=str(tmp_path), now=utcnow())
    # Still in the wizard: not part of a report yet, so not shown.
    assert attachment_file(session=session, attachment_id=pending.id, upload_dir=str(tmp_path)) is None
    report = Report(registration_id=reg.id, learned="ได้ความรู้", status=ReportStatus.SUBMITTED)
    session.add(report)
    session.flush()
    pending.report_id = report.id
    session.flush()
    found = attachment_file(session=session, attachment_id=pending.id, upload_dir=str(tmp_path))
    assert found is not None and found.content_type == "image/png" and Path(found.path).read_bytes() == PNG
    # A name that is not ours (say, planted in the table) never becomes a path.
    (tmp_path.parent / "secret.txt").write_text("x")
    evil = ReportAttachment(registration_id=reg.id, report_id=report.id, stored_name="../secret.txt")
    session.add(evil)
    session.flush()
    assert attachment_file(session=session, attachment_id=evil.id, upload_dir=str(tmp_path)) is None
    assert attachment_file(session=session, attachment_id=999_999, upload_dir=str(tmp_path)) is None
    assert [r.id for r in submitted_reports(session=session)] == [report.id]
    assert submitted_reports(session=session, status="acknowledged") == []


def test_a_reminder_goes_once_a_day_per_person(session) -> None:
    today = today_bangkok()
    worker = f.staff(session, line_user_id="Uw2")
    message = [{"type": "text", "text": "กรุณาส่งรายงาน"}]
    assert remind_now(session=session, staff=worker, today=today, messages=message, by="hr1") is Reminded.QUEUED
    assert remind_now(session=session, staff=worker, today=today, messages=message, by="hr1") is Reminded.ALREADY_TODAY
    assert remind_now(session=session, staff=worker, today=today + timedelta(days=1), messages=message,
                      by="hr1") is Reminded.QUEUED
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    unlinked = f.staff(session)
    assert remind_now(session=session, staff=unlinked, today=today, messages=message, by="hr1") is Reminded.UNREACHABLE
