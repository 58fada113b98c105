"""The inbox: the webhook stores and answers; workers handle each event once, one person's in order."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot import inbox
from bot.worker import start_in_background
from models.base import utcnow
from models.events import LEASE, MAX_CLAIMS, InboundEvent, claim, finish, release, store
from models.outbox import OutboxMessage
from tests.support import events as ev
from tests.support.chat import texts


def _raw_post(app, bot, *events) -> int:
    # Not the suite's client: this one only posts, as LINE does, and handles nothing.
    body = ev.payload(*events)
    response = FlaskClient(app).post("/callback", data=body, headers={"X-Line-Signature": ev.sign(body, bot.channel_secret)})
    return response.status_code


def _waiting(bot) -> list[InboundEvent]:
    with bot.db.transaction() as s:
        return list(s.scalars(select(InboundEvent).where(InboundEvent.done_at.is_(None)).order_by(InboundEvent.id)))


def test_the_webhook_stores_the_event_and_answers_before_anything_is_handled(app, bot, fake_line) -> None:
    token = fake_line.standin.issue_reply_token("Ustore")
    assert _raw_post(app, bot, ev.text_event("Ustore", "สวัสดีค่ะ", token)) == 200
    [row] = _waiting(bot)
    assert row.line_user_id == "Ustore" and row.event_type == "message" and "สวัสดีค่ะ" in (row.body or "")
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert fake_line.standin.messages_to("Ustore") == []

    assert inbox.drain(bot) == 1
    assert [d.via for d in fake_line.standin.inbox("Ustore")] == ["reply"]
    with bot.db.transaction() as s:
        done = s.get(InboundEvent, row.id)
        assert done.done_at is not None and done.body is None  # what the person typed is not kept


def test_a_redelivery_is_dropped_at_the_door(app, bot, fake_line) -> None:
    event = ev.text_event("Uagain", "สวัสดีค่ะ", fake_line.standin.issue_reply_token("Uagain"))
    assert _raw_post(app, bot, event) == 200
    assert inbox.drain(bot) == 1
    assert _raw_post(app, bot, dict(event, deliveryContext={"isRedelivery": True})) == 200
    assert _waiting(bot) == [] and inbox.drain(bot) == 0
    assert len(fake_line.standin.messages_to("Uagain")) == 1


def test_only_each_persons_oldest_waiting_event_can_be_claimed(session) -> None:
    now = utcnow()
    ids = store(session=session, now=now, events=[
        ev.text_event("Ua", "1"), ev.text_event("Ub", "1"), ev.text_event("Ua", "2"), ev.text_event("Ua", "3"),
        ev.text_event("Ub", "2")])
    first = claim(session=session, now=now, limit=10)
    assert [(r.line_user_id, r.event()["message"]["text"]) for r in first] == [("Ua", "1"), ("Ub", "1")]
    # Held, and the next of each person waits behind it: nothing else to take.
    assert claim(session=session, now=now, limit=10) == []
    assert finish(session=session, event_id=first[0].id, now=now)
    # Handled, but its replies are not out yet: the person's next still waits, so answers keep order.
    assert claim(session=session, now=now, limit=10) == []
    release(session=session, event_id=first[0].id, now=now)
    [nxt] = claim(session=session, now=now, limit=10)
    assert (nxt.line_user_id, nxt.event()["message"]["text"]) == ("Ua", "2")
    assert len(ids) == 5


def test_a_claim_whose_lease_ran_out_is_taken_over(session) -> None:
    now = utcnow()
    store(session=session, now=now, events=[ev.text_event("Ulease", "hi")])
    [held] = claim(session=session, now=now, limit=1)
    assert claim(session=session, now=now + LEASE - timedelta(seconds=1), limit=1) == []
    [again] = claim(session=session, now=now + LEASE + timedelta(seconds=1), limit=1)
    assert again.id == held.id and again.claims == 2


def test_an_event_is_handled_once_even_when_two_workers_hold_it(app, bot, fake_line) -> None:
    # Worker 1's lease ran out; worker 2 took the event over and finished it. Worker 1 then
    # finishes its handling: its transaction is refused and rolled back, nothing is sent twice.
    assert _raw_post(app, bot, ev.text_event("Utwice", "สวัสดีค่ะ", fake_line.standin.issue_reply_token("Utwice"))) == 200
    with bot.db.transaction() as s:
        [slow] = claim(session=s, now=utcnow(), limit=1)
    with bot.db.transaction() as s:
        [fast] = claim(session=s, now=utcnow() + LEASE + timedelta(seconds=1), limit=1)
    assert inbox.handle(bot, fast) and inbox.handle(bot, slow) == []
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_worker_that_dies_after_handling_leaves_the_event_closed_by_the_next(app, bot, fake_line) -> None:
    standin = fake_line.standin
    assert _raw_post(app, bot, ev.text_event("Udied", "สวัสดีค่ะ", standin.issue_reply_token("Udied"))) == 200
    with bot.db.transaction() as s:
        [held] = claim(session=s, now=utcnow(), limit=1)
    assert inbox.handle(bot, held)  # handled and committed; the worker dies before sending or closing
    assert inbox.process(bot, now=utcnow() + LEASE + timedelta(seconds=1)) == 1  # taken over: closed only
    assert _waiting(bot) == []
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # handled once
    # The dead worker held its reply: no one sends it before the reply's lease ends, then the
    # outbox lanes do, with its own token (still alive), once.
    assert bot.sender.deliver()["sent"] == 0 and standin.messages_to("Udied") == []
    assert bot.sender.deliver(now=utcnow() + bot.sender.policy.reply_lease + timedelta(seconds=1))["sent"] == 1
    assert [d.via for d in standin.inbox("Udied")] == ["reply"]


def test_an_event_that_keeps_killing_workers_gets_the_apology(app, bot, fake_line) -> None:
    assert _raw_post(app, bot, ev.text_event("Upoison", "สวัสดีค่ะ", fake_line.standin.issue_reply_token("Upoison"))) == 200
    later = utcnow()
    for _ in range(MAX_CLAIMS):  # each claim "dies": the lease simply runs out
        with bot.db.transaction() as s:
            assert claim(session=s, now=later, limit=1)
        later += LEASE + timedelta(seconds=1)
    assert inbox.process(bot, now=later) == 1
    assert "ขออภัย" in texts(fake_line.standin.messages_to("Upoison"))
    assert _waiting(bot) == []


def test_a_reply_to_an_event_older_than_its_token_goes_as_a_push(app, bot, fake_line) -> None:
    # The token's life runs from when LINE sent the event: a backlog cannot spend a dead token.
    assert _raw_post(app, bot, ev.text_event("Uold", "สวัสดีค่ะ", fake_line.standin.issue_reply_token("Uold"))) == 200
    with bot.db.transaction() as s:
        s.query(InboundEvent).update({InboundEvent.received_at: utcnow() - timedelta(minutes=5)})
    assert inbox.drain(bot) == 1
    assert [d.via for d in fake_line.standin.inbox("Uold")] == ["push"]


def test_the_worker_answers_within_a_second_and_keeps_each_persons_order(app, bot, fake_line) -> None:
    standin = fake_line.standin
    stop = start_in_background(bot, lanes=2, inbox_lanes=4)
    try:
        started = time.monotonic()
        assert _raw_post(app, bot, ev.text_event("Ufast", "สวัสดีค่ะ", standin.issue_reply_token("Ufast"))) == 200
        while not standin.messages_to("Ufast") and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert standin.messages_to("Ufast") and time.monotonic() - started < 1.0
        # Many people at once, three events each: every one answered, each person's in order.
        people = [f"Uorder{i:02d}" for i in range(12)]
        threads = []
        for user in people:
            batch = [ev.sticker_event(user, standin.issue_reply_token(user)),
                     ev.location_event(user, standin.issue_reply_token(user)),
                     ev.sticker_event(user, standin.issue_reply_token(user))]
            threads.append(threading.Thread(target=_raw_post, args=(app, bot, *batch)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        deadline = time.monotonic() + 30
        while (_waiting(bot) or any(len(standin.inbox(u)) < 3 for u in people)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting(bot) == []
    finally:
        stop()
    for user in people:
        answers = ["location" if "ไม่รองรับ" in texts([d.message]) else "sticker" for d in standin.inbox(user)]
        assert answers == ["sticker", "location", "sticker"], (user, answers)
