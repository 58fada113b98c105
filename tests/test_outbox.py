"""The outbox and the LINE gateway: retry keys, backoff, 409, reply fallback, multicast."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.line import LineGateway, Result
from bot.sender import deliver
from models.base import utcnow
from models.outbox import (
    FAILED, KIND_PUSH, MAX_ATTEMPTS, PENDING, SENDING, SENT, OutboxMessage, claim, enqueue_multicast, enqueue_push,
    enqueue_reply, hold,
)
from tests.support.fake_line import ACCESS_TOKEN

HELLO = [{"type": "text", "text": "สวัสดีค่ะ"}]


def _push(tx, to: str = "U1", **kw) -> int:
    with tx() as s:
        row = enqueue_push(session=s, to=to, messages=HELLO, **kw)
        assert row is not None
        s.flush()
        return row.id


def _row(tx, row_id: int) -> OutboxMessage:
    with tx() as s:
        return s.get(OutboxMessage, row_id)


def test_push_carries_the_stored_retry_key(bot, tx, fake_line) -> None:
    row_id = _push(tx)
    key = _row(tx, row_id).retry_key
    assert deliver(bot.db, bot.gateway, [row_id])["sent"] == 1
    call = fake_line.standin.calls[-1]
    assert call.path == "/v2/bot/message/push"
    assert call.retry_key == key
    assert fake_line.standin.messages_to("U1") == HELLO


def test_server_error_is_retried_with_the_same_key(bot, tx, fake_line) -> None:
    row_id = _push(tx)
    fake_line.standin.fail("/message/push", 500, times=2)
    assert deliver(bot.db, bot.gateway, [row_id])["sent"] == 1
    keys = {c.retry_key for c in fake_line.standin.calls if c.path.endswith("/push")}
    assert len(keys) == 1
    assert [c.status for c in fake_line.standin.calls] == [500, 500, 200]
    assert len(fake_line.standin.messages_to("U1")) == 1


def test_persistent_429_leaves_the_row_for_later_with_backoff(bot, tx, fake_line) -> None:
    row_id = _push(tx)
    fake_line.standin.fail("/message/push", 429, times=3)
    assert deliver(bot.db, bot.gateway, [row_id])["pending"] == 1
    row = _row(tx, row_id)
    assert row.status == PENDING and row.attempts == 1
    assert row.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert "429" in (row.last_error or "")
    # Not due yet: a general run skips it; once due, it goes.
    assert deliver(bot.db, bot.gateway)["sent"] == 0
    assert deliver(bot.db, bot.gateway, now=utcnow() + timedelta(minutes=2))["sent"] == 1
    assert _row(tx, row_id).status == SENT


def test_429_with_retry_after_on_every_call_brings_the_row_back_when_line_said(bot, tx, fake_line) -> None:
    row_id = _push(tx)
    fake_line.standin.fail("/message/push", 429, times=3, retry_after="0.2")
    before = utcnow()
    assert deliver(bot.db, bot.gateway, [row_id])["pending"] == 1
    row = _row(tx, row_id)
    # LINE slowed us down; it did not refuse the message: no attempt used, no minute of backoff.
    assert row.status == PENDING and row.attempts == 0 and "429" in (row.last_error or "")
    assert row.next_attempt_at < before + timedelta(seconds=5)
    assert deliver(bot.db, bot.gateway)["sent"] == 1
    assert len(fake_line.standin.messages_to("U1")) == 1


def test_409_counts_as_delivered(bot, tx, fake_line) -> None:
    row_id = _push(tx)
    key = _row(tx, row_id).retry_key
    # LINE accepted this key before (e.g. we crashed after sending, before recording it).
    assert bot.gateway.push("U1", HELLO, key).result is Result.SENT
    assert deliver(bot.db, bot.gateway, [row_id])["sent"] == 1
    assert fake_line.standin.calls[-1].status == 409
    assert len(fake_line.standin.messages_to("U1")) == 1


def test_other_4xx_is_dropped_not_retried(bot, tx, fake_line) -> None:
    row_id = _push(tx)
    fake_line.standin.fail("/message/push", 400, times=5, message="The property, 'to', in the request body is invalid")
    assert deliver(bot.db, bot.gateway, [row_id])["failed"] == 1
    assert len(fake_line.standin.calls) == 1
    row = _row(tx, row_id)
    assert row.status == FAILED and "400" in (row.last_error or "")
    assert "สวัสดี" not in (row.last_error or "")


def test_used_reply_token_falls_back_to_push(bot, tx, fake_line) -> None:
    token = fake_line.standin.issue_reply_token("U1")
    with tx() as s:
        rows = enqueue_reply(session=s, reply_token=token, to="U1", messages=HELLO)
    with tx() as s:
        again = enqueue_reply(session=s, reply_token=token, to="U1", messages=HELLO)
    assert deliver(bot.db, bot.gateway, [rows[0].id])["sent"] == 1
    assert deliver(bot.db, bot.gateway, [again[0].id])["sent"] == 1
    assert [c.path.rsplit("/", 1)[-1] for c in fake_line.standin.calls] == ["reply", "reply", "push"]
    assert _row(tx, again[0].id).kind == KIND_PUSH
    assert len(fake_line.standin.messages_to("U1")) == 2


def test_more_than_five_messages_split_reply_and_push(bot, tx, fake_line) -> None:
    token = fake_line.standin.issue_reply_token("U1")
    with tx() as s:
        rows = enqueue_reply(session=s, reply_token=token, to="U1",
                             messages=[{"type": "text", "text": str(i)} for i in range(7)])
    assert deliver(bot.db, bot.gateway, [r.id for r in rows])["sent"] == 2
    assert [m["text"] for m in fake_line.standin.messages_to("U1")] == [str(i) for i in range(7)]


def test_multicast_splits_at_500_and_a_lone_recipient_is_a_push(bot, tx, fake_line) -> None:
    with tx() as s:
        many = enqueue_multicast(session=s, to=[f"U{i}" for i in range(1001)], messages=HELLO, dedup_key="k")
        lone = enqueue_multicast(session=s, to=["Ulone"], messages=HELLO)
    assert [len(r.recipients) for r in many] == [500, 500, 1]
    assert lone[0].kind == KIND_PUSH
    deliver(bot.db, bot.gateway, [r.id for r in many + lone])
    assert sum(1 for c in fake_line.standin.calls if c.path.endswith("multicast")) == 3
    assert fake_line.standin.messages_to("U1000") == HELLO
    assert fake_line.standin.messages_to("Ulone") == HELLO


def test_dedup_key_writes_a_reminder_once(tx) -> None:
    with tx() as s:
        assert enqueue_push(session=s, to="U1", messages=HELLO, dedup_key="r:1:U1:2027-01") is not None
    with tx() as s:
        assert enqueue_push(session=s, to="U1", messages=HELLO, dedup_key="r:1:U1:2027-01") is None
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def _claim(tx, row_id: int, now) -> list:
    with tx() as s:
        return claim(session=s, now=now, limit=10, ids=[row_id])


def test_a_claimed_row_cannot_be_claimed_again(bot, tx) -> None:
    row_id = _push(tx)
    assert len(_claim(tx, row_id, utcnow())) == 1
    assert _claim(tx, row_id, utcnow()) == []
    # A sender that died holding it: after the claim timeout another may take it, knowing
    # that the dead sender may have sent it.
    (taken,) = _claim(tx, row_id, utcnow() + timedelta(minutes=6))
    assert taken.outcome_unknown and taken.attempts == 2


def _held_pushes(tx, *people: str) -> list[OutboxMessage]:
    # As an inbox lane does: rows written and claimed for their writer in one transaction.
    with tx() as s:
        for to in people:
            enqueue_push(session=s, to=to, messages=HELLO)
        return hold(session=s, at=utcnow())


def test_rows_held_by_their_writer_go_from_it_and_from_no_one_else(bot, tx, fake_line) -> None:
    rows = _held_pushes(tx, "Uh1", "Uh2")
    assert [r.status for r in rows] == [SENDING, SENDING] and all(r.attempts == 1 for r in rows)
    assert sum(bot.sender.deliver().values()) == 0  # the outbox lanes leave them to their holder
    seen: list[int] = []

    def then(session) -> None:  # runs where the outcomes are written: they are there already
        seen.append(session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == SENT)))

    assert bot.reply_sender.send_held(rows, then=then)["sent"] == 2
    assert seen == [2]
    assert [fake_line.standin.messages_to(u) for u in ("Uh1", "Uh2")] == [HELLO, HELLO]
    assert len(fake_line.standin.calls) == 2


def test_a_holder_whose_call_raises_still_records_and_closes_and_the_rest_wait_for_the_lease(
        bot, tx, fake_line, monkeypatch) -> None:
    rows = _held_pushes(tx, "Ur1", "Ur2", "Ur3")
    real_push, calls = bot.reply_sender.gateway.push, []

    def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("network card on fire")
        return real_push(*args, **kwargs)

    monkeypatch.setattr(bot.reply_sender.gateway, "push", dies_on_the_second)
    closed: list[bool] = []
    with pytest.raises(RuntimeError):
        bot.reply_sender.send_held(rows, then=lambda session: closed.append(True))
    monkeypatch.undo()
    assert closed == [True]  # the caller's close runs where the first row's outcome is written
    assert [_row(tx, r.id).status for r in rows] == [SENT, SENDING, SENDING]
    assert bot.sender.deliver()["sent"] == 0  # still held: the holder may have sent the second
    later = utcnow() + bot.sender.policy.lease + timedelta(seconds=1)
    assert bot.sender.deliver(now=later)["sent"] == 2
    assert [len(fake_line.standin.messages_to(u)) for u in ("Ur1", "Ur2", "Ur3")] == [1, 1, 1]


def test_a_row_out_of_attempts_is_not_claimed(bot, tx) -> None:
    row_id = _push(tx)
    with tx() as s:
        s.get(OutboxMessage, row_id).attempts = MAX_ATTEMPTS
    assert _claim(tx, row_id, utcnow()) == []


def test_a_row_the_sdk_cannot_build_is_dropped_and_the_rest_still_go(bot, tx, fake_line) -> None:
    with tx() as s:
        bad = enqueue_push(session=s, to="U1", messages=[{"type": "no-such-message-type"}])
        good = enqueue_push(session=s, to="U2", messages=HELLO)
        s.flush()
        ids = [bad.id, good.id]
    assert deliver(bot.db, bot.gateway, ids) == {"failed": 1, "sent": 1}
    assert fake_line.standin.messages_to("U2") == HELLO
    assert _row(tx, ids[0]).status == FAILED


def test_network_failure_keeps_the_row(bot, tx) -> None:
    row_id = _push(tx)
    dead = LineGateway(access_token=ACCESS_TOKEN, api_base_url="http://127.0.0.1:9",
                       data_api_base_url="http://127.0.0.1:9", timeout=0.5, retries=2, retry_delay=0)
    assert deliver(bot.db, dead, [row_id])["pending"] == 1
    dead.close()


def test_without_a_gateway_rows_wait(bot, tx) -> None:
    row_id = _push(tx)
    assert sum(deliver(bot.db, None, [row_id]).values()) == 0
    assert _row(tx, row_id).status == PENDING


def test_send_outbox_cli_sends_what_is_due(app, tx, fake_line) -> None:
    _push(tx, to="Ucli")
    result = app.test_cli_runner().invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    assert fake_line.standin.messages_to("Ucli") == HELLO


def test_image_content_comes_through_the_data_api(bot, fake_line) -> None:
    fake_line.standin.add_content("m1", b"\x89PNG....", "image/png")
    data, content_type = bot.gateway.get_content("m1", max_bytes=100)
    assert data == b"\x89PNG...." and content_type == "image/png"
