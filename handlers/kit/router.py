"""Routers: each chat feature declares its handlers on one; the dispatcher merges them.

A handler is a plain function (event, ctx) -> messages. The dispatcher decides who gets an
event: the global ยกเลิก, then text matchers that interrupt any flow (a check-in; the flow stays),
then the flow the user is in, then text matchers (link codes), then the intent of the text; postbacks by their typed action; other events by their type.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from linebot.v3.webhooks import MessageEvent, PostbackEvent, TextMessageContent

from handlers.kit.context import Ctx
from handlers.kit.messages import Message
from handlers.kit.postback import Action
from models.base import utcnow
from models.conversation import end_conversation
from thai.nlu import Intent, parse_intent

log = logging.getLogger(__name__)

Reply = list[Message] | Message | None
Handler = Callable[[Any, Ctx], Reply]


@dataclass(frozen=True)
class Route:
    """A handler and whether it needs a linked staff member."""

    fn: Handler
    staff_only: bool


@dataclass
class Router:
    """The handlers of one chat feature."""

    name: str
    intents: dict[Intent, Route] = field(default_factory=dict)
    postbacks: dict[Action | str, Route] = field(default_factory=dict)
    events: dict[type, Route] = field(default_factory=dict)
    contents: dict[type, Route] = field(default_factory=dict)
    flows: dict[str, Route] = field(default_factory=dict)
    matchers: list[tuple[Callable[[str], bool], Route]] = field(default_factory=list)
    # Matchers that answer even inside another flow (a check-in QR scanned mid-wizard); the flow stays.
    interrupts: list[tuple[Callable[[str], bool], Route]] = field(default_factory=list)
    hooks: dict[str, Handler] = field(default_factory=dict)

    def intent(self, *intents: Intent, staff_only: bool = True) -> Callable[[Handler], Handler]:
        """Handle typed text whose intent is one of these."""
        return self._register(self.intents, intents, staff_only)

    def postback(self, *actions: StrEnum, staff_only: bool = True) -> Callable[[Handler], Handler]:
        """Handle button taps carrying one of these actions."""
        return self._register(self.postbacks, actions, staff_only)

    def event(self, *event_types: type, staff_only: bool = False) -> Callable[[Handler], Handler]:
        """Handle webhook events of these SDK types (follow, unfollow ...)."""
        return self._register(self.events, event_types, staff_only)

    def content(self, *content_types: type, staff_only: bool = False) -> Callable[[Handler], Handler]:
        """Handle messages of these SDK content types (sticker, image ...) outside a flow."""
        return self._register(self.contents, content_types, staff_only)

    def flow(self, name: str, staff_only: bool = True) -> Callable[[Handler], Handler]:
        """Handle every message while the user is in this multi-step flow."""
        return self._register(self.flows, (name,), staff_only)

    def text(self, predicate: Callable[[str], bool], staff_only: bool = False,
             interrupts: bool = False) -> Callable[[Handler], Handler]:
        """Handle text that matches a predicate, before intents are looked at (before flows if interrupts)."""
        def decorator(fn: Handler) -> Handler:
            (self.interrupts if interrupts else self.matchers).append((predicate, Route(fn, staff_only)))
            return fn
        return decorator

    def hook(self, name: str) -> Callable[[Handler], Handler]:
        """Provide a dispatcher hook: 'unlinked' (guidance for strangers) or 'cancelled'."""
        def decorator(fn: Handler) -> Handler:
            self.hooks[name] = fn
            return fn
        return decorator

    @staticmethod
    def _register(table: dict[Any, Route], keys: tuple[Any, ...], staff_only: bool) -> Callable[[Handler], Handler]:
        def decorator(fn: Handler) -> Handler:
            for key in keys:
                table[key] = Route(fn, staff_only)
            return fn
        return decorator


def as_list(reply: Reply) -> list[Message]:
    """Normalise what a handler returned to a list of messages."""
    if reply is None:
        return []
    if isinstance(reply, dict):
        return [reply]
    return list(reply)


class Dispatcher:
    """All routers merged; a key handled twice is a programming error, caught at start-up."""

    def __init__(self, routers: list[Router]) -> None:
        self.merged = Router("all")
        for router in routers:
            for attr in ("intents", "postbacks", "events", "contents", "flows", "hooks"):
                target, source = getattr(self.merged, attr), getattr(router, attr)
                clash = set(target) & set(source)
                if clash:
                    raise RuntimeError(f"{router.name} handles {clash} again")
                target.update(source)
            self.merged.matchers.extend(router.matchers)
            self.merged.interrupts.extend(router.interrupts)
        for needed in ("unlinked", "fallback", "cancelled", "expired", "bad_postback"):
            if needed not in self.merged.hooks:
                raise RuntimeError(f"no router provides the '{needed}' hook")

    def dispatch(self, event: Any, ctx: Ctx) -> list[Message]:
        """Return the reply to one event (handlers also queue pushes through ctx)."""
        m = self.merged
        if isinstance(event, MessageEvent):
            reply = self._message(event, ctx)
            return ctx.notes + reply
        if isinstance(event, PostbackEvent):
            postback = ctx.services.codec.unpack(event.postback.data)
            if postback is None or postback.action not in m.postbacks:
                log.warning("postback with data we did not sign")
                return as_list(m.hooks["bad_postback"](event, ctx))
            ctx.postback = postback
            return self._call(m.postbacks[postback.action], event, ctx)
        route = m.events.get(type(event))
        return self._call(route, event, ctx) if route else []

    def _message(self, event: MessageEvent, ctx: Ctx) -> list[Message]:
        m = self.merged
        content = event.message
        text = content.text.strip() if isinstance(content, TextMessageContent) else None
        conv = ctx.conversation
        if conv is not None and conv.expires_at <= utcnow():
            end_conversation(session=ctx.session, line_user_id=ctx.line_user_id)
            ctx.notes.extend(as_list(m.hooks["expired"](event, ctx)))
            conv = ctx.conversation = None
        if text is not None:
            ctx.intent = parse_intent(text)
        if text is not None and len(text) <= 30 and ctx.intent and ctx.intent.intent is Intent.CANCEL:
            return as_list(m.hooks["cancelled"](event, ctx))
        for predicate, route in m.interrupts if text is not None else ():
            if predicate(text):
                return self._call(route, event, ctx)
        if conv is not None and conv.flow in m.flows:
            return self._call(m.flows[conv.flow], event, ctx)
        if text is None:
            route = m.contents.get(type(content)) or m.contents.get(object)
            return self._call(route, event, ctx) if route else []
        for predicate, route in m.matchers:
            if predicate(text):
                return self._call(route, event, ctx)
        assert ctx.intent is not None
        route = m.intents.get(ctx.intent.intent) or m.intents[Intent.UNKNOWN]
        return self._call(route, event, ctx)

    def _call(self, route: Route | None, event: Any, ctx: Ctx) -> list[Message]:
        if route is None:
            return []
        if route.staff_only and ctx.staff is None:
            return as_list(self.merged.hooks["unlinked"](event, ctx))
        return as_list(route.fn(event, ctx))
