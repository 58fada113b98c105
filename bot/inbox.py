"""Handling stored webhook events: the chat runs here, in the workers, never in the request.

The webhook (bot/webhook.py) stores each event and answers LINE at once. Inbox lanes, in the
Procfile's worker (and in `make run`'s one process), claim stored events, run the dispatcher on
each in its own transaction, and send the replies that transaction queued straight away, while
their reply tokens live. models.events keeps the rules: one person's events in order, each
handled once, a person's words forgotten once handled.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from bot.db import WriteNeeded
from bot.intake import GroupCommit
from bot.notify import INBOX, listen
from bot.state import BotState
from handlers.kit.context import Ctx
from handlers.kit.messages import text
from models.conversation import get_conversation
from models.base import utcnow
from models.events import MAX_CLAIMS, InboundEvent, claim, finish, release, store_calls
from models.org import get_settings, staff_by_line_user
from models.outbox import OutboxMessage, enqueue_reply, hold

if TYPE_CHECKING:
    from bot.sender import Sender

log = logging.getLogger(__name__)

BATCH = 8  # events one lane claims at a time (distinct people, by the claim's rule)
LANES = 4  # inbox lanes in one worker process
POLL = 0.1  # seconds between the scout's looks at an idle inbox on SQLite (nothing wakes it there)
LISTENED_POLL = 1.0  # the same on PostgreSQL, where a NOTIFY wakes the lanes at once
IDLE = 5.0  # the other lanes' longest sleep while the inbox is idle

APOLOGY = "ขออภัยค่ะ ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้งในอีกสักครู่ค่ะ"


class Ended(Exception):
    """The event was finished by another worker meanwhile: this one's work is rolled back."""


def receive(s: BotState, events: list[dict[str, Any]]) -> list[int]:
    """Store one webhook call's checked events (with concurrent calls' events); return new ids."""
    if not events:
        return []
    intake = s.extras.get("intake")
    if intake is None:
        intake = s.extras.setdefault("intake", GroupCommit(lambda calls: _store(s, calls)))
    ids = intake.store(events)
    if ids:
        wake = s.extras.get("inbox_wake")
        if wake is not None:
            wake.set()  # lanes in this process (make run) need not wait for their next look
    return ids


def _store(s: BotState, calls: Sequence[list[dict[str, Any]]]) -> list[list[int]]:
    """Store a batch of webhook calls in one transaction and wake whoever handles them."""

    def write(session: Session) -> list[list[int]]:
        ids = store_calls(session=session, calls=calls)
        if any(ids) and session.get_bind().dialect.name == "postgresql":
            session.execute(sql(f"NOTIFY {INBOX}"))  # delivered with the commit
        return ids

    # Urgent: LINE waits on this commit, and it must not queue behind the chat's transactions.
    return s.db.urgent(write)


def parse_event(raw: dict[str, Any]) -> Any:
    """Turn one event into the SDK's typed object: UnknownEvent for new types, None if unreadable."""
    # New LINE event types, modes or fields must never cost a failure: each step may refuse.
    # line-bot-sdk's webhook models load here, in the worker, not with every command.
    from linebot.v3.models.events import UnknownEvent
    from linebot.v3.webhooks import Event

    try:
        return Event.from_dict(raw)
    except Exception:  # noqa: BLE001
        pass
    try:
        return UnknownEvent.new_from_json_dict(raw)
    except Exception:  # noqa: BLE001
        return None


def handle(s: BotState, row: InboundEvent) -> list[OutboxMessage]:
    """Run the chat on one claimed event, exactly once; return the answers it holds for sending.

    The event is closed here when nothing is left to send; otherwise the caller closes it in
    the transaction that records the answers (process), so the person's next event waits.
    """
    raw = row.event()
    reply_token = raw.get("replyToken") if isinstance(raw.get("replyToken"), str) else None
    if row.claims > MAX_CLAIMS:
        # Handling this event killed workers before: answer with the apology instead of a fourth try.
        log.error("inbox event %s given up after %s claims", row.id, row.claims - 1)
        return _apologise(s, row, reply_token)
    event = parse_event(raw)
    user_id = row.line_user_id
    try:
        if user_id is not None and _reads_first(s, event):
            try:
                # Most events only read (สถานะ, the course list): on SQLite the chat then runs
                # without the write lock, which the webhook needs for every event it stores.
                with s.db.read_first() as session:
                    messages = _chat(s, session, event, user_id)
                with s.db.transaction() as session:
                    session.info["outbox_source"] = "chat"
                    if not finish(session=session, event_id=row.id):
                        raise Ended
                    _queue_reply(session, row, reply_token, user_id, messages)
                    return _hold_or_close(s, session, row)
            except WriteNeeded:
                pass  # it writes: run it again, below, with its writes in one transaction
        with s.db.transaction() as session:
            session.info["outbox_source"] = "chat"
            if not finish(session=session, event_id=row.id):
                raise Ended
            if user_id is not None:  # groups and rooms get nothing: this bot talks to people one to one
                _queue_reply(session, row, reply_token, user_id, _chat(s, session, event, user_id))
            return _hold_or_close(s, session, row)
    except Ended:
        # Handled before by a worker that died before closing it: its replies wait in the outbox.
        log.info("inbox event %s was handled already", row.id)
        _close(s, row)
        return []
    except Exception:
        log.exception("inbox event %s of type %s failed; the user gets an apology", row.id, row.event_type)
        return _apologise(s, row, reply_token)


def _hold_or_close(s: BotState, session: Session, row: InboundEvent) -> list[OutboxMessage]:
    # What this lane sends itself it claims now, in the handling's own transaction; with
    # nothing to send (or no LINE to send to: the rows wait in the outbox) the event closes here.
    held = hold(session=session, at=utcnow()) if s.reply_sender is not None else []
    if not held:
        release(session=session, event_id=row.id)
    return held


def _close(s: BotState, row: InboundEvent) -> None:
    with s.db.transaction() as session:
        release(session=session, event_id=row.id)


def _reads_first(s: BotState, event: Any) -> bool:
    # Only SQLite locks the whole database for a writer; PostgreSQL's row locks hold nobody up.
    # Typed text only: what people type is mostly questions (สถานะ, หลักสูตร). A tap mostly
    # writes (สมัคร, อนุมัติ) and a photo is fetched from LINE by a handler that always writes:
    # running those twice would cost more than the lock they hold.
    if s.db.engine.dialect.name != "sqlite":
        return False
    from linebot.v3.webhooks import MessageEvent, TextMessageContent

    return isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent)


def _chat(s: BotState, session: Session, event: Any, user_id: str) -> list[Any]:
    """Run the dispatcher on one event in the given session; return the reply's messages."""
    ctx = Ctx(
        session=session,
        services=s.services,
        line_user_id=user_id,
        staff=staff_by_line_user(session=session, line_user_id=user_id),
        now=s.now(),
        settings=get_settings(session=session),
        conversation=get_conversation(session=session, line_user_id=user_id),
    )
    return s.dispatcher.dispatch(event, ctx)


def _queue_reply(session: Session, row: InboundEvent, reply_token: str | None, user_id: str,
                 messages: list[Any]) -> None:
    if messages and reply_token:
        enqueue_reply(session=session, reply_token=reply_token, to=user_id, messages=messages,
                      received_at=row.received_at)


def _apologise(s: BotState, row: InboundEvent, reply_token: str | None) -> list[OutboxMessage]:
    # The failed event is marked handled: handling it again would only fail the same way.
    try:
        with s.db.transaction() as session:
            if finish(session=session, event_id=row.id) and reply_token and row.line_user_id:
                enqueue_reply(session=session, reply_token=reply_token, to=row.line_user_id,
                              messages=[text(APOLOGY)], received_at=row.received_at)
            return _hold_or_close(s, session, row)
    except Exception:
        log.exception("could not finish the failed inbox event %s", row.id)
        return []


def process(s: BotState, *, limit: int = BATCH, now: datetime | None = None, stats: Counter[str] | None = None) -> int:
    """Claim up to `limit` events, handle each and send its replies; return how many were claimed."""
    with s.db.transaction() as session:
        # Real time, not the simulator's moved chat clock: leases are about this machine's workers.
        rows = claim(session=session, now=now or utcnow(), limit=limit)
    for row in rows:
        held = handle(s, row)
        if stats is not None:
            stats["events"] += 1
        if held and s.reply_sender is not None:
            _send_and_close(s, s.reply_sender, row, held, stats)
    return len(rows)


def _send_and_close(s: BotState, sender: Sender, row: InboundEvent, held: list[OutboxMessage],
                    stats: Counter[str] | None) -> None:
    """Send an event's held answers now, while the reply token lives; close it where they are recorded."""
    closed: list[bool] = []

    def close(session: Session) -> None:
        # Only now may the person's next event be handled: its answers come after these.
        release(session=session, event_id=row.id)
        closed.append(True)

    try:
        sent = sender.send_held(held, then=close)
        if stats is not None:
            stats.update(sent)
    except Exception:  # what was not sent stays in the outbox; the outbox lanes send it
        log.exception("sending the replies of inbox event %s failed", row.id)
    if not closed:
        _close(s, row)


def drain(s: BotState, *, limit: int = BATCH) -> int:
    """Handle every waiting event from this thread (tests, one-off runs); return how many."""
    total = 0
    while True:
        claimed = process(s, limit=limit)
        if not claimed:
            return total
        total += claimed


class InboxLanes:
    """Inbox lanes in threads: each claims a few events at a time until stopped."""

    def __init__(self, s: BotState, lanes: int = LANES, poll: float = POLL) -> None:
        self.s, self.lanes, self.poll = s, lanes, poll
        self.stop = threading.Event()
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        # Set by receive() in this process and by the listener on a NOTIFY from any process.
        self.wake = s.extras.setdefault("inbox_wake", threading.Event())

    def start(self) -> list[threading.Thread]:
        """Start the lanes and, on PostgreSQL, a listener; return the threads."""
        threads = [threading.Thread(target=self._lane, args=(n,), name=f"inbox-lane-{n}", daemon=True)
                   for n in range(self.lanes)]
        if self.s.db.engine.dialect.name == "postgresql":
            self.poll = max(self.poll, LISTENED_POLL)
            threads.append(threading.Thread(target=self._listen, name="inbox-listener", daemon=True))
        for t in threads:
            t.start()
        return threads

    def _lane(self, n: int) -> None:
        # Lane 0 scouts: it alone looks at an idle inbox (on SQLite each look takes the write lock,
        # which the outbox lanes and the webhook need too); the others wake when it finds work,
        # when an event is stored in this process, or on a NOTIFY.
        while not self.stop.is_set():
            stats: Counter[str] = Counter()
            try:
                claimed = process(self.s, stats=stats)
            except Exception:  # a database hiccup: claimed events come back after their lease
                log.exception("inbox lane failed; retrying shortly")
                claimed = 0
                self.stop.wait(self.poll)
            if stats:
                with self._lock:
                    self.stats.update(stats)
            if claimed:
                self.wake.set()  # more may wait: let the other lanes look too
                continue
            if n == 0:
                self.wake.wait(self.poll)
                self.wake.clear()
            else:
                self.wake.clear()  # nothing for this lane: sleep until the next wake, not spin on this one
                self.wake.wait(IDLE)

    def _listen(self) -> None:
        listen(self.s.db, INBOX, self.wake, self.stop)
