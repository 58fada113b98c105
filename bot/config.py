"""Configuration, read from the environment (and .env) when the app is created."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


def _flag(value: str | None) -> bool | None:
    if value is None or value.strip() == "":
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Every setting the app needs; see the README's configuration table."""

    SECRET_KEY: str
    DATABASE_URL: str
    LINE_CHANNEL_SECRET: str = ""
    LINE_CHANNEL_ACCESS_TOKEN: str = ""
    LINE_API_BASE_URL: str = "https://api.line.me"
    LINE_DATA_API_BASE_URL: str = "https://api-data.line.me"
    PORT: int = 8000
    # None = off here; `make run` (bot/serve.py) turns it on when no LINE credentials are set,
    # so a production server that lost its credentials never offers the simulator.
    SIMULATOR: bool | None = None
    UPLOAD_DIR: str = str(DEFAULT_INSTANCE / "uploads")
    LINE_TIMEOUT: float = 10.0
    LINE_RETRIES: int = 3
    LINE_RETRY_DELAY: float = 0.5
    # Delivery (bot/sender.py, bot/worker.py): seconds a sender may hold a claimed row (a reply's
    # lease is short so a dead sender's reply is retried while its token lives), the first
    # backoff of a row that failed all its calls, and the worker's parallel lanes.
    OUTBOX_LEASE: float = 120.0
    OUTBOX_REPLY_LEASE: float = 15.0
    OUTBOX_BACKOFF: float = 60.0
    WORKER_LANES: int = 8
    # Chat handlers per worker process (bot/inbox.py): each handles one person's event at a time.
    INBOX_LANES: int = 4
    # How far the worker process lowers its CPU priority (nice): under a burst the webhook's
    # answer, which LINE waits on, goes first; the chat's backlog is handled a moment later.
    WORKER_NICE: int = 10
    TESTING: bool = False
    # True under `make run`: console cookies may travel over plain http://127.0.0.1 there.
    DEVELOPMENT: bool = False
    # Where local files live (SQLite, the demo console sign-in); tests point it at a temp dir.
    INSTANCE_DIR: str = str(DEFAULT_INSTANCE)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def line_configured(self) -> bool:
        """Tell whether real LINE credentials were given."""
        return bool(self.LINE_CHANNEL_SECRET and self.LINE_CHANNEL_ACCESS_TOKEN)

    @property
    def simulator_enabled(self) -> bool:
        """Tell whether the built-in LINE simulator is served (only when asked for)."""
        return bool(self.SIMULATOR)

    def for_local_run(self) -> Config:
        """Return the configuration of `make run`: the simulator on unless LINE is configured."""
        local = self.with_(DEVELOPMENT=True)
        if self.SIMULATOR is None and not self.line_configured:
            return local.with_(SIMULATOR=True)
        return local

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv_path: Path | None = None) -> Config:
        """Build the configuration from the environment, with .env filling the gaps."""
        env: dict[str, str] = {}
        path = dotenv_path or PROJECT_ROOT / ".env"
        if path.exists():
            env.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        DEFAULT_INSTANCE.mkdir(exist_ok=True)
        secret = env.get("SECRET_KEY") or _dev_secret()
        return cls(
            SECRET_KEY=secret,
            DATABASE_URL=_normalise_db_url(env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_INSTANCE / 'bot.sqlite3'}"),
            LINE_CHANNEL_SECRET=env.get("LINE_CHANNEL_SECRET", ""),
            LINE_CHANNEL_ACCESS_TOKEN=env.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
            LINE_API_BASE_URL=env.get("LINE_API_BASE_URL") or cls.LINE_API_BASE_URL,
            LINE_DATA_API_BASE_URL=env.get("LINE_DATA_API_BASE_URL") or cls.LINE_DATA_API_BASE_URL,
            PORT=int(env.get("PORT") or 8000),
            SIMULATOR=_flag(env.get("SIMULATOR")),
            UPLOAD_DIR=env.get("UPLOAD_DIR") or str(DEFAULT_INSTANCE / "uploads"),
            LINE_TIMEOUT=float(env.get("LINE_TIMEOUT") or cls.LINE_TIMEOUT),
            OUTBOX_LEASE=float(env.get("OUTBOX_LEASE") or cls.OUTBOX_LEASE),
            OUTBOX_REPLY_LEASE=float(env.get("OUTBOX_REPLY_LEASE") or cls.OUTBOX_REPLY_LEASE),
            OUTBOX_BACKOFF=float(env.get("OUTBOX_BACKOFF") or cls.OUTBOX_BACKOFF),
            WORKER_LANES=int(env.get("WORKER_LANES") or cls.WORKER_LANES),
            INBOX_LANES=int(env.get("INBOX_LANES") or cls.INBOX_LANES),
            WORKER_NICE=int(env.get("WORKER_NICE") or cls.WORKER_NICE),
        )

    def with_(self, **changes: object) -> Config:
        """Return a copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _normalise_db_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver named.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _dev_secret() -> str:
    # A random key kept in instance/ so sessions and signed postbacks survive a restart of
    # `make run`; production sets SECRET_KEY.
    path = DEFAULT_INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def test_config(database_url: str, tmp_dir: Path, **overrides: object) -> Config:
    """Return the configuration the test suite runs with."""
    base = Config(
        SECRET_KEY="test-secret-key",
        DATABASE_URL=database_url,
        LINE_CHANNEL_SECRET="test-channel-secret",
        LINE_CHANNEL_ACCESS_TOKEN="test-access-token",
        SIMULATOR=False,
        UPLOAD_DIR=str(tmp_dir / "uploads"),
        INSTANCE_DIR=str(tmp_dir),
        LINE_TIMEOUT=3.0,
        LINE_RETRY_DELAY=0.0,
        TESTING=True,
    )
    return base.with_(**overrides)


test_config.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test, for pytest
