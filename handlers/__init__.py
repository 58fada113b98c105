"""Chat features: one package (or module) per feature, listed once in FEATURES.

Each feature exposes `router` (handlers.kit.router.Router) and, if it has reminders,
`reminders` (scheduler.registry.Reminders). Order matters only for text matchers (checked in
this order before intents) and for the order the clock runs jobs due at the same minute.
"""
from __future__ import annotations

from types import ModuleType

from handlers import approvals, attendance, courses, executive, help, linking, notifications, privacy, reports, requests
from handlers.kit.router import Dispatcher, Router
from scheduler.registry import ClockJob, collect

FEATURES: tuple[ModuleType, ...] = (linking, help, reports, courses, approvals, requests, notifications, privacy,
                                    attendance, executive)


def routers() -> list[Router]:
    """Return every feature's router."""
    return [feature.router for feature in FEATURES]


def build_dispatcher() -> Dispatcher:
    """Merge the routers; a handler registered twice fails here, at start-up."""
    return Dispatcher(routers())


def clock_jobs() -> tuple[ClockJob, ...]:
    """Return every feature's clock jobs; an id registered twice fails here, at start-up."""
    return collect(feature.reminders for feature in FEATURES if hasattr(feature, "reminders"))
