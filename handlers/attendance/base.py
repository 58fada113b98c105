"""The feature's router, shared by its modules (each registers its handlers on it)."""
from __future__ import annotations

from handlers.router import Router

router = Router("attendance")
