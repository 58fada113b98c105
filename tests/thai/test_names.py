"""Title + first name + last name, written the Thai official way."""

from __future__ import annotations

import pytest

from thai.names import full_name


@pytest.mark.parametrize(
    ("title", "first", "last", "expected"),
    [
        ("นางสาว", "พิมพ์ชนก", "ใจงาม", "นางสาวพิมพ์ชนก ใจงาม"),
        ("นาย", "สมชาย", "ใจดี", "นายสมชาย ใจดี"),
        ("ดร.", "สมชาย", "ใจดี", "ดร.สมชาย ใจดี"),
        ("ผศ.ดร.", "วิภา", "รักเรียน", "ผศ.ดร.วิภา รักเรียน"),
        ("ว่าที่ร้อยตรี", "ธนา", "มั่นคง", "ว่าที่ร้อยตรีธนา มั่นคง"),
        ("Mr.", "John", "Smith", "Mr. John Smith"),
        ("Dr", "Jane", "Doe", "Dr Jane Doe"),
        (None, "พิมพ์ชนก", "ใจงาม", "พิมพ์ชนก ใจงาม"),
        ("", "พิมพ์ชนก", "ใจงาม", "พิมพ์ชนก ใจงาม"),
        ("  นาง ", " มาลี ", "  ศรีสุข  ", "นางมาลี ศรีสุข"),
        ("นาย", "สมชาย", "", "นายสมชาย"),
        ("นาย", "", "", "นาย"),
    ],
)
def test_full_name(title: str | None, first: str, last: str, expected: str) -> None:
    assert full_name(title, first, last) == expected
