"""The HR console at /admin/: one blueprint per area, nested in one parent that signs people in.

Every area is a module of this package exposing ``bp`` (a Blueprint) and optionally ``NAV``
(endpoint, Thai label) for the menu. To add an area, add its module name to AREAS. The parent
blueprint checks, before any area's view runs: the CSRF token of every POST, a signed-in
session for every page but the login, and the ``hr`` role for anything that changes data.
"""
from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, abort, g, render_template, request, send_from_directory
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from bot.console import filters
from bot.console.auth import ConsoleUser, load_user
from models.outbox import SOURCE_CONSOLE, begin_feature, end_feature

URL_PREFIX = "/admin"
# One line per area, in menu order; each module has `bp` and may have `NAV`.
AREAS: tuple[str, ...] = (
    "auth",
    "home",
    "staff",
    "courses",
    "requests",
    "reports",
    "linkcodes",
    "uploads",
    "settings",
    "quota",
    "privacy",
    "attendance",
    "evaluation",
    "dashboard",
    "plan",
    "plan_import",
)
# Endpoints open without a session (the login page and what it needs to look right).
PUBLIC_ENDPOINTS = frozenset({"console.auth.login", "console.static", "console.font"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FONT_FILES = {"Regular": "Sarabun-Regular.ttf", "Bold": "Sarabun-Bold.ttf", "SemiBold": "Sarabun-SemiBold.ttf"}

csrf = CSRFProtect()
login_manager = LoginManager()
bp = Blueprint("console", __name__, url_prefix=URL_PREFIX, template_folder="templates",
               static_folder="static", static_url_path="/static")


def init_console(app: Flask) -> None:
    """Mount the console at /admin/ with its sessions, CSRF checks and cookie rules."""
    config = app.extensions["bot"].config
    local = bool(config.TESTING or config.DEVELOPMENT)
    app.config.update(
        # Outside development and tests the console is served over HTTPS only.
        SESSION_COOKIE_SECURE=not local, REMEMBER_COOKIE_SECURE=not local,
        SESSION_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        # The console checks tokens itself (below), so /callback and the simulator stay untouched.
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    app.config.setdefault("WTF_CSRF_ENABLED", True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "console.auth.login"
    login_manager.login_message = "กรุณาเข้าสู่ระบบก่อนค่ะ"
    login_manager.session_protection = "basic"
    filters.register(app)
    app.extensions["console_nav"] = _assemble()
    app.register_blueprint(bp)


_NAV: list[tuple[str, str]] = []


def _assemble() -> tuple[tuple[str, str], ...]:
    """Nest every area's blueprint in the console's, once per process (apps share blueprints)."""
    if not _NAV and not bp._got_registered_once:
        for name in AREAS:
            module = importlib.import_module(f"bot.console.{name}")
            bp.register_blueprint(module.bp)
            if getattr(module, "NAV", None):
                _NAV.append(module.NAV)
    return tuple(_NAV)


@bp.before_request
def guard() -> Any:
    """Check CSRF, the session and the role before any console view runs."""
    # What a page tells people in the chat is counted as the console's pushes.
    g.outbox_feature = begin_feature(SOURCE_CONSOLE)
    if request.method not in SAFE_METHODS:
        csrf.protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    # Viewers read: nothing that changes data is theirs, whatever the view forgot to say.
    if request.method not in SAFE_METHODS and not current_user.can_edit \
            and request.endpoint != "console.auth.logout":
        abort(403)
    return None


@bp.teardown_request
def forget_feature(_exc: BaseException | None) -> None:
    """End the request's outbox source, so a reused thread does not carry it on."""
    token = g.pop("outbox_feature", None)
    if token is not None:
        end_feature(token)


@bp.after_request
def no_store(response: Response) -> Response:
    """Keep personal data out of shared caches and the back button after sign-out."""
    if request.endpoint not in ("console.static", "console.font"):
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.app_context_processor
def console_context() -> dict[str, Any]:
    """Give every template the menu and the signed-in account."""
    from flask import current_app

    return {"console_nav": current_app.extensions.get("console_nav", ()), "current_admin": current_user}


@bp.errorhandler(CSRFError)
def csrf_failed(_exc: CSRFError) -> tuple[str, int]:
    """Refuse a form without a valid token, in Thai."""
    return render_template("console/error.html", code=400, title="แบบฟอร์มหมดอายุ",
                           message="แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งจากหน้าของระบบ กรุณาเปิดหน้าใหม่แล้วลองอีกครั้งค่ะ"), 400


@bp.errorhandler(403)
def forbidden(_exc: HTTPException) -> tuple[str, int]:
    """Tell a viewer the page is for HR, in Thai."""
    return render_template("console/error.html", code=403, title="ไม่มีสิทธิ์",
                           message="บัญชีนี้ดูข้อมูลได้อย่างเดียว การแก้ไขทำได้เฉพาะเจ้าหน้าที่งานบุคคลค่ะ"), 403


@bp.errorhandler(404)
def not_found(_exc: HTTPException) -> tuple[str, int]:
    """Say a record is not there, in Thai."""
    return render_template("console/error.html", code=404, title="ไม่พบข้อมูล",
                           message="ไม่พบข้อมูลที่ต้องการ อาจถูกลบหรือพิมพ์ที่อยู่ผิดค่ะ"), 404


@bp.errorhandler(413)
def too_large(_exc: HTTPException) -> tuple[str, int]:
    """Refuse an upload over the size limit, in Thai."""
    return render_template("console/error.html", code=413, title="ไฟล์ใหญ่เกินไป",
                           message="ไฟล์ใหญ่เกินไป (ไม่เกิน 16 MB) กรุณาแบ่งเป็นหลายไฟล์ค่ะ"), 413


@bp.get("/font/<weight>.ttf")
def font(weight: str) -> Response:
    """Serve Sarabun from the fontpkg-sarabun package: no CDN, Thai reads well everywhere."""
    import fontpkg_sarabun

    filename = FONT_FILES.get(weight)
    if filename is None:
        abort(404)
    return send_from_directory(fontpkg_sarabun.ROOT / "files", filename, mimetype="font/ttf", max_age=86400)


__all__ = ["AREAS", "ConsoleUser", "bp", "csrf", "init_console"]
