"""The database engine and sessions; the caller of a domain operation owns its session."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        # hide_parameters: a logged database error must not print names, LINE ids or message bodies.
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if not url.startswith("sqlite"):
            # A server may drop idle connections; a SQLite file cannot, so its checkouts skip the ping.
            kwargs["pool_pre_ping"] = True
        else:
            # Webhook threads, the sender and the simulator share one SQLite file.
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        kwargs.update(engine_kwargs)
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Open a session in one transaction: commit on success, roll back on error."""
        with self.Session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off so BEGIN is ours (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL syncs at checkpoints instead of every commit: a power cut may lose the
    # last commits but never corrupts the file, and the outbox's two commits per batch stay cheap.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of one
    # failing with "database is locked" halfway through a conditional update.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
