"""The console's reports page: submitted reports and their files (signed-in accounts only), owed
and overdue reports, and ส่งเตือน (one reminder a day per person)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.base import utcnow
from models.outbox import OutboxMessage
from models.report import Report, ReportAttachment, ReportStatus
from models.reports import store_attachment
from tests.support import factories as f
from tests.support.chat import Chat, button, texts
from tests.support.console import ConsoleClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def org(tx, bot):
    """One person owing a long-overdue report, one who sent theirs with a certificate photo."""
    with tx() as s:
        late = f.staff(s, line_user_id="Ulate", first_name="ค้างส่ง")
        owed = f.finished_registration(s, late, ended_days_ago=40, title="การบริหารความเสี่ยง")
        sender = f.staff(s, line_user_id="Usent", first_name="ส่งแล้ว")
        sent = f.finished_registration(s, sender, title="การเขียนโครงการ")
        photo = store_attachment(session=s, registration=sent, data=PNG, content_type="image/png",
                                 upload_dir=bot.config.UPLOAD_DIR, now=utcnow())
        report = Report(registration_id=sent.id, learned="เขียนโครงการให้ตรงตัวชี้วัด", application="ใช้ทำแผนปีหน้า",
                        status=ReportStatus.SUBMITTED)
        s.add(report)
        s.flush()
        photo.report_id = report.id
        unlinked = f.staff(s, first_name="ไม่มีไลน์")
        f.finished_registration(s, unlinked, title="การบริหารความเสี่ยง")
    return dict(late=late, owed=owed, sender=sender, sent=sent, photo=photo, unlinked=unlinked)


def test_the_page_and_the_files_need_a_session(console_anon: ConsoleClient, org) -> None:
    for url in ("/admin/reports/", f"/admin/reports/files/{org['photo'].id}"):
        response = console_anon.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], url


def test_submitted_reports_show_their_photo_to_signed_in_accounts(viewer_console: ConsoleClient, org) -> None:
    page = viewer_console.text("/admin/reports/")
    assert "เขียนโครงการให้ตรงตัวชี้วัด" in page and "ส่งแล้ว" in page
    assert f"/admin/reports/files/{org['photo'].id}" in page
    photo = viewer_console.get(f"/admin/reports/files/{org['photo'].id}")
    try:
        assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
        assert "no-store" in photo.headers["Cache-Control"]
    finally:
        photo.close()  # the file stays open until the response is closed
    assert "ส่งเตือน</button>" not in page  # a viewer reads only


def test_no_path_can_be_reached_through_the_file_route(hr_console: ConsoleClient, tx, org) -> None:
    with tx() as s:
        evil = ReportAttachment(registration_id=org["sent"].id, report_id=s.get(ReportAttachment, org["photo"].id)
                                .report_id, stored_name="../../bot.sqlite3")
        s.add(evil)
        s.flush()
        evil_id = evil.id
    assert hr_console.get(f"/admin/reports/files/{evil_id}").status_code == 404
    for url in ("/admin/reports/files/..%2F..%2Fsecret_key", "/admin/reports/files/../../secret_key",
                "/admin/reports/files/999999"):
        assert hr_console.get(url).status_code == 404, url


def test_owed_and_overdue_reports_are_listed(hr_console: ConsoleClient, org) -> None:
    page = hr_console.text("/admin/reports/")
    assert "ค้างส่ง" in page and "การบริหารความเสี่ยง" in page and "เกินกำหนด" in page
    assert "รับข้อความใน LINE ไม่ได้" in page  # the unlinked one cannot be reminded


def test_remind_sends_one_reminder_a_day(hr_console: ConsoleClient, chat: Chat, bot, org) -> None:
    before = chat.mark()
    assert hr_console.post(f"/admin/reports/remind/{org['late'].id}").status_code == 302
    got = chat.inbox("Ulate", after=before)
    assert "การบริหารความเสี่ยง" in texts(got) and button(got, "ส่งรายงาน")
    assert "ส่งเตือน" in hr_console.text("/admin/reports/")
    again = chat.mark()
    hr_console.post(f"/admin/reports/remind/{org['late'].id}")
    assert chat.inbox("Ulate", after=again) == []
    assert "ส่งได้วันละครั้ง" in hr_console.text("/admin/reports/")
    hr_console.post(f"/admin/reports/remind/{org['unlinked'].id}")
    assert "ผูกบัญชี LINE" in hr_console.text("/admin/reports/")
    hr_console.post(f"/admin/reports/remind/{org['sender'].id}")
    assert "ไม่มีรายงานค้างส่ง" in hr_console.text("/admin/reports/")
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_remind_needs_hr_and_its_csrf_token(viewer_console: ConsoleClient, hr_console: ConsoleClient, bot,
                                            org) -> None:
    assert viewer_console.post(f"/admin/reports/remind/{org['late'].id}").status_code == 403
    assert hr_console.post(f"/admin/reports/remind/{org['late'].id}", csrf=False).status_code == 400
    assert hr_console.post("/admin/reports/remind/999999").status_code == 404
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
