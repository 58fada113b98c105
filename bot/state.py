"""The long-lived objects of one app: database, LINE gateway, dispatcher, codec."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app

from bot.config import Config
from bot.db import Database
from bot.line import LineGateway
from bot.sender import Sender
from bot.standin import StandIn
from handlers.kit.context import Services
from models.base import utcnow

if TYPE_CHECKING:  # the router imports line-bot-sdk's webhook models: built on first use
    from handlers.kit.router import Dispatcher

log = logging.getLogger(__name__)


@dataclass
class BotState:
    """Everything a request, a CLI command or a job needs; kept in app.extensions['bot']."""

    config: Config
    db: Database
    services: Services
    channel_secret: str
    gateway: LineGateway | None = None
    standin: StandIn | None = None
    sender: Sender | None = None  # the process's sender (None when not connected)
    reply_sender: Sender | None = None  # the inbox lanes' sender: an event's replies, at once
    extras: dict[str, Any] = field(default_factory=dict)
    # How far the simulator's เลื่อนเวลา moved the chat's clock; always zero on LINE.
    clock_offset: timedelta = timedelta(0)
    _dispatcher: Dispatcher | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _validator: tuple[str, Any] | None = None  # (the secret it checks, line-bot-sdk's validator)

    @property
    def dispatcher(self) -> Dispatcher:
        """Return the chat's dispatcher, built on first use (servers build it at start-up)."""
        if self._dispatcher is None:
            with self._lock:
                if self._dispatcher is None:
                    from handlers import build_dispatcher

                    self._dispatcher = build_dispatcher()
        return self._dispatcher

    def now(self) -> datetime:
        """Return the chat's clock (UTC): real time, moved by the simulator's time travel."""
        return utcnow() + self.clock_offset

    @property
    def validator(self) -> Any:
        """Return the signature validator (line-bot-sdk's), or None when no channel secret exists."""
        if not self.channel_secret:
            return None
        held = self._validator
        if held is None or held[0] != self.channel_secret:  # built once per secret, not per call
            from linebot.v3 import SignatureValidator  # loads the SDK's webhook models: only where webhooks come

            held = self._validator = (self.channel_secret, SignatureValidator(self.channel_secret))
        return held[1]

    def warm(self, *, webhook: bool = False, chat: bool = False) -> None:
        """Load now what the first webhook call or the first chat event would otherwise wait for."""
        if webhook:
            _ = self.validator
        if chat:
            _ = self.dispatcher  # a handler registered twice fails here, at start-up

    @property
    def connected(self) -> bool:
        """Tell whether messages can leave (to LINE or the simulator's stand-in)."""
        return self.gateway is not None


def state() -> BotState:
    """Return the current app's BotState."""
    return current_app.extensions["bot"]  # type: ignore[no-any-return]
