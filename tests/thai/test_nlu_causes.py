"""The causes of misread messages found by a native speaker (issue 16), one test per cause."""

from __future__ import annotations

import pytest

from thai.nlu import Intent, parse_intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Sending photos or a certificate is the report, not a course search.
        ("ส่งรูปอบรมค่ะ", Intent.REPORT),
        ("อัพโหลดใบเซอร์อบรม", Intent.REPORT),
        ("ส่งรง.อบรม", Intent.REPORT),
        # Subordinates' requests, said without the word คำขอ.
        ("มีลูกน้องขออบรมบ้างไหม", Intent.APPROVALS),
        ("ลูกทีมขอไปอบรมไหม", Intent.APPROVALS),
        # Missing the day.
        ("วันอบรมป่วยค่ะ", Intent.NOT_ATTENDED),
        ("มะได้ไปอบรม", Intent.NOT_ATTENDED),
        # What one spent, what one did ("ไป...มา", "อบรมไป...").
        ("ปีนี้อบรมใช้เงินไปเท่าไหร่", Intent.HISTORY),
        ("ไปอบรมอะไรมาแล้วบ้าง", Intent.HISTORY),
        ("อบรมไปทั้งหมดกี่หลักสูตร", Intent.HISTORY),
    ],
)
def test_training_word_with_another_verb_is_not_a_course_search(text: str, intent: Intent) -> None:
    assert parse_intent(text).intent == intent


@pytest.mark.parametrize("text", ["อยากไปอบรมภาษาอังกฤษ", "อบรมถ่ายภาพ", "อยากสมัครอบรมไปกับเพื่อน"])
def test_wishes_and_photo_topics_stay_course_searches(text: str) -> None:
    assert parse_intent(text).intent == Intent.COURSES


@pytest.mark.parametrize("text", ["เลิกส่งข่าว", "เลิกส่งข่าวค่ะ", "หยุดแจ้งเตือน", "เลิกแจ้งเตือน", "อย่าส่งข่าวมาอีก"])
def test_a_negator_turns_announcements_off(text: str) -> None:
    assert parse_intent(text).intent == Intent.NOTIFY_OFF


def test_nobody_is_not_the_subordinates() -> None:
    assert parse_intent("ยังไม่มีใครตอบเลย").intent == Intent.UNKNOWN
    assert parse_intent("ยังไม่มีใครอนุมัติให้เลย").intent == Intent.MY_REQUESTS
    assert parse_intent("มีใครขออบรมบ้าง").intent == Intent.APPROVALS


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("พอดีหัวหน้าสั่งให้ไปอบรมบัญชี", "บัญชี"),
        ("ช่วงนี้มีอบรมน่าสนใจไหม", ""),
        ("เดือนหน้ามีอบรมอะไรบ้าง", ""),
        ("ยังว่างอยู่ไหมคอร์สบัญชี", "บัญชี"),
        ("มีอบรมเรือง ระเบียบพัสดุ ไหม", "ระเบียบพัสดุ"),
        ("มีอบรมอะไรบ้งคะ", ""),
    ],
)
def test_filler_is_not_the_search_topic(text: str, query: str) -> None:
    parsed = parse_intent(text)
    assert (parsed.intent, parsed.query) == (Intent.COURSES, query)


@pytest.mark.parametrize(
    ("text", "query"),
    [("อบรมออกแบบ", "ออกแบบ"), ("อบรมเรียนรู้", "เรียนรู้"), ("อบรมหัวหน้างาน", "หัวหน้างาน")],
)
def test_real_words_are_not_cut_into_particles(text: str, query: str) -> None:
    assert parse_intent(text).query == query


def test_busy_days_are_not_a_one_word_command() -> None:
    # "หยุด" alone means stop; "พรุ่งนี้หยุดไหม" asks about a holiday.
    assert parse_intent("พรุ่งนี้หยุดไหม").intent == Intent.UNKNOWN
    assert parse_intent("หยุด").intent == Intent.CANCEL
