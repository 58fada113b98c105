"""Chat features: one package (or module) per feature, listed once in FEATURES.

Each feature exposes `router` (handlers.kit.router.Router) and, if it has reminders,
`reminders` (scheduler.registry.Reminders). Order matters only for text matchers (checked in
this order before intents) and for the order the clock runs jobs due at the same minute.
"""
from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

from scheduler.registry import ClockJob, collect

if TYPE_CHECKING:  # the router imports line-bot-sdk's webhook models: loaded with the features
    from handlers.kit.router import Dispatcher, Router

FEATURES: tuple[str, ...] = ("linking", "help", "reports", "courses", "approvals", "requests", "notifications",
                             "privacy", "attendance", "executive")


def features() -> tuple[ModuleType, ...]:
    """Import the features (in FEATURES order) and return their modules."""
    # Imported when first asked for, not with this package: handlers.kit is used by the console
    # and the LINE gateway too, and an operator command should not load every feature (and
    # line-bot-sdk's webhook models, a large import) to print its help.
    return tuple(import_module(f"{__name__}.{name}") for name in FEATURES)


def routers() -> list[Router]:
    """Return every feature's router."""
    return [feature.router for feature in features()]


def build_dispatcher() -> Dispatcher:
    """Merge the routers; a handler registered twice fails here, at start-up."""
    from handlers.kit.router import Dispatcher

    return Dispatcher(routers())


def clock_jobs() -> tuple[ClockJob, ...]:
    """Return every feature's clock jobs; an id registered twice fails here, at start-up."""
    return collect(feature.reminders for feature in features() if hasattr(feature, "reminders"))
