"""The settings page: HR changes names, times, days, holidays and the add-friend link, audited."""
from __future__ import annotations

from sqlalchemy import select

from models.audit import AuditLog
from models.org import DEFAULT_SETTINGS, get_settings
from models.settings import FIELDS
from tests.support.console import ConsoleClient


def _form(**changes: str) -> dict[str, str]:
    form = {f.key: f.show(DEFAULT_SETTINGS[f.key]) for f in FIELDS}
    form.update(changes)
    return form


def test_hr_changes_settings_and_each_change_is_audited(tx, hr_console: ConsoleClient) -> None:
    page = hr_console.text("/admin/settings/")
    assert "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in page and "ยังไม่มีการเปลี่ยนแปลง" in page
    done = hr_console.post("/admin/settings/", data=_form(
        org_name="อบต.ทดสอบ", hr_unit_name="งานการเจ้าหน้าที่ สำนักปลัด", daily_reminders_time="๐๗.๔๕",
        report_due_days="30", extra_holidays="14 ธ.ค. 2569\n\n2 ม.ค. 2570\n14 ธ.ค. 2569",
        line_add_friend_url="https://line.me/R/ti/p/@123abcde"))
    assert done.status_code == 302
    with tx() as s:
        settings = get_settings(session=s)
        assert settings["org_name"] == "อบต.ทดสอบ" and settings["daily_reminders_time"] == "07:45"
        assert settings["hr_unit_name"] == "งานการเจ้าหน้าที่ สำนักปลัด" and settings["report_due_days"] == 30
        assert settings["extra_holidays"] == ["2026-12-14", "2027-01-02"]
        assert settings["line_add_friend_url"] == "https://line.me/R/ti/p/@123abcde"
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "setting.changed")).all()
        assert {r.detail["key"] for r in rows} == {"org_name", "hr_unit_name", "daily_reminders_time",
                                                   "report_due_days", "extra_holidays", "line_add_friend_url"}
        due = next(r for r in rows if r.detail["key"] == "report_due_days")
        assert due.detail["old"] == 15 and due.detail["new"] == 30 and due.admin_id is not None
    page = hr_console.text("/admin/settings/")
    assert "บันทึกการตั้งค่าแล้ว 6 รายการ" in page
    # The trail names who and shows the holidays in BE, as typed.
    assert hr_console.username in page and "14 ธ.ค. 2569\n2 ม.ค. 2570" in page
    assert "ชื่อหน่วยงาน" in page


def test_bad_input_says_why_in_thai_and_saves_nothing(tx, hr_console: ConsoleClient) -> None:
    response = hr_console.post("/admin/settings/", data=_form(
        org_name="อบต.ใหม่", daily_reminders_time="25:00", report_due_days="สิบห้า",
        extra_holidays="14 ธ.ค.", line_add_friend_url="line.me/abc"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ไม่ใช่เวลา" in page and "ต้องเป็นจำนวนเต็ม 1 ถึง 120" in page
    assert "ต้องระบุปี พ.ศ." in page and "https://" in page
    # What was typed stays in the form to be corrected.
    assert 'value="อบต.ใหม่"' in page
    with tx() as s:
        assert get_settings(session=s)["org_name"] == DEFAULT_SETTINGS["org_name"]
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "setting.changed")) is None
    blank = hr_console.post("/admin/settings/", data=_form(org_name="  "))
    assert blank.status_code == 422 and "ต้องไม่เว้นว่าง" in blank.get_data(as_text=True)


def test_viewer_reads_settings_but_cannot_save(tx, viewer_console: ConsoleClient, console_anon) -> None:
    page = viewer_console.text("/admin/settings/")
    assert "<fieldset disabled" in page and "บันทึกการตั้งค่า</button>" not in page
    refused = viewer_console.post("/admin/settings/", data=_form(org_name="แอบแก้"))
    assert refused.status_code == 403
    assert console_anon.get("/admin/settings/").status_code == 302
    with tx() as s:
        assert get_settings(session=s)["org_name"] == DEFAULT_SETTINGS["org_name"]


def test_settings_form_without_csrf_is_refused(tx, hr_console: ConsoleClient) -> None:
    response = hr_console.post("/admin/settings/", data=_form(org_name="ปลอม"), csrf=False)
    assert response.status_code == 400
    with tx() as s:
        assert get_settings(session=s)["org_name"] == DEFAULT_SETTINGS["org_name"]


def test_unchanged_form_changes_nothing(tx, hr_console: ConsoleClient) -> None:
    done = hr_console.post("/admin/settings/", data=_form())
    assert "ไม่มีการตั้งค่าที่เปลี่ยนแปลง" in hr_console.text(done.headers["Location"])
    with tx() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "setting.changed")) is None


def test_public_base_url_is_empty_or_https_and_audited(tx, hr_console: ConsoleClient,
                                                       viewer_console: ConsoleClient) -> None:
    assert 'name="public_base_url"' in hr_console.text("/admin/settings/")
    for bad in ("http://bot.example.go.th", "bot.example.go.th", "https://", "javascript:alert(1)"):
        refused = hr_console.post("/admin/settings/", data=_form(public_base_url=bad))
        assert refused.status_code == 422 and "https://" in refused.get_data(as_text=True)
    assert viewer_console.post("/admin/settings/", data=_form(public_base_url="https://x.example")).status_code == 403
    with tx() as s:
        assert get_settings(session=s)["public_base_url"] == ""
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "setting.changed")) is None
    done = hr_console.post("/admin/settings/", data=_form(public_base_url=" https://bot.example.go.th/ "))
    assert done.status_code == 302
    with tx() as s:
        assert get_settings(session=s)["public_base_url"] == "https://bot.example.go.th"
        row = s.scalars(select(AuditLog).where(AuditLog.action == "setting.changed")).one()
        assert row.detail == {"key": "public_base_url", "old": "", "new": "https://bot.example.go.th"}
    hr_console.post("/admin/settings/", data=_form(public_base_url=""))
    with tx() as s:
        assert get_settings(session=s)["public_base_url"] == ""


def test_holiday_rule_approval_levels_and_closing_notice_are_set_on_the_page(tx, hr_console: ConsoleClient) -> None:
    page = hr_console.text("/admin/settings/")
    assert '<option value="next_working_day" selected>เลื่อนไปวันทำการถัดไป</option>' in page
    done = hr_console.post("/admin/settings/", data=_form(
        monthly_followup_on_holiday="same_day", default_approval_levels="๓", closing_soon_days="5"))
    assert done.status_code == 302
    with tx() as s:
        settings = get_settings(session=s)
        assert (settings["monthly_followup_on_holiday"], settings["default_approval_levels"],
                settings["closing_soon_days"]) == ("same_day", 3, 5)
    page = hr_console.text("/admin/settings/")
    # The trail reads the choice in Thai, not its stored value.
    assert "ส่งในวันนั้นตามเดิม" in page and '<option value="same_day" selected>' in page
    bad = hr_console.post("/admin/settings/", data=_form(monthly_followup_on_holiday="sometimes",
                                                         default_approval_levels="9"))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "กรุณาเลือกจากรายการ" in text and "ต้องเป็นจำนวนเต็ม 1 ถึง 5" in text
    with tx() as s:
        assert get_settings(session=s)["default_approval_levels"] == 3
