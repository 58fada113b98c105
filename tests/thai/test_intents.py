"""Accuracy of the intent parser on a labelled set of realistic chat messages."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from thai.nlu import Intent, parse_intent

DATA = Path(__file__).parent / "data" / "intents.tsv"
MIN_ACCURACY = 0.95


def load() -> list[tuple[str, Intent, str]]:
    """Read (text, intent, expected query) rows from the TSV file."""
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["text"], Intent(r["intent"]), r["query"] or "") for r in rows]


def test_labelled_set_is_large_and_covers_every_intent() -> None:
    rows = load()
    assert len(rows) >= 300
    assert len({text for text, _, _ in rows}) == len(rows), "duplicate messages"
    counts = Counter(intent for _, intent, _ in rows)
    for intent in Intent:
        assert counts[intent] >= 10, f"too few examples of {intent}"


def test_accuracy() -> None:
    rows = load()
    wrong: list[str] = []
    for text, intent, query in rows:
        parsed = parse_intent(text)
        ok = parsed.intent == intent and (intent != Intent.COURSES or query in parsed.query)
        if not ok:
            wrong.append(f"{text!r}: expected {intent.value} {query!r}, got {parsed.intent.value} {parsed.query!r}")
    accuracy = 1 - len(wrong) / len(rows)
    print(f"intent accuracy {accuracy:.1%} on {len(rows)} messages")
    assert accuracy >= MIN_ACCURACY, "misclassified:\n" + "\n".join(wrong)


FRESH = Path(__file__).parent / "data" / "intents_fresh.tsv"
# The fresh set was written apart from the tuning set (issue 16, before its fixes) and its
# sentences are never copied into the tuning set: a check on text the rules were not built from,
# held to a lower bar than the tuning set.
MIN_FRESH_ACCURACY = 0.93


def _read(path: Path) -> list[tuple[str, Intent, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["text"], Intent(r["intent"]), r["query"] or "") for r in rows]


def test_fresh_set_is_kept_apart_from_the_tuning_set() -> None:
    fresh = _read(FRESH)
    assert len(fresh) >= 200
    assert len({text for text, _, _ in fresh}) == len(fresh), "duplicate messages"
    assert not {text for text, _, _ in fresh} & {text for text, _, _ in load()}, "shared with the tuning set"


def test_fresh_set_accuracy() -> None:
    rows = _read(FRESH)
    wrong = [text for text, intent, query in rows
             if (p := parse_intent(text)).intent != intent or (intent == Intent.COURSES and query not in p.query)]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= MIN_FRESH_ACCURACY, f"{accuracy:.1%}; misclassified: {wrong}"
