"""Group commit for the webhook: concurrent requests' events stored in one transaction.

Every webhook call must be on disk before it answers 200, and one commit per call is what held
the webhook back under a burst: on PostgreSQL each commit waits for its WAL flush (and a
pooled checkout pings the server first), on SQLite each takes the file's write lock, which
the workers hold while they handle events. Here the first caller to arrive leads: it stores
its own events and those of every call that queued meanwhile in one transaction, then hands
the lead to the oldest call still queued. A busy webhook therefore commits once per batch,
and a quiet one exactly as before (a batch of one, no thread and no waiting added).

A failed batch is retried call by call, so one call's failure is that call's alone.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

WAIT = 20.0  # seconds a queued call waits for its batch before it gives up (LINE waits longer)
MOST = 200  # calls one batch takes at most

Events = list[dict[str, Any]]
Write = Callable[[Sequence[Events]], list[list[int]]]


class _Call:
    """One webhook call waiting in the queue: its events, then its result or its lead."""

    __slots__ = ("events", "done", "ids", "error", "lead")

    def __init__(self, events: Events) -> None:
        self.events = events
        self.done = threading.Event()
        self.ids: list[int] = []
        self.error: BaseException | None = None
        self.lead = False


class TimedOut(Exception):
    """A queued call's batch did not come in time; nothing of the call was stored."""


class GroupCommit:
    """Store webhook calls in shared transactions; `store` returns the new ids of one call."""

    def __init__(self, write: Write, *, wait: float = WAIT, most: int = MOST) -> None:
        self._write, self._wait, self._most = write, wait, most
        self._lock = threading.Lock()
        self._queue: list[_Call] = []
        self._leading = False

    def store(self, events: Events) -> list[int]:
        """Store one call's events (with whatever calls queue meanwhile); return its new ids."""
        call = _Call(events)
        with self._lock:
            self._queue.append(call)
            lead = not self._leading
            self._leading = True
        if not lead and not self._follow(call):
            return self._result(call)
        self._lead()
        return self._result(call)

    def _follow(self, call: _Call) -> bool:
        """Wait for the batch that holds this call; True when the lead was handed to it."""
        if call.done.wait(self._wait):
            return call.lead
        with self._lock:
            if call.lead:  # handed the lead as the wait ran out: take it
                return True
            if call in self._queue:  # never taken: leave the queue, nothing was stored
                self._queue.remove(call)
                call.error = TimedOut()
                return False
        # Taken into a batch being written, or handed the lead just now: wait for that.
        call.done.wait()
        return call.lead

    def _lead(self) -> None:
        """Write the queued calls as one batch, then pass the lead on (or put it down)."""
        with self._lock:
            batch, self._queue = self._queue[:self._most], self._queue[self._most:]
        try:
            self._store_batch(batch)
        finally:
            for call in batch:
                call.lead = False
                call.done.set()
            with self._lock:
                if self._queue:
                    # The oldest queued call leads the next batch; this caller answers now.
                    nxt = self._queue[0]
                    nxt.lead = True
                    nxt.done.set()
                else:
                    self._leading = False

    def _store_batch(self, batch: list[_Call]) -> None:
        try:
            for call, ids in zip(batch, self._write([c.events for c in batch]), strict=True):
                call.ids = ids
            return
        except Exception as exc:  # noqa: BLE001 - retried one call at a time below
            if len(batch) == 1:
                batch[0].error = exc
                return
            log.warning("storing a batch of %s webhook calls failed; storing them one by one", len(batch))
        for call in batch:
            try:
                call.ids = self._write([call.events])[0]
            except Exception as exc:  # noqa: BLE001 - the caller answers 500 for this call only
                call.error = exc

    @staticmethod
    def _result(call: _Call) -> list[int]:
        if call.error is not None:
            raise call.error
        return call.ids
