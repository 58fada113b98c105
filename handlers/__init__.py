"""Chat features: one module per feature, each with its own Router; this file includes them.

Order matters only for text matchers (checked in this order before intents).
"""
from __future__ import annotations

from handlers.router import Dispatcher, Router


def routers() -> list[Router]:
    """Return every feature's router."""
    from handlers import help, linking, reports
    from handlers import approvals, courses, requests
    from handlers import notifications
    from handlers import privacy

    return [linking.router, help.router, reports.router, courses.router, approvals.router, requests.router,
            notifications.router, privacy.router]


def build_dispatcher() -> Dispatcher:
    """Merge the routers; a handler registered twice fails here, at start-up."""
    return Dispatcher(routers())
