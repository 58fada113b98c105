"""Delivery outside the request: the web process's courier and the Procfile's worker process.

The webhook commits an event's change and its outbox rows, hands the row ids to the courier
and answers LINE at once: nothing in the request waits on LINE, a retry or a backoff. The
courier's few threads send those rows right after (a reply must go while its token lives);
when its queue is full the rows simply wait for the worker.

The worker (`flask --app bot worker`) delivers every due row continuously: a few lanes, each
claiming a small batch, sending it and recording it. A new row reaches LINE within a second:
the lanes poll every POLL seconds, and on PostgreSQL a NOTIFY sent with the commit wakes them
at once. Any number of workers may run: claims are disjoint (FOR UPDATE SKIP LOCKED on
PostgreSQL, the write lock on SQLite).
"""
from __future__ import annotations

import logging
import os
import queue
import signal
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bot.db import Database
from bot.sender import Sender

log = logging.getLogger(__name__)

CHANNEL = "outbox"
POLL = 0.25  # seconds between looks at the outbox when nothing woke the worker
LANES = 8  # parallel senders in one worker process
COURIER_THREADS = 4
COURIER_QUEUE = 512


# --- waking the worker -------------------------------------------------------------------------

def notify_on_commit(db: Database) -> None:
    """On PostgreSQL, NOTIFY the worker in every transaction that wrote outbox rows."""
    if db.engine.dialect.name != "postgresql":
        return

    def before_commit(session: Session) -> None:
        # Keys of models.outbox (ORM rows) and scheduler.bulk (many rows in one statement).
        if session.info.get("outbox_new") or session.info.get("scheduler_outbox_ids"):
            session.execute(text(f"NOTIFY {CHANNEL}"))  # delivered by PostgreSQL at commit

    event.listen(db.Session, "before_commit", before_commit)


class _Listener:
    """A LISTEN connection on PostgreSQL; a plain sleep elsewhere."""

    def __init__(self, db: Database) -> None:
        self._conn: Any = None
        if db.engine.dialect.name == "postgresql":
            try:
                self._conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                self._conn.exec_driver_sql(f"LISTEN {CHANNEL}")
            except Exception:  # polling alone still delivers, a little later
                log.warning("LISTEN %s failed; polling only", CHANNEL)
                self._conn = None

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Return after a NOTIFY, after `seconds`, or when asked to stop."""
        if self._conn is None:
            stop.wait(seconds)
            return
        driver = self._conn.connection.driver_connection
        for _ in driver.notifies(timeout=seconds, stop_after=1):
            break

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()


# --- the web process's courier -----------------------------------------------------------------

class Courier:
    """A bounded background path in the web process: sends an event's rows after the answer."""

    def __init__(self, sender: Sender, threads: int = COURIER_THREADS, size: int = COURIER_QUEUE) -> None:
        self.sender = sender
        self._threads = threads
        self._queue: queue.Queue[list[int]] = queue.Queue(maxsize=size)
        self._pending = 0
        self._idle = threading.Condition()
        self._pid: int | None = None
        self._start_lock = threading.Lock()

    def submit(self, ids: Iterable[int]) -> bool:
        """Queue rows for sending now; False when full (the worker sends them instead)."""
        batch = list(ids)
        if not batch:
            return True
        self._ensure_started()
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait(batch)
        except queue.Full:
            self._done()
            log.warning("courier queue full: %s outbox rows left to the worker", len(batch))
            return False
        return True

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until everything submitted was tried (tests, shutdown); True if idle."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _ensure_started(self) -> None:
        # Threads do not survive fork: a gunicorn worker starts its own on first use.
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            for n in range(self._threads):
                threading.Thread(target=self._run, name=f"courier-{n}", daemon=True).start()
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                self.sender.deliver(batch)
            except Exception:  # the rows stay in the outbox; the worker takes them over
                log.exception("courier failed to deliver %s outbox rows", len(batch))
            finally:
                self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()


# --- the worker process ------------------------------------------------------------------------

class Worker:
    """Delivers due outbox rows continuously, in lanes, until stopped."""

    def __init__(self, db: Database, sender: Sender, lanes: int = LANES, poll: float = POLL) -> None:
        self.db, self.sender, self.lanes, self.poll = db, sender, lanes, poll
        self.stop = threading.Event()
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._wake = threading.Event()  # the listener's beat, or a NOTIFY
        self._busy = threading.Event()  # set while more rows wait than one lane takes

    def run(self) -> None:
        """Run the lanes in threads until stop is set (the calling thread listens)."""
        threads = [threading.Thread(target=self._lane, args=(n,), name=f"outbox-lane-{n}", daemon=True)
                   for n in range(self.lanes)]
        for t in threads:
            t.start()
        listener = _Listener(self.db)
        try:
            while not self.stop.is_set():
                listener.wait(self.poll, self.stop)
                self._wake.set()
        finally:
            listener.close()
            self._wake.set()
            self._busy.set()
            for t in threads:
                t.join(timeout=30)

    def _lane(self, n: int) -> None:
        # Lane 0 scouts: it alone looks at an idle outbox (one cheap claim per beat, which on
        # SQLite takes the write lock); the others join only while a full batch keeps coming.
        while not self.stop.is_set():
            stats: Counter[str] = Counter()
            try:
                claimed = self.sender.round(stats)
            except Exception:  # a database hiccup: the held rows come back after their lease
                log.exception("outbox lane failed; retrying shortly")
                claimed = 0
            if stats:
                with self._stats_lock:
                    self.stats.update(stats)
            if claimed == self.sender.policy.batch:
                self._busy.set()
                continue
            if claimed:
                continue  # the tail of a run: look once more
            self._busy.clear()  # drained: back to one scout
            if n == 0:
                self._wake.clear()
                self._wake.wait(self.poll * 2)
            else:
                self._busy.wait(self.poll * 20)


def run_worker(db: Database, sender: Sender, lanes: int = LANES) -> None:
    """Run a worker in the foreground until SIGTERM or Ctrl-C."""
    worker = Worker(db, sender, lanes=lanes)

    def stop(signum: int, _frame: Any) -> None:
        log.info("worker stopping (signal %s)", signum)
        worker.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("outbox worker started with %s lanes", lanes)
    worker.run()
    log.info("outbox worker stopped: %s", dict(worker.stats))
