"""The phrase table built from the word lists, plus pythainlp's dictionary, loaded once."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import NamedTuple

from thai.nlu.text import _is_thai, _key
from thai.nlu.words import (
    _COMPOUNDS,
    _CONCEPT_WORDS,
    _CONTEXT_WORDS,
    _FILLERS,
    _ORDER_VERBS,
    _ORDERED_BY,
    _SOLO_WORDS,
    _SPELLINGS,
    _TOPICS,
)

# Fuzzy matching below this similarity (0-100, normalised edit distance) is too loose: at 70 a
# seven-letter word may have two slips ("ประวัด" for "ประวัติ"), a four-letter word one.
_FUZZY_CUTOFF = 70.0
_FUZZY_MIN_CHARS = 4


class _Entry(NamedTuple):
    concepts: frozenset[str]
    filler: bool  # dropped from the query
    solo: frozenset[str] = frozenset()  # extra concepts when it is the whole message

    @property
    def plain(self) -> bool:
        """Tell whether this is a particle or function word with no meaning of its own."""
        return self.filler and not self.concepts and not self.solo


class _Lexicon(NamedTuple):
    entries: dict[str, _Entry]
    split_words: frozenset[str]  # what a glued dictionary word may be split into
    fuzzy_keys: dict[str, list[str]]  # keys with concepts, by first character
    dictionary: frozenset[str]  # pythainlp's word list: real words are never "typos"


@functools.cache
def _lexicon() -> _Lexicon:
    """Build the phrase table and load the segmenter's dictionary (once per process)."""
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize import word_tokenize

    entries: dict[str, _Entry] = {}

    def add(word: str, concepts: Iterable[str]) -> None:
        for spelling in _spellings(word):
            key = _key(spelling)
            old = entries.get(key)
            entries[key] = _Entry(frozenset(concepts) | (old.concepts if old else frozenset()), filler=True)

    for concept, words in _CONCEPT_WORDS.items():
        for word in words:
            add(word, (concept,))
    for phrase, concepts in _COMPOUNDS.items():
        add(phrase, concepts)
    for word in _FILLERS:
        add(word, ())
    for word in _CONTEXT_WORDS:
        add(word, ("CONTEXT",))
    for person in _ORDERED_BY:
        for verb in _ORDER_VERBS:
            add(person + verb, ())
    for word, concepts in _SOLO_WORDS.items():
        old = entries.get(_key(word))
        # Outside a one-word message a solo word is ordinary text, so it stays in the query.
        entries[_key(word)] = _Entry(old.concepts if old else frozenset(), old is not None, frozenset(concepts))
    for topic in _TOPICS:
        entries[_key(topic)] = _Entry(frozenset(), filler=False)

    fuzzy: dict[str, list[str]] = {}
    for key, entry in entries.items():
        if entry.concepts and len(key) >= _FUZZY_MIN_CHARS:
            fuzzy.setdefault(key[0], []).append(key)
    split_words = frozenset(k for k in entries if len(k) >= 2 and _is_thai(k))
    word_tokenize("สวัสดีครับ ขอสมัครอบรม")  # loads the newmm trie now, not on the first message
    return _Lexicon(entries, split_words, fuzzy, frozenset(thai_words()))


def _spellings(word: str) -> set[str]:
    """Return a listed phrase and its common chat spellings ("ไม่ได้ไป" -> "มะได้ไป")."""
    found = {word}
    for standard, variants in _SPELLINGS.items():
        found |= {w.replace(standard, v) for w in list(found) if standard in w for v in variants}
    return found


def warm_up() -> None:
    """Load pythainlp's dictionary and build the word tables; later calls are free."""
    _lexicon()
