"""Intent parsing of chat messages: the examples the bot relies on, and edge cases."""

from __future__ import annotations

import pytest

from thai import nlu
from thai.nlu import MAX_CHARS, Intent, ParsedIntent, parse_intent, warm_up


@pytest.mark.parametrize(
    ("text", "intent", "query"),
    [
        ("อยากสมัครอบรมเรื่องบัญชีค่ะ", Intent.COURSES, "บัญชี"),
        ("สมัครอบรม e-GP", Intent.COURSES, "e-GP"),
        ("สมัครอบรมe-GPค่ะ", Intent.COURSES, "e-GP"),
        ("อบรม", Intent.COURSES, ""),
        ("หลักสูตร", Intent.COURSES, ""),
        ("หลักสูตรที่เปิดรับสมัคร", Intent.COURSES, ""),
        ("สมัคอบรม", Intent.COURSES, ""),
        ("courses", Intent.COURSES, ""),
        ("สมัครอบรม รุ่นที่ ๓", Intent.COURSES, "รุ่น 3"),
        ("ขอดูสถานะคำขอหน่อย", Intent.MY_REQUESTS, ""),
        ("คำขอของฉัน", Intent.MY_REQUESTS, ""),
        ("status", Intent.MY_REQUESTS, ""),
        ("ยกเลิกคำขอ", Intent.MY_REQUESTS, ""),
        ("ส่งรายงานอบรมครับ", Intent.REPORT, ""),
        ("report", Intent.REPORT, ""),
        ("มีอะไรรออนุมัติบ้าง", Intent.APPROVALS, ""),
        ("รออนุมัติ", Intent.APPROVALS, ""),
        ("ยกเลิก", Intent.CANCEL, ""),
        ("ยกเลิกค่ะ", Intent.CANCEL, ""),
        ("cancel", Intent.CANCEL, ""),
        ("help", Intent.HELP, ""),
        ("menu", Intent.HELP, ""),
        ("เมนู", Intent.HELP, ""),
        ("ทำอะไรได้บ้าง", Intent.HELP, ""),
        ("ประวัติการอบรม", Intent.HISTORY, ""),
        ("ไม่ได้เข้าร่วม", Intent.NOT_ATTENDED, ""),
        ("สวัสดีค่ะ", Intent.GREETING, ""),
        ("ขอบคุณครับ", Intent.THANKS, ""),
        ("ปิดการแจ้งเตือน", Intent.NOTIFY_OFF, ""),
        ("เปิดการแจ้งเตือน", Intent.NOTIFY_ON, ""),
        ("555", Intent.UNKNOWN, "555"),
    ],
)
def test_examples(text: str, intent: Intent, query: str) -> None:
    parsed = parse_intent(text)
    assert (parsed.intent, parsed.query) == (intent, query)


def test_intent_values_are_lowercase_names() -> None:
    assert Intent.HELP == "help"
    assert Intent.MY_REQUESTS.value == "my_requests"
    assert all(i.value == i.name.lower() for i in Intent)


def test_parsed_intent_is_frozen() -> None:
    parsed = parse_intent("อบรม")
    assert isinstance(parsed, ParsedIntent)
    with pytest.raises(AttributeError):
        parsed.intent = Intent.HELP  # type: ignore[misc]


@pytest.mark.parametrize(
    "text", ["สมัครอบรม", "สมัคร อบรม", "สมัครอบรมค่ะ", "สมัครอบรมคับ", "สมัครอบรมหน่อยนะคะ", "สมัครอบรมด้วยจ้า"]
)
def test_spacing_and_polite_endings_do_not_matter(text: str) -> None:
    assert parse_intent(text) == ParsedIntent(Intent.COURSES, "", 1.0)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("หลักสูด", Intent.COURSES),
        ("ยกเลิค", Intent.CANCEL),
        ("สถานนะ", Intent.MY_REQUESTS),
        ("ประวัด การอบรม", Intent.HISTORY),
        ("ส่งรายงาร", Intent.REPORT),
        ("สวัดดีค่ะ", Intent.GREETING),
        ("ขอบคุงค้าบ", Intent.THANKS),
        ("cancle", Intent.CANCEL),
        ("อนุมัด", Intent.APPROVALS),
    ],
)
def test_typos_are_forgiven_with_lower_confidence(text: str, intent: Intent) -> None:
    parsed = parse_intent(text)
    assert parsed.intent == intent
    assert 0.0 < parsed.score < 1.0


def test_cancel_of_a_request_goes_to_my_requests() -> None:
    assert parse_intent("ยกเลิกคำขอ").intent == Intent.MY_REQUESTS
    assert parse_intent("ขอยกเลิกการสมัครอบรม excel ค่ะ").intent == Intent.MY_REQUESTS
    assert parse_intent("ยกเลิกการแจ้งเตือน").intent == Intent.NOTIFY_OFF
    assert parse_intent("ยกเลิก").intent == Intent.CANCEL


def test_chit_chat_loses_to_a_command() -> None:
    parsed = parse_intent("สวัสดีค่ะ อยากสมัครอบรมเรื่องสารบรรณค่ะ ขอบคุณค่ะ")
    assert (parsed.intent, parsed.query) == (Intent.COURSES, "สารบรรณ")


def test_solo_words_count_only_alone() -> None:
    assert parse_intent("ออก").intent == Intent.CANCEL
    assert parse_intent("เงินเดือนออกวันไหน").intent == Intent.UNKNOWN
    assert parse_intent("ดีครับ").intent == Intent.GREETING
    assert parse_intent("ข่าวดีค่ะ ได้ย้ายแล้ว").intent == Intent.UNKNOWN


def test_topics_that_contain_command_words() -> None:
    parsed = parse_intent("อบรมการเขียนรายงานการประชุม")
    assert parsed.intent == Intent.COURSES and "รายงานการประชุม" in parsed.query
    parsed = parse_intent("อบรมประวัติศาสตร์ท้องถิ่น")
    assert parsed.intent == Intent.COURSES and "ประวัติศาสตร์" in parsed.query
    parsed = parse_intent("อบรมการเขียนข่าวประชาสัมพันธ์")
    assert parsed.intent == Intent.COURSES and "ข่าว" in parsed.query


def test_query_keeps_case_and_english_words() -> None:
    assert parse_intent("หลักสูตร Excel ขั้นสูง").query == "Excel ขั้นสูง"
    assert parse_intent("อยากเรียน power bi").query == "power bi"


@pytest.mark.parametrize("text", ["", "   ", "555", "👍", "asdfgh", "กินข้าวยัง", "โอเค", "[สติกเกอร์]", "ๆๆๆ"])
def test_unknown(text: str) -> None:
    parsed = parse_intent(text)
    assert parsed.intent == Intent.UNKNOWN
    assert parsed.score == 0.0


def test_only_the_first_500_characters_count() -> None:
    filler = "ฝนตก " * 200
    assert len(filler) > MAX_CHARS
    assert parse_intent("ยกเลิก " + filler).intent == Intent.CANCEL
    assert parse_intent(filler + "ยกเลิก").intent == Intent.UNKNOWN


def test_thai_digits_in_messages() -> None:
    assert parse_intent("ปีงบ ๒๕๖๙ อบรมไปกี่ชั่วโมง").intent == Intent.HISTORY
    assert parse_intent("๕๕๕").intent == Intent.UNKNOWN


def test_scores_are_probabilities() -> None:
    for text in ["อบรม", "สมัค อบรบ excel", "ยกเลิกอบรม", "zzz", "help"]:
        assert 0.0 <= parse_intent(text).score <= 1.0
    assert parse_intent("help").score == 1.0


def test_warm_up_is_idempotent_and_cached() -> None:
    warm_up()
    lexicon = nlu._lexicon()
    warm_up()
    assert nlu._lexicon() is lexicon
    before = nlu._lexicon.cache_info().misses
    parse_intent("สมัครอบรม")
    assert nlu._lexicon.cache_info().misses == before  # nothing is rebuilt per message


def test_normalize_text() -> None:
    assert nlu.normalize_text("ค่าาาา") == "ค่า"
    assert nlu.normalize_text("คําขอ ๑๒") == "คำขอ 12"
    assert nlu.normalize_text("E-GP\u200b") == "E-GP"
