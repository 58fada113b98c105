"""What a handler gets besides the event: the session, who is asking, and a way to tell others."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from handlers.kit.messages import Message
from handlers.kit.postback import Postback, PostbackCodec
from models.conversation import Conversation, end_conversation
from models.org import Staff, hr_officers, hr_unit_name
from models.outbox import enqueue_multicast, enqueue_push
from thai.dates import today_bangkok
from thai.nlu import ParsedIntent


class ContentTooLarge(Exception):
    """What a user sent is larger than fetch_content accepts."""


@dataclass
class Services:
    """Long-lived things a handler may need, built once per app."""

    codec: PostbackCodec
    upload_dir: str
    # (message_id, max_bytes) -> (bytes, content type), raising ContentTooLarge past
    # max_bytes; None when not connected to LINE.
    fetch_content: Callable[[str, int], tuple[bytes, str]] | None = None
    # Called after a person's roles or link change, to give them the right rich menu.
    on_menu_change: Callable[[Session, Staff], None] | None = None
    # (kind, record id, the public_base_url setting) -> a signed, expiring link to a document the
    # app serves (a certificate); None when there is no address. Features never import bot for it.
    document_url: Callable[[str, int, str], str | None] | None = None


@dataclass
class Ctx:
    """One event's context; the dispatcher builds it, handlers read it and add to the outbox."""

    session: Session
    services: Services
    line_user_id: str
    staff: Staff | None
    now: datetime
    settings: dict[str, Any]
    conversation: Conversation | None = None
    intent: ParsedIntent | None = None
    postback: Postback | None = None
    notes: list[Message] = field(default_factory=list)

    @property
    def hr(self) -> str:
        """Return how messages name the HR unit (the setting hr_unit_name), for T's {hr}."""
        return hr_unit_name(self.settings)

    @property
    def today(self) -> date:
        """Return today's date in Bangkok."""
        return today_bangkok(self.now)

    def end_flow(self) -> bool:
        """End this user's multi-step flow; a racing tap may have ended it already, which is fine."""
        ended = end_conversation(session=self.session, line_user_id=self.line_user_id)
        self.conversation = None
        return ended

    def pack(self, action: StrEnum, id: int | None = None, arg: str | int = "") -> str:
        """Return signed postback data for a button."""
        return self.services.codec.pack(action, id, arg)

    def push(self, to: Staff | None, messages: list[Message], dedup_key: str | None = None,
             source: str | None = None) -> bool:
        """Queue messages for one person; False when they cannot receive pushes."""
        return push_to(self.session, to, messages, dedup_key, source)

    def tell_hr(self, messages: list[Message], dedup_key: str | None = None) -> int:
        """Queue one message for every reachable HR officer; return how many."""
        return multicast_to(self.session, hr_officers(session=self.session), messages, dedup_key)


def push_to(session: Session, to: Staff | None, messages: list[Message], dedup_key: str | None = None,
            source: str | None = None) -> bool:
    """Queue a push to a staff member if they can receive it (source: the feature, when not the transaction's)."""
    if to is None or not to.can_receive:
        return False
    assert to.line_user_id is not None
    enqueue_push(session=session, to=to.line_user_id, messages=messages, dedup_key=dedup_key, source=source)
    return True


def multicast_to(session: Session, people: Iterable[Staff], messages: list[Message], dedup_key: str | None = None,
                 source: str | None = None) -> int:
    """Queue one identical message to every reachable person; return how many."""
    ids = [p.line_user_id for p in people if p.can_receive and p.line_user_id]
    if ids:
        enqueue_multicast(session=session, to=ids, messages=messages, dedup_key=dedup_key, source=source)
    return len(ids)
