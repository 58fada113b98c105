"""Webhook event factories with sensible defaults, and signing as LINE does."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import uuid
from typing import Any

from bot.simulator.transcript import base_event

_ids = itertools.count(1)


def sign(body: bytes, secret: str) -> str:
    """Return the X-Line-Signature of a body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _base(kind: str, user_id: str, reply_token: str | None = None, **extra: Any) -> dict[str, Any]:
    # The simulator builds events the way LINE does; the tests send the same shape.
    return base_event(kind, user_id, reply_token, **extra)


def text_event(user_id: str, text: str, reply_token: str | None = None) -> dict[str, Any]:
    """Return a text message event."""
    return _base("message", user_id, reply_token, message={
        "type": "text", "id": str(next(_ids)), "quoteToken": uuid.uuid4().hex, "text": text})


def postback_event(user_id: str, data: str, reply_token: str | None = None) -> dict[str, Any]:
    """Return a postback event (a button tap)."""
    return _base("postback", user_id, reply_token, postback={"data": data})


def image_event(user_id: str, message_id: str, reply_token: str | None = None) -> dict[str, Any]:
    """Return an image message event whose bytes the content API holds under message_id."""
    return _base("message", user_id, reply_token, message={
        "type": "image", "id": message_id, "quoteToken": uuid.uuid4().hex,
        "contentProvider": {"type": "line"}})


def sticker_event(user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    """Return a sticker message event."""
    return _base("message", user_id, reply_token, message={
        "type": "sticker", "id": str(next(_ids)), "quoteToken": uuid.uuid4().hex,
        "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC"})


def location_event(user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    """Return a location message event."""
    return _base("message", user_id, reply_token, message={
        "type": "location", "id": str(next(_ids)), "title": "อบต.", "address": "ถนนสายหลัก",
        "latitude": 13.75, "longitude": 100.5})


def follow_event(user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    """Return a follow event (the user added the bot)."""
    return _base("follow", user_id, reply_token, follow={"isUnblocked": False})


def unfollow_event(user_id: str) -> dict[str, Any]:
    """Return an unfollow event (the user blocked the bot)."""
    return _base("unfollow", user_id)


def raw_event(kind: str, user_id: str, reply_token: str | None = None, **extra: Any) -> dict[str, Any]:
    """Return an event of any type, known to the SDK or not."""
    return _base(kind, user_id, reply_token, **extra)


def payload(*events: dict[str, Any]) -> bytes:
    """Return a webhook body holding events."""
    return json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()
