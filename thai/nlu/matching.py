"""Covering tokens with listed phrases (exact, then fuzzy) and reading off concepts and query."""

from __future__ import annotations

import functools
from typing import NamedTuple

from thai.nlu.lexicon import _FUZZY_CUTOFF, _FUZZY_MIN_CHARS, _Entry, _lexicon
from thai.nlu.text import _WORDLIKE_RE
from thai.nlu.tokens import _Token
from thai.nlu.words import _DONE_AFTER, _NEGATED, _NEGATORS

_MAX_PHRASE_TOKENS = 5
_MAX_FUZZY_TOKENS = 3


@functools.lru_cache(maxsize=8192)
def _fuzzy_lookup(window: str) -> tuple[str, float] | None:
    """Return the listed phrase a misspelt word most likely meant, with its similarity."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    # A typo rarely hits the first letter, and requiring it keeps short words from drifting.
    choices = _lexicon().fuzzy_keys.get(window[0])
    if not choices:
        return None
    # Edit distance with transpositions (OSA) counts "cancle" or a swapped Thai vowel as one
    # slip, and unlike Indel ratio it does not favour longer phrases that merely contain the word.
    found = process.extractOne(window, choices, scorer=OSA.normalized_similarity, score_cutoff=_FUZZY_CUTOFF / 100)
    return (found[0], float(found[1]) * 100) if found else None


class _Match(NamedTuple):
    start: int
    stop: int
    entry: _Entry
    similarity: float  # 100 for an exact match


def _exact_matches(tokens: list[_Token]) -> list[_Match | None]:
    """Cover tokens with the longest listed phrases, left to right."""
    entries = _lexicon().entries
    covered: list[_Match | None] = [None] * len(tokens)
    i = 0
    while i < len(tokens):
        for length in range(min(_MAX_PHRASE_TOKENS, len(tokens) - i), 0, -1):
            entry = entries.get("".join(t.key for t in tokens[i : i + length]))
            if entry is not None:
                match = _Match(i, i + length, entry, 100.0)
                covered[i : i + length] = [match] * length
                i += length
                break
        else:
            i += 1
    return covered


def _free(match: _Match | None) -> bool:
    """Tell whether a token may still be reinterpreted as a misspelt command word."""
    # Particles and solo words may be part of a typo ("ส|วัด|ดี" is "สวัสดี"); topics may not.
    return match is None or (not match.entry.concepts and (match.entry.filler or bool(match.entry.solo)))


def _fuzzy_matches(tokens: list[_Token], covered: list[_Match | None]) -> None:
    """Cover remaining misspelt command words (1-3 tokens glued) with their closest phrase."""
    lexicon = _lexicon()
    candidates: list[tuple[float, int, int, int, str]] = []
    for i in range(len(tokens)):
        for length in range(1, _MAX_FUZZY_TOKENS + 1):
            span = range(i, i + length)
            if i + length > len(tokens) or not all(_free(covered[j]) for j in span):
                break
            if all(covered[j] is not None for j in span) or not _WORDLIKE_RE.search(tokens[i].key):
                continue  # only particles, or starts at punctuation: nothing was misspelt
            text = "".join(tokens[j].key for j in span)
            if len(text) < _FUZZY_MIN_CHARS or (length == 1 and text in lexicon.dictionary):
                continue  # too short to judge, or a real word that is not a typo of another
            hit = _fuzzy_lookup(text)
            if hit is not None:
                candidates.append((hit[1], -length, i, length, hit[0]))
    # Best similarity first; on a tie the shorter window, so neighbours stay available.
    for similarity, _, start, length, key in sorted(candidates, reverse=True):
        span = range(start, start + length)
        if all(_free(covered[j]) for j in span):
            match = _Match(start, start + length, lexicon.entries[key], similarity)
            for j in span:
                covered[j] = match


def _query(tokens: list[_Token], covered: list[_Match | None], keep: frozenset[str]) -> str:
    """Join the words that are not commands or particles, keeping how they were spaced."""
    parts: list[str] = []
    previous = -2
    for i, token in enumerate(tokens):
        match = covered[i]
        kept_topic = match is not None and bool(match.entry.concepts) and match.entry.concepts <= keep
        if (match is not None and match.entry.filler and not kept_topic) or not _WORDLIKE_RE.search(token.text):
            continue
        if parts and (previous != i - 1 or token.gap):
            parts.append(" ")
        parts.append(token.text)
        previous = i
    return "".join(parts).strip()


def _in_order(tokens: list[_Token], covered: list[_Match | None]) -> set[str]:
    """Collect the concepts of the matches as word order changes them: negation, done training."""
    concepts: set[str] = set()
    previous: _Match | None = None
    for match in sorted({m for m in covered if m is not None}, key=lambda m: m.start):
        found = match.entry.concepts
        # "เลิก|ส่งข่าว": the word right after a negator is switched off, not on.
        if previous is not None and previous.stop == match.start and found & (_NEGATED | {"NOTIFY"}):
            if "".join(t.key for t in tokens[previous.start : previous.stop]) in _NEGATORS:
                found = (found - _NEGATED) | {"OFF"}
        concepts |= found
        previous = match
    if _done_training(tokens, covered):
        concepts.add("DONE")
    return concepts


def _done_training(tokens: list[_Token], covered: list[_Match | None]) -> bool:
    """Tell whether a course word is told as done: "อบรมไป...", "อบรมมา", "ไปอบรม...มา"."""
    keys = [t.key for t in tokens]
    for i, match in enumerate(covered):
        if match is None or "TRAINING" not in match.entry.concepts or match.stop != i + 1:
            continue
        if i + 1 < len(keys) and keys[i + 1] in _DONE_AFTER:
            return True
        if match.start > 0 and keys[match.start - 1] == "ไป" and "มา" in keys[i + 1 :]:
            return True
    return False


def _concepts(tokens: list[_Token], covered: list[_Match | None]) -> set[str]:
    """Collect the concepts of all matches, counting solo words only when they stand alone."""
    matches = {m for m in covered if m is not None}
    concepts = _in_order(tokens, covered)
    solo = [m for m in matches if m.entry.solo]
    if len(solo) == 1:
        word = solo[0]
        alone = all(
            m is word or (m is not None and m.entry.plain) or not _WORDLIKE_RE.search(tokens[i].key)
            for i, m in enumerate(covered)
        )
        if alone:
            concepts |= word.entry.solo
            # It was the command, so it is not a search word.
            used = word._replace(entry=word.entry._replace(concepts=word.entry.concepts | word.entry.solo, filler=True))
            covered[:] = [used if m is word else m for m in covered]
    return concepts
