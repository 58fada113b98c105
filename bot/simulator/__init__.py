"""The built-in LINE simulator page: try the whole story in a browser without a LINE channel.

Registered by create_app only in simulator mode. The page plays the LINE app: the server
builds and signs webhook events as LINE would (with reply tokens from the stand-in), the page
posts them to the real /callback, and reads what the bot sent from the stand-in's deliveries.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "simulator", __name__, url_prefix="/simulator",
    template_folder="templates", static_folder="static", static_url_path="/static",
)

from bot.simulator import views  # noqa: E402,F401  (routes attach themselves to bp)

__all__ = ["bp"]
