"""The intents a chat message can carry and the parser's answer (the package's public types)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    """What a chat message asks the bot to do."""

    HELP = "help"
    COURSES = "courses"
    MY_REQUESTS = "my_requests"
    REPORT = "report"
    HISTORY = "history"
    APPROVALS = "approvals"
    CANCEL = "cancel"
    GREETING = "greeting"
    THANKS = "thanks"
    NOTIFY_OFF = "notify_off"
    NOTIFY_ON = "notify_on"
    NOT_ATTENDED = "not_attended"
    MY_DATA = "my_data"  # ข้อมูลของฉัน: what is kept about me (PDPA)
    CERTIFICATE = "certificate"  # ขอเกียรติบัตร: the person's own certificates
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ParsedIntent:
    """The intent of a message, the words left in it and a confidence in [0, 1].

    ``query`` is what remains after command words, particles and filler are removed, for every
    intent ("" when nothing is left), so a handler can tell a bare menu word from a sentence.
    ``score`` is 1.0 for an exact, unambiguous match, lower for typos and close calls, 0 for UNKNOWN.
    """

    intent: Intent
    query: str
    score: float
