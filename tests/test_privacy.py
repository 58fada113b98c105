"""PDPA: a copy of what is kept about a person, erasure that keeps the yearly counts, retention."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from models.audit import AuditLog
from models.base import utcnow
from models.conversation import Conversation, start_conversation
from models.events import InboundEvent
from models.linking import LinkAttempt, create_link_code
from models.org import Staff, set_setting
from models.outbox import PENDING, SENT, OutboxMessage, enqueue_push
from models.privacy import ERASED_NAME, Erasure
from models.registration import Registration
from models.report import Report, ReportAttachment
from models.retention import purge_expired
from tests.support import factories as f
from tests.support.chat import Chat, texts
from thai.dates import today_bangkok


def _report(s: Any, reg: Registration, upload_dir: Path, name: str) -> Path:
    upload_dir.mkdir(parents=True, exist_ok=True)
    report = Report(registration_id=reg.id, learned="เรียนรู้เรื่องลับเฉพาะตัว", application="นำไปใช้ในกองคลัง",
                    expense_total=Decimal("4200"))
    s.add(report)
    s.flush()
    s.add(ReportAttachment(report_id=report.id, registration_id=reg.id, stored_name=name, size=4))
    (upload_dir / name).write_bytes(b"\xff\xd8..")
    return upload_dir / name


@pytest.fixture
def person(tx, bot) -> dict[str, Any]:
    upload_dir = Path(bot.config.UPLOAD_DIR)
    with tx() as s:
        boss, worker = f.chain(s, 1)
        worker.employee_id, worker.first_name, worker.last_name = "E555", "พิมพ์ชนก", "ใจงาม"
        reg = f.finished_registration(s, worker)
        reg.reason = "อยากพัฒนางานบัญชี"
        file = _report(s, reg, upload_dir, "a" * 32 + ".jpg")
        start_conversation(session=s, line_user_id=worker.line_user_id, flow="report", step="learned")
        enqueue_push(session=s, to=worker.line_user_id, messages=[{"type": "text", "text": "เตือนความจำ"}])
        s.add(LinkAttempt(line_user_id=worker.line_user_id, success=True))
        create_link_code(session=s, staff=worker)
    return dict(id=worker.id, line=worker.line_user_id, boss=boss.id, reg=reg.id, file=file)


def test_export_prints_a_thai_summary_and_writes_everything_as_json(app: Flask, person, tmp_path: Path) -> None:
    out = tmp_path / "copy.json"
    result = app.test_cli_runner().invoke(args=["export-staff-data", "E555", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "พิมพ์ชนก ใจงาม" in result.output and "คำขออบรม 1 รายการ" in result.output
    assert "ไฟล์แนบ 1 ไฟล์" in result.output and "LINE" in result.output and "5 ปี" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["staff"]["employee_id"] == "E555" and data["line"]["line_user_id"] == person["line"]
    report = data["registrations"][0]["report"]
    assert report["learned"] == "เรียนรู้เรื่องลับเฉพาะตัว" and len(report["files"]) == 1
    assert data["chat_in_progress"]["flow"] == "report" and data["messages_waiting"] == 1


def test_export_of_an_unknown_id_is_one_thai_line(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["export-staff-data", "NOBODY"])
    assert result.exit_code == 1 and result.output.strip() == "ไม่พบบุคลากรรหัส NOBODY"


def test_erasure_removes_the_person_and_keeps_the_counts(app: Flask, bot, tx, chat: Chat, person) -> None:
    with tx() as s:
        before = s.scalar(select(func.count()).select_from(Registration))
    result = app.test_cli_runner().invoke(args=["erase-staff", "E555", "--yes"])
    assert result.exit_code == 0, result.output
    assert not person["file"].exists()
    with tx() as s:
        placeholder = s.get(Staff, person["id"])
        assert (placeholder.employee_id, placeholder.first_name, placeholder.last_name) == (
            f"erased-{person['id']}", ERASED_NAME, "")
        assert placeholder.line_user_id is None and not placeholder.active
        # The fiscal-year figures still count the request, its attendance and its money.
        assert s.scalar(select(func.count()).select_from(Registration)) == before
        reg = s.get(Registration, person["reg"])
        assert reg.reason == "" and reg.staff_id == person["id"]
        report = s.scalar(select(Report).where(Report.registration_id == reg.id))
        assert report.learned == "" and report.expense_total == Decimal("4200")
        assert s.scalar(select(func.count()).select_from(ReportAttachment)) == 0
        assert s.get(Conversation, person["line"]) is None
        assert all(person["line"] not in (m.recipients or []) for m in s.scalars(select(OutboxMessage)))
        assert s.scalar(select(func.count()).select_from(LinkAttempt)) == 0
        assert s.scalar(select(Erasure.via).where(Erasure.staff_id == person["id"])) == "cli"
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "staff.erased")) is not None
    # Their LINE account is a stranger now, and nothing about them is exported any more.
    assert "ยังไม่ได้ผูก" in texts(chat.say(person["line"], "คำขอของฉัน"))
    again = app.test_cli_runner().invoke(args=["erase-staff", "E555", "--yes"])
    assert again.exit_code == 1 and "ไม่พบบุคลากร" in again.output


def test_erasure_asks_first_and_no_changes_nothing(app: Flask, tx, person) -> None:
    result = app.test_cli_runner().invoke(args=["erase-staff", "E555"], input="n\n")
    assert "ยกเลิกแล้ว" in result.output
    with tx() as s:
        assert s.get(Staff, person["id"]).first_name == "พิมพ์ชนก"
    assert person["file"].exists()


def test_retention_purges_old_records_and_bookkeeping(app: Flask, bot, tx) -> None:
    upload_dir = Path(bot.config.UPLOAD_DIR)
    now = utcnow()
    with tx() as s:
        boss, worker = f.chain(s, 1)
        old = f.finished_registration(s, worker, ended_days_ago=6 * 366)
        recent = f.finished_registration(s, worker, ended_days_ago=4 * 365)
        old_file = _report(s, old, upload_dir, "b" * 32 + ".jpg")
        recent_file = _report(s, recent, upload_dir, "c" * 32 + ".jpg")
        s.add_all([InboundEvent(webhook_event_id="old", event_type="message", received_at=now - timedelta(days=8),
                                done_at=now - timedelta(days=8)),
                   InboundEvent(webhook_event_id="new", event_type="message", received_at=now, done_at=now),
                   LinkAttempt(line_user_id="Uold", at=now - timedelta(days=31)),
                   OutboxMessage(kind="push", recipients=["Ux"], messages=[], status=SENT,
                                 created_at=now - timedelta(days=31)),
                   OutboxMessage(kind="push", recipients=["Uy"], messages=[], status=PENDING,
                                 created_at=now - timedelta(days=31))])
        old_id, recent_id = old.id, recent.id
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "คำขออบรม 1 รายการ ไฟล์ 1 ไฟล์" in result.output
    assert not old_file.exists() and recent_file.exists()
    with tx() as s:
        assert s.get(Registration, old_id) is None and s.get(Registration, recent_id) is not None
        assert list(s.scalars(select(InboundEvent.webhook_event_id))) == ["new"]
        assert s.scalar(select(func.count()).select_from(LinkAttempt)) == 0
        assert list(s.scalars(select(OutboxMessage.status))) == [PENDING]
        # A shorter retention takes the recent one too; running again finds nothing more.
        set_setting(session=s, key="retention_years", value=3)
    with tx() as s:
        from models.org import get_settings

        purge_expired(session=s, now=now, settings=get_settings(session=s))
        assert s.get(Registration, recent_id) is None


def test_people_who_left_long_ago_are_erased_by_retention(tx) -> None:
    with tx() as s:
        gone = f.staff(s, active=False, created_at=utcnow() - timedelta(days=6 * 366))
        stays = f.staff(s, active=False)
        gone_id, stays_id = gone.id, stays.id
    with tx() as s:
        from models.org import get_settings

        result = purge_expired(session=s, now=utcnow(), settings=get_settings(session=s))
        assert result.counts["people"] == 1
    with tx() as s:
        assert s.get(Staff, gone_id).first_name == ERASED_NAME
        assert s.get(Staff, stays_id).first_name != ERASED_NAME


def test_ข้อมูลของฉัน_shows_what_is_kept_and_where_it_goes(chat: Chat, person) -> None:
    chat.say(person["line"], "ยกเลิก")  # the fixture left a report half-written
    reply = texts(chat.say(person["line"], "ขอดูข้อมูลของฉันหน่อยค่ะ"))
    assert "พิมพ์ชนก ใจงาม" in reply and "รหัสบุคลากร E555" in reply
    assert "คำขออบรม 1 รายการ" in reply and "ไฟล์แนบ 1 ไฟล์" in reply
    assert "ผ่าน LINE" in reply and "5 ปี" in reply and "ขอให้ลบข้อมูล" in reply


def test_ข้อมูลของฉัน_from_a_stranger_asks_to_link_first(chat: Chat) -> None:
    assert "ยังไม่ได้ผูก" in texts(chat.say("Ustranger-data", "ข้อมูลของฉัน"))


def test_files_go_only_after_commit_and_a_crash_leaves_them_queued(bot, tx, person) -> None:
    from models.privacy import UploadTrash, empty_trash, erase_staff

    with pytest.raises(RuntimeError), tx() as s:
        erase_staff(session=s, staff=s.get(Staff, person["id"]))
        raise RuntimeError("crash before commit")
    assert person["file"].exists()
    with tx() as s:
        assert s.get(Staff, person["id"]).employee_id == "E555"
        erase_staff(session=s, staff=s.get(Staff, person["id"]))
    assert person["file"].exists()  # committed, not yet swept: the name waits in the trash
    with tx() as s:
        assert empty_trash(session=s, upload_dir=bot.config.UPLOAD_DIR) == 1
    assert not person["file"].exists()
    with tx() as s:
        assert s.scalar(select(func.count()).select_from(UploadTrash)) == 0


def test_erasing_an_approver_others_wait_on_is_refused(app: Flask, tx, person) -> None:
    from models.org import DEFAULT_SETTINGS
    from models.registration import register

    with tx() as s:
        boss = s.get(Staff, person["boss"])
        boss.employee_id = "B555"
        register(session=s, staff=s.get(Staff, person["id"]), course=f.course(s), reason="", today=today_bangkok(),
                 settings=dict(DEFAULT_SETTINGS))
    result = app.test_cli_runner().invoke(args=["erase-staff", "B555", "--yes"])
    assert result.exit_code == 1 and "รอการพิจารณาจากบุคคลนี้" in result.output
    with tx() as s:
        assert s.get(Staff, person["boss"]).employee_id == "B555"


def test_erasing_a_requester_withdraws_the_open_request_and_tells_the_approver(app: Flask, tx, chat: Chat,
                                                                              person) -> None:
    from models.org import DEFAULT_SETTINGS
    from models.registration import RegStatus, register

    with tx() as s:
        reg = register(session=s, staff=s.get(Staff, person["id"]), course=f.course(s), reason="",
                       today=today_bangkok(), settings=dict(DEFAULT_SETTINGS))
        boss_line = s.get(Staff, person["boss"]).line_user_id
    mark = chat.mark()
    assert app.test_cli_runner().invoke(args=["erase-staff", "E555", "--yes"]).exit_code == 0
    app.test_cli_runner().invoke(args=["send-outbox"])
    with tx() as s:
        assert s.get(Registration, reg.id).status == RegStatus.CANCELLED
    assert chat.inbox(boss_line, after=mark)


def test_the_clock_runs_retention_on_working_days_and_sweeps_the_files(app: Flask, bot, tx) -> None:
    upload_dir = Path(bot.config.UPLOAD_DIR)
    with tx() as s:
        _, worker = f.chain(s, 1)
        old = f.finished_registration(s, worker, ended_days_ago=6 * 366)
        old_file = _report(s, old, upload_dir, "e" * 32 + ".jpg")
        old_id = old.id
    result = app.test_cli_runner().invoke(args=["run-due-jobs", "--at", "2027-01-05T08:30:00+07:00"])
    assert result.exit_code == 0, result.output
    assert "privacy-retention" in result.output
    assert not old_file.exists()
    with tx() as s:
        assert s.get(Registration, old_id) is None


def test_erasing_someone_who_left_earlier_closes_their_console_account(tx) -> None:
    from models.admin import AdminUser, create_admin
    from models.privacy import erase_staff
    from models.staff import deactivate_staff

    with tx() as s:
        gone = f.staff(s)
        gone.active = False  # left before accounts were closed with the person
        account = create_admin(session=s, username="left-early", password="test-password-123", staff_id=gone.id)
        ids = (gone.id, account.id)
    with tx() as s:
        assert deactivate_staff(session=s, staff_id=ids[0]).accounts_closed == 1
        s.get(AdminUser, ids[1]).active = True  # reopened by mistake; erasure closes it again
    with tx() as s:
        erase_staff(session=s, staff=s.get(Staff, ids[0]))
    with tx() as s:
        assert not s.get(AdminUser, ids[1]).active
