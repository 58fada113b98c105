"""The webhook's intake: concurrent calls share a commit, a failure stays its own, the lock is won."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bot import db as db_module
from bot.db import Database
from bot.intake import GroupCommit, TimedOut
from models.events import InboundEvent, store_calls
from tests.support import events as ev

ROOT = Path(__file__).resolve().parent.parent


class Recorder:
    """A write function that records its batches, optionally holding the first one until released."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[list[list[dict]]] = []
        self.release = threading.Event()
        self.writing = threading.Event()
        self.hold_first = hold_first
        self.next_id = 0

    def __call__(self, calls):
        self.batches.append([list(c) for c in calls])
        if self.hold_first and len(self.batches) == 1:
            self.writing.set()
            self.release.wait(10)
        if any(e.get("bad") for c in calls for e in c):
            raise RuntimeError("cannot store")
        out = []
        for c in calls:
            out.append(list(range(self.next_id + 1, self.next_id + 1 + len(c))))
            self.next_id += len(c)
        return out


def _in_threads(intake: GroupCommit, calls: list[list[dict]]) -> tuple[list[object], list[threading.Thread]]:
    results: list[object] = [None] * len(calls)

    def one(n: int) -> None:
        try:
            results[n] = intake.store(calls[n])
        except Exception as exc:  # noqa: BLE001 - the test looks at what each call got
            results[n] = exc

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    return results, threads


def _queued(intake: GroupCommit, n: int) -> None:
    deadline = time.monotonic() + 5
    while len(intake._queue) < n and time.monotonic() < deadline:  # noqa: SLF001 - waiting for the queue to fill
        time.sleep(0.005)


def test_a_quiet_webhook_stores_each_call_on_its_own() -> None:
    write = Recorder()
    intake = GroupCommit(write)
    assert intake.store([{"n": 1}]) == [1]
    assert intake.store([{"n": 2}, {"n": 3}]) == [2, 3]
    assert [len(b) for b in write.batches] == [1, 1]


def test_calls_arriving_during_a_commit_share_the_next_one_and_each_gets_its_own_ids() -> None:
    write = Recorder(hold_first=True)
    intake = GroupCommit(write)
    first, first_threads = _in_threads(intake, [[{"n": 0}]])
    assert write.writing.wait(5)
    rest, threads = _in_threads(intake, [[{"n": n}] for n in range(1, 6)])
    _queued(intake, 5)
    write.release.set()
    for t in first_threads + threads:
        t.join(10)
    assert [len(b) for b in write.batches] == [1, 5]  # the five queued calls went in one commit
    assert first == [[1]]
    assert sorted(r[0] for r in rest) == [2, 3, 4, 5, 6] and all(len(r) == 1 for r in rest)
    assert not intake._leading and intake._queue == []  # noqa: SLF001 - the lead was put down


def test_one_calls_failure_is_that_calls_alone() -> None:
    write = Recorder(hold_first=True)
    intake = GroupCommit(write)
    _, first = _in_threads(intake, [[{"n": 0}]])
    assert write.writing.wait(5)
    results, threads = _in_threads(intake, [[{"n": 1}], [{"n": 2, "bad": True}], [{"n": 3}]])
    _queued(intake, 3)
    write.release.set()
    for t in first + threads:
        t.join(10)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and str(errors[0]) == "cannot store"
    assert sum(1 for r in results if isinstance(r, list) and len(r) == 1) == 2
    # The shared batch failed, then each of its calls was stored on its own.
    assert [len(b) for b in write.batches] == [1, 3, 1, 1, 1]


def test_a_call_that_waits_too_long_is_not_stored_and_the_queue_goes_on() -> None:
    write = Recorder(hold_first=True)
    intake = GroupCommit(write, wait=0.2)
    _, first = _in_threads(intake, [[{"n": 0}]])
    assert write.writing.wait(5)
    results, late = _in_threads(intake, [[{"n": 1}]])
    late[0].join(5)
    assert isinstance(results[0], TimedOut)
    write.release.set()
    first[0].join(5)
    assert intake.store([{"n": 2}]) == [2]
    assert [c[0]["n"] for b in write.batches for c in b] == [0, 2]  # the timed-out call never written


def test_calls_stored_together_keep_their_own_ids_and_a_repeated_event_goes_to_the_first(session) -> None:
    a, b = ev.text_event("Ua", "1"), ev.text_event("Ub", "1")
    again = dict(a)  # LINE's redelivery of a, arriving while a waits in the same batch
    ids = store_calls(session=session, calls=[[a], [b, ev.text_event("Ub", "2")], [again]])
    assert len(ids[0]) == 1 and len(ids[1]) == 2 and ids[2] == []
    assert ids[0][0] < ids[1][0] < ids[1][1]  # stored in arrival order
    assert store_calls(session=session, calls=[[a]]) == [[]]  # and dropped at the door later
    assert session.scalar(select(func.count()).select_from(InboundEvent)) == 3


def test_events_without_lines_id_are_stored_call_by_call(session) -> None:
    bare = ev.text_event("Ua", "1")
    bare.pop("webhookEventId")
    ids = store_calls(session=session, calls=[[bare], [ev.text_event("Ub", "1"), dict(bare)]])
    assert [len(i) for i in ids] == [1, 2]  # NULL ids never clash: both bare events are kept


def test_an_urgent_write_wins_the_sqlite_lock_as_soon_as_it_is_free(tmp_path: Path) -> None:
    from bot.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'lock.sqlite3'}"
    upgrade(url)
    db = Database(url)
    late: list[float] = []
    for n in range(5):
        holder = db.engine.raw_connection()
        try:
            holder.execute("BEGIN IMMEDIATE")  # the workers' long transaction
            done: list[float] = []

            def write(n: int = n, done: list[float] = done) -> None:
                db.urgent(lambda s: store_calls(session=s, calls=[[ev.text_event("Ua", str(n))]]))
                done.append(time.monotonic())

            t = threading.Thread(target=write)
            t.start()
            # Released just after SQLite's back-off would nap again (1+2+5+...+50 = 228 ms), for
            # about 100 ms: a writer left to it answers ~90 ms late, an urgent one at once.
            time.sleep(0.24)
            assert done == []  # waiting for the lock, not failing
            holder.rollback()
            released = time.monotonic()
            t.join(5)
            late.append(done[0] - released)
        finally:
            holder.close()
    assert sorted(late)[2] < 0.03, late
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 5
    db.dispose()


def test_an_urgent_write_gives_up_after_the_busy_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'stuck.sqlite3'}"
    upgrade(url)
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT", 0.2)
    db = Database(url)
    holder = db.engine.raw_connection()
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError):
            db.urgent(lambda s: store_calls(session=s, calls=[[ev.text_event("Ua", "1")]]))
    finally:
        holder.rollback()
        holder.close()
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 0
    db.dispose()


def test_an_urgent_write_reconnects_once_when_postgresql_dropped_its_connection(database_url: str, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL drops connections; a SQLite file does not")
    db = Database(database_url)
    try:
        pid = db.urgent(lambda s: s.scalar(text("SELECT pg_backend_pid()")))
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # The pooled connection is dead and is not pinged first: the write notices and retries once.
        assert db.urgent(lambda s: s.scalar(text("SELECT pg_backend_pid()"))) != pid
    finally:
        db.dispose()


def test_the_worker_lowers_its_priority_and_its_sessions_share() -> None:
    probe = ("from bot.worker import lower_priority; import os; n = lower_priority(7); "
             "g = open('/proc/self/autogroup').read() if os.path.exists('/proc/self/autogroup') else 'none'; "
             "print(n, g.split()[-1] if g != 'none' else g)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         start_new_session=True, timeout=60).stdout.split()
    assert int(out[0]) >= 7
    if out[1] != "none":
        assert int(out[1]) == int(out[0])  # a session leader lowers its autogroup too
    off = subprocess.run([sys.executable, "-c", "from bot.worker import lower_priority; print(lower_priority(0))"],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout
    assert int(off) == int(subprocess.run([sys.executable, "-c", "import os; print(os.nice(0))"],
                                          capture_output=True, text=True, check=True).stdout)


def test_a_burst_of_calls_is_stored_and_each_person_answered_once(app, bot, fake_line) -> None:
    users = [f"Uburst{n:02d}" for n in range(24)]
    tokens = {u: fake_line.standin.issue_reply_token(u) for u in users}
    barrier = threading.Barrier(len(users))
    statuses: list[int] = []

    def call(user: str) -> None:
        body = ev.payload(ev.text_event(user, "สถานะ", tokens[user]))
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/callback", data=body,
                                    headers={"X-Line-Signature": ev.sign(body, bot.channel_secret)}).status_code)

    threads = [threading.Thread(target=call, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [200] * len(users)
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == len(users)
    assert all(len(fake_line.standin.messages_to(u)) == 1 for u in users)
