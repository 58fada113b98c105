"""Write many reminder rows to the outbox in one statement, each at most once.

models.outbox.enqueue_push does one INSERT per message (two queries with the read-back). The
monthly follow-up writes one message per staff member, so the clock sends them all as one JSON
array that the database unpacks itself (json_each on SQLite, json_array_elements on
PostgreSQL): INSERT .. SELECT .. ON CONFLICT (dedup_key) DO NOTHING RETURNING id. The number
of statements per run stays the same at 100 or 10,000 staff, and a row whose dedup_key exists
(a rerun, a restart, a second clock) is not written again.

Every row records its source, the job that wrote it (the clock names its transaction after the
job, scheduler.clock.run_job), so pushes are counted per job (models.outbox.sends_since).
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, String, bindparam, cast, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.base import utcnow
from models.outbox import KIND_MULTICAST, KIND_PUSH, MAX_MESSAGES, MULTICAST_LIMIT, PENDING, OutboxMessage, source_for

# Where the ids this session wrote wait for the caller to deliver them after commit.
NEW_IDS = "scheduler_outbox_ids"


@dataclass
class Planned:
    """One outbox row to write: a push to one user or a multicast to at most 500."""

    kind: str
    recipients: list[str]
    messages: list[dict[str, Any]]
    dedup_key: str
    retry_key: str = field(default_factory=lambda: str(uuid.uuid4()))
    source: str | None = None  # None: the transaction's (the clock's job id)


def push(to: str, messages: list[dict[str, Any]], dedup_key: str) -> Planned:
    """Plan a push to one LINE user."""
    return Planned(KIND_PUSH, [to], messages[:MAX_MESSAGES], dedup_key)


def multicast(to: Sequence[str], messages: list[dict[str, Any]], dedup_key: str) -> list[Planned]:
    """Plan one identical message to many users: 500 a row, "#i" appended to the key per row."""
    recipients = list(dict.fromkeys(to))
    rows = []
    for i, start in enumerate(range(0, len(recipients), MULTICAST_LIMIT)):
        batch = recipients[start : start + MULTICAST_LIMIT]
        # A batch of one goes as a push (LINE treats both alike); the key keeps its "#i".
        kind = KIND_PUSH if len(batch) == 1 else KIND_MULTICAST
        rows.append(Planned(kind, batch, messages[:MAX_MESSAGES], f"{dedup_key}#{i}"))
    return rows


def write(session: Session, planned: Iterable[Planned]) -> list[int]:
    """Insert the rows whose keys are new, in one statement; return the new ids (also kept in session.info)."""
    rows = list(planned)
    if not rows:
        return []
    payload = json.dumps(
        [{"k": r.kind, "r": r.recipients, "m": r.messages, "rk": r.retry_key, "d": r.dedup_key,
          "s": source_for(session, r.source, r.dedup_key)} for r in rows],
        ensure_ascii=False, separators=(",", ":"),
    )
    table = OutboxMessage.__table__
    now = utcnow()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        src = func.json_array_elements(cast(bindparam("payload", payload, type_=String), JSON)).table_valued("value").alias("src")
        value = src.c.value
        columns = [value.op("->>")("k"), value.op("->")("r"), value.op("->")("m"), value.op("->>")("rk"),
                   value.op("->>")("d"), value.op("->>")("s")]
        insert = pg_insert
    else:
        src = func.json_each(bindparam("payload", payload, type_=String)).table_valued("value").alias("src")
        value = src.c.value
        columns = [func.json_extract(value, f"$.{k}") for k in ("k", "r", "m", "rk", "d", "s")]
        insert = sqlite_insert
    select_rows = (
        select(
            *columns,
            literal(PENDING, String),
            literal(0),
            literal(now, table.c.created_at.type),
            literal(now, table.c.next_attempt_at.type),
        )
        .select_from(src)
        # SQLite needs a WHERE between INSERT .. SELECT .. FROM and ON CONFLICT to parse it.
        .where(true())
    )
    stmt = (
        insert(table)
        .from_select(
            ["kind", "recipients", "messages", "retry_key", "dedup_key", "source", "status", "attempts",
             "created_at", "next_attempt_at"],
            select_rows,
        )
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(table.c.id)
    )
    ids = sorted(session.execute(stmt).scalars().all())
    session.info.setdefault(NEW_IDS, []).extend(ids)
    return ids


def written_ids(session: Session) -> list[int]:
    """Return (and forget) the ids this session wrote; call after commit."""
    return list(session.info.pop(NEW_IDS, []))
