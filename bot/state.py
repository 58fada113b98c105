"""The long-lived objects of one app: database, LINE gateway, dispatcher, codec."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from linebot.v3 import SignatureValidator

from bot.config import Config
from bot.db import Database
from bot.line import LineGateway
from bot.sender import Sender
from bot.standin import StandIn
from handlers.kit.context import Services
from handlers.kit.router import Dispatcher
from models.base import utcnow

log = logging.getLogger(__name__)


@dataclass
class BotState:
    """Everything a request, a CLI command or a job needs; kept in app.extensions['bot']."""

    config: Config
    db: Database
    dispatcher: Dispatcher
    services: Services
    channel_secret: str
    gateway: LineGateway | None = None
    standin: StandIn | None = None
    sender: Sender | None = None  # the process's sender (None when not connected)
    reply_sender: Sender | None = None  # the inbox lanes' sender: an event's replies, at once
    extras: dict[str, Any] = field(default_factory=dict)
    # How far the simulator's เลื่อนเวลา moved the chat's clock; always zero on LINE.
    clock_offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """Return the chat's clock (UTC): real time, moved by the simulator's time travel."""
        return utcnow() + self.clock_offset

    @property
    def validator(self) -> SignatureValidator | None:
        """Return the signature validator, or None when no channel secret exists."""
        return SignatureValidator(self.channel_secret) if self.channel_secret else None

    @property
    def connected(self) -> bool:
        """Tell whether messages can leave (to LINE or the simulator's stand-in)."""
        return self.gateway is not None


def state() -> BotState:
    """Return the current app's BotState."""
    return current_app.extensions["bot"]  # type: ignore[no-any-return]
