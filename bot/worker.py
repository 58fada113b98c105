"""The Procfile's worker process: inbox lanes run the chat, outbox lanes deliver to LINE.

The webhook only stores events (bot/webhook.py); nothing in the request waits on the chat's
database work or on LINE. The worker (`flask --app bot worker`) runs two kinds of lanes:
- inbox lanes (bot/inbox.py) claim stored events, handle each and send its replies at once,
  while the reply tokens live;
- outbox lanes deliver every other due row (clock reminders, console messages, retries):
  each claims a small batch, sends it and records it.
A new event or row is picked up within POLL seconds, and at once on PostgreSQL, where a
NOTIFY sent with the commit wakes the lanes. Any number of workers may run: claims are
disjoint (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite).
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from typing import Any

from bot import line
from bot.db import Database
from bot.inbox import InboxLanes
from bot.notify import OUTBOX, listen
from bot.sender import Sender
from bot.state import BotState
from thai.nlu import warm_up

log = logging.getLogger(__name__)

POLL = 0.25  # seconds between looks at the outbox when nothing woke the worker
LANES = 8  # parallel senders in one worker process


# --- the worker process ------------------------------------------------------------------------

def lower_priority(nice: int) -> int:
    """Lower this process's CPU priority by `nice`; return the niceness it runs at now.

    Linux shares the CPU fairly between sessions before it looks at nice ("autogroups"), so a
    worker that is a session leader (its own service, or started with setsid) also lowers its
    session's share; otherwise its nice counts against the processes of its own session.
    """
    if nice <= 0:
        return os.nice(0)
    now = os.nice(nice)
    if os.getsid(0) == os.getpid():
        try:
            with open("/proc/self/autogroup", "w") as f:
                f.write(str(min(now, 19)))
        except OSError:
            pass  # not Linux, or autogroups off: plain nice is all there is
    return now


class Worker:
    """Delivers due outbox rows continuously, in lanes, until stopped."""

    def __init__(self, db: Database, sender: Sender, lanes: int = LANES, poll: float = POLL) -> None:
        self.db, self.sender, self.lanes, self.poll = db, sender, lanes, poll
        self.stop = threading.Event()
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._wake = threading.Event()  # the listener's beat, or a NOTIFY
        self._busy = threading.Event()  # set while more rows wait than one lane takes

    def run(self, started: Callable[[], None] | None = None) -> None:
        """Run the lanes in threads until stop is set (the calling thread listens); call started once they run."""
        threads = [threading.Thread(target=self._lane, args=(n,), name=f"outbox-lane-{n}", daemon=True)
                   for n in range(self.lanes)]
        for t in threads:
            t.start()
        if started is not None:
            started()
        try:
            listen(self.db, OUTBOX, self._wake, self.stop, beat=self.poll)
        finally:
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


def _dump_stacks(_signum: int, _frame: Any) -> None:
    # Not faulthandler: it reads the other threads' frames without the GIL while they run, and a
    # dump taken mid-query stopped halfway (CI). sys._current_frames() holds the GIL; the log is
    # written from a fresh thread so that a handler lock held by the interrupted thread is no matter.
    threading.Thread(target=log_stacks, name="stack-dump", daemon=True).start()


def log_stacks() -> None:
    """Log the stack of every thread of this process, named (where each lane waits)."""
    names = {t.ident: t.name for t in threading.enumerate()}
    me = threading.get_ident()
    stacks = [f"thread {names.get(ident, ident)}:\n{''.join(traceback.format_stack(frame))}"
              for ident, frame in sys._current_frames().items() if ident != me]
    log.warning("stacks of %s threads (kill -USR1):\n%s", len(stacks), "\n".join(stacks))


def run_worker(s: BotState, lanes: int = LANES, inbox_lanes: int | None = None, *, signals: bool = True,
               stop_event: threading.Event | None = None, ready: threading.Event | None = None) -> None:
    """Run a worker (inbox and outbox lanes) in the foreground until SIGTERM, Ctrl-C or stop_event."""
    assert s.sender is not None, "the worker needs a LINE gateway"
    worker = Worker(s.db, s.sender, lanes=lanes)
    if stop_event is not None:
        worker.stop = stop_event
    inbox = InboxLanes(s, lanes=inbox_lanes) if inbox_lanes is not None else InboxLanes(s)

    def stop(signum: int, _frame: Any) -> None:
        log.info("worker stopping (signal %s)", signum)
        worker.stop.set()

    if signals:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # `kill -USR1` prints every lane's stack to the log: how an operator sees where a stuck lane waits.
        signal.signal(signal.SIGUSR1, _dump_stacks)
    # The chat's first event must not pay for loading the Thai dictionaries or the LINE SDK; and
    # a handler registered twice fails here, at start-up, not at the first message.
    warm_up()
    line.warm()
    s.warm(chat=True)
    threads = inbox.start()

    def started() -> None:
        if ready is not None:
            ready.set()
        log.info("worker started with %s inbox lanes and %s outbox lanes", inbox.lanes, lanes)

    try:
        worker.run(started)
    finally:
        inbox.stop.set()
        inbox.wake.set()
        for t in threads:
            t.join(timeout=30)
    log.info("worker stopped: outbox %s, inbox %s", dict(worker.stats), dict(inbox.stats))


def start_in_background(s: BotState, lanes: int = 2, inbox_lanes: int = 2) -> Callable[[], None]:
    """Run a worker in daemon threads of this process (`make run`: one process does it all); return its stop."""
    stop_event, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=run_worker, args=(s, lanes, inbox_lanes), name="worker", daemon=True,
                              kwargs={"signals": False, "stop_event": stop_event, "ready": ready})
    thread.start()
    ready.wait(timeout=120)  # its lanes are up: the first message is answered at once

    def stop() -> None:
        stop_event.set()
        thread.join(timeout=30)

    return stop
