"""The executives' chart image at a signed address LINE can fetch without a session."""
from __future__ import annotations

from datetime import date
from urllib.parse import unquote

from flask import Blueprint, Response, abort

from bot.state import state
from handlers.kit.postback import Action
from models.figures import year_figures

bp = Blueprint("charts", __name__, url_prefix="/charts")


@bp.get("/executive/<path:token>.png")
def executive(token: str) -> Response:
    """Draw the month's chart named by a token the monthly card signed (anything else: 404)."""
    bot = state()
    postback = bot.services.codec.unpack(unquote(token))
    if postback is None or postback.action != Action.EXECUTIVE_CHART or postback.id is None:
        abort(404)
    try:
        as_of = date.fromisoformat(postback.arg)
    except ValueError:
        abort(404)
    # Pillow loads with the first chart drawn, not with every process that builds the app.
    from bot.documents.chart_png import executive_chart

    with bot.db.transaction() as session:
        data = executive_chart(year_figures(session=session, fiscal_year=postback.id, today=as_of))
    # Aggregates only (no names); the token pins year and day, so the picture may be cached.
    return Response(data, mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})
