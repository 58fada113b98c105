"""Waking workers on PostgreSQL: NOTIFY with the commit that wrote work, LISTEN in the lanes.

Elsewhere (SQLite) the lanes simply look every few tenths of a second.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bot.db import Database

log = logging.getLogger(__name__)

OUTBOX = "outbox"  # rows to deliver were written
INBOX = "inbox"  # webhook events were stored


def notify_on_commit(db: Database) -> None:
    """On PostgreSQL, NOTIFY the worker in every transaction that wrote outbox rows."""
    if db.engine.dialect.name != "postgresql":
        return

    def before_commit(session: Session) -> None:
        # Keys of models.outbox (ORM rows) and scheduler.bulk (many rows in one statement).
        if session.info.get("outbox_new") or session.info.get("scheduler_outbox_ids"):
            session.execute(text(f"NOTIFY {OUTBOX}"))  # delivered by PostgreSQL at commit

    event.listen(db.Session, "before_commit", before_commit)


class Listener:
    """A LISTEN connection on PostgreSQL; a plain sleep elsewhere."""

    def __init__(self, db: Database, channel: str) -> None:
        self._conn: Any = None
        if db.engine.dialect.name == "postgresql":
            try:
                self._conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                self._conn.exec_driver_sql(f"LISTEN {channel}")
            except Exception:  # polling alone still delivers, a little later
                log.warning("LISTEN %s failed; polling only", channel)
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


def listen(db: Database, channel: str, wake: threading.Event, stop: threading.Event, beat: float = 1.0) -> None:
    """Set `wake` on every NOTIFY on a channel until stop is set (PostgreSQL; a sleep elsewhere)."""
    listener = Listener(db, channel)
    try:
        while not stop.is_set():
            listener.wait(beat, stop)
            wake.set()
    finally:
        listener.close()
