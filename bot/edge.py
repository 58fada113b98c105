"""The webhook's edge: what a signed body must look like before anything reads or stores it.

LINE's own limits (webhookEventId a ULID, reply tokens well under 255 characters, user ids of 33,
a typed message of 10,000 characters) are inside what our columns hold, so anything beyond them
did not come from LINE and is refused here: the body with 413/400, a single event by
being skipped. Nothing refused here reaches the database, so no driver error (a NUL or a lone
surrogate PostgreSQL cannot store, an id longer than its column) can turn into a traceback.
Warnings name the field and the rule broken, never the value: values may be personal data.
"""
from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # LINE's webhooks are a few kilobytes; 1 MB is generous
MAX_DEPTH = 12  # deepest a LINE event nests (event > message > emojis > item) is 4-5
MAX_EVENTS = 100
MAX_STRING = 10_000  # the LINE app's limit on one typed message; nothing in an event is longer

# Field path -> longest value LINE sends (or our column holds, whichever is smaller).
LIMITS: dict[tuple[str, ...], int] = {
    ("webhookEventId",): 64,
    ("replyToken",): 255,
    ("type",): 40,
    ("mode",): 40,
    ("source", "type"): 40,
    ("source", "userId"): 64,
    ("source", "groupId"): 64,
    ("source", "roomId"): 64,
    ("message", "id"): 64,
    ("message", "type"): 40,
    ("message", "text"): MAX_STRING,
    # Postback data over 300 characters is forged too, but the codec refuses it with the
    # bad-button answer, which tells a person on an old client more than silence would.
}


class Refused(Exception):
    """A body or event that did not come from LINE; str() names the rule, never the value."""


def read_body(stream: Any, content_length: int | None) -> bytes:
    """Read at most MAX_BODY bytes of a request body; Refused if it is (or claims to be) larger."""
    if content_length is not None and content_length > MAX_BODY:
        raise Refused("body over 1 MB")
    data = stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise Refused("body over 1 MB")
    return data  # type: ignore[no-any-return]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(text: str) -> list[Any]:
    """Return the events of a signed body; Refused when it is not a LINE webhook at all."""
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise Refused("body nested too deeply") from None
    except ValueError:
        raise Refused("body is not JSON") from None
    if not isinstance(payload, dict):
        raise Refused("body is not a JSON object")
    events = payload.get("events")
    if not isinstance(events, list):
        raise Refused("events missing or not a list")
    if len(events) > MAX_EVENTS:
        raise Refused("more than 100 events")
    return events


def check_event(raw: Any) -> str | None:
    """Return why an event must be skipped (a rule, no value), or None when it may be handled."""
    if not isinstance(raw, dict):
        return "event is not an object"
    problem = _check_strings(raw)
    if problem:
        return problem
    for path, limit in LIMITS.items():
        value = _at(raw, path)
        if value is None:
            continue
        if not isinstance(value, str):
            # Odd types in the fields we use as keys are not LINE's; elsewhere parse_event copes.
            if path in (("webhookEventId",), ("replyToken",), ("source", "userId")):
                return f"{'.'.join(path)} is not a string"
            continue
        if len(value) > limit:
            return f"{'.'.join(path)} longer than {limit}"
    return None


def _at(raw: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = raw
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _check_strings(raw: dict[str, Any]) -> str | None:
    """Walk the event without recursion: depth, and strings the database cannot store."""
    stack: list[tuple[Any, int]] = [(raw, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "event nested too deeply"
        if isinstance(node, dict):
            for key, value in node.items():
                problem = _bad_string(key)
                if problem:
                    return f"a key {problem}"
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str):
            problem = _bad_string(node)
            if problem:
                return f"a value {problem}"
    return None


def _bad_string(value: str) -> str | None:
    if len(value) > MAX_STRING:
        return f"longer than {MAX_STRING}"
    if "\x00" in value:
        return "holds a NUL"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds a lone surrogate"
    return None


def refuse(what: str, reason: str) -> None:
    """Log a refusal: which rule, never which value."""
    log.warning("webhook %s refused: %s", what, reason)
