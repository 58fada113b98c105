"""LINE's 429 pause holds in every process: senders on separate engines wait for one another's Retry-After."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from bot.db import Database
from bot.line import LineGateway, Outcome
from bot.sender import Policy, Sender, Throttle
from models.base import utcnow
from models.outbox import SENT, OutboxMessage, enqueue_push, line_paused_until, pause_line
from tests.support.fake_line import ACCESS_TOKEN

HELLO = [{"type": "text", "text": "สวัสดีค่ะ"}]


class _Clocked(LineGateway):
    """A gateway that notes when each push left (wall clock), as the other process's would."""

    def __init__(self, url: str) -> None:
        super().__init__(access_token=ACCESS_TOKEN, api_base_url=url, data_api_base_url=url)
        self.pushed_at: list[float] = []

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str, *, attempts: int | None = None) -> Outcome:
        self.pushed_at.append(time.time())
        return super().push(to, messages, retry_key, attempts=attempts)


def _process(database_url: str, fake_url: str) -> tuple[Database, _Clocked, Sender]:
    # What a second worker process has: its own engine, its own HTTP client, its own throttle.
    db = Database(database_url)
    gateway = _Clocked(fake_url)
    policy = Policy(attempts=3, retry_delay=0.0, backoff_base=0.05, max_sleep=5.0)
    return db, gateway, Sender(db, gateway, policy)


def _push(tx, to: str) -> int:
    with tx() as s:
        row = enqueue_push(session=s, to=to, messages=HELLO)
        assert row is not None
        s.flush()
        return row.id


def test_a_429_in_one_process_holds_the_senders_of_another(app, bot, tx, fake_line, database_url) -> None:
    standin = fake_line.standin
    first_row, second_row = _push(tx, "Uthrottle1"), _push(tx, "Uthrottle2")
    standin.fail("/message/push", 429, times=1, retry_after="1")
    db1, gw1, sender1 = _process(database_url, fake_line.url)
    db2, gw2, sender2 = _process(database_url, fake_line.url)
    stats: Counter[str] = Counter()
    try:
        one = threading.Thread(target=lambda: stats.update(sender1.deliver([first_row])))
        one.start()
        # The first process got its 429 and wrote the pause; only then does the second start.
        deadline = time.monotonic() + 10
        until = None
        while until is None and time.monotonic() < deadline:
            with bot.db.transaction() as s:
                until = line_paused_until(session=s)
            time.sleep(0.01)
        assert until is not None, "the 429's pause was not written"
        assert until > utcnow(), "the test came too late to see the pause"
        stats.update(sender2.deliver([second_row]))
        one.join(10)
    finally:
        for db, gw in ((db1, gw1), (db2, gw2)):
            gw.close()
            db.dispose()
    assert stats["sent"] == 2
    assert len(gw2.pushed_at) == 1
    # Its own throttle never saw a 429, yet it called only once Retry-After had passed.
    assert gw2.pushed_at[0] >= until.timestamp() - 0.005, (gw2.pushed_at[0], until.timestamp())
    assert gw2.pushed_at[0] < until.timestamp() + 1.0  # and then at once, not after a backoff
    assert [c.status for c in standin.calls].count(429) == 1
    assert gw1.pushed_at[1] - gw1.pushed_at[0] >= 0.99  # the first held back too
    with tx() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {SENT}
    assert sorted(d.to for d in standin.deliveries) == ["Uthrottle1", "Uthrottle2"]


def test_the_shared_pause_only_moves_later(session) -> None:
    now = utcnow().replace(microsecond=0)
    pause_line(session=session, until=now + timedelta(seconds=5))
    pause_line(session=session, until=now + timedelta(seconds=2))  # a shorter Retry-After, told later
    assert line_paused_until(session=session) == now + timedelta(seconds=5)
    pause_line(session=session, until=now + timedelta(seconds=9))
    assert line_paused_until(session=session) == now + timedelta(seconds=9)


def test_senders_look_at_the_shared_pause_a_few_times_a_second_not_per_call(bot) -> None:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(bot.db.engine, "before_cursor_execute", listener)
    try:
        throttle = Throttle(bot.db, refresh=0.2)
        started = time.monotonic()
        while time.monotonic() - started < 0.5:  # as many calls as 16 lanes would make, and more
            assert throttle.remaining() == 0.0
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", listener)
    reads = [s for s in statements if "line_throttle" in s]
    assert 1 <= len(reads) <= 4, reads


def test_a_pause_written_elsewhere_is_seen_within_the_refresh(bot, database_url) -> None:
    other = Database(database_url)
    try:
        throttle = Throttle(bot.db, refresh=0.1)
        assert throttle.remaining() == 0.0
        Throttle(other).pause(2.0)  # another process's sender got a 429
        time.sleep(0.15)
        assert 1.5 < throttle.remaining() <= 2.0
        assert not throttle.wait(at_most=1.0)  # longer than a sender may hold a row: back to the outbox
    finally:
        other.dispose()
