"""SQLAlchemy 2.0 models and domain operations: no Flask, no LINE.

Importing this package registers every table on Base.metadata (Alembic and tests rely on it):
every module of the package is imported here, so a feature's new model module needs no line.
"""
from __future__ import annotations

import importlib
import pkgutil

from models.base import Base, utcnow

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Base", "utcnow"]
