"""Courses: finding open courses and registering for one (chat.py), the clock's closing-soon
announcements and training-next reminders (reminders.py), and new-course announcements (announce.py)."""
from __future__ import annotations

from handlers.courses.chat import router
from handlers.courses import announce  # noqa: F401  (registers its job on reminders)
from handlers.courses.reminders import reminders

__all__ = ["reminders", "router"]
