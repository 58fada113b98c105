"""App creation, configuration, migrations and the demo organisation."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select

from bot import create_app
from bot.config import Config, test_config
from bot.demo import load_demo
from bot.migrate import downgrade, upgrade
from models.base import Base
from models.course import Course
from models.org import ROLE_HR, Staff, supervisor_chain
from thai.dates import fiscal_year, today_bangkok


def test_configuration_is_read_when_the_app_is_created(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "s3cret")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "t0ken")
    monkeypatch.setenv("LINE_API_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("PORT", "8123")
    config = Config.from_env(dotenv_path=tmp_path / "none.env")
    assert config.line_configured and not config.simulator_enabled
    assert config.PORT == 8123 and config.LINE_API_BASE_URL == "http://127.0.0.1:1"
    assert config.LINE_DATA_API_BASE_URL == "https://api-data.line.me"


def test_dotenv_fills_gaps_but_the_environment_wins(monkeypatch, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9001\nLINE_CHANNEL_SECRET=from-file\n")
    monkeypatch.setenv("PORT", "9002")
    monkeypatch.delenv("LINE_CHANNEL_SECRET", raising=False)
    config = Config.from_env(dotenv_path=env_file)
    assert config.PORT == 9002 and config.LINE_CHANNEL_SECRET == "from-file"


def test_simulator_is_on_only_for_a_local_run_without_credentials(tmp_path: Path) -> None:
    bare = Config.from_env({"SECRET_KEY": "k"}, dotenv_path=tmp_path / "none.env")
    assert not bare.simulator_enabled, "a server without credentials must not offer the simulator"
    assert bare.for_local_run().simulator_enabled
    real = Config.from_env({"SECRET_KEY": "k", "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"},
                           dotenv_path=tmp_path / "none.env")
    assert not real.for_local_run().simulator_enabled
    forced = Config.from_env({"SECRET_KEY": "k", "SIMULATOR": "0"}, dotenv_path=tmp_path / "none.env")
    assert not forced.for_local_run().simulator_enabled


def test_forced_simulator_never_signs_with_the_real_secret(tmp_path: Path) -> None:
    config = test_config(f"sqlite:///{tmp_path / 's.sqlite3'}", tmp_path, SIMULATOR=True)
    app = create_app(config)
    assert app.extensions["bot"].channel_secret != config.LINE_CHANNEL_SECRET


def test_postgres_urls_get_a_driver() -> None:
    config = Config.from_env({"DATABASE_URL": "postgres://u@h/db", "SECRET_KEY": "k"}, dotenv_path=Path("/nonexistent"))
    assert config.DATABASE_URL == "postgresql+psycopg://u@h/db"


def test_without_line_credentials_the_app_starts_and_says_not_connected(tmp_path: Path) -> None:
    config = test_config(f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path,
                         LINE_CHANNEL_SECRET="", LINE_CHANNEL_ACCESS_TOKEN="", SIMULATOR=False)
    app = create_app(config)
    client = app.test_client()
    assert client.get("/healthz").get_json()["line"] == "not connected"
    # No secret to verify with: nothing is accepted.
    assert client.post("/callback", data=b'{"events":[]}', headers={"X-Line-Signature": "x"}).status_code == 400
    assert client.get("/simulator").status_code == 404


def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == [], "models changed without a migration: " + repr(diff)


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)


def test_demo_organisation(session) -> None:
    load_demo(session=session)
    people = list(session.scalars(select(Staff)))
    assert 10 <= len(people) <= 16
    assert len({p.staff_type.name for p in people}) >= 5
    assert any(p.has_role(ROLE_HR) for p in people)
    worker = session.scalar(select(Staff).where(Staff.employee_id == "D008"))
    chain = supervisor_chain(worker)
    assert [p.position for p in chain][-1].startswith("นายก")
    courses = list(session.scalars(select(Course)))
    assert 4 <= len(courses) <= 6
    assert {fiscal_year(c.start_date) for c in courses} == {fiscal_year(today_bangkok())}
    assert len({c.policy_area for c in courses}) >= 3


def test_seed_demo_cli_loads_once(app) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "มีข้อมูลอยู่แล้ว" in again.output
    with app.extensions["bot"].db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Staff)) == 14


@pytest.mark.parametrize("path", ["/callback"])
def test_callback_refuses_get(client, path: str) -> None:
    assert client.get(path).status_code == 405


def test_thai_dictionaries_load_only_when_the_chat_is_warmed(tmp_path: Path) -> None:
    from thai import nlu

    nlu._lexicon.cache_clear()
    create_app(test_config(f"sqlite:///{tmp_path / 'w.sqlite3'}", tmp_path))
    # A web server stores events only; the worker warms the chat at its start (tests/test_startup.py).
    assert nlu._lexicon.cache_info().currsize == 0
    create_app(test_config(f"sqlite:///{tmp_path / 'w2.sqlite3'}", tmp_path), warm=True)
    assert nlu._lexicon.cache_info().currsize == 1
