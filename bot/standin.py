"""A stand-in for LINE's Messaging API, reached by line-bot-sdk over real HTTP.

The test suite serves it on its own port and reads the transcript; the simulator mounts it in
the app so the page can show what the bot sent. It keeps what matters of LINE's behaviour:
bearer-token auth, single-use reply tokens, 409 for a repeated X-Line-Retry-Key, message
content and rich menus. State is in memory: it is a development and test tool, not a service.
"""
from __future__ import annotations

import itertools
import random
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request


@dataclass
class Delivery:
    """One message as a user received it."""

    seq: int
    to: str
    message: dict[str, Any]
    via: str  # reply, push or multicast
    at: float


@dataclass
class Call:
    """One API call as the stand-in saw it."""

    method: str
    path: str
    status: int
    retry_key: str | None
    body: Any


@dataclass
class _Failure:
    path_fragment: str
    status: int
    remaining: int
    message: str
    retry_after: str | None = None


FAULTS = ("500", "500-after", "429", "reset", "reset-after", "slow")


@dataclass
class Chaos:
    """Faults injected into message calls, like a misbehaving Messaging API.

    500 and reset refuse the call; 500-after, reset-after and slow accept it first (LINE has
    the message, the caller cannot know); 429 carries Retry-After; slow answers after `slow`
    seconds, past the caller's timeout.
    """

    rate: float
    rng: random.Random
    slow: float = 1.0
    retry_after: str = "1"
    counts: dict[str, int] = field(default_factory=dict)

    def pick(self) -> str | None:
        """Choose this call's fault, or None."""
        if self.rng.random() >= self.rate:
            return None
        fault = self.rng.choice(FAULTS)
        self.counts[fault] = self.counts.get(fault, 0) + 1
        return fault


def _reset_connection() -> None:
    # SO_LINGER 0 turns the close into a TCP reset: the caller sees "connection reset by peer".
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)


@dataclass
class StandIn:
    """The stand-in's state: what was called, who received what, tokens and content."""

    access_token: str
    reply_token_ttl: float = 60.0
    calls: list[Call] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    _retry_keys: set[str] = field(default_factory=set)
    _contents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    rich_menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    rich_menu_images: dict[str, bytes] = field(default_factory=dict)
    user_menus: dict[str, str] = field(default_factory=dict)
    default_menu: str | None = None
    chaos: Chaos | None = None
    # The channel's monthly quota (None: unlimited) and what counts against it: one per
    # recipient of every accepted push or multicast (replies are free).
    quota_limit: int | None = None
    quota_used: int = 0
    delay: float = 0.0  # seconds every message call takes (a slow network)
    # Seconds the simulator's เลื่อนเวลา moved the chat's clock: deliveries are stamped with it.
    clock_offset: float = 0.0

    # --- used by tests and the simulator ----------------------------------------------------

    def issue_reply_token(self, user_id: str) -> str:
        """Make a reply token for an event sent as this user."""
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = (user_id, time.monotonic())
        return token

    def add_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """Hold the bytes of a message a user sent (an image), for the content API."""
        with self._lock:
            self._contents[message_id] = (data, content_type)

    def fail(self, path_fragment: str, status: int, times: int = 1, message: str = "stand-in failure",
             retry_after: str | None = None) -> None:
        """Answer the next `times` calls whose path contains the fragment with this status."""
        with self._lock:
            self._failures.append(_Failure(path_fragment, status, times, message, retry_after))

    def misbehave(self, rate: float, *, seed: int = 0, slow: float = 1.0, retry_after: str = "1") -> Chaos:
        """Fail about `rate` of message calls with the faults in FAULTS (None rate: behave)."""
        with self._lock:
            self.chaos = Chaos(rate, random.Random(seed), slow, retry_after) if rate else None
            return self.chaos  # type: ignore[return-value]

    def accepted_keys(self) -> list[str]:
        """Return every retry key accepted, once per acceptance."""
        with self._lock:
            return [c.retry_key for c in self.calls if c.status == 200 and c.retry_key]

    def inbox(self, user_id: str, after: int = 0) -> list[Delivery]:
        """Return the messages a user received after a sequence number."""
        with self._lock:
            return [d for d in self.deliveries if d.to == user_id and d.seq > after]

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        """Return every message a user received, in order."""
        return [d.message for d in self.inbox(user_id)]

    def reset(self) -> None:
        """Forget everything (between tests)."""
        with self._lock:
            self.calls.clear()
            self.deliveries.clear()
            self._tokens.clear()
            self._retry_keys.clear()
            self._contents.clear()
            self._failures.clear()
            self.rich_menus.clear()
            self.rich_menu_images.clear()
            self.user_menus.clear()
            self.default_menu = None
            self.chaos = None
            self.quota_limit = None
            self.quota_used = 0
            self.delay = 0.0

    # --- internals --------------------------------------------------------------------------

    def _record(self, status: int, body: Any = None) -> None:
        self.calls.append(
            Call(request.method, request.path, status, request.headers.get("X-Line-Retry-Key"), body)
        )

    def _injected(self) -> _Failure | None:
        for failure in self._failures:
            if failure.remaining > 0 and failure.path_fragment in request.path:
                failure.remaining -= 1
                return failure
        return None

    def _deliver(self, to: list[str], messages: list[dict[str, Any]], via: str) -> None:
        now = time.time() + self.clock_offset
        for user in to:
            for message in messages:
                self.deliveries.append(Delivery(next(self._seq), user, message, via, now))


def _error(status: int, message: str) -> Response:
    response = jsonify({"message": message})
    response.status_code = status
    return response


def create_blueprint(standin: StandIn, name: str = "line_standin") -> Blueprint:
    """Return a blueprint serving the Messaging API paths the bot uses."""
    # Long on purpose: each fake endpoint is a short closure over `standin`, listed here together
    # so the whole fake Messaging API reads as one page.
    bp = Blueprint(name, __name__)

    @bp.before_request
    def _check() -> Response | None:
        auth = request.headers.get("Authorization", "")
        with standin._lock:
            if auth != f"Bearer {standin.access_token}":
                standin._record(401)
                return _error(401, "Authentication failed due to the following reason: invalid token.")
            failure = standin._injected()
            if failure is not None:
                standin._record(failure.status, request.get_json(silent=True))
                response = _error(failure.status, failure.message)
                if failure.retry_after is not None:
                    response.headers["Retry-After"] = failure.retry_after
                return response
        return None

    def _messages_call(via: str) -> Response:
        if standin.delay:
            time.sleep(standin.delay)
        with standin._lock:
            fault = standin.chaos.pick() if standin.chaos is not None else None
        if fault in ("500", "429", "reset"):
            with standin._lock:
                standin._record(int(fault) if fault != "reset" else 0, request.get_json(silent=True))
            if fault == "reset":
                _reset_connection()
                return _error(500, "reset")
            response = _error(int(fault), "stand-in fault")
            if fault == "429":
                response.headers["Retry-After"] = standin.chaos.retry_after if standin.chaos else "1"
            return response
        response = _accept(via)
        if fault == "500-after":
            return _error(500, "stand-in fault after accepting")
        if fault == "reset-after":
            _reset_connection()
        elif fault == "slow":
            time.sleep(standin.chaos.slow if standin.chaos else 1.0)
        return response

    def _accept(via: str) -> Response:
        body = request.get_json(silent=True) or {}
        messages = body.get("messages") or []
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            standin._record(400, body)
            return _error(400, "The request body has 1 error(s)")
        with standin._lock:
            key = request.headers.get("X-Line-Retry-Key")
            if key and key in standin._retry_keys:
                standin._record(409, body)
                response = _error(409, "The retry key is already accepted")
                response.headers["x-line-accepted-request-id"] = key
                return response
            if via == "reply":
                token = body.get("replyToken", "")
                issued = standin._tokens.pop(token, None)
                if issued is None or time.monotonic() - issued[1] > standin.reply_token_ttl:
                    standin._record(400, body)
                    return _error(400, "Invalid reply token")
                to = [issued[0]]
            elif via == "push":
                to = [body.get("to", "")]
            else:
                to = list(body.get("to") or [])
                if not 1 <= len(to) <= 500:
                    standin._record(400, body)
                    return _error(400, "The request body has 1 error(s)")
            if key:
                standin._retry_keys.add(key)
            if via != "reply":
                standin.quota_used += len(to)
            standin._record(200, body)
            standin._deliver(to, messages, via)
        return jsonify({"sentMessages": [{"id": str(next(standin._seq))} for _ in messages]})

    @bp.post("/v2/bot/message/reply")
    def reply() -> Response:
        return _messages_call("reply")

    @bp.post("/v2/bot/message/push")
    def push() -> Response:
        return _messages_call("push")

    @bp.post("/v2/bot/message/multicast")
    def multicast() -> Response:
        return _messages_call("multicast")

    @bp.get("/v2/bot/message/quota")
    def quota() -> Response:
        with standin._lock:
            standin._record(200)
            if standin.quota_limit is None:
                return jsonify({"type": "none"})
            return jsonify({"type": "limited", "value": standin.quota_limit})

    @bp.get("/v2/bot/message/quota/consumption")
    def quota_consumption() -> Response:
        with standin._lock:
            standin._record(200)
            return jsonify({"totalUsage": standin.quota_used})

    @bp.get("/v2/bot/message/<message_id>/content")
    def content(message_id: str) -> Response:
        with standin._lock:
            standin._record(200)
            found = standin._contents.get(message_id)
        if found is None:
            return _error(404, "Not found")
        return Response(found[0], mimetype=found[1])

    @bp.get("/v2/bot/profile/<user_id>")
    def profile(user_id: str) -> Response:
        with standin._lock:
            standin._record(200)
        return jsonify({"userId": user_id, "displayName": "LINE user", "language": "th"})

    @bp.post("/v2/bot/richmenu")
    def create_rich_menu() -> Response:
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("areas"), list) or "size" not in body:
            return _error(400, "The request body has 1 error(s)")
        menu_id = f"richmenu-{secrets.token_hex(8)}"
        with standin._lock:
            standin._record(200, body)
            standin.rich_menus[menu_id] = {**body, "richMenuId": menu_id}
        return jsonify({"richMenuId": menu_id})

    @bp.post("/v2/bot/richmenu/<menu_id>/content")
    def rich_menu_image(menu_id: str) -> Response:
        with standin._lock:
            standin._record(200)
            if menu_id not in standin.rich_menus:
                return _error(404, "Not found")
            if request.content_type not in ("image/png", "image/jpeg"):
                return _error(415, "Unsupported media type")
            standin.rich_menu_images[menu_id] = request.get_data()
        return jsonify({})

    @bp.get("/v2/bot/richmenu/list")
    def rich_menu_list() -> Response:
        with standin._lock:
            standin._record(200)
            return jsonify({"richmenus": list(standin.rich_menus.values())})

    @bp.delete("/v2/bot/richmenu/<menu_id>")
    def delete_rich_menu(menu_id: str) -> Response:
        with standin._lock:
            standin._record(200)
            standin.rich_menus.pop(menu_id, None)
            standin.rich_menu_images.pop(menu_id, None)
            for user, linked in list(standin.user_menus.items()):
                if linked == menu_id:
                    del standin.user_menus[user]
        return jsonify({})

    @bp.post("/v2/bot/user/<user_id>/richmenu/<menu_id>")
    def link_rich_menu(user_id: str, menu_id: str) -> Response:
        with standin._lock:
            standin._record(200)
            if menu_id not in standin.rich_menus:
                return _error(400, "richmenu not found")
            standin.user_menus[user_id] = menu_id
        return jsonify({})

    @bp.delete("/v2/bot/user/<user_id>/richmenu")
    def unlink_rich_menu(user_id: str) -> Response:
        with standin._lock:
            standin._record(200)
            standin.user_menus.pop(user_id, None)
        return jsonify({})

    return bp
