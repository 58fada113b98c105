"""PDPA for the feature tables: attendance, tests, evaluations, certificates, stand-ins, console accounts."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from models.admin import AdminUser
from models.attendance.tables import (Certificate, Checkin, EvaluationRating, EvaluationResponse, QuizAnswer,
                                      QuizQuestion)
from models.audit import audit
from models.base import Base, utcnow
from models.delegation import Delegation, acting_for
from models.org import Staff
from models.privacy import export_staff_data
from models.privacy_tables import NOT_PERSONAL, PERSONAL
from models.registration import Registration
from models.report import Report, ReportAttachment
from tests.support import factories as f
from thai.dates import today_bangkok


def _attended(s: Any, reg: Registration, upload_dir: Path, cert_name: str) -> Path:
    """Give a registration a check-in, two test answers, an evaluation with a comment and a certificate."""
    s.add(Checkin(registration_id=reg.id, day=reg.course.start_date))
    question = QuizQuestion(course_id=reg.course_id, text="ข้อใดถูก", choices=["ก", "ข"], correct=1)
    s.add(question)
    s.flush()
    s.add_all([QuizAnswer(registration_id=reg.id, phase="pre", question_id=question.id, choice=0, correct=False),
               QuizAnswer(registration_id=reg.id, phase="post", question_id=question.id, choice=1, correct=True)])
    response = EvaluationResponse(registration_id=reg.id, course_id=reg.course_id, questions=["วิทยากร"],
                                  comment="วิทยากรพูดเร็วเกินไป ความเห็นส่วนตัว", completed_at=utcnow())
    s.add(response)
    s.flush()
    s.add(EvaluationRating(response_id=response.id, position=0, rating=4))
    upload_dir.mkdir(parents=True, exist_ok=True)
    s.add(Certificate(registration_id=reg.id, source="uploaded", stored_name=cert_name, size=4))
    (upload_dir / cert_name).write_bytes(b"%PDF")
    return upload_dir / cert_name


@pytest.fixture
def attendee(tx, bot) -> dict[str, Any]:
    with tx() as s:
        boss, worker = f.chain(s, 1)
        worker.employee_id, worker.first_name = "E777", "สมใจ"
        reg = f.finished_registration(s, worker)
        cert = _attended(s, reg, Path(bot.config.UPLOAD_DIR), "d" * 32 + ".pdf")
        report = Report(registration_id=reg.id, learned="ได้เรียนรู้", application="ใช้ในงาน")
        s.add(report)
        s.flush()
        s.add(ReportAttachment(report_id=report.id, registration_id=reg.id, stored_name="f" * 32 + ".jpg", size=4))
        today = today_bangkok()
        # The worker stands in for their boss this week: erasing them must end that.
        s.add(Delegation(approver_id=boss.id, stand_in_id=worker.id, starts_on=today - timedelta(days=1),
                         ends_on=today + timedelta(days=5), reason="ลาพักร้อนของหัวหน้า"))
        account = AdminUser(username="somjai", password_hash="x", role="hr", staff_id=worker.id)
        s.add(account)
        s.flush()
        audit(session=s, action="console.signed_in", subject_type="admin", subject_id=account.id,
              admin_id=account.id, via="console")
    return dict(id=worker.id, boss=boss.id, reg=reg.id, cert=cert)


def test_the_copy_has_attendance_tests_evaluation_certificate_and_stand_ins(app: Flask, attendee,
                                                                            tmp_path: Path) -> None:
    out = tmp_path / "copy.json"
    result = app.test_cli_runner().invoke(args=["export-staff-data", "E777", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for line in ("การเช็กอินเข้าอบรม 1 ครั้ง", "คำตอบแบบทดสอบก่อน/หลังอบรม 2 ข้อ", "แบบประเมินหลักสูตร 1 ฉบับ",
                 "เกียรติบัตร 1 ฉบับ", "ที่ระบุชื่อท่าน 1 ช่วง", "บัญชีผู้ใช้หน้าจัดการ 1 บัญชี"):
        assert line in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    reg = data["registrations"][0]
    assert len(reg["checkins"]) == 1
    assert reg["quiz"]["post"]["correct"] == 1 and reg["quiz"]["pre"]["correct"] == 0
    assert reg["evaluation"]["comment"].startswith("วิทยากรพูดเร็ว")
    assert reg["evaluation"]["ratings"] == [{"question": "วิทยากร", "rating": 4}]
    assert reg["certificate"]["file"] == attendee["cert"].name
    assert data["stand_ins"][0]["role"] == "stand_in" and data["stand_ins"][0]["reason"] == "ลาพักร้อนของหัวหน้า"
    assert data["console_accounts"] == [{"username": "somjai", "role": "hr", "active": True}]
    # What they did through their console account is part of their trail.
    assert any(a["action"] == "console.signed_in" and a["by_self"] for a in data["audit_trail"])


def test_erasure_clears_comments_drops_certificates_and_ends_stand_ins(app: Flask, tx, attendee) -> None:
    result = app.test_cli_runner().invoke(args=["erase-staff", "E777", "--yes"])
    assert result.exit_code == 0, result.output
    assert not attendee["cert"].exists()
    with tx() as s:
        response = s.scalar(select(EvaluationResponse).where(EvaluationResponse.registration_id == attendee["reg"]))
        assert response.comment is None and [r.rating for r in response.ratings] == [4]  # the rating still counts
        assert s.scalar(select(func.count()).select_from(Checkin)) == 1  # attendance still counts
        assert s.scalar(select(func.count()).select_from(QuizAnswer)) == 2
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0
        period = s.scalar(select(Delegation))
        assert period.revoked_at is not None and period.reason == ""
        # Approvals go back to the boss, not to the erased placeholder.
        assert acting_for(session=s, approver_id=attendee["boss"], on=today_bangkok()) == attendee["boss"]


def test_retention_takes_attendance_rows_and_certificate_files_with_the_request(app: Flask, bot, tx) -> None:
    with tx() as s:
        boss, worker = f.chain(s, 1)
        old = f.finished_registration(s, worker, ended_days_ago=6 * 366)
        cert = _attended(s, old, Path(bot.config.UPLOAD_DIR), "e" * 32 + ".pdf")
        old_id = old.id
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert not cert.exists()
    with tx() as s:
        assert s.get(Registration, old_id) is None
        for table in (Checkin, QuizAnswer, EvaluationResponse, EvaluationRating, Certificate):
            assert s.scalar(select(func.count()).select_from(table)) == 0, table.__tablename__
        assert s.scalar(select(func.count()).select_from(QuizQuestion)) == 1  # the course's, not the person's


def _pointing_at_people() -> set[str]:
    """Tables with a foreign key to staff or registrations, or to a table that has one (ratings)."""
    found = {"staff", "registrations"}
    while True:
        more = {t.name for t in Base.metadata.sorted_tables
                if any(fk.column.table.name in found for fk in t.foreign_keys)} - found
        if not more:
            return found
        found |= more


def test_every_table_pointing_at_a_person_is_copied_or_declared_not_personal() -> None:
    """A new feature's table with a key to staff or registrations must say where it goes in a copy."""
    pointing = _pointing_at_people()
    undecided = pointing - set(PERSONAL) - set(NOT_PERSONAL)
    assert not undecided, f"add these to models/privacy_tables.py PERSONAL (and the copy) or NOT_PERSONAL: {undecided}"
    assert not set(PERSONAL) & set(NOT_PERSONAL)
    assert set(PERSONAL) | set(NOT_PERSONAL) <= pointing  # no stale names hiding a renamed table


def _has(data: dict[str, Any], path: str) -> bool:
    """Tell whether a copy has `path` (like registrations[].report.files) on its first items."""
    node: Any = data
    for part in path.split("."):
        many = part.endswith("[]")
        part = part.removesuffix("[]")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        if many:
            node = node[0] if node else {}
    return True


def test_the_copy_has_every_place_personal_names(tx, attendee) -> None:
    with tx() as s:
        data = export_staff_data(session=s, staff=s.get(Staff, attendee["id"]))
    paths = [p for where in PERSONAL.values() if not where.startswith("(") for p in where.split(" / ")]
    assert [p for p in paths if not _has(data, p)] == []
