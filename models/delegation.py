"""Stand-ins (รักษาราชการแทน): who acts for an approver over a date range.

One rule says who acts for an approval step on a date: the approver, or their stand-in while a
live range covers that date. It is written once, as a SQL expression (`acting_approver`), so the
same words serve one row (`acting_for`) and a whole table (the clock's nudges, waiting lists).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    bindparam,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, relationship

from models.audit import audit
from models.base import Base, utcnow
from models.org import Staff
from thai.dates import format_date

REASON_MAX = 300


class Delegation(Base):
    """A stand-in for an approver from starts_on to ends_on (both included, Bangkok dates)."""

    __tablename__ = "delegations"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="range"),
        CheckConstraint("stand_in_id <> approver_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    stand_in_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    # The console user who set it (a name for the page; the audit trail has the rest).
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    approver: Mapped[Staff] = relationship(foreign_keys=[approver_id], lazy="joined")
    stand_in: Mapped[Staff] = relationship(foreign_keys=[stand_in_id], lazy="joined")


class T:
    """What the domain says when it refuses (shown to HR as it is)."""

    SELF = "ผู้รักษาราชการแทนต้องไม่ใช่ผู้อนุมัติคนเดียวกันค่ะ"
    UNKNOWN = "ไม่พบบุคลากรที่เลือก หรือบุคลากรนี้พ้นจากหน่วยงานแล้วค่ะ"
    RANGE = "วันที่สิ้นสุดต้องไม่ก่อนวันที่เริ่มค่ะ"
    PAST = "ช่วงวันที่นี้สิ้นสุดไปแล้วค่ะ"
    OVERLAP = "{approver} มีผู้รักษาราชการแทนในช่วง {start} - {end} อยู่แล้วค่ะ กรุณายกเลิกรายการเดิมก่อนค่ะ"
    REASON_LONG = "เหตุผลยาวเกิน {max} ตัวอักษรค่ะ"
    NOT_FOUND = "ไม่พบรายการนี้ หรือรายการนี้ถูกยกเลิกไปแล้วค่ะ"


class DelegationError(ValueError):
    """A stand-in that cannot be set or revoked; str() is a Thai sentence for HR."""


# --- the rule -----------------------------------------------------------------------------------

# Built once: a new alias per call builds the column collections of both tables again, which
# cost milliseconds per chat event. An alias only names the subquery's own FROM, so sharing it is safe.
_D, _PERSON = aliased(Delegation), aliased(Staff)


def acting_approver(approver_id: ColumnElement[int] | Mapped[int] | int, on: date | ColumnElement[date]) -> ColumnElement[int]:
    """SQL: the staff id who acts for `approver_id` on `on` (their live stand-in, else themselves).

    Live: not revoked, the range covers the date, and the stand-in is still active. Ranges of one
    approver never overlap (set_stand_in refuses it); the newest wins should old data disagree.
    """
    approver = literal(approver_id) if isinstance(approver_id, int) else approver_id
    d, person = _D, _PERSON
    stand_in = (
        select(d.stand_in_id)
        .join(person, person.id == d.stand_in_id)
        .where(d.approver_id == approver, d.starts_on <= on, d.ends_on >= on, d.revoked_at.is_(None),
               person.active.is_(True))
        .order_by(d.id.desc())
        .limit(1)
        .correlate_except(d, person)
        .scalar_subquery()
    )
    return func.coalesce(stand_in, approver)


# The rule for one row, built once: every registration and approval asks it.
_ACTING_FOR = select(acting_approver(bindparam("approver_id", type_=Integer), bindparam("on", type_=Date)))


def acting_for(*, session: Session, approver_id: int, on: date) -> int:
    """Return the staff id who acts for an approver on a date (the rule, for one row)."""
    return int(session.scalar(_ACTING_FOR, {"approver_id": approver_id, "on": on}))


def acts_for(*, session: Session, person: Staff, approver_id: int, on: date) -> bool:
    """Tell whether a person may decide an approver's steps on a date (the approver or their stand-in)."""
    return person.id == approver_id or acting_for(session=session, approver_id=approver_id, on=on) == person.id


def actor(*, session: Session, approver: Staff, on: date) -> Staff:
    """Return the person who acts for an approver on a date (who gets new cards and nudges)."""
    acting_id = acting_for(session=session, approver_id=approver.id, on=on)
    if acting_id == approver.id:
        return approver
    found = session.get(Staff, acting_id)
    return found if found is not None else approver


# --- operations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandInRow:
    """A delegation as the console lists it."""

    delegation: Delegation
    current: bool  # covers today


def _live_overlap(session: Session, approver_id: int, starts_on: date, ends_on: date) -> Delegation | None:
    return session.scalar(
        select(Delegation)
        .where(Delegation.approver_id == approver_id, Delegation.revoked_at.is_(None),
               Delegation.starts_on <= ends_on, Delegation.ends_on >= starts_on)
        .order_by(Delegation.id)
        .limit(1)
    )


def set_stand_in(
    *, session: Session, approver_id: int, stand_in_id: int, starts_on: date, ends_on: date, reason: str = "",
    by: str, now: datetime, today: date, actor_id: int | None = None, admin_id: int | None = None,
) -> Delegation:
    """Name a stand-in for an approver over a date range, or raise DelegationError saying why not."""
    if approver_id == stand_in_id:
        raise DelegationError(T.SELF)
    if ends_on < starts_on:
        raise DelegationError(T.RANGE)
    if ends_on < today:
        raise DelegationError(T.PAST)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise DelegationError(T.REASON_LONG.format(max=REASON_MAX))
    approver, stand_in = session.get(Staff, approver_id), session.get(Staff, stand_in_id)
    if approver is None or stand_in is None or not approver.active or not stand_in.active:
        raise DelegationError(T.UNKNOWN)
    # Lock the approver's row (PostgreSQL) so two HR officers setting ranges at once queue here.
    session.execute(select(Staff.id).where(Staff.id == approver_id).with_for_update())
    clash = _live_overlap(session, approver_id, starts_on, ends_on)
    if clash is not None:
        raise DelegationError(T.OVERLAP.format(approver=approver.name, start=format_date(clash.starts_on),
                                               end=format_date(clash.ends_on)))
    row = Delegation(approver_id=approver_id, stand_in_id=stand_in_id, starts_on=starts_on, ends_on=ends_on,
                     reason=reason, created_by=by[:120], created_at=now)
    session.add(row)
    session.flush()
    audit(session=session, action="delegation.set", subject_type="delegation", subject_id=row.id,
          actor_id=actor_id, admin_id=admin_id, approver_id=approver_id, stand_in_id=stand_in_id, starts_on=starts_on.isoformat(),
          ends_on=ends_on.isoformat(), by=by)
    return row


def revoke_stand_in(*, session: Session, delegation_id: int, by: str, now: datetime, actor_id: int | None = None,
                    admin_id: int | None = None) -> Delegation:
    """End a stand-in now (a double submit revokes once); raise DelegationError if already revoked."""
    won = session.execute(
        update(Delegation)
        .where(Delegation.id == delegation_id, Delegation.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    row = session.get(Delegation, delegation_id, populate_existing=True)
    if not won or row is None:
        raise DelegationError(T.NOT_FOUND)
    audit(session=session, action="delegation.revoked", subject_type="delegation", subject_id=row.id,
          actor_id=actor_id, admin_id=admin_id, approver_id=row.approver_id, stand_in_id=row.stand_in_id, by=by)
    return row


def stand_ins(*, session: Session, today: date) -> list[StandInRow]:
    """Return the live stand-ins that have not ended, current ones first, then by start date."""
    rows = session.scalars(
        select(Delegation)
        .where(Delegation.revoked_at.is_(None), Delegation.ends_on >= today)
        .order_by(Delegation.starts_on, Delegation.id)
    ).unique()
    listed = [StandInRow(r, r.starts_on <= today) for r in rows]
    return sorted(listed, key=lambda r: not r.current)
