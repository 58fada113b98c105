"""Console sign-in accounts: HR officers who edit and viewers (executives, auditors) who read."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from models.audit import audit
from models.base import Base, utcnow

ADMIN_HR = "hr"
ADMIN_VIEWER = "viewer"
ADMIN_ROLES = (ADMIN_HR, ADMIN_VIEWER)
ADMIN_ROLE_NAMES = {ADMIN_HR: "เจ้าหน้าที่งานบุคคล (แก้ไขได้)", ADMIN_VIEWER: "ผู้ดูข้อมูล (อ่านอย่างเดียว)"}

LOGIN_FAILURES = 5
LOGIN_LOCK = timedelta(minutes=15)
MIN_PASSWORD = 10
# scrypt (werkzeug's default since 2.3) is memory-hard; the parameters are kept in the hash.
HASH_METHOD = "scrypt"
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,60}$")
# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
# A fixed hash of a throwaway word, not one made at import: scrypt takes ~0.1 s of every process's
# start (each CLI command). Its parameters must stay those of new hashes (tests/test_console_auth.py).
_DUMMY_HASH = ("scrypt:32768:8:1$Dky4v7dkoN6wxXmn$666d396bc86763ea419e74db30b2b95c04548913736c1303aa378929ff5accf9"
               "d5b0312588641ab39575194c915bc8a289babb939aedb70f5b30d3c5f0e82188")


class AdminUser(Base):
    """One console account; only the password's hash is kept."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=ADMIN_VIEWER)
    # The staff member behind the account, when there is one: audit rows name them as actor.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def can_edit(self) -> bool:
        """Tell whether the account may change data (role hr)."""
        return self.role == ADMIN_HR

    @property
    def role_name(self) -> str:
        """Return the role in Thai."""
        return ADMIN_ROLE_NAMES.get(self.role, self.role)


class AdminError(ValueError):
    """A console account could not be made or changed; the message is Thai, for the operator."""


class SignIn(enum.Enum):
    """How a sign-in attempt ended."""

    OK = "ok"
    WRONG = "wrong"  # unknown user, wrong password or a disabled account (never told apart)
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInOutcome:
    """The result, the account when signed in, and the end of a lock-out."""

    result: SignIn
    user: AdminUser | None = None
    locked_until: datetime | None = None


def check_password_rules(password: str) -> None:
    """Refuse a password that is too short or too plain."""
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD} ตัวอักษร")
    if password.isdigit() or len(set(password)) < 4:
        raise AdminError("รหัสผ่านเดาง่ายเกินไป กรุณาผสมตัวอักษรและตัวเลข")


def admin_by_username(*, session: Session, username: str) -> AdminUser | None:
    """Return the account of a username (case-insensitive), if any."""
    name = username.strip().lower()
    return session.scalar(select(AdminUser).where(AdminUser.username == name))


def create_admin(*, session: Session, username: str, password: str, role: str = ADMIN_HR,
                 staff_id: int | None = None) -> AdminUser:
    """Create a console account with a hashed password."""
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise AdminError("ชื่อผู้ใช้ต้องเป็นตัวอักษรอังกฤษ ตัวเลข . _ - ยาว 3-60 ตัว")
    if role not in ADMIN_ROLES:
        raise AdminError(f"ไม่รู้จักบทบาท “{role}” (ใช้ได้: {', '.join(ADMIN_ROLES)})")
    if admin_by_username(session=session, username=name) is not None:
        raise AdminError(f"มีชื่อผู้ใช้ {name} อยู่แล้ว")
    check_password_rules(password)
    user = AdminUser(username=name, password_hash=generate_password_hash(password, method=HASH_METHOD),
                     role=role, staff_id=staff_id, active=True, failed_logins=0)
    session.add(user)
    session.flush()
    audit(session=session, action="admin.created", subject_type="admin_user", subject_id=user.id, role=role)
    return user


def reset_password(*, session: Session, username: str, password: str) -> AdminUser:
    """Set a new password, lift any lock-out and reopen a closed account (someone who came back)."""
    user = admin_by_username(session=session, username=username)
    if user is None:
        raise AdminError(f"ไม่พบชื่อผู้ใช้ {username.strip().lower()}")
    check_password_rules(password)
    user.password_hash = generate_password_hash(password, method=HASH_METHOD)
    user.failed_logins = 0
    user.locked_until = None
    reopened, user.active = not user.active, True
    audit(session=session, action="admin.password_reset", subject_type="admin_user", subject_id=user.id,
          reopened=reopened)
    return user


def list_admins(*, session: Session) -> list[AdminUser]:
    """Return every console account, by username."""
    return list(session.scalars(select(AdminUser).order_by(AdminUser.username)))


def sign_in(*, session: Session, username: str, password: str, now: datetime | None = None) -> SignInOutcome:
    """Check a username and password; five failures in a row lock the account for 15 minutes."""
    now = now or utcnow()
    user = admin_by_username(session=session, username=username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return SignInOutcome(SignIn.WRONG)
    if user.locked_until is not None and user.locked_until > now:
        # Not even checked while locked: guessing on during the lock gains nothing.
        return SignInOutcome(SignIn.LOCKED, locked_until=user.locked_until)
    if not check_password_hash(user.password_hash, password) or not user.active:
        # Counted in the database, not in Python: guesses sent in parallel each count.
        failures = session.execute(
            update(AdminUser).where(AdminUser.id == user.id)
            .values(failed_logins=AdminUser.failed_logins + 1).returning(AdminUser.failed_logins)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        session.refresh(user)
        if failures >= LOGIN_FAILURES:
            user.failed_logins = 0
            user.locked_until = now + LOGIN_LOCK
            audit(session=session, action="admin.locked", subject_type="admin_user", subject_id=user.id)
            return SignInOutcome(SignIn.LOCKED, locked_until=user.locked_until)
        return SignInOutcome(SignIn.WRONG)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return SignInOutcome(SignIn.OK, user)


def password_matches(user: AdminUser, password: str) -> bool:
    """Tell whether a password is an account's current one (no lock-out bookkeeping)."""
    return check_password_hash(user.password_hash, password)


def session_token(user: AdminUser) -> str:
    """Return what a browser session carries: the id and a piece of the hash (a reset ends old sessions)."""
    return f"{user.id}:{user.password_hash[-12:]}"


def admin_for_token(*, session: Session, token: str) -> AdminUser | None:
    """Return the active account a session token belongs to, if it is still valid."""
    ident, _, tail = token.partition(":")
    if not ident.isdigit():
        return None
    user = session.get(AdminUser, int(ident))
    if user is None or not user.active or user.password_hash[-12:] != tail:
        return None
    return user
