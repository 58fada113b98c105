"""HR's pages for the day and after: QR codes, test questions and scores, evaluation results,
evaluation questions, certificates; who may see and change what."""
from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from bot.console.attendance import checkin_link
from handlers.attendance import checkin_text
from models.attendance import Certificate, QuizQuestion, check_in, open_evaluation, rate
from models.base import utcnow
from models.org import get_settings, set_setting
from models.outbox import OutboxMessage
from models.registration import Registration
from tests.attendance.helpers import course_today
from tests.support.chat import Chat, texts
from tests.support.console import ConsoleClient
from thai.dates import today_bangkok

PDF = b"%PDF-1.4\n% uploaded\n%%EOF\n"


def _checked_in(tx, day) -> None:
    with tx() as s:
        alice = s.get(Registration, day.alice_reg).staff
        check_in(session=s, staff_id=alice.id, code=day.code, now=utcnow())


def test_qr_page_opens_the_bots_chat_with_the_check_in_text(tx, viewer_console: ConsoleClient, chat: Chat) -> None:
    day = course_today(tx)
    with tx() as s:
        set_setting(session=s, key="line_bot_basic_id", value="@123abcde")
    page = viewer_console.text(f"/admin/attendance/{day.course_id}/qr/{today_bangkok().isoformat()}")
    # A viewBox, not a fixed size: the page scales the code without cropping its edge.
    assert "<svg" in page and "viewBox" in page and day.code in page and "การเขียนหนังสือราชการ" in page
    # The link the QR holds, as the phone opens it: the bot's chat with the text typed.
    link = checkin_link("@123abcde", day.code)
    assert link is not None and link.startswith("https://line.me/R/oaMessage/%40123abcde/?")
    typed = unquote(link.split("?", 1)[1])
    assert typed == checkin_text(day.code)
    assert "เรียบร้อยแล้ว" in texts(chat.say(day.alice, typed))


def test_qr_page_without_basic_id_says_how_to_check_in(tx, viewer_console: ConsoleClient) -> None:
    day = course_today(tx)
    page = viewer_console.text(f"/admin/attendance/{day.course_id}/qr/{today_bangkok().isoformat()}")
    assert "line_bot_basic_id" in page and checkin_text(day.code) in page and "<svg" not in page


def test_renewing_a_code_needs_hr_and_makes_the_old_one_stale(tx, hr_console: ConsoleClient,
                                                             viewer_console: ConsoleClient, chat: Chat) -> None:
    day = course_today(tx)
    url = f"/admin/attendance/{day.course_id}/qr/{today_bangkok().isoformat()}/renew"
    assert viewer_console.post(url, data={}).status_code == 403
    assert hr_console.post(url, data={}).status_code == 302
    assert "ถูกเปลี่ยนแล้ว" in texts(chat.say(day.alice, checkin_text(day.code)))


def test_days_outside_the_course_are_not_found(tx, viewer_console: ConsoleClient) -> None:
    day = course_today(tx)
    assert viewer_console.get(f"/admin/attendance/{day.course_id}/qr/1999-01-01").status_code == 404
    assert viewer_console.get(f"/admin/attendance/{day.course_id}/qr/nonsense").status_code == 404
    assert viewer_console.get("/admin/attendance/999999").status_code == 404


def test_course_page_lists_check_ins(tx, viewer_console: ConsoleClient) -> None:
    day = course_today(tx)
    _checked_in(tx, day)
    page = viewer_console.text(f"/admin/attendance/{day.course_id}")
    assert "อลิส" in page and "เข้าร่วม" in page
    assert "การเขียนหนังสือราชการ" in viewer_console.text("/admin/attendance/")


def test_quiz_questions_are_entered_by_hr_only(tx, hr_console: ConsoleClient, viewer_console: ConsoleClient) -> None:
    day = course_today(tx)
    url = f"/admin/attendance/{day.course_id}/quiz"
    form = {"text": "ข้อใดคือหนังสือภายใน", "choice1": "บันทึกข้อความ", "choice2": "หนังสือประทับตรา",
            "choice3": "", "choice4": "", "correct": "1"}
    assert viewer_console.post(url, data=form).status_code == 403
    assert hr_console.post(url, data=form).status_code == 302
    bad = hr_console.post(url, data={**form, "correct": "3"})  # the correct choice is empty
    assert bad.status_code == 302
    with tx() as s:
        questions = list(s.scalars(select(QuizQuestion)))
        assert [(q.text, q.choices, q.correct) for q in questions] == [
            ("ข้อใดคือหนังสือภายใน", ["บันทึกข้อความ", "หนังสือประทับตรา"], 0)]
    assert "ข้อใดคือหนังสือภายใน" in viewer_console.text(f"/admin/attendance/{day.course_id}")
    delete = f"{url}/{questions[0].id}/delete"
    assert viewer_console.post(delete, data={}).status_code == 403
    assert hr_console.post(delete, data={}).status_code == 302
    with tx() as s:
        assert s.scalar(select(QuizQuestion.id)) is None


def test_evaluation_results_page(tx, viewer_console: ConsoleClient) -> None:
    day = course_today(tx)
    _checked_in(tx, day)
    with tx() as s:
        reg = s.get(Registration, day.alice_reg)
        response = open_evaluation(session=s, registration=reg, questions=["วิทยากร", "สถานที่"], now=utcnow())
        rate(session=s, response=response, position=0, rating=4, now=utcnow())
    page = viewer_console.text(f"/admin/evaluation/course/{day.course_id}")
    assert "วิทยากร" in page and "4.00" in page and "0.0%" in page


def test_evaluation_questions_are_edited_by_hr_only(tx, hr_console: ConsoleClient,
                                                    viewer_console: ConsoleClient) -> None:
    assert "เนื้อหาการอบรม" in viewer_console.text("/admin/evaluation/questions")
    assert viewer_console.post("/admin/evaluation/questions", data={"questions": "x"}).status_code == 403
    assert hr_console.post("/admin/evaluation/questions", data={"questions": "\n\n"}).status_code == 422
    assert hr_console.post("/admin/evaluation/questions",
                           data={"questions": "ความรู้ที่ได้รับ\nเอกสารประกอบ\n"}).status_code == 302
    with tx() as s:
        assert get_settings(session=s)["evaluation_questions"] == ["ความรู้ที่ได้รับ", "เอกสารประกอบ"]


def test_uploaded_certificate_reaches_the_person(tx, hr_console: ConsoleClient, viewer_console: ConsoleClient,
                                                 chat: Chat) -> None:
    day = course_today(tx)
    url = f"/admin/attendance/{day.course_id}/certificates/{day.alice_reg}"

    def form(data: bytes) -> dict:
        return {"file": (io.BytesIO(data), "cert.pdf")}

    assert viewer_console.post(url, data=form(PDF), content_type="multipart/form-data").status_code == 403
    before = chat.mark()
    bad = hr_console.post(url, data=form(b"not a pdf"), content_type="multipart/form-data")
    assert bad.status_code == 302
    with tx() as s:
        assert s.scalar(select(Certificate.id)) is None
    assert hr_console.post(url, data=form(PDF), content_type="multipart/form-data").status_code == 302
    with tx() as s:
        cert = s.scalar(select(Certificate))
        assert cert.source == "uploaded" and cert.content_type == "application/pdf"
        assert s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key.like("certificate:%")))
    assert "การเขียนหนังสือราชการ" in texts(chat.inbox(day.alice, after=before))


@pytest.mark.parametrize("one", [True, False])
def test_generated_certificates_only_for_attendees(tx, hr_console: ConsoleClient, one: bool) -> None:
    day = course_today(tx)
    url = f"/admin/attendance/{day.course_id}/certificates/generate"
    data = {"registration_id": str(day.alice_reg)} if one else {}
    hr_console.post(url, data=data)
    with tx() as s:
        assert s.scalar(select(Certificate.id)) is None  # nobody attended yet
    _checked_in(tx, day)
    assert hr_console.post(url, data=data).status_code == 302
    with tx() as s:
        certs = list(s.scalars(select(Certificate)))
        assert [(c.registration_id, c.source) for c in certs] == [(day.alice_reg, "generated")]


def test_pages_need_a_session(tx, console_anon: ConsoleClient) -> None:
    day = course_today(tx)
    for url in ("/admin/attendance/", f"/admin/attendance/{day.course_id}", "/admin/evaluation/questions",
                f"/admin/evaluation/course/{day.course_id}"):
        assert console_anon.get(url).status_code == 302, url
