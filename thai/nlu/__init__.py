"""Understand what a staff member wants from a short Thai (or English) chat message.

The parser is deliberately small and explainable, because HR staff maintain its word
lists: newmm segmentation, a table of phrases that each stand for one or more
*concepts* (REGISTER, TRAINING, REQUEST, ...), rules that turn a set of concepts into
an intent, and rapidfuzz to forgive typos. Whatever is not a command word or a polite
particle is returned as the search query ("อยากสมัครอบรมเรื่องบัญชีค่ะ" -> "บัญชี").

The package is split by what the code does: ``words`` (the lists HR staff edit), ``text``
(normalising), ``lexicon`` (the phrase table), ``tokens`` (segmentation), ``matching`` (phrases,
concepts, query), ``rules`` (concepts -> intent); this module is the public API.
"""

from __future__ import annotations

from thai.nlu.intents import Intent, ParsedIntent
from thai.nlu.lexicon import _lexicon as _lexicon  # re-exported: tests and the bench clear these caches
from thai.nlu.lexicon import warm_up
from thai.nlu.matching import _concepts, _exact_matches, _fuzzy_matches, _query
from thai.nlu.matching import _fuzzy_lookup as _fuzzy_lookup
from thai.nlu.rules import _CLOSE_CALL, _best_rule, _runner_up
from thai.nlu.text import normalize_text
from thai.nlu.tokens import _split_glued as _split_glued
from thai.nlu.tokens import _tokens
from thai.nlu.words import _TOPICAL

__all__ = ["Intent", "ParsedIntent", "parse_intent", "warm_up", "normalize_text", "MAX_CHARS"]

# Long pastes (a whole letter) are classified by their opening only.
MAX_CHARS = 500


def parse_intent(text: str) -> ParsedIntent:
    """Classify a chat message and extract the search words in it."""
    normalized = normalize_text(text[:MAX_CHARS])
    tokens = _tokens(normalized)
    covered = _exact_matches(tokens)
    if any(m is None for m in covered):
        _fuzzy_matches(tokens, covered)
    concepts = _concepts(tokens, covered)
    rule = _best_rule(concepts)
    # Content words that did not decide the intent stay searchable: in "อบรมการเขียนข่าว" the word
    # "ข่าว" (announcements) is the course topic.
    keep = _TOPICAL - rule.needs if rule is not None and rule.intent == Intent.COURSES else frozenset()
    query = _query(tokens, covered, keep)
    if rule is None:
        return ParsedIntent(Intent.UNKNOWN, query, 0.0)
    # Confidence drops with typos in the words that made the decision and when another intent
    # was nearly as likely ("ยกเลิก" next to "อบรม" could be either CANCEL or MY_REQUESTS).
    deciding = (m.similarity for m in covered if m is not None and m.entry.concepts & rule.needs)
    score = min(deciding, default=100.0) / 100.0
    if _runner_up(concepts, rule) > rule.weight - _CLOSE_CALL:
        score *= 0.8
    return ParsedIntent(rule.intent, query, round(score, 3))
