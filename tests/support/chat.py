"""Drive the bot like a LINE user: signed events in, what the user received out."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from flask.testing import FlaskClient

from bot.standin import StandIn
from tests.support import events as ev


class Chat:
    """A conversation driver over the real webhook and the fake Messaging API."""

    def __init__(self, client: FlaskClient, standin: StandIn, secret: str) -> None:
        self.client, self.standin, self.secret = client, standin, secret

    # --- sending ------------------------------------------------------------------------

    def post(self, *events: dict[str, Any], signature: str | None = None, body: bytes | None = None) -> Any:
        """POST events to /callback, signed unless a signature is given."""
        body = body if body is not None else ev.payload(*events)
        sig = signature if signature is not None else ev.sign(body, self.secret)
        return self.client.post("/callback", data=body, headers={"X-Line-Signature": sig,
                                                                 "Content-Type": "application/json"})

    def mark(self) -> int:
        """Return the newest delivery's sequence number (to read only what comes after)."""
        return max((d.seq for d in self.standin.deliveries), default=0)

    def _exchange(self, user: str, event: dict[str, Any]) -> list[dict[str, Any]]:
        before = self.mark()
        response = self.post(event)
        assert response.status_code == 200, response.data
        return [d.message for d in self.standin.inbox(user, after=before)]

    def say(self, user: str, text: str) -> list[dict[str, Any]]:
        """Send text as a user; return what that user received in answer."""
        return self._exchange(user, ev.text_event(user, text, self.standin.issue_reply_token(user)))

    def tap(self, user: str, data: str) -> list[dict[str, Any]]:
        """Tap a postback button as a user; return what that user received."""
        return self._exchange(user, ev.postback_event(user, data, self.standin.issue_reply_token(user)))

    def follow(self, user: str) -> list[dict[str, Any]]:
        """Add the bot as a friend."""
        return self._exchange(user, ev.follow_event(user, self.standin.issue_reply_token(user)))

    def send_image(self, user: str, data: bytes, content_type: str = "image/jpeg") -> list[dict[str, Any]]:
        """Send an image; the fake content API holds its bytes."""
        message_id = f"img{self.mark()}{len(data)}{id(data)}"
        self.standin.add_content(message_id, data, content_type)
        return self._exchange(user, ev.image_event(user, message_id, self.standin.issue_reply_token(user)))

    def event(self, user: str, event: dict[str, Any]) -> list[dict[str, Any]]:
        """Send any event as a user."""
        return self._exchange(user, event)

    # --- reading ------------------------------------------------------------------------

    def inbox(self, user: str, after: int = 0) -> list[dict[str, Any]]:
        """Return what a user received after a mark."""
        return [d.message for d in self.standin.inbox(user, after=after)]


def texts(messages: list[dict[str, Any]]) -> str:
    """Return every human-readable string in messages (text, altText and Flex texts), joined."""
    return "\n".join(_strings(messages))


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "altText", "label") and isinstance(value, str):
                yield value
            elif key != "data":
                yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def actions(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return every action (buttons and quick replies) in messages, in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            action = node.get("action")
            if isinstance(action, dict) and "type" in action:
                found.append(action)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(messages)
    return found


def button(messages: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """Return the first action whose label starts with a text; fail if none."""
    for action in actions(messages):
        if str(action.get("label", "")).startswith(label):
            return action
    raise AssertionError(f"no button {label!r} among {[a.get('label') for a in actions(messages)]}")


def race(app: Any, bot: Any, fake_line: Any, taps: list[tuple[str, str]]) -> list[int]:
    """Post one postback per (user, data) from its own thread, all released at once."""
    barrier = threading.Barrier(len(taps))
    statuses: list[int] = []
    bodies = []
    for user, data in taps:
        body = ev.payload(ev.postback_event(user, data, fake_line.standin.issue_reply_token(user)))
        bodies.append((body, ev.sign(body, bot.channel_secret)))

    def post(body: bytes, signature: str) -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.post("/callback", data=body, headers={"X-Line-Signature": signature,
                                                                "Content-Type": "application/json"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=b) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses
