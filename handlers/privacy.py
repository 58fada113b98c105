"""ข้อมูลของฉัน: a person sees what is kept about them, where it goes and whom to ask (PDPA).

The summary is the same one HR's export prints (models.privacy.describe), so the chat, the
command line and the console never disagree about what is stored.
"""
from __future__ import annotations

from typing import Any

from handlers.context import Ctx
from handlers.messages import Message, text
from handlers.router import Router
from models.audit import audit
from models.privacy import describe, export_staff_data
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
