"""ข้อมูลของฉัน: a person sees what is kept about them, where it goes and whom to ask (PDPA);
and the retention job, which purges what is older than the organisation keeps it.

The summary is the same one HR's export prints (models.privacy.describe), so the chat, the
command line and the console never disagree about what is stored.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.kit.context import Ctx
from handlers.kit.messages import Message, text
from handlers.kit.router import Router
from models.audit import audit
from models.privacy import describe, export_staff_data
from models.retention import purge_expired
from scheduler.registry import Reminders, working_days_at
from thai.nlu import Intent

router = Router("privacy")


@router.intent(Intent.MY_DATA)
def my_data(event: Any, ctx: Ctx) -> Message:
    """Show the person what the system keeps about them and where it goes."""
    assert ctx.staff is not None
    data = export_staff_data(session=ctx.session, staff=ctx.staff)
    audit(session=ctx.session, action="staff.viewed_own_data", subject_type="staff", subject_id=ctx.staff.id,
          actor_id=ctx.staff.id)
    return text(describe(data, ctx.settings))


reminders = Reminders("privacy")


@reminders.job("privacy-retention", trigger=working_days_at("daily_reminders_time"))
def retention(*, session: Session, now: datetime, codec: Any, settings: Mapping[str, Any]) -> dict[str, int]:
    """Purge records older than retention_years and bookkeeping past its window (files go to the trash)."""
    return purge_expired(session=session, now=now, settings=dict(settings)).counts
