"""The console's personal-data pages: HR only, a copy to download, erasure behind a typed confirmation."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from models.audit import AuditLog
from models.org import Staff
from models.privacy import ERASED_NAME
from tests.support import factories as f
from tests.support.console import ConsoleClient, make_admin


@pytest.fixture
def person(tx, bot) -> dict:
    upload = Path(bot.config.UPLOAD_DIR)
    upload.mkdir(parents=True, exist_ok=True)
    with tx() as s:
        _, worker = f.chain(s, 1)
        worker.employee_id = "P777"
        reg = f.finished_registration(s, worker)
        from models.report import Report, ReportAttachment

        report = Report(registration_id=reg.id, learned="บันทึกส่วนตัว")
        s.add(report)
        s.flush()
        s.add(ReportAttachment(report_id=report.id, registration_id=reg.id, stored_name="d" * 32 + ".jpg"))
    (upload / ("d" * 32 + ".jpg")).write_bytes(b"x")
    return dict(id=worker.id, file=upload / ("d" * 32 + ".jpg"), name=worker.name)


def urls(staff_id: int) -> list[str]:
    base = f"/admin/privacy/{staff_id}"
    return ["/admin/privacy/", base, f"{base}/export.json", f"{base}/erase"]


def test_signed_out_visitors_are_sent_to_the_login(console_anon, person) -> None:
    for url in urls(person["id"]):
        response = console_anon.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_viewers_may_not_see_anyones_data(viewer_console, person) -> None:
    for url in urls(person["id"]):
        assert viewer_console.get(url).status_code == 403
    assert viewer_console.post(f"/admin/privacy/{person['id']}/erase",
                               data={"confirm_employee_id": "P777"}).status_code == 403


def test_hr_finds_a_person_and_reads_the_summary(hr_console, person) -> None:
    found = hr_console.get("/admin/privacy/?employee_id=P777")
    assert found.status_code == 302
    page = hr_console.text(found.headers["Location"])
    assert person["name"] in page and "คำขออบรม 1 รายการ" in page and "ผ่าน LINE" in page
    assert "ไม่พบบุคลากรรหัส NOPE" in hr_console.text("/admin/privacy/?employee_id=NOPE")


def test_hr_downloads_a_copy_and_it_is_audited(hr_console, person, tx) -> None:
    response = hr_console.get(f"/admin/privacy/{person['id']}/export.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["staff"]["employee_id"] == "P777"
    assert data["registrations"][0]["report"]["learned"] == "บันทึกส่วนตัว"
    with tx() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "staff.exported"))
        assert row is not None and row.admin_id is not None and row.detail["via"] == "console"


def test_erasure_needs_the_typed_employee_id(hr_console, person, tx) -> None:
    page = hr_console.text(f"/admin/privacy/{person['id']}/erase")
    assert "ย้อนกลับไม่ได้" in page and "P777" in page
    wrong = hr_console.post(f"/admin/privacy/{person['id']}/erase", data={"confirm_employee_id": "P778"},
                            follow_redirects=True)
    assert "ไม่ตรงกัน" in wrong.get_data(as_text=True)
    no_token = hr_console.post(f"/admin/privacy/{person['id']}/erase", data={"confirm_employee_id": "P777"},
                               csrf=False)
    assert no_token.status_code == 400
    with tx() as s:
        assert s.get(Staff, person["id"]).employee_id == "P777"
    assert person["file"].exists()


def test_hr_erases_a_person(hr_console, person, tx) -> None:
    done = hr_console.post(f"/admin/privacy/{person['id']}/erase", data={"confirm_employee_id": "P777"},
                           follow_redirects=True)
    assert "ลบข้อมูลของรหัส P777 แล้ว" in done.get_data(as_text=True)
    assert not person["file"].exists()
    with tx() as s:
        assert s.get(Staff, person["id"]).first_name == ERASED_NAME
        row = s.scalar(select(AuditLog).where(AuditLog.action == "staff.erased"))
        assert row.admin_id is not None and row.detail["via"] == "console"
    assert hr_console.get(f"/admin/privacy/{person['id']}").status_code == 404


def test_hr_cannot_erase_their_own_record(app, person, tx) -> None:
    me = ConsoleClient(app.test_client())
    me.sign_in(make_admin(tx, staff_id=person["id"]))
    page = me.text(f"/admin/privacy/{person['id']}/erase")
    assert "นี่คือข้อมูลของท่านเอง" in page and "ยืนยันลบข้อมูล" not in page
    refused = me.post(f"/admin/privacy/{person['id']}/erase", data={"confirm_employee_id": "P777"})
    assert refused.status_code == 302 and "นี่คือข้อมูลของท่านเอง" in me.text(refused.headers["Location"])
    assert person["file"].exists()
    with tx() as s:
        assert s.get(Staff, person["id"]).first_name != ERASED_NAME
