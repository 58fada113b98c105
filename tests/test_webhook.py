"""The webhook: signature first, malformed bodies, redelivery, every event type survives."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.base import utcnow
from models.events import InboundEvent
from models.outbox import OutboxMessage
from tests.support import events as ev
from tests.support.chat import Chat, texts


def test_health_answers_get(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_verify_button_gets_200(chat: Chat) -> None:
    assert chat.post(body=b'{"destination":"U1","events":[]}').status_code == 200


@pytest.mark.parametrize("signature", ["", "bad", ev.sign(b"other body", "test-channel-secret")])
def test_bad_or_missing_signature_is_refused_and_nothing_happens(chat: Chat, bot, signature: str) -> None:
    event = ev.text_event("U1", "สวัสดี", chat.standin.issue_reply_token("U1"))
    response = chat.post(event, signature=signature)
    assert response.status_code == 400
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert chat.standin.calls == []


def test_signature_with_wrong_secret_is_refused(chat: Chat) -> None:
    body = ev.payload(ev.text_event("U1", "hi"))
    assert chat.post(body=body, signature=ev.sign(body, "not-the-secret")).status_code == 400


@pytest.mark.parametrize("body", [b"not json", b'{"no_events": 1}', b'{"events": "x"}', b"\xff\xfe"])
def test_signed_but_malformed_body_is_400(chat: Chat, body: bytes) -> None:
    assert chat.post(body=body).status_code == 400


def test_text_from_a_stranger_gets_guidance(chat: Chat) -> None:
    reply = chat.say("Ustranger", "ขอดูคำขอของฉันหน่อย")
    assert "ยังไม่ได้ผูก" in texts(reply)


def test_redelivered_event_is_handled_once(chat: Chat, bot) -> None:
    event = ev.text_event("U1", "สวัสดีค่ะ", chat.standin.issue_reply_token("U1"))
    assert chat.post(event).status_code == 200
    redelivery = dict(event, deliveryContext={"isRedelivery": True})
    assert chat.post(redelivery).status_code == 200
    assert len(chat.inbox("U1")) == 1
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 1


@pytest.mark.parametrize("event", [
    ev.sticker_event("U1", "t"),
    ev.location_event("U1", "t"),
    ev.raw_event("message", "U1", "t", message={"type": "video", "id": "9", "duration": 1000,
                                                "contentProvider": {"type": "line"}}),
    ev.raw_event("unsend", "U1", None, unsend={"messageId": "1"}),
    ev.raw_event("beacon", "U1", "t", beacon={"hwid": "d41d8cd98f", "type": "enter"}),
    ev.raw_event("videoPlayComplete", "U1", "t", videoPlayComplete={"trackingId": "x"}),
    ev.raw_event("accountLink", "U1", "t", link={"result": "ok", "nonce": "n"}),
    ev.raw_event("somethingLineAddsLater", "U1", "t", whatever={"a": 1}),
    ev.raw_event("message", "U1", "t", message={"type": "brandNewType", "id": "1"}),
    ev.raw_event("message", "U1", "t"),  # no message object at all
])
def test_events_the_bot_does_not_use_never_fail(chat: Chat, event: dict) -> None:
    if event.get("replyToken"):
        event["replyToken"] = chat.standin.issue_reply_token("U1")
    assert chat.post(event).status_code == 200


@pytest.mark.parametrize("kind,extra", [
    ("join", {}),
    ("leave", {}),
    ("memberJoined", {"joined": {"members": [{"type": "user", "userId": "U2"}]}}),
    ("memberLeft", {"left": {"members": [{"type": "user", "userId": "U2"}]}}),
])
def test_group_events_are_ignored(chat: Chat, kind: str, extra: dict) -> None:
    event = ev.raw_event(kind, "U1", chat.standin.issue_reply_token("U1"), **extra)
    event["source"] = {"type": "group", "groupId": "G1", "userId": "U1"}
    assert chat.post(event).status_code == 200
    assert chat.standin.deliveries == []


def test_sticker_and_location_get_polite_thai_answers(chat: Chat) -> None:
    assert "สติกเกอร์" in texts(chat.event("U1", ev.sticker_event("U1", chat.standin.issue_reply_token("U1"))))
    assert "ไม่รองรับ" in texts(chat.event("U1", ev.location_event("U1", chat.standin.issue_reply_token("U1"))))


def test_many_events_in_one_body_are_each_handled(chat: Chat) -> None:
    events = [ev.text_event(f"U{i}", "สวัสดี", chat.standin.issue_reply_token(f"U{i}")) for i in range(3)]
    assert chat.post(*events).status_code == 200
    assert all(chat.inbox(f"U{i}") for i in range(3))


def test_a_failing_handler_gets_an_apology_not_a_500(chat: Chat, bot, monkeypatch) -> None:
    def boom(event, ctx):
        raise RuntimeError("bug")

    route = bot.dispatcher.merged.intents
    from thai.nlu import Intent
    monkeypatch.setitem(route, Intent.GREETING, type(route[Intent.GREETING])(boom, False))
    reply = chat.say("U1", "สวัสดีค่ะ")
    assert "ขออภัย" in texts(reply)
    assert "RuntimeError" not in json.dumps(reply, ensure_ascii=False)


@pytest.mark.parametrize("event", [
    {"type": "message", "source": {"type": "user", "userId": "U1"}},  # no mode, timestamp, deliveryContext
    {"type": "message", "mode": "brand-new-mode", "timestamp": 1, "source": {"type": "user", "userId": "U1"},
     "webhookEventId": "01X", "deliveryContext": {"isRedelivery": False}},
    {"type": "follow", "source": "not an object", "webhookEventId": "01Y"},
    {"type": 42, "source": {"type": "user", "userId": ["odd"]}, "replyToken": {"x": 1}, "webhookEventId": 7},
    {},
])
def test_unreadable_signed_events_are_ignored_not_500(chat: Chat, event: dict) -> None:
    assert chat.post(event).status_code == 200


def test_a_failing_delivery_after_commit_leaves_the_reply_to_the_outbox(chat: Chat, bot, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("network card on fire")

    monkeypatch.setattr(bot.reply_sender, "send_held", broken)
    assert chat.post(ev.text_event("U1", "สวัสดี", chat.standin.issue_reply_token("U1"))).status_code == 200
    with bot.db.transaction() as s:
        # The event is closed all the same: the person's next one need not wait for LINE.
        assert s.scalar(select(func.count()).select_from(InboundEvent).where(InboundEvent.done_at.is_(None))) == 0
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")) == 0
    assert chat.standin.messages_to("U1") == []
    # The lane held the reply; once that hold runs out the outbox lanes send it.
    later = utcnow() + bot.sender.policy.reply_lease + timedelta(seconds=1)
    assert bot.sender.deliver(now=later)["sent"] == 1
    assert len(chat.standin.messages_to("U1")) == 1


def test_forged_postback_with_non_ascii_signature_gets_the_bad_button_answer(chat: Chat) -> None:
    reply = chat.tap("U1", "ok|1|1|ลายเซ็นปลอม")
    assert "ใช้ไม่ได้แล้ว" in texts(reply)
