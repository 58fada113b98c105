"""The webhook's edge: input LINE never sends is refused before it reaches the database.

Each case is a signed body (a forged one is refused earlier, by the signature). The answer is
400/413 for a body that is not a webhook, 200 with the event skipped for an event out of range;
never 5xx, nothing stored, one warning that names the rule and not the value, no traceback.
"""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from bot import edge
from models.events import InboundEvent
from models.outbox import OutboxMessage
from tests.support import events as ev
from tests.support.chat import Chat, texts


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def stored(bot) -> tuple[int, int]:
    with bot.db.transaction() as s:
        return (s.scalar(select(func.count()).select_from(InboundEvent)) or 0,
                s.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def no_traceback(logs: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in logs.records if r.exc_info or r.levelno >= logging.ERROR] == []


def test_a_body_over_1_mb_is_refused_before_it_is_read(chat: Chat, bot, logs) -> None:
    filler = "ก" * (edge.MAX_BODY // 3 + 10)
    response = chat.post(ev.text_event("U1", filler, chat.standin.issue_reply_token("U1")))
    assert response.status_code == 413
    assert stored(bot) == (0, 0) and chat.standin.calls == []
    assert "body over 1 MB" in logs.text and filler[:50] not in logs.text


def test_a_body_claiming_over_1_mb_is_refused_without_reading(client, bot) -> None:
    response = client.post("/callback", data=b"{}", headers={"X-Line-Signature": "x"},
                           environ_overrides={"CONTENT_LENGTH": str(edge.MAX_BODY + 1)})
    assert response.status_code == 413


@pytest.mark.parametrize("body", [
    b"[" * 1000 + b"]" * 1000,
    b'{"events": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"events": [' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"]}",
])
def test_deep_nesting_is_400_not_500(chat: Chat, bot, body: bytes, logs) -> None:
    response = chat.post(body=body)
    assert response.status_code in (200, 400)
    assert stored(bot) == (0, 0)
    no_traceback(logs)


@pytest.mark.parametrize("body", [b"[]", b"42", b'"events"', b"null", b'{"events": {"a": 1}}',
                                  b'{"events": [NaN]}', b'{"events": [1, "x", null, []]}', b""])
def test_bodies_that_are_not_webhooks(chat: Chat, bot, body: bytes, logs) -> None:
    assert chat.post(body=body).status_code in (200, 400)
    assert stored(bot) == (0, 0)
    no_traceback(logs)


def escaped(*events: dict) -> bytes:
    """A body as LINE could write it, with non-ASCII as \\u escapes (so lone surrogates travel)."""
    return json.dumps({"destination": "Ubot", "events": list(events)}).encode()


def _long(n: int) -> str:
    return "0" * n


@pytest.mark.parametrize("field,value,rule", [
    ("webhookEventId", _long(65), "webhookEventId longer than 64"),
    ("webhookEventId", "01H\x00ABC", "NUL"),
    ("webhookEventId", "01H\ud800ABC", "lone surrogate"),
    ("webhookEventId", 7, "webhookEventId is not a string"),
    ("replyToken", _long(256), "replyToken longer than 255"),
    ("replyToken", "tok\x00en", "NUL"),
    ("type", "x" * 41, "type longer than 40"),
])
def test_out_of_range_ids_are_refused_at_the_edge(chat: Chat, bot, field, value, rule, logs) -> None:
    event = ev.text_event("U1", "สวัสดีค่ะ", chat.standin.issue_reply_token("U1"))
    event[field] = value
    assert chat.post(body=escaped(event)).status_code == 200
    assert stored(bot) == (0, 0) and chat.standin.calls == []
    refusals = [r.getMessage() for r in logs.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and rule in refusals[0]
    assert "สวัสดี" not in logs.text
    no_traceback(logs)


@pytest.mark.parametrize("mutate", [
    lambda e: e["source"].update(userId="U" + "f" * 64),
    lambda e: e["source"].update(userId="U1\x00"),
    lambda e: e["message"].update(text="ข" * (edge.MAX_STRING + 1)),
    lambda e: e["message"].update(text="ข้อความ\x00ลับ"),
    lambda e: e["message"].update(text="ข้อความ\udfffลับ"),
    lambda e: e["message"].update(emojis=[[[[[[[[[[[[["deep"]]]]]]]]]]]]]),
    lambda e: e.update({"x\ud800": 1}),
])
def test_odd_text_is_refused_without_naming_it(chat: Chat, bot, mutate, logs) -> None:
    event = ev.text_event("U1", "ข้อความลับ", chat.standin.issue_reply_token("U1"))
    mutate(event)
    assert chat.post(body=escaped(event)).status_code == 200
    assert stored(bot) == (0, 0)
    assert "ข้อความ" not in logs.text and "U1" not in logs.text
    no_traceback(logs)


def test_one_bad_event_does_not_stop_its_neighbours(chat: Chat, bot) -> None:
    good = ev.text_event("U2", "สวัสดีค่ะ", chat.standin.issue_reply_token("U2"))
    bad = ev.text_event("U1", "สวัสดีค่ะ", chat.standin.issue_reply_token("U1"))
    bad["webhookEventId"] = _long(100)
    assert chat.post(bad, good).status_code == 200
    assert chat.inbox("U2") and not chat.inbox("U1")


def test_the_longest_real_line_values_still_work(chat: Chat) -> None:
    event = ev.text_event("U1", "สวัสดีค่ะ" + " " * (edge.MAX_STRING - 9), chat.standin.issue_reply_token("U1"))
    event["webhookEventId"] = "0" * 64
    assert texts(chat.event("U1", event))


def test_check_event_accepts_what_line_sends() -> None:
    for event in (ev.text_event("U1", "hi", "tok"), ev.postback_event("U1", "a|1|2|sig", "tok"),
                  ev.follow_event("U1", "tok"), ev.unfollow_event("U1"), ev.image_event("U1", "123", "tok")):
        assert edge.check_event(event) is None
