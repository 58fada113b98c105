"""The rule table that turns a set of concepts into an intent, and how a rule is chosen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from thai.nlu.intents import Intent


class _Rule(NamedTuple):
    intent: Intent
    needs: frozenset[str]
    weight: float


def _rules(*rows: tuple[Intent, str, float]) -> tuple[_Rule, ...]:
    """Build the rule table from (intent, "CONCEPT CONCEPT", weight) rows."""
    return tuple(_Rule(i, frozenset(c.split()), w) for i, c, w in rows)


# The rule with the highest weight whose concepts all occur wins. Weights encode specificity:
# a command plus its object ("ยกเลิก" + "คำขอ") beats the bare command ("ยกเลิก"), and chit-chat
# (greeting, thanks) loses to anything else said in the same message.
_RULES: tuple[_Rule, ...] = _rules(
    (Intent.MY_DATA, "DATA MINE", 3.6),
    (Intent.MY_DATA, "PRIVACY MINE", 3.6),
    (Intent.MY_DATA, "PRIVACY", 0.9),  # below TRAINING: "อบรม PDPA" is a course search
    (Intent.NOT_ATTENDED, "NOT_ATTENDED", 3.5),
    (Intent.NOT_ATTENDED, "SICK TRAINING", 2.4),
    (Intent.NOTIFY_OFF, "NOTIFY OFF", 3.4),
    (Intent.NOTIFY_OFF, "NOTIFY CANCEL", 3.4),
    (Intent.NOTIFY_OFF, "NOTIFY NEG", 3.3),
    (Intent.NOTIFY_ON, "NOTIFY ON", 3.2),
    (Intent.NOTIFY_ON, "NOTIFY SUBMIT", 3.0),
    (Intent.APPROVALS, "SUBORDINATE REQUEST", 3.6),
    (Intent.APPROVALS, "SUBORDINATE APPROVE", 3.0),
    (Intent.APPROVALS, "SUBORDINATE REGISTER", 2.9),
    (Intent.APPROVALS, "SUBORDINATE WAIT", 2.9),
    (Intent.APPROVALS, "SUBORDINATE TRAINING", 2.4),
    (Intent.APPROVALS, "REQUEST WAIT APPROVE", 3.2),
    (Intent.APPROVALS, "WAIT APPROVE", 2.9),
    (Intent.APPROVALS, "REQUEST APPROVE", 2.6),
    (Intent.APPROVALS, "APPROVE", 1.5),
    (Intent.MY_REQUESTS, "REQUEST MINE", 3.5),
    (Intent.MY_REQUESTS, "APPROVE MINE", 3.3),
    (Intent.MY_REQUESTS, "APPROVE YET", 3.0),
    (Intent.MY_REQUESTS, "REQUEST CANCEL", 3.0),
    (Intent.MY_REQUESTS, "MY_STUFF", 2.6),
    (Intent.MY_REQUESTS, "STATUS", 2.7),
    (Intent.MY_REQUESTS, "WITHDRAW", 2.5),
    (Intent.MY_REQUESTS, "REGISTER CANCEL", 2.5),
    (Intent.MY_REQUESTS, "TRAINING CANCEL", 2.2),
    (Intent.MY_REQUESTS, "REQUEST", 2.0),
    (Intent.REPORT, "SUBMIT REPORT", 2.8),
    (Intent.REPORT, "SUBMIT CERT", 2.5),
    (Intent.REPORT, "SUBMIT PHOTO", 2.5),
    (Intent.REPORT, "SUBMIT SPENT", 2.5),
    (Intent.REPORT, "SUBMIT AFTER", 2.5),
    (Intent.REPORT, "REPORT", 2.3),
    (Intent.CERTIFICATE, "CERT", 2.0),  # "ขอเกียรติบัตร"; sending one ("ส่งเกียรติบัตร") is a report
    (Intent.REPORT, "EXPENSE", 1.5),
    (Intent.REPORT, "AFTER", 1.2),
    (Intent.HISTORY, "HISTORY", 2.5),
    (Intent.HISTORY, "PAST TRAINING", 2.2),
    (Intent.HISTORY, "SPENT TRAINING", 2.2),
    (Intent.HISTORY, "SPENT", 1.4),
    (Intent.HISTORY, "DONE TRAINING", 1.9),
    (Intent.COURSES, "REGISTER TRAINING", 2.0),
    (Intent.COURSES, "OPEN TRAINING", 2.0),
    (Intent.COURSES, "SEARCH TRAINING", 2.0),
    (Intent.COURSES, "REGISTER", 1.1),
    (Intent.COURSES, "TRAINING", 1.0),
    (Intent.COURSES, "SEARCH", 1.0),
    (Intent.CANCEL, "CANCEL", 1.8),
    (Intent.HELP, "HELP", 0.95),
    (Intent.THANKS, "THANKS", 0.9),
    (Intent.GREETING, "GREETING", 0.8),
)
# Two intents whose best rules are this close make the answer a close call.
_CLOSE_CALL = 0.5


def _runner_up(concepts: Iterable[str], winner: _Rule) -> float:
    """Return the weight of the best matching rule for any other intent (0 if none)."""
    found = frozenset(concepts)
    return max((r.weight for r in _RULES if r.intent != winner.intent and r.needs <= found), default=0.0)


def _best_rule(concepts: Iterable[str]) -> _Rule | None:
    """Return the heaviest rule whose concepts all occur in the message."""
    found = frozenset(concepts)
    best: _Rule | None = None
    for rule in _RULES:
        if rule.needs <= found and (best is None or rule.weight > best.weight):
            best = rule
    return best
