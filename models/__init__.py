"""SQLAlchemy 2.0 models and domain operations: no Flask, no LINE.

Importing this package registers every table on Base.metadata (Alembic and tests rely on it).
"""
from models import admin, audit, conversation, course, events, linking, org, outbox, plan, registration, report
from models.base import Base, utcnow

__all__ = [
    "Base", "admin", "audit", "conversation", "course", "events", "linking", "org", "outbox", "plan",
    "registration", "report", "utcnow",
]
