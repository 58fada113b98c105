"""Post-training reports: the wizard (wizard.py, steps.py), supervisor review (review.py), not
attended (absent.py), history (history.py), the cards (cards.py), the Thai text (text.py) and the
clock's follow-ups (reminders.py). Importing the package registers every handler and job."""
from __future__ import annotations

from handlers.reports import absent, history, review, wizard
from handlers.reports.cards import owed_reports_message, report_button
from handlers.reports.common import router
from handlers.reports.reminders import reminders

__all__ = ["absent", "history", "owed_reports_message", "reminders", "report_button", "review", "router", "wizard"]
