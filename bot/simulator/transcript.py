"""What the simulated users sent, and the webhook events that carry it, signed as LINE signs them.

The stand-in keeps what the bot sent; this keeps the other half of each chat (the user's own
bubbles), so a reloaded tab shows the whole conversation. Like the stand-in it lives in memory:
the simulator is a development tool served by one process.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from bot.standin import StandIn

MAX_IMAGES = 100  # images kept for redrawing the user's own bubbles; older ones are forgotten


def simulated_user_id(who: str) -> str:
    """Return the LINE user id the simulator uses for an identity (stable across restarts)."""
    return "U" + hashlib.sha256(f"simulator:{who}".encode()).hexdigest()[:32]


def sign(body: str, secret: str) -> str:
    """Return the X-Line-Signature of a body, as LINE computes it."""
    digest = hmac.new(secret.encode(), body.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Echo:
    """One message a simulated user sent; `mark` is the newest delivery seq when it was sent."""

    id: int
    user_id: str
    mark: int
    at: float
    message: dict[str, Any]


@dataclass
class Transcript:
    """The users' side of every simulated chat, and who has followed the bot already."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _echoes: list[Echo] = field(default_factory=list)
    _images: OrderedDict[str, tuple[bytes, str]] = field(default_factory=OrderedDict)
    _followed: set[str] = field(default_factory=set)
    _prelinked: set[str] = field(default_factory=set)

    def record(self, standin: StandIn, user_id: str, message: dict[str, Any]) -> Echo:
        """Keep a message the user sent, placed after everything delivered so far."""
        deliveries = standin.deliveries
        # Deliveries are appended in seq order, so the last one holds the newest seq.
        mark = deliveries[-1].seq if deliveries else 0
        with self._lock:
            # Stamped with the chat's clock, which the simulator's เลื่อนเวลา may have moved.
            echo = Echo(next(self._ids), user_id, mark, time.time() + standin.clock_offset, message)
            self._echoes.append(echo)
        return echo

    def after(self, user_id: str, echo_after: int = 0) -> list[Echo]:
        """Return what a user sent after an echo id."""
        with self._lock:
            return [e for e in self._echoes if e.user_id == user_id and e.id > echo_after]

    def keep_image(self, message_id: str, data: bytes, content_type: str) -> None:
        """Keep the bytes of an image a user sent, to draw their bubble."""
        with self._lock:
            self._images[message_id] = (data, content_type)
            while len(self._images) > MAX_IMAGES:
                self._images.popitem(last=False)

    def image(self, message_id: str) -> tuple[bytes, str] | None:
        """Return a kept image, if it is still kept."""
        with self._lock:
            return self._images.get(message_id)

    def note_prelinked(self, user_id: str) -> None:
        """Remember that the simulator linked this user before their tab opened."""
        with self._lock:
            self._prelinked.add(user_id)

    def was_prelinked(self, user_id: str) -> bool:
        """Tell whether the simulator linked this user before their tab opened."""
        with self._lock:
            return user_id in self._prelinked

    def first_follow(self, user_id: str) -> bool:
        """Tell whether this user has not followed the bot yet (and note that they now have)."""
        with self._lock:
            if user_id in self._followed:
                return False
            self._followed.add(user_id)
            return True


def base_event(kind: str, user_id: str, reply_token: str | None, **extra: Any) -> dict[str, Any]:
    """Return a webhook event with the fields LINE always sends."""
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        # LINE's ids are 26-character ULIDs; a unique one is all the webhook relies on.
        "webhookEventId": "01" + uuid.uuid4().hex[:24].upper(),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token:
        event["replyToken"] = reply_token
    event.update(extra)
    return event


def text_event(user_id: str, text: str, reply_token: str) -> dict[str, Any]:
    """Return a text message event."""
    return base_event("message", user_id, reply_token, message={
        "type": "text", "id": _message_id(), "quoteToken": uuid.uuid4().hex, "text": text})


def postback_event(user_id: str, data: str, reply_token: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """Return a postback event (a button tap), with the picker's params when there are some."""
    postback: dict[str, Any] = {"data": data}
    if params:
        postback["params"] = params
    return base_event("postback", user_id, reply_token, postback=postback)


def image_event(user_id: str, message_id: str, reply_token: str) -> dict[str, Any]:
    """Return an image message event whose bytes the stand-in's content API holds."""
    return base_event("message", user_id, reply_token, message={
        "type": "image", "id": message_id, "quoteToken": uuid.uuid4().hex, "contentProvider": {"type": "line"}})


def follow_event(user_id: str, reply_token: str) -> dict[str, Any]:
    """Return a follow event (the user added the bot as a friend)."""
    return base_event("follow", user_id, reply_token, follow={"isUnblocked": False})


def new_message_id() -> str:
    """Return a fresh message id (LINE's are numeric strings)."""
    return _message_id()


def _message_id() -> str:
    return str(uuid.uuid4().int % 10**18)


def signed(event: dict[str, Any], secret: str, clock_offset: float = 0.0) -> dict[str, str]:
    """Return the webhook body holding one event and its signature, for the page to post.

    The event's timestamp is the chat's clock, moved by the simulator's เลื่อนเวลา.
    """
    event = {**event, "timestamp": int((time.time() + clock_offset) * 1000)}
    body = json.dumps({"destination": "Usimulator", "events": [event]}, ensure_ascii=False)
    return {"body": body, "signature": sign(body, secret)}
