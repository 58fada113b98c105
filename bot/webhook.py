"""POST /callback: verify, parse, and handle each event in its own transaction."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import Event

from bot import edge
from bot.state import BotState, state
from handlers.kit.context import Ctx
from handlers.kit.messages import text
from models.conversation import get_conversation
from models.events import first_time
from models.org import get_settings, staff_by_line_user
from models.outbox import enqueue_reply, queued_ids

log = logging.getLogger(__name__)

bp = Blueprint("webhook", __name__)

APOLOGY = "ขออภัยค่ะ ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้งในอีกสักครู่ค่ะ"


@bp.get("/")
def home() -> Response:
    """Send a visitor of the bare address to the simulator when it runs, else say what this is."""
    s = state()
    if s.standin is not None:
        return redirect(url_for("simulator.page"))
    return jsonify({"service": "khonpattana LINE bot", "webhook": "/callback", "health": "/healthz"})


@bp.get("/healthz")
def health() -> Response:
    """Answer load balancers and uptime checks."""
    s = state()
    return jsonify({"status": "ok", "line": "connected" if s.config.line_configured else "not connected",
                    "simulator": s.standin is not None})


@bp.post("/callback")
def callback() -> tuple[str, int]:
    """Receive LINE's webhook: signature first, then each event on its own."""
    s = state()
    try:
        body = edge.read_body(request.stream, request.content_length)
    except edge.Refused as exc:
        edge.refuse("body", str(exc))
        return "body too large", 413
    signature = request.headers.get("X-Line-Signature", "")
    validator = s.validator
    try:
        body_text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "bad request", 400
    if validator is None or not signature or not validator.validate(body_text, signature):
        log.warning("webhook refused: bad or missing signature")
        return "bad signature", 400
    try:
        events = edge.parse_body(body_text)
    except edge.Refused as exc:
        edge.refuse("body", str(exc))
        return "bad request", 400
    for raw in events:
        problem = edge.check_event(raw)
        if problem:
            edge.refuse("event", problem)
            continue
        process_event(s, raw)
    return "OK", 200


def parse_event(raw: dict[str, Any]) -> Any:
    """Turn one event into the SDK's typed object: UnknownEvent for new types, None if unreadable."""
    # New LINE event types, modes or fields must never cost a 500: each step may refuse.
    try:
        return Event.from_dict(raw)
    except Exception:  # noqa: BLE001
        pass
    try:
        return UnknownEvent.new_from_json_dict(raw)
    except Exception:  # noqa: BLE001
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def process_event(s: BotState, raw: dict[str, Any]) -> list[int]:
    """Handle one event exactly once; return the ids of the outbox rows it sent."""
    event_id = _text(raw.get("webhookEventId")) or ""
    event_type = _text(raw.get("type")) or "unknown"
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    user_id = _text(source.get("userId")) if source.get("type") == "user" else None
    reply_token = _text(raw.get("replyToken"))
    event = parse_event(raw)
    row_ids: list[int] = []
    try:
        with s.db.transaction() as session:
            session.info["outbox_source"] = "chat"
            if event_id and not first_time(session=session, webhook_event_id=event_id, event_type=event_type):
                log.info("skipping redelivered event %s", event_id)
                return []
            if user_id is None:
                # Groups and rooms: this bot talks to people one to one.
                return []
            ctx = Ctx(
                session=session,
                services=s.services,
                line_user_id=user_id,
                staff=staff_by_line_user(session=session, line_user_id=user_id),
                now=s.now(),
                settings=get_settings(session=session),
                conversation=get_conversation(session=session, line_user_id=user_id),
            )
            messages = s.dispatcher.dispatch(event, ctx)
            if messages and reply_token:
                enqueue_reply(session=session, reply_token=reply_token, to=user_id, messages=messages)
        row_ids = queued_ids(session)
    except Exception:
        log.exception("event %s of type %s failed; the user gets an apology", event_id or "-", event_type)
        row_ids = _apologise(s, event_id, event_type, reply_token, user_id)
    try:
        # Sent after the answer by the courier's threads: the request never waits on LINE.
        if s.courier is not None:
            s.courier.submit(row_ids)
    except Exception:  # the change is committed; the worker sends whatever was not sent
        log.exception("handing the outbox rows of event %s to the courier failed", event_id or "-")
    return row_ids


def _apologise(s: BotState, event_id: str, event_type: str, reply_token: str | None, user_id: str | None) -> list[int]:
    # The failed event is marked handled: a redelivery would only fail the same way.
    try:
        with s.db.transaction() as session:
            if event_id:
                first_time(session=session, webhook_event_id=event_id, event_type=event_type)
            if reply_token and user_id:
                enqueue_reply(session=session, reply_token=reply_token, to=user_id, messages=[text(APOLOGY)])
        return queued_ids(session)
    except Exception:
        log.exception("could not record the failed event %s", event_id or "-")
        return []
