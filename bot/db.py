"""The database engine and sessions; the caller of a domain operation owns its session."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


POOL_SIZE = 20  # connections kept open per engine (SQLAlchemy's default is 5)


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        # hide_parameters: a logged database error must not print names, LINE ids or message bodies.
        kwargs: dict[str, Any] = {"hide_parameters": True,
                                  # Every inbox and outbox lane and request thread holds a connection
                                  # while it works; beyond pool_size one is opened and closed per use
                                  # (on PostgreSQL a new server process per outbox batch).
                                  "pool_size": POOL_SIZE, "max_overflow": 10}
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

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Open a session for reads only: on SQLite it takes no write lock (a plain BEGIN)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True})
            with Session(bind=conn) as session:
                yield session
                session.rollback()

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


_READ_ONLY = "bot_read_only"


def _sqlite_begin(conn: Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of one
    # failing with "database is locked" halfway through a conditional update. A read-only
    # session (Database.reading) begins deferred: with WAL it never waits for a writer.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")
