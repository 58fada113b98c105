"""Signing in and out, the signed-in account, and the page decorators every area uses.

    from bot.console.auth import login_required, hr_required, current_admin
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_login import login_required as _flask_login_required

from bot.state import state
from models.admin import ADMIN_HR, AdminUser, SignIn, admin_for_token, session_token, sign_in
from thai.dates import to_bangkok

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


class T:
    """The sign-in page's Thai text."""

    WRONG = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้องค่ะ"
    LOCKED = "ใส่รหัสผ่านผิดหลายครั้ง บัญชีถูกล็อกชั่วคราว ลองใหม่ได้หลังเวลา {time} น. ค่ะ"
    EMPTY = "กรุณากรอกชื่อผู้ใช้และรหัสผ่านค่ะ"
    SIGNED_OUT = "ออกจากระบบแล้วค่ะ"
    OWN_RECORD = ("นี่คือข้อมูลของท่านเอง ซึ่งผูกกับบัญชีที่ใช้อยู่ หากดำเนินการต่อ ท่านจะเข้าหน้าจัดการระบบไม่ได้อีก "
                  "กรุณาให้เจ้าหน้าที่ HR อีกท่านดำเนินการ หรือใช้คำสั่งของผู้ดูแลระบบค่ะ")


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in account as Flask-Login sees it (a plain copy, never a live ORM row)."""

    admin_id: int
    username: str
    role: str
    staff_id: int | None
    token: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    @classmethod
    def of(cls, user: AdminUser) -> ConsoleUser:
        """Copy an account row."""
        return cls(user.id, user.username, user.role, user.staff_id, session_token(user))

    @property
    def can_edit(self) -> bool:
        """Tell whether this account may change data."""
        return self.role == ADMIN_HR

    def get_id(self) -> str:
        """Return what the session cookie carries."""
        return self.token


def load_user(token: str) -> ConsoleUser | None:
    """Flask-Login's loader: the account behind a session, while its password is unchanged."""
    with state().db.transaction() as db:
        user = admin_for_token(session=db, token=token)
        return ConsoleUser.of(user) if user is not None else None


def current_admin() -> ConsoleUser:
    """Return the signed-in account (views behind login_required only)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def own_record(staff_id: int) -> bool:
    """True when a staff record is the signed-in account's own (closing it would lock them out)."""
    return current_admin().staff_id == staff_id


def actor() -> dict[str, int | None]:
    """Return the audit fields naming who acted: the console account and its staff member."""
    user = current_admin()
    return {"admin_id": user.admin_id, "actor_id": user.staff_id}


def login_required(view: F) -> F:
    """Let only signed-in accounts see a page (the console's guard checks it too)."""
    return _flask_login_required(view)  # type: ignore[no-any-return]


def hr_required(view: F) -> F:
    """Let only `hr` accounts use a view; a viewer gets the Thai 403 page."""
    @wraps(view)
    @_flask_login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.can_edit:
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _safe_next(target: str | None) -> str:
    # Only a path inside the console: never another site, never a scheme-relative //host.
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/admin/") and "\\" not in target:
            return target
    return url_for("console.home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the sign-in form; sign in (five wrong passwords lock the account for 15 minutes)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    error = None
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        if not username or not password:
            error = T.EMPTY
        else:
            with state().db.transaction() as db:
                outcome = sign_in(session=db, username=username, password=password)
                user = ConsoleUser.of(outcome.user) if outcome.user is not None else None
            if outcome.result is SignIn.OK and user is not None:
                # A fresh session at sign-in: nothing from before it (a planted id) survives.
                session.clear()
                login_user(user)
                return redirect(_safe_next(request.args.get("next")))
            if outcome.result is SignIn.LOCKED and outcome.locked_until is not None:
                error = T.LOCKED.format(time=to_bangkok(outcome.locked_until).strftime("%H:%M"))
            else:
                error = T.WRONG
    status = 200 if error is None else 401
    return render_template("console/login.html", error=error, username=username), status


@bp.post("/logout")
def logout() -> Any:
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash(T.SIGNED_OUT, "ok")
    return redirect(url_for("console.auth.login"))
