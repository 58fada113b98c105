"""The database engine and sessions; the caller of a domain operation owns its session."""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


class WriteNeeded(Exception):
    """Work begun in Database.read_first() tried to write: run it again in a write transaction."""

POOL_SIZE = 20  # connections kept open per engine (SQLAlchemy's default is 5)
BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for the write lock before it fails
URGENT_POLL = 0.001  # seconds between an urgent writer's tries for SQLite's write lock


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, busy_timeout: float = BUSY_TIMEOUT, **engine_kwargs: Any) -> None:
        self.url = url
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
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        kwargs.update(engine_kwargs)
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        event.listen(self.engine, "before_cursor_execute", _refuse_writes)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        self._urgent: Database | None = None
        self._urgent_lock = threading.Lock()

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

    @contextmanager
    def read_first(self) -> Iterator[Session]:
        """Open a session for work that mostly only reads; raise WriteNeeded if it writes anything.

        On SQLite it begins without the write lock, so a long piece of work (a chat handler) does
        not hold the webhook up. Any statement but a SELECT is refused before it reaches the
        database, and so is leaving changes unflushed; the caller then runs the work again in
        transaction(). Nothing is ever committed here.
        """
        guard = _WriteGuard()
        with self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True, _NO_WRITES: guard})
            with Session(bind=conn, expire_on_commit=False) as session:
                try:
                    yield session
                except Exception:
                    if guard.tried:  # however the work's code caught and wrapped the refusal
                        raise WriteNeeded from None
                    raise
                if guard.tried or session.new or session.dirty or session.deleted:
                    raise WriteNeeded
                session.rollback()

    def urgent(self, work: Callable[[Session], T]) -> T:
        """Run a short write that must not queue behind long ones, in its own transaction.

        The webhook's intake uses it. On SQLite a waiting writer sleeps in SQLite's back-off (up
        to 100 ms a nap) while the workers take the write lock again and again; this one tries
        every millisecond instead, for as long as a writer would wait. On PostgreSQL its
        connections skip the pre-ping (a round trip per use) and a dropped one is retried once.
        """
        db = self._urgent_db()
        if db.engine.dialect.name == "sqlite" and db is not self:
            return db._locked_first(work)
        reconnected = False
        while True:
            try:
                with db.transaction() as session:
                    return work(session)
            except DBAPIError as exc:
                if exc.connection_invalidated and not reconnected:
                    reconnected = True
                    continue
                raise

    def _locked_first(self, work: Callable[[Session], T]) -> T:
        # The lock is tried on the driver's connection: a refusal costs microseconds there, not
        # the trip through SQLAlchemy's error handling that a failed begin() takes.
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            deadline = time.monotonic() + BUSY_TIMEOUT
            while True:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    if not _sqlite_busy_error(exc) or time.monotonic() >= deadline:
                        raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
                    time.sleep(URGENT_POLL)
            conn.execution_options(**{_BEGUN: True})
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                return work(session)

    def _urgent_db(self) -> Database:
        with self._urgent_lock:
            if self._urgent is None and _in_memory(self.url):
                self._urgent = self  # a second engine would open a second, empty database
            if self._urgent is None:
                self._urgent = Database(self.url, busy_timeout=0, pool_size=2, max_overflow=4,
                                        pool_pre_ping=False)
            return self._urgent

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self._urgent is not None and self._urgent is not self:
            self._urgent.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off so BEGIN is ours (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL syncs at checkpoints instead of every commit: a power cut may lose the
    # last commits but never corrupts the file, and the outbox's two commits per batch stay cheap.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


_READ_ONLY = "bot_read_only"
_NO_WRITES = "bot_no_writes"  # a _WriteGuard: this connection is in Database.read_first()


class _WriteGuard:
    """Set when work in Database.read_first() tried to write."""

    tried = False


def _refuse_writes(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    guard = conn.get_execution_options().get(_NO_WRITES)
    if guard is not None and statement.lstrip()[:6].upper() not in ("SELECT", "BEGIN"):
        guard.tried = True
        raise WriteNeeded


def _in_memory(url: str) -> bool:
    return url.startswith("sqlite") and (url.rstrip("/") in ("sqlite:", "sqlite:/") or ":memory:" in url
                                         or "mode=memory" in url)


def _sqlite_busy_error(exc: sqlite3.Error) -> bool:
    """True when SQLite refused because another connection holds the write lock."""
    return getattr(exc, "sqlite_errorname", None) in ("SQLITE_BUSY", "SQLITE_LOCKED")


_BEGUN = "bot_begun"  # the transaction was begun on the driver's connection already (urgent)


def _sqlite_begin(conn: Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of one
    # failing with "database is locked" halfway through a conditional update. A read-only
    # session (Database.reading) begins deferred: with WAL it never waits for a writer.
    options = conn.get_execution_options()
    if options.get(_BEGUN):
        return
    conn.exec_driver_sql("BEGIN" if options.get(_READ_ONLY) else "BEGIN IMMEDIATE")
