"""Fuzzy ranking of courses by what a user typed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from thai.search import rank


@dataclass(frozen=True)
class Course:
    title: str
    area: str
    organizer: str
    kind: str


COURSES = [
    Course("การจัดซื้อจัดจ้างด้วยระบบ e-GP", "การพัฒนาทรัพยากรบุคคล", "กรมบัญชีกลาง", "ฝึกอบรม"),
    Course("การบัญชีภาครัฐ ระบบ e-LAAS", "การพัฒนาทรัพยากรบุคคล", "กรมส่งเสริมการปกครองท้องถิ่น", "ฝึกอบรม"),
    Course("Excel สำหรับงานสำนักงาน", "การพัฒนาทรัพยากรบุคคล", "อบต.", "e-learning"),
    Course("การเขียนหนังสือราชการ", "การพัฒนาทรัพยากรบุคคล", "สถาบันพัฒนาบุคลากรท้องถิ่น", "สัมมนา"),
    Course("ภาษีที่ดินและสิ่งปลูกสร้าง รุ่นที่ 3", "", "กองคลัง", "ฝึกอบรม"),
    Course("หลักสูตรพัฒนาครูปฐมวัย", "การพัฒนาคุณภาพชีวิต", "", "ฝึกอบรม"),
    Course(
        "ความปลอดภัยในการทำงาน",
        "ความปลอดภัย อาชีวอนามัยและสภาพแวดล้อมในการทำงาน",
        "สำนักงานสวัสดิการและคุ้มครองแรงงาน",
        "ศึกษาดูงาน",
    ),
]


def fields(course: Course) -> list[str]:
    return [course.title, course.area, course.organizer, course.kind]


def titles(query: str, **kwargs: object) -> list[str]:
    return [c.title for c in rank(query, COURSES, fields, **kwargs)]  # type: ignore[arg-type]


def test_empty_query_keeps_order() -> None:
    assert titles("") == [c.title for c in COURSES]
    assert titles("   ") == [c.title for c in COURSES]
    assert titles("", limit=2) == [c.title for c in COURSES[:2]]


@pytest.mark.parametrize("query", ["e-GP", "e-gp", "EGP", "egp"])
def test_english_code_with_punctuation(query: str) -> None:
    assert titles(query)[0] == "การจัดซื้อจัดจ้างด้วยระบบ e-GP"


@pytest.mark.parametrize("query", ["บัญชี", "บญชี", "บันชี", "อบรมบัญชี", "บัญชีภาครัฐ"])
def test_thai_word_and_typos(query: str) -> None:
    assert titles(query)[0] == "การบัญชีภาครัฐ ระบบ e-LAAS"


def test_title_outranks_other_fields() -> None:
    # "บัญชี" is in the e-LAAS title and in the e-GP organizer (กรมบัญชีกลาง).
    assert titles("บัญชี") == ["การบัญชีภาครัฐ ระบบ e-LAAS", "การจัดซื้อจัดจ้างด้วยระบบ e-GP"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("excell", "Excel สำหรับงานสำนักงาน"),
        ("หนังสือราชกาน", "การเขียนหนังสือราชการ"),
        ("ภาษี", "ภาษีที่ดินและสิ่งปลูกสร้าง รุ่นที่ 3"),
        ("รุ่น ๓", "ภาษีที่ดินและสิ่งปลูกสร้าง รุ่นที่ 3"),
        ("ครู", "หลักสูตรพัฒนาครูปฐมวัย"),
        ("สัมมนา", "การเขียนหนังสือราชการ"),
        ("ดูงาน", "ความปลอดภัยในการทำงาน"),
        ("อาชีวอนามัย", "ความปลอดภัยในการทำงาน"),
    ],
)
def test_finds(query: str, expected: str) -> None:
    assert titles(query)[0] == expected


@pytest.mark.parametrize("query", ["ภาษาจีน", "โดรน", "xyz", "๑๒๓๔๕"])
def test_unmatched_items_are_left_out(query: str) -> None:
    assert titles(query) == []


def test_near_words_do_not_match_by_accident() -> None:
    # "ดูงาน" shares "งาน" with the Excel course; that is not a typo of it.
    assert "Excel สำหรับงานสำนักงาน" not in titles("ดูงาน")


def test_limit_and_threshold() -> None:
    assert len(titles("ฝึกอบรม", limit=2)) == 2
    assert titles("บัญชี", threshold=0.95) == ["การบัญชีภาครัฐ ระบบ e-LAAS"]


def test_several_words_rank_items_matching_more_of_them_first() -> None:
    assert titles("e-GP บัญชี")[:2] == ["การจัดซื้อจัดจ้างด้วยระบบ e-GP", "การบัญชีภาครัฐ ระบบ e-LAAS"]


def test_items_with_empty_fields() -> None:
    items = [("",), ("บัญชี",)]
    assert rank("บัญชี", items, lambda t: list(t)) == [("บัญชี",)]
    assert rank("บัญชี", [], lambda t: [t]) == []
