"""Shared fixtures: a migrated database per backend, the app wired to a fake LINE, a chat driver."""
from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bot import create_app, inbox
from bot.config import test_config
from bot.db import Database
from bot.migrate import upgrade
from bot.state import BotState
from models.base import Base
from tests.support.chat import Chat
from tests.support.fake_line import FakeLineServer
from tests.support.logscan import scan_logs  # noqa: F401 - autouse: every log line is scanned (PDPA)

# The console's fixtures (hr_console, viewer_console, console_anon), shared by every console test.
pytest_plugins = ("tests.support.console",)

# The console's fixtures (hr_console, viewer_console, console_anon), shared by every console test.
pytest_plugins = ("tests.support.console",)

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_URL = os.environ.get("TEST_POSTGRES_URL", f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test")


def postgres_answers() -> bool:
    """Tell whether PostgreSQL at TEST_POSTGRES_URL (default postgres@127.0.0.1:5432/test) takes us."""
    if os.environ.get("TEST_NO_POSTGRES"):
        return False
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=0.5):
            pass
    except OSError:
        return False
    # Listening is not enough: a stock cluster may want a password or lack the database.
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS t_probe"))
            conn.rollback()
        return True
    except Exception as exc:  # noqa: BLE001 - any refusal means: run on SQLite only, and say why
        print(f"PostgreSQL answers but cannot be used for tests ({type(exc).__name__}); SQLite only")
        return False
    finally:
        engine.dispose()


BACKENDS = ["sqlite"] + (["postgresql"] if postgres_answers() else [])


@pytest.fixture(scope="session")
def fake_line() -> Iterator[FakeLineServer]:
    """The fake Messaging API, served for the whole run."""
    server = FakeLineServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database per backend (a schema per xdist worker on PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade(url)
        yield url
        return
    # Unique per process: several test runs may share the server at once.
    schema = f"t_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def backend(database_url: str) -> str:
    """The name of the backend this test runs on."""
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def _wipe(db: Database) -> None:
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


class DeliveringClient(FlaskClient):
    """A test client that also plays the worker: events a webhook call stored are handled (and
    their replies sent) before it returns, as a LINE user sees the answer after typing."""

    def open(self, *args: object, **kwargs: object) -> TestResponse:  # type: ignore[override]
        response = super().open(*args, **kwargs)  # type: ignore[arg-type]
        state = self.application.extensions.get("bot")
        if state is not None and response.request.path == "/callback" and response.status_code == 200:
            # One event per claim, so threads posting at once (race tests) handle theirs at once too.
            inbox.drain(state, limit=1)
        return response


# Every app a test builds (second processes, the simulator) gets it.
Flask.test_client_class = DeliveringClient


@pytest.fixture
def app(database_url: str, fake_line: FakeLineServer, tmp_path: Path) -> Iterator[Flask]:
    """The app on a clean database, talking to the fake LINE over HTTP."""
    fake_line.standin.reset()
    config = test_config(database_url, tmp_path, LINE_API_BASE_URL=fake_line.url,
                         LINE_DATA_API_BASE_URL=fake_line.url)
    application = create_app(config)
    yield application
    state: BotState = application.extensions["bot"]
    _wipe(state.db)
    if state.gateway is not None:
        state.gateway.close()
    state.db.dispose()


@pytest.fixture
def bot(app: Flask) -> BotState:
    """The app's state: db, gateway, dispatcher."""
    return app.extensions["bot"]  # type: ignore[no-any-return]


@pytest.fixture
def tx(bot: BotState) -> Callable[[], AbstractContextManager[Session]]:
    """Open a committed transaction on the app's database (for setting up data)."""
    return bot.db.transaction


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def chat(client: FlaskClient, fake_line: FakeLineServer, bot: BotState) -> Chat:
    """A chat driver: signed events in, what each user received out."""
    return Chat(client, fake_line.standin, bot.channel_secret)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session whose work is rolled back at the end (for domain tests)."""
    db = Database(database_url)
    connection = db.engine.connect()
    outer = connection.begin()
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield s
    s.close()
    outer.rollback()
    connection.close()
    db.dispose()
