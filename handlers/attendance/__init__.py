"""The day and after, one chat feature: check-in, the tests before and after, the evaluation, certificates.

Modules: checkin (the QR's text), quiz (flow "quiz"), evaluation (ratings, flow "eval_comment"),
certificates (ขอเกียรติบัตร), cards (messages, also used by the clock), text (class T),
reminders (the clock's jobs). Tables and rules live in models.attendance.
"""
from __future__ import annotations

from handlers.attendance import certificates, checkin, evaluation, quiz  # noqa: F401 - register handlers
from handlers.attendance.base import AttendanceAction, router
from handlers.attendance.checkin import checkin_text
from handlers.attendance.reminders import reminders

__all__ = ["AttendanceAction", "checkin_text", "reminders", "router"]
