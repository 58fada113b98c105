"""Courses: finding open courses and registering for one (chat.py), and the clock's closing-soon
announcements and training-next reminders (reminders.py)."""
from __future__ import annotations

from handlers.courses.chat import router
from handlers.courses.reminders import reminders

__all__ = ["reminders", "router"]
