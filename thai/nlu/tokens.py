"""Segmenting a message with newmm and re-splitting the words it glued or cut wrongly."""

from __future__ import annotations

import functools
from typing import NamedTuple

from thai.nlu.lexicon import _lexicon
from thai.nlu.text import _is_thai


class _Token(NamedTuple):
    text: str  # as typed (after normalisation), for the query
    key: str
    gap: bool  # whitespace came before it


@functools.lru_cache(maxsize=8192)
def _split_glued(key: str) -> tuple[str, ...]:
    """Split a dictionary compound into listed words ("รับสมัคร" -> "รับ", "สมัคร") if it fully is."""
    words = _lexicon().split_words
    n = len(key)
    # best[i] = fewest listed words that spell key[:i]; only full spellings count.
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            prefix = best[start]
            if prefix is not None and key[start:end] in words:
                candidate = (*prefix, key[start:end])
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
    found = best[n]
    return found if found is not None and len(found) > 1 else (key,)


def _meaningful(parts: tuple[str, ...]) -> bool:
    """Tell whether a split finds a command word; a real word cut into particles stays whole."""
    # "ออกแบบ" is not "ออก" + "แบบ" and "พอดี" is not "พอ" + "ดี": none of the pieces is a command.
    entries = _lexicon().entries
    return any(entries[p].concepts for p in parts if p in entries)


def _keeps_words(window: list[_Token], parts: tuple[str, ...]) -> bool:
    """Tell whether a re-split only joins newmm's pieces, or cuts a word to find a command word."""
    cuts = {sum(len(t.key) for t in window[:i]) for i in range(1, len(window))}
    bounds = {sum(len(p) for p in parts[:i]) for i in range(1, len(parts))}
    if bounds <= cuts:
        return True
    # A word was cut ("อบรม|ออกแบบ" -> "ออก", "แบบ"): only worth it when a new piece is a command.
    return _meaningful(tuple(p for p in parts if p not in {t.key for t in window}))


def _pieces(tokens: list[_Token], parts: tuple[str, ...]) -> list[_Token]:
    """Cut the text of glued tokens into the listed words it was split into."""
    text = "".join(t.text for t in tokens)
    out: list[_Token] = []
    offset = 0
    for i, part in enumerate(parts):
        out.append(_Token(text[offset : offset + len(part)], part, tokens[0].gap and i == 0))
        offset += len(part)
    return out


def _resplit(tokens: list[_Token]) -> list[_Token]:
    """Re-segment runs that newmm cut wrongly around a typo ("คอส|อบรม" read as "คอ|สอ|บรม")."""
    lexicon = _lexicon()
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        for length in range(min(4, len(tokens) - i), 1, -1):
            window = tokens[i : i + length]
            if any(t.gap for t in window[1:]) or not all(_is_thai(t.key) for t in window):
                continue
            # A run of listed words is matched as it is; only other runs may hide a glued typo.
            if all(t.key in lexicon.entries for t in window):
                continue
            joined = "".join(t.key for t in window)
            parts = _split_glued(joined)
            if len(parts) > 1 and joined not in lexicon.entries and _keeps_words(window, parts):
                out.extend(_pieces(window, parts))
                i += length
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _tokens(text: str) -> list[_Token]:
    """Segment a message into tokens, splitting glued command words apart."""
    from pythainlp.tokenize import word_tokenize

    lexicon = _lexicon()
    tokens: list[_Token] = []
    gap = False
    for piece in word_tokenize(text, engine="newmm", keep_whitespace=True):
        if piece.isspace():
            gap = True
            continue
        token = _Token(piece, piece.lower(), gap)
        gap = False
        # Dictionary compounds hide command words: "รับสมัคร" = "รับ" + "สมัคร".
        if token.key not in lexicon.entries and _is_thai(token.key) and len(token.key) >= 4:
            parts = _split_glued(token.key)
            if len(parts) > 1 and _meaningful(parts):
                tokens.extend(_pieces([token], parts))
                continue
        tokens.append(token)
    return _resplit(tokens)
