"""Rank items (courses, people, units) by how well their text matches what a user typed."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

from thai.nlu import normalize_text

__all__ = ["rank", "DEFAULT_THRESHOLD"]

T = TypeVar("T")

# Relevance is in [0, 1]; an item needs half of the typed words (by length) to match.
DEFAULT_THRESHOLD = 0.5
# Below this similarity (0-100) a word is not a typo of the text but a different word: a
# five-letter word may have one slip, a nine-letter word two.
_FUZZY_CUTOFF = 75.0
# Words of three letters or fewer match too much text by accident, so they must match exactly.
_FUZZY_MIN_CHARS = 4
# Shorter pieces of a segmented phrase are ignored (see _term_score).
_MIN_WORD_CHARS = 3
# A phrase matched only word by word is weaker evidence than the phrase itself: newmm may have
# cut a misspelt word into real but unrelated words ("บันชี" -> "บัน" found in "สถาบัน").
_SPLIT_WEIGHT = 0.8
# Later fields (organizer, kind) count a little less than the first one (the title).
_LATER_FIELD_WEIGHT = 0.9

# Glue words and words every course has; dropped when a typed phrase is split into words.
_STOPWORDS = frozenset(
    {"การ", "ของ", "และ", "ที่", "เรื่อง", "ใน", "กับ", "สำหรับ", "เกี่ยวกับ", "ด้าน", "ด้วย", "แบบ", "เพื่อ", "ความ",
     "อบรม", "ฝึกอบรม", "หลักสูตร", "คอร์ส", "โครงการ"}
)  # fmt: skip
# Thai vowel and tone marks are not \w, so they are listed to survive the clean-up.
_NON_WORD_RE = re.compile(r"[^\w\u0e00-\u0e7f]+|_")


def _compact(text: str) -> str:
    """Return text lower-cased with spaces and punctuation removed ("e-GP" -> "egp")."""
    return _NON_WORD_RE.sub("", normalize_text(text).lower())


class _Term(NamedTuple):
    text: str  # compact form of one typed chunk
    words: tuple[str, ...]  # the chunk segmented into words, glue words removed


@functools.lru_cache(maxsize=1024)
def _terms(query: str) -> tuple[_Term, ...]:
    """Split a query into whitespace chunks and segment each chunk into words."""
    from pythainlp.tokenize import word_tokenize

    terms: list[_Term] = []
    for chunk in normalize_text(query).lower().split():
        text = _compact(chunk)
        if not text:
            continue
        words = tuple(
            w for w in (_compact(t) for t in word_tokenize(chunk, engine="newmm")) if w and w not in _STOPWORDS
        )
        terms.append(_Term(text, words))
    return tuple(terms)


def _typo_similarity(word: str, text: str) -> float:
    """Return how closely some stretch of text spells the word (0-1), or 0 below the cutoff."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import OSA

    # partial_ratio is a fast filter, but it also rewards a short stretch at either end of the
    # text ("ดูงาน" vs "...งาน"), so the survivors are checked with edit distance over windows
    # one letter shorter to one letter longer than the word.
    if not fuzz.partial_ratio(word, text, score_cutoff=_FUZZY_CUTOFF):
        return 0.0
    best = 0.0
    for size in (len(word) - 1, len(word), len(word) + 1):
        for start in range(len(text) - size + 1):
            best = max(best, OSA.normalized_similarity(word, text[start : start + size]))
    return best if best * 100 >= _FUZZY_CUTOFF else 0.0


def _word_score(word: str, fields: Sequence[tuple[str, float]]) -> float:
    """Score one word against the item's fields: 1 if contained, less for a close misspelling."""
    best = 0.0
    for text, weight in fields:
        if word in text:
            score = 1.0
        elif len(word) >= _FUZZY_MIN_CHARS and len(text) >= len(word):
            score = _typo_similarity(word, text)
        else:
            score = 0.0
        best = max(best, score * weight)
    return best


def _term_score(term: _Term, fields: Sequence[tuple[str, float]]) -> float:
    """Score a typed chunk as a whole, or word by word when it glues several words."""
    whole = _word_score(term.text, fields)
    if whole >= 1.0 or not term.words or term.words == (term.text,):
        return whole
    # Fragments of one or two letters are what newmm leaves of a misspelt word ("บญชี" ->
    # "บ", "ญ", "ชี"); they would match anywhere, so they score nothing but still count.
    total = sum(len(w) for w in term.words)
    by_word = sum(_word_score(w, fields) * len(w) for w in term.words if len(w) >= _MIN_WORD_CHARS) / total
    return max(whole, _SPLIT_WEIGHT * by_word)


def rank(
    query: str,
    items: Sequence[T],
    fields: Callable[[T], Sequence[str]],
    *,
    limit: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[T]:
    """Return the items that match the query, most relevant first; all of them if it is empty."""
    terms = _terms(query or "")
    if not terms:
        return list(items)[:limit] if limit is not None else list(items)
    total = sum(len(t.text) for t in terms)
    scored: list[tuple[float, int, T]] = []
    for index, item in enumerate(items):
        texts = [
            (_compact(text), 1.0 if i == 0 else _LATER_FIELD_WEIGHT) for i, text in enumerate(fields(item)) if text
        ]
        if not texts:
            continue
        # Longer typed words weigh more: "บัญชี" says more than "ปี".
        relevance = sum(_term_score(t, texts) * len(t.text) for t in terms) / total
        if relevance >= threshold and relevance > 0:
            scored.append((relevance, index, item))
    scored.sort(key=lambda s: (-s[0], s[1]))  # ties keep the caller's order
    ranked = [item for _, _, item in scored]
    return ranked[:limit] if limit is not None else ranked
