"""Alembic environment: the models' metadata, batch mode on SQLite."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import models  # noqa: F401 - registers every table
from models.base import Base

config = context.config


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write our UTCDateTime as a plain DateTime, so migrations do not import models."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False

target_metadata = Base.metadata

# Tables that other software creates and owns: APScheduler's job store makes its own table.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave tables we do not own out of autogenerate (else it would propose dropping them)."""
    # A left-out table's columns and indexes are never compared either.
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_offline() -> None:
    """Emit SQL without a connection."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite") if url else False,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the configured database."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                          render_item=render_item, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
