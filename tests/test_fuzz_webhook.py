"""Hypothesis over the webhook: bodies, headers and postback data, on SQLite and PostgreSQL.

Whatever arrives, the answer is never 5xx and no traceback is logged. Forged input (no or a wrong
signature, postback data we did not sign) changes nothing at all; signed input that is not a LINE
webhook changes nothing but the bookkeeping (the inbox of events, the outbox).
"""
from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models.base import Base
from models.org import DEFAULT_SETTINGS
from models.registration import register
from tests.support import events as ev
from tests.support import factories as f
from tests.support.chat import Chat, button, texts
from thai.dates import today_bangkok

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BOOKKEEPING = {"inbound_events", "outbox"}


def snapshot(bot: Any, *, bookkeeping: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (bookkeeping tables left out unless asked for)."""
    with bot.db.transaction() as s:
        return {t.name: sorted(map(tuple, s.execute(select(t)).all()), key=repr)
                for t in Base.metadata.sorted_tables if bookkeeping or t.name not in BOOKKEEPING}


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def assert_quiet(logs: pytest.LogCaptureFixture) -> None:
    bad = [r.getMessage() for r in logs.records if r.exc_info or r.levelno >= logging.ERROR]
    assert bad == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
odd_strings = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=["Cs", "Cc"]), min_size=1, max_size=5),
    st.integers(min_value=60, max_value=400).map(lambda n: "9" * n),
    st.just("\x00"), st.just("\ud800"),
)
field_values = st.one_of(odd_strings, json_values)


@st.composite
def lineish_events(draw: st.DrawFn) -> dict[str, Any]:
    """Events shaped like LINE's, with any field swapped for something LINE never sends."""
    kind = draw(st.sampled_from(["message", "postback", "follow", "unfollow", "join", "beacon", "x"]))
    user = "Ufz" + draw(st.text(alphabet="0123456789abcdef", max_size=8))
    event = ev.raw_event(kind, user, draw(st.none() | st.text(max_size=40)),
                         message={"type": draw(st.sampled_from(["text", "image", "sticker", "?"])),
                                  "id": "1", "text": draw(st.text(max_size=60))},
                         postback={"data": draw(st.text(max_size=80))})
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from([("webhookEventId",), ("replyToken",), ("type",), ("mode",), ("timestamp",),
                                     ("source",), ("source", "userId"), ("source", "type"), ("message",),
                                     ("message", "text"), ("message", "type"), ("postback", "data"),
                                     ("deliveryContext",), ("extra",)]))
        node = event
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[path[-1]] = draw(field_values)
    return event


def escaped(payload: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as \\u escapes, as a hostile sender could write them.
    return json.dumps(payload).encode()


@FUZZ
@given(body=st.binary(max_size=300) | json_values.map(escaped),
       # Any header value an HTTP client can send (the test client refuses line breaks, as HTTP does).
       signature=st.none() | st.text(st.characters(exclude_characters="\r\n"), max_size=60) | st.just("x" * 44),
       content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; charset=latin-1"]))
def test_forged_bodies_change_nothing(chat: Chat, bot, logs, body: bytes, signature: str | None,
                                      content_type: str) -> None:
    before = snapshot(bot, bookkeeping=True)
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["X-Line-Signature"] = signature
    response = chat.client.post("/callback", data=body, headers=headers)
    assert response.status_code in (400, 413)
    assert snapshot(bot, bookkeeping=True) == before
    assert chat.standin.calls == []
    assert_quiet(logs)


@FUZZ
@given(payload=json_values | st.dictionaries(st.sampled_from(["events", "destination"]), json_values))
def test_signed_junk_is_never_a_5xx(chat: Chat, bot, logs, payload: Any) -> None:
    logs.clear()
    before = snapshot(bot, bookkeeping=False)
    response = chat.post(body=escaped(payload))
    assert response.status_code in (200, 400)
    assert snapshot(bot, bookkeeping=False) == before
    assert_quiet(logs)


@FUZZ
@given(events=st.lists(lineish_events(), min_size=1, max_size=3))
def test_signed_events_with_odd_fields_are_never_a_5xx(chat: Chat, bot, logs, events: list[dict]) -> None:
    logs.clear()
    before = snapshot(bot, bookkeeping=False)
    response = chat.post(body=escaped({"destination": "Ubot", "events": events}))
    assert response.status_code == 200
    # Strangers only: whatever they send, the organisation's data stays as it was.
    assert snapshot(bot, bookkeeping=False) == before
    assert_quiet(logs)


@pytest.fixture
def pending(tx, chat: Chat) -> dict[str, Any]:
    with tx() as s:
        head, worker = f.chain(s, 1)
        reg = register(session=s, staff=worker, course=f.course(s), reason="", today=today_bangkok(),
                       settings=dict(DEFAULT_SETTINGS))
    card = chat.say(head.line_user_id, "รออนุมัติ")
    return dict(user=head.line_user_id, approve=button(card, "อนุมัติ")["data"],
                reject=button(card, "ไม่อนุมัติ")["data"], reg=reg.id)


def _mutations(data: str) -> st.SearchStrategy[str]:
    payload, _, sig = data.rpartition("|")
    action, rid, arg = payload.split("|")
    return st.one_of(
        st.text(max_size=320),
        st.builds(lambda i, c: data[:i] + c + data[i + 1:], st.integers(0, len(data) - 1), st.characters()),
        st.integers(0, len(data) - 1).map(lambda i: data[:i]),
        st.text(max_size=20).map(lambda extra: data + extra),
        st.integers(-5, 10**12).map(lambda n: f"{action}|{n}|{arg}|{sig}"),
        st.sampled_from(["ok", "no", "nor", "cxrok", "regok", "absent"]).map(lambda a: f"{a}|{rid}|{arg}|{sig}"),
        st.text(max_size=10).map(lambda a: f"{action}|{rid}|{a}|{sig}"),
    )


@FUZZ
@given(data=st.data())
def test_forged_postbacks_change_nothing(chat: Chat, bot, logs, pending: dict[str, Any], data: st.DataObject) -> None:
    original = data.draw(st.sampled_from([pending["approve"], pending["reject"]]))
    forged = data.draw(_mutations(original))
    assume(forged not in (pending["approve"], pending["reject"]))
    logs.clear()
    before = snapshot(bot, bookkeeping=False)
    body = escaped({"destination": "Ubot", "events": [
        ev.postback_event(pending["user"], forged, chat.standin.issue_reply_token(pending["user"]))]})
    mark = chat.mark()
    assert chat.post(body=body).status_code == 200
    assert snapshot(bot, bookkeeping=False) == before
    answer = texts(chat.inbox(pending["user"], after=mark))
    assert answer == "" or "ใช้ไม่ได้แล้ว" in answer
    assert_quiet(logs)


def test_the_real_button_still_works_after_the_fuzzing(chat: Chat, bot, pending: dict[str, Any]) -> None:
    before = snapshot(bot, bookkeeping=False)
    reply = chat.tap(pending["user"], pending["approve"])
    assert "อนุมัติ" in texts(reply)
    assert snapshot(bot, bookkeeping=False) != before


@settings(FUZZ, max_examples=8)
@given(user=st.sampled_from(["worker", "stranger"]), which=st.sampled_from(["approve", "reject"]))
def test_a_real_button_tapped_by_someone_else_changes_nothing(chat: Chat, bot, tx, pending: dict[str, Any],
                                                              user: str, which: str) -> None:
    from models.registration import Registration

    with tx() as s:
        worker = s.get(Registration, pending["reg"]).staff.line_user_id
    who = worker if user == "worker" else "Ufz-stranger"
    before = snapshot(bot, bookkeeping=False)
    chat.tap(who, pending[which])
    assert snapshot(bot, bookkeeping=False) == before
