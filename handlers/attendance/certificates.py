"""ขอเกียรติบัตร: the person's certificates as links (LINE bots cannot send PDF files)."""
from __future__ import annotations

from typing import Any

from handlers.attendance import cards
from handlers.attendance.base import router
from handlers.attendance.text import T
from handlers.kit.context import Ctx
from handlers.kit.messages import Message, text
from handlers.attendance.base import AttendanceAction as Action
from models.attendance import certificates_of
from thai.nlu import Intent


@router.intent(Intent.CERTIFICATE)
@router.postback(Action.CERTIFICATES)
def my_certificates(event: Any, ctx: Ctx) -> list[Message]:
    """Give the person every certificate they have, each a signed, expiring link."""
    assert ctx.staff is not None
    found = certificates_of(session=ctx.session, staff_id=ctx.staff.id)
    if not found:
        return [text(T.CERT_NONE)]
    return cards.certificates_message(found, ctx.services.document_url, ctx.settings)
