"""Text handling shared by the lexicon and the tokeniser: normalising, lookup keys, script tests."""

from __future__ import annotations

import re
import unicodedata

from thai.numbers import to_arabic_digits

# Collapsing runs of 3+ identical letters turns "ค่าาาา", "อบรมมม" and "hiiii" back into words.
_REPEAT_RE = re.compile(r"(\D)\1{2,}")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_WORDLIKE_RE = re.compile(r"\w")


def _key(text: str) -> str:
    """Return the lookup key of a word: lower case, no spaces."""
    return text.lower().replace(" ", "")


def _is_thai(text: str) -> bool:
    """Tell whether a word is written in Thai script."""
    return all("\u0e00" <= ch <= "\u0e7f" for ch in text)


def normalize_text(text: str) -> str:
    """Clean typed text for matching: NFC, Arabic digits, Thai spelling fixes, no stretched letters.

    Letter case is kept so that search words come back as typed ("e-GP").
    """
    from pythainlp.util import normalize as thai_normalize

    text = unicodedata.normalize("NFC", _INVISIBLE_RE.sub("", text))
    text = thai_normalize(to_arabic_digits(text))  # also fixes "ํา" typed as two characters
    text = text.replace("ๆ", " ")  # the repeat mark adds nothing to the meaning here
    return _REPEAT_RE.sub(r"\1", text)
