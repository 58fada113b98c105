"""The console's home page: the organisation at a glance."""
from __future__ import annotations

from flask import Blueprint, render_template

from bot.console.auth import login_required
from bot.state import state
from models.org import get_settings
from models.staff import staff_counts
from thai.dates import today_bangkok

bp = Blueprint("home", __name__)
NAV = ("console.home.index", "หน้าหลัก")


@bp.get("/")
@login_required
def index() -> str:
    """Show how many staff there are and how many have linked LINE."""
    with state().db.transaction() as db:
        counts = staff_counts(session=db)
        org_name = get_settings(session=db)["org_name"]
    return render_template("console/home.html", counts=counts, org_name=org_name, today=today_bangkok())
