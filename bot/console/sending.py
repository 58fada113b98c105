"""What the courses, requests and reports pages tell people in the chat, delivered after commit."""
from __future__ import annotations

import logging

from bot.sender import deliver
from bot.state import state
from handlers.kit.context import Ctx
from models.base import utcnow
from sqlalchemy.orm import Session

from models.org import get_settings

log = logging.getLogger(__name__)


def chat_context(session: Session) -> Ctx:
    """Return a chat context for telling people things from a console page (nobody is "asking")."""
    s = state()
    return Ctx(session=session, services=s.services, line_user_id="", staff=None, now=utcnow(),
               settings=get_settings(session=session))


def deliver_now(ids: list[int]) -> None:
    """Send the outbox rows a page's transaction queued, after its commit (the clock retries the rest)."""
    if not ids:
        return
    s = state()
    try:
        deliver(s.db, s.gateway, ids)
    except Exception:  # the change is committed; the clock sends whatever is left
        log.exception("delivering %s console outbox rows failed", len(ids))
