"""Alembic, driven from the app's configuration (flask --app bot db upgrade)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig

from bot.config import PROJECT_ROOT


def alembic_config(database_url: str) -> AlembicConfig:
    """Return an Alembic configuration for this project's migrations and a database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # Percent signs in passwords would be read as interpolation by configparser.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Create or upgrade the schema."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Take the schema back to a revision."""
    command.downgrade(alembic_config(database_url), revision)
