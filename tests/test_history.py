"""ประวัติการอบรม: a person's courses per fiscal year, dates in BE, statuses and expenses."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from handlers.kit.postback import Action
from models.registration import RegStatus
from models.report import ReportDraft
from models.report_review import acknowledge
from models.reports import mark_not_attended, submit_report
from tests.support import factories as f
from tests.support.chat import Chat, texts

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def _draft(total: str) -> ReportDraft:
    return ReportDraft(learned="ได้เรียนรู้การทำงานเป็นทีมและการวางแผน", application="นำไปใช้ในการประชุมกอง",
                       total_only=True, total=Decimal(total))


def _bubbles(reply: list[dict]) -> list[dict]:
    flexes = [m for m in reply if m["type"] == "flex"]
    assert len(flexes) == 1
    return flexes[0]["contents"]["contents"]


def _title(bubble: dict) -> str:
    return bubble["header"]["contents"][0]["text"]


def test_empty_history(chat: Chat, tx) -> None:
    with tx() as s:
        f.staff(s, line_user_id="Unew")
    assert "ยังไม่มีประวัติการอบรม" in texts(chat.say("Unew", "ประวัติการอบรม"))


def test_history_per_fiscal_year_newest_first(chat: Chat, tx, bot) -> None:
    with tx() as s:
        _top, _mid, boss, worker = f.chain(s, 3)
        other = f.staff(s, line_user_id="Uother")
        # FY 2568 (1 Oct 2024 - 30 Sep 2025): one acknowledged report, one not attended.
        acked = f.finished_registration(s, worker, course_=f.course(
            s, today=date(2024, 11, 11), starts_in=0, title="การเขียนหนังสือราชการ"))
        report = submit_report(session=s, registration=acked, draft=_draft("3500"), now=NOW)
        acknowledge(session=s, report=report, reviewer=boss, revision=1, now=NOW)
        absent = f.finished_registration(s, worker, course_=f.course(
            s, today=date(2025, 9, 29), starts_in=0, days=3, title="ศึกษาดูงานการจัดการขยะ"))
        mark_not_attended(session=s, registration=absent, reason="ลาป่วย", now=NOW)
        # FY 2569: one report waiting, one overdue, one request pending, one rejected.
        sent = f.finished_registration(s, worker, course_=f.course(
            s, today=date(2025, 10, 10), starts_in=0, title="ระเบียบพัสดุ"))
        submit_report(session=s, registration=sent, draft=_draft("1250.50"), now=NOW)
        f.finished_registration(s, worker, course_=f.course(
            s, today=date(2025, 12, 1), starts_in=0, title="การบริหารความเสี่ยง"))
        pending = f.finished_registration(s, worker, course_=f.course(
            s, today=date(2026, 9, 28), starts_in=0, title="ภาวะผู้นำ"))
        pending.status = RegStatus.PENDING
        rejected = f.finished_registration(s, worker, course_=f.course(
            s, today=date(2026, 1, 5), starts_in=0, title="ภาษาอังกฤษเพื่อการทำงาน"))
        rejected.status = RegStatus.REJECTED
        f.finished_registration(s, other, course_=f.course(s, today=date(2026, 1, 5), title="ของคนอื่น"))
        user = worker.line_user_id

    reply = chat.say(user, "ประวัติการอบรม")
    bubbles = _bubbles(reply)
    assert [_title(b) for b in bubbles] == ["ประวัติการอบรม ปีงบประมาณ 2569", "ประวัติการอบรม ปีงบประมาณ 2568"]
    newest, older = texts([bubbles[0]]), texts([bubbles[1]])
    assert "ของคนอื่น" not in texts(reply)
    # Within a year, the latest course first; only training held and attended is history.
    assert newest.index("การบริหารความเสี่ยง") < newest.index("ระเบียบพัสดุ")
    assert "ภาวะผู้นำ" not in newest and "ภาษาอังกฤษ" not in newest  # pending, rejected: not training had
    assert "ศึกษาดูงานการจัดการขยะ" not in older  # said not attended
    for expected in ("10-11 ต.ค. 2568", "ส่งแล้ว รอการรับทราบ", "เลยกำหนดส่ง", "1,250.50 บาท"):
        assert expected in newest, expected
    for expected in ("11-12 พ.ย. 2567", "รับทราบแล้ว", "3,500 บาท"):
        assert expected in older, expected
    assert "2024" not in texts(reply) and "2025" not in texts(reply)  # never CE years
    assert "2 หลักสูตร" in newest and "1 หลักสูตร" in older

    # The rich-menu button gives the same.
    assert texts(chat.tap(user, bot.services.codec.pack(Action.HISTORY))) == texts(reply)


def test_a_busy_year_is_cut_with_a_note(chat: Chat, tx) -> None:
    with tx() as s:
        person = f.staff(s, line_user_id="Ubusy")
        for day in range(1, 12):
            f.finished_registration(s, person, course_=f.course(s, today=date(2025, 11, day), starts_in=0))
    reply = chat.say("Ubusy", "ประวัติการอบรม")
    assert "และอีก 3 หลักสูตร" in texts(reply) and "11 หลักสูตร" in texts(reply)


def test_history_from_a_stranger_shows_nothing(chat: Chat) -> None:
    assert "ยังไม่ได้ผูก" in texts(chat.say("Ustranger", "ประวัติการอบรม"))


def test_an_approved_request_reads_ได้รับอนุมัติแล้ว(chat: Chat, tx) -> None:
    with tx() as s:
        person = f.staff(s, line_user_id="Uapproved")
        f.finished_registration(s, person, title="การเขียนหนังสือราชการ")
    assert "ได้รับอนุมัติแล้ว" in texts(chat.say("Uapproved", "ประวัติการอบรม"))
