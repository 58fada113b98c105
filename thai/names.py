"""Write people's names the way Thai official letters do."""

from __future__ import annotations

import re

__all__ = ["full_name"]

_SPACES = re.compile(r"\s+")
_THAI_LETTER = re.compile(r"[\u0e00-\u0e7f]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _squeeze(part: str | None) -> str:
    """Trim a name part and collapse runs of spaces."""
    return _SPACES.sub(" ", part or "").strip()


def full_name(title: str | None, first: str, last: str) -> str:
    """Join title, first and last name, e.g. "นางสาวพิมพ์ชนก ใจงาม" or "Mr. John Smith"."""
    title_s, first_s, last_s = _squeeze(title), _squeeze(first), _squeeze(last)
    name = " ".join(p for p in (first_s, last_s) if p)
    if not title_s:
        return name
    if not name:
        return title_s
    # Thai titles stick to the first name ("ดร.สมชาย"); English ones are separate words ("Dr. John").
    english = _LATIN_LETTER.search(title_s) is not None and _THAI_LETTER.search(title_s) is None
    return f"{title_s} {name}" if english else f"{title_s}{name}"
