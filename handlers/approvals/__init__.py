"""Approving training requests: อนุมัติ / ไม่อนุมัติ with a reason and รออนุมัติ (chat.py), and the
clock's nudge about decisions left waiting (reminders.py). The card itself is handlers.kit.cards."""
from __future__ import annotations

from handlers.approvals.chat import announce, router
from handlers.approvals.reminders import reminders

__all__ = ["announce", "reminders", "router"]
