"""One-time link codes and the attempts made with them."""
from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.audit import audit
from models.base import Base, utcnow
from models.org import Staff
from thai.numbers import to_arabic_digits


class LinkCode(Base):
    """A code HR hands a staff member; only its hash is kept, like a password."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_line_user: Mapped[str | None] = mapped_column(String(64))

    staff: Mapped[Staff] = relationship()


class LinkAttempt(Base):
    """One code typed by a LINE user; failures drive the lock-out."""

    __tablename__ = "link_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean, default=False)


LINK_CODE_TTL = timedelta(days=7)
LOCK_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
CODE_DIGITS = 8


class LinkResult(enum.Enum):
    """How an attempt to link ended."""

    LINKED = "linked"
    RELINKED = "relinked"  # the staff member's link moved to this LINE account
    ALREADY = "already"  # this LINE account was already linked to this person
    WRONG = "wrong"  # unknown, expired or used code
    LOCKED = "locked"


@dataclass(frozen=True)
class LinkOutcome:
    """The result, the person linked (if any) and, when locked, until when."""

    result: LinkResult
    staff: Staff | None = None
    locked_until: datetime | None = None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# A code inside a sentence ("รหัสค่ะ 1234-5678"): four digits, an optional space or dash, four digits.
_CODE_IN_TEXT_RE = re.compile(r"(?<![0-9])([0-9]{4})[ -]?([0-9]{4})(?![0-9])")


def normalise_code(text: str) -> str | None:
    """Return the 8 digits of a typed code (Thai digits, spaces and dashes allowed), or None.

    The code may stand in a sentence, provided it is the only number there: "โทร 081 234 5678"
    or a date is not a code.
    """
    arabic = to_arabic_digits(text)
    digits = arabic.replace(" ", "").replace("-", "")
    if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    found = _CODE_IN_TEXT_RE.findall(arabic)
    if len(found) != 1 or sum(ch.isdigit() for ch in arabic) != CODE_DIGITS:
        return None
    return "".join(found[0])


def create_link_code(*, session: Session, staff: Staff, now: datetime | None = None,
                     admin_id: int | None = None) -> tuple[str, datetime]:
    """Issue a one-time code for a staff member; earlier unused codes stop working."""
    now = now or utcnow()
    for old in session.scalars(select(LinkCode).where(LinkCode.staff_id == staff.id, LinkCode.used_at.is_(None))):
        old.expires_at = min(old.expires_at, now)
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        if session.scalar(select(LinkCode.id).where(LinkCode.code_hash == _hash(code))) is None:
            break
    expires = now + LINK_CODE_TTL
    session.add(LinkCode(staff_id=staff.id, code_hash=_hash(code), created_at=now, expires_at=expires))
    audit(session=session, action="link_code.issued", subject_type="staff", subject_id=staff.id,
          admin_id=admin_id)
    return f"{code[:4]}-{code[4:]}", expires


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued, for the printed slip (the code itself is never stored)."""

    staff: Staff
    code: str
    expires_at: datetime


def issue_link_codes(*, session: Session, people: list[Staff], now: datetime | None = None,
                     admin_id: int | None = None) -> list[IssuedCode]:
    """Issue a fresh code to each active person not yet linked; others are skipped."""
    now = now or utcnow()
    issued = []
    for person in people:
        if person.active and not person.line_user_id:
            code, expires = create_link_code(session=session, staff=person, now=now, admin_id=admin_id)
            issued.append(IssuedCode(person, code, expires))
    return issued


def locked_until(*, session: Session, line_user_id: str, now: datetime) -> datetime | None:
    """Return when the lock-out of a LINE user ends, or None if they may try."""
    failures = list(
        session.scalars(
            select(LinkAttempt.at)
            .where(LinkAttempt.line_user_id == line_user_id, LinkAttempt.success.is_(False),
                   LinkAttempt.at > now - LOCK_WINDOW - LOCK_DURATION)
            .order_by(LinkAttempt.at)
        )
    )
    # Any five failures within 15 minutes lock the user for 15 minutes from the fifth.
    for i in range(len(failures) - 1, LOCK_FAILURES - 2, -1):
        if failures[i] - failures[i - LOCK_FAILURES + 1] <= LOCK_WINDOW:
            until = failures[i] + LOCK_DURATION
            return until if until > now else None
    return None


def redeem_code(*, session: Session, line_user_id: str, code: str, now: datetime | None = None) -> LinkOutcome:
    """Link a LINE account with a code, unless the user is locked out."""
    now = now or utcnow()
    until = locked_until(session=session, line_user_id=line_user_id, now=now)
    if until is not None:
        # Attempts while locked are not counted: the lock ends when it said it would.
        return LinkOutcome(LinkResult.LOCKED, locked_until=until)
    row = session.scalar(select(LinkCode).where(LinkCode.code_hash == _hash(code)))
    if row is None or row.used_at is not None or row.expires_at <= now or not row.staff.active:
        session.add(LinkAttempt(line_user_id=line_user_id, at=now, success=False))
        session.flush()
        until = locked_until(session=session, line_user_id=line_user_id, now=now)
        return LinkOutcome(LinkResult.LOCKED if until else LinkResult.WRONG, locked_until=until)

    staff = row.staff
    # Spend the code with a conditional update: two people typing it at once link one of them.
    spent = session.execute(
        update(LinkCode)
        .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
        .values(used_at=now, used_by_line_user=line_user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:
        session.add(LinkAttempt(line_user_id=line_user_id, at=now, success=False))
        return LinkOutcome(LinkResult.WRONG)
    session.add(LinkAttempt(line_user_id=line_user_id, at=now, success=True))
    if staff.line_user_id == line_user_id:
        return LinkOutcome(LinkResult.ALREADY, staff)
    result = LinkResult.RELINKED if staff.line_user_id else LinkResult.LINKED
    # One LINE account per person and one person per LINE account: whoever held this LINE
    # account before loses it, and the move is audited on both records.
    previous_holder = session.scalar(select(Staff).where(Staff.line_user_id == line_user_id))
    if previous_holder is not None:
        previous_holder.line_user_id = None
        previous_holder.rich_menu_id = None
        session.flush()
        audit(session=session, action="line.unlinked", subject_type="staff", subject_id=previous_holder.id,
              reason="line account linked to another staff member", moved_to=staff.id)
    if staff.line_user_id:
        audit(session=session, action="line.relinked", subject_type="staff", subject_id=staff.id,
              actor_id=staff.id, reason="new LINE account")
    staff.line_user_id = line_user_id
    staff.line_linked_at = now
    staff.reachable = True
    staff.rich_menu_id = None
    audit(session=session, action="line.linked", subject_type="staff", subject_id=staff.id, actor_id=staff.id)
    return LinkOutcome(result, staff)


def mark_unreachable(*, session: Session, line_user_id: str) -> Staff | None:
    """Note that a LINE user blocked the bot: reminders skip them until they follow again."""
    staff = session.scalar(select(Staff).where(Staff.line_user_id == line_user_id))
    if staff is not None:
        staff.reachable = False
        audit(session=session, action="line.unfollowed", subject_type="staff", subject_id=staff.id, actor_id=staff.id)
    return staff


def mark_reachable(*, session: Session, line_user_id: str) -> Staff | None:
    """Note that a LINE user follows (again)."""
    staff = session.scalar(select(Staff).where(Staff.line_user_id == line_user_id, Staff.active.is_(True)))
    if staff is not None and not staff.reachable:
        staff.reachable = True
        staff.rich_menu_id = None
    return staff
