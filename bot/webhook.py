"""POST /callback: verify, check and store LINE's events, then answer 200 at once.

The chat runs on stored events in the workers (bot/inbox.py), as LINE advises: the request
never waits on the chat's database work or on LINE, so redeliveries from slow answers do not
pile up and a burst of events costs the webhook little.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from bot import edge, inbox
from bot.intake import TimedOut
from bot.state import state

log = logging.getLogger(__name__)

bp = Blueprint("webhook", __name__)

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
    accepted = []
    for raw in events:
        problem = edge.check_event(raw)
        if problem:
            edge.refuse("event", problem)
            continue
        accepted.append(raw)
    try:
        inbox.receive(s, accepted)
    except TimedOut:
        log.warning("%s webhook events not stored: the database did not take them in time", len(accepted))
        return "try again", 500
    except Exception:
        # Not stored: a 500 makes LINE redeliver the body (when redelivery is on), and what was
        # stored before is dropped then as a redelivery.
        log.exception("storing %s webhook events failed", len(accepted))
        return "try again", 500
    return "OK", 200
