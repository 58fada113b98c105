"""Delivery under a misbehaving Messaging API: answered at once, every message exactly once.

The fake API fails about a fifth of message calls with 500s, 429s with Retry-After, connection
resets, and answers slower than the client's timeout (some of those after accepting the
message, so the bot cannot know). Counted per retry key and per recipient.
"""
from __future__ import annotations

from bot import inbox

import json
import threading
import time
from collections import Counter
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from bot.sender import Policy, Sender
from bot.worker import Worker
from models.outbox import KIND_REPLY, SENT, OutboxMessage, enqueue_multicast, enqueue_push
from tests.support import events as ev

HELLO = [{"type": "text", "text": "สวัสดีค่ะ"}]


def _quick(bot, **changes) -> Sender:
    # Short waits so the test runs in seconds; the same code as production.
    policy = Policy(attempts=3, retry_delay=0.0, backoff_base=0.05, reply_retry=0.1, max_sleep=1.0,
                    lease=timedelta(seconds=3), reply_lease=timedelta(seconds=2)).with_(**changes)
    return Sender(bot.db, bot.gateway, policy)


def _run_worker_until_sent(bot, sender: Sender, timeout: float = 90.0) -> Worker:
    worker = Worker(bot.db, sender, lanes=4, poll=0.05)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with bot.db.transaction() as s:
                if set(s.scalars(select(OutboxMessage.status).distinct())) <= {SENT}:
                    break
            time.sleep(0.2)
    finally:
        worker.stop.set()
        thread.join(30)
    return worker


def _expected_and_received(bot, standin) -> tuple[Counter, Counter]:
    with bot.db.transaction() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        expected = Counter((to, json.dumps(m, sort_keys=True)) for r in rows for to in r.recipients for m in r.messages)
    received = Counter((d.to, json.dumps(d.message, sort_keys=True)) for d in standin.deliveries)
    return expected, received


def test_under_faults_every_message_arrives_exactly_once(app, bot, chat, tx, fake_line) -> None:
    standin = fake_line.standin
    bot.gateway.timeout = 0.4  # "slow" answers take 0.7 s: past the timeout, after accepting
    chaos = standin.misbehave(0.2, seed=15, slow=0.7, retry_after="1")
    users = [f"Ufault{i:02d}" for i in range(30)]
    for user in users:
        response = chat.post(ev.text_event(user, "สวัสดีค่ะ", standin.issue_reply_token(user)))
        assert response.status_code == 200
    with tx() as s:
        for i in range(40):
            enqueue_push(session=s, to=f"Upush{i:02d}", messages=HELLO, dedup_key=f"test:push:{i}")
        enqueue_multicast(session=s, to=[f"Umany{i:02d}" for i in range(30)], messages=HELLO, dedup_key="test:many")

    _run_worker_until_sent(bot, _quick(bot))

    assert sum(chaos.counts.values()) >= 10, chaos.counts  # the faults really happened
    with bot.db.transaction() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {SENT}
    expected, received = _expected_and_received(bot, standin)
    assert received == expected  # every message once to every recipient: none lost, none doubled
    # Every push and multicast row accepted under exactly one retry key, once.
    accepted = Counter(standin.accepted_keys())
    assert set(accepted.values()) == {1}
    assert set(accepted) == {r.retry_key for r in rows if r.kind != KIND_REPLY}
    # Replies stayed replies: an unknown outcome was settled with the token, not by a push.
    assert {r.kind for r in rows if r.recipients[0] in users} == {KIND_REPLY}


def test_the_webhook_answers_at_once_while_the_api_hangs(app, bot, fake_line) -> None:
    standin = fake_line.standin
    standin.delay = 2.0  # every message call takes 2 s
    bot.gateway.timeout = 5.0
    raw = FlaskClient(app)  # not the test suite's client: this one does not wait for delivery
    token = standin.issue_reply_token("Uslow")
    body = ev.payload(ev.text_event("Uslow", "สวัสดีค่ะ", token))
    started = time.monotonic()
    response = raw.post("/callback", data=body, headers={"X-Line-Signature": ev.sign(body, bot.channel_secret)})
    answered = time.monotonic() - started
    assert response.status_code == 200
    assert answered < 1.5, answered  # LINE waits 2 s at most; the API alone takes 2 s here
    assert standin.messages_to("Uslow") == []  # not yet: a worker handles it after the answer
    inbox.drain(bot)
    assert len(standin.messages_to("Uslow")) >= 1  # and it still went, with its reply token
    assert all(d.via == "reply" for d in standin.inbox("Uslow"))


def test_the_webhook_answers_at_once_while_the_api_fails(app, bot, fake_line) -> None:
    standin = fake_line.standin
    standin.fail("/message/", 500, times=50)
    raw = FlaskClient(app)
    started = time.monotonic()
    for i in range(5):
        user = f"Ufail{i}"
        body = ev.payload(ev.text_event(user, "สวัสดีค่ะ", standin.issue_reply_token(user)))
        response = raw.post("/callback", data=body, headers={"X-Line-Signature": ev.sign(body, bot.channel_secret)})
        assert response.status_code == 200
    assert time.monotonic() - started < 5.0  # five answers, none waiting on a retry or a backoff
    assert inbox.drain(bot) == 5


def test_a_reply_answered_after_the_timeout_is_not_pushed_again(app, bot, chat, fake_line) -> None:
    standin = fake_line.standin
    bot.gateway.timeout = 0.3
    standin.delay = 0.6  # LINE takes the reply, then answers too late: the bot cannot know
    chat.post(ev.text_event("Ulate", "สวัสดีค่ะ", standin.issue_reply_token("Ulate")))
    standin.delay = 0.0
    _run_worker_until_sent(bot, _quick(bot), timeout=30)
    # The retry with the same token got "invalid reply token": used, so nothing was pushed.
    assert [d.via for d in standin.inbox("Ulate")] == ["reply"] * len(standin.inbox("Ulate"))
    assert not [c for c in standin.calls if c.path.endswith("/push")]
    expected, received = _expected_and_received(bot, standin)
    assert received == expected


def test_a_reply_refused_before_use_is_pushed_once(app, bot, chat, fake_line) -> None:
    standin = fake_line.standin
    # A token LINE never issued: the reply certainly did not arrive, so a push carries it.
    chat.post(ev.text_event("Unotoken", "สวัสดีค่ะ", "0" * 32))
    _run_worker_until_sent(bot, _quick(bot), timeout=30)
    assert [d.via for d in standin.inbox("Unotoken")] == ["push"] * len(standin.inbox("Unotoken"))
    assert len(standin.inbox("Unotoken")) >= 1


def test_429_slows_every_sender_for_retry_after(app, bot, tx, fake_line) -> None:
    standin = fake_line.standin
    with tx() as s:
        for i in range(6):
            enqueue_push(session=s, to=f"Urate{i}", messages=HELLO)
    standin.fail("/message/push", 429, times=1, retry_after="1")
    started = time.monotonic()
    stats = _quick(bot).deliver()
    elapsed = time.monotonic() - started
    assert stats["sent"] == 6
    assert elapsed >= 0.9, elapsed  # Retry-After: 1 was honoured before the next call
    assert len({d.to for d in standin.deliveries}) == 6
    assert [c.status for c in standin.calls][:2] == [429, 200]


def test_a_sender_whose_lease_ran_out_does_not_push_a_reply_another_sender_made(app, bot, chat, fake_line) -> None:
    standin = fake_line.standin
    token = standin.issue_reply_token("Utaken")
    slow = _quick(bot, reply_lease=timedelta(seconds=0.5))
    with bot.db.transaction() as s:
        from models.outbox import enqueue_reply

        (row,) = enqueue_reply(session=s, reply_token=token, to="Utaken", messages=HELLO)
    # The first sender claims the row and stalls past its lease; a second takes it over and replies.
    from models.base import utcnow
    from models.outbox import claim

    first_claim = utcnow()
    with bot.db.transaction() as s:
        (mine,) = claim(session=s, now=first_claim, limit=1, ids=[row.id])
    time.sleep(0.6)
    assert slow.deliver([row.id])["sent"] == 1
    # The stalled sender now tries: "invalid reply token", and the row is no longer its own.
    result = slow.send(mine, first_claim)
    assert result.change["status"] == SENT
    assert [d.via for d in standin.inbox("Utaken")] == ["reply"]
