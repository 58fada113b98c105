"""The organisation: its settings, units, staff types and staff."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, ForeignKey, String, and_, bindparam, cast, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow
from thai.names import full_name

ROLE_STAFF = "staff"
ROLE_APPROVER = "approver"
ROLE_HR = "hr"
# Executives (นายก, ปลัด, ผู้อำนวยการ) get the monthly figures card in LINE (handlers/executive.py).
ROLE_EXECUTIVE = "executive"
ROLES = (ROLE_STAFF, ROLE_APPROVER, ROLE_HR, ROLE_EXECUTIVE)

# Defaults of every organisation setting; a row in org_settings overrides one key.
# When the monthly follow-up's day is a holiday: moved to the next working day, or sent that day.
NEXT_WORKING_DAY = "next_working_day"
SAME_DAY = "same_day"

DEFAULT_SETTINGS: dict[str, Any] = {
    "org_name": "องค์การบริหารส่วนตำบล",
    # The HR unit as messages name it (staff are told to contact it).
    "hr_unit_name": "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)",
    # The bot's add-friend link (https://line.me/R/ti/p/@...), printed as a QR code on link-code slips.
    "line_add_friend_url": "",
    "default_approval_levels": 2,
    "report_due_days": 15,
    "monthly_followup_day": 5,
    "monthly_followup_time": "09:00",
    "monthly_followup_on_holiday": NEXT_WORKING_DAY,  # or SAME_DAY
    "daily_reminders_time": "08:30",
    "closing_soon_days": 3,
    "report_due_soon_days": 3,
    "report_overdue_days": 7,
    "approval_waiting_working_days": 2,
    "extra_holidays": [],  # ISO dates the organisation closes on beyond the national ones
    # Most recipients optional course announcements may reach in a month (LINE bills pushes per
    # recipient; replies are free). None: no cap of our own, only LINE's remaining quota.
    "announcement_monthly_cap": None,
    "retention_years": 5,  # the SOP keeps training records 5 years; the clock purges older ones
    # The bot's basic id ("@123abcde"): check-in QR codes open its chat (line.me/R/oaMessage/...).
    "line_bot_basic_id": "",
    # The app's public https address (e.g. "https://bot.example.go.th"): LINE fetches images and
    # opens links there (certificate links and the executives' chart images start with it;
    # empty: cards go out without a chart image or a dashboard button).
    "public_base_url": "",
    # Rated 1-5 by every attendee after a course (models.attendance.evaluation).
    "evaluation_questions": ["เนื้อหาการอบรม", "วิทยากร", "สถานที่และการจัดการ", "ประโยชน์ต่อการปฏิบัติงาน"],
}


def hr_unit_name(settings: dict[str, Any]) -> str:
    """Return how messages name the HR unit (the organisation's setting, or the default)."""
    return str(settings.get("hr_unit_name") or DEFAULT_SETTINGS["hr_unit_name"])


class OrgSetting(Base):
    """One organisation setting (key -> JSON value); missing keys take DEFAULT_SETTINGS."""

    __tablename__ = "org_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


def get_settings(*, session: Session) -> dict[str, Any]:
    """Return every setting, defaults filled in."""
    settings = dict(DEFAULT_SETTINGS)
    # Plain rows, not entities: every chat event reads them, and nothing here changes them.
    for key, value in session.execute(_SETTINGS):
        settings[key] = value
    return settings


_SETTINGS = select(OrgSetting.key, OrgSetting.value)


def set_setting(*, session: Session, key: str, value: Any) -> None:
    """Store one setting; unknown keys are refused so typos do not pass silently."""
    if key not in DEFAULT_SETTINGS:
        raise KeyError(key)
    row = session.get(OrgSetting, key)
    if row is None:
        session.add(OrgSetting(key=key, value=value))
    else:
        row.value = value


class Unit(Base):
    """A unit (สังกัด) such as สำนักปลัด or กองคลัง."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class StaffType(Base):
    """A staff type (ประเภทบุคลากร); the list differs per organisation, so it is data."""

    __tablename__ = "staff_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class Staff(Base):
    """A staff member, optionally linked to one LINE account."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(60), default="")
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(200), default="")
    staff_type_id: Mapped[int | None] = mapped_column(ForeignKey("staff_types.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    roles: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [ROLE_STAFF])
    line_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    line_linked_at: Mapped[datetime | None]
    # False after the person blocks/unfollows the bot: the clock skips them.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Optional announcements (new/closing courses); follow-ups of owed work ignore it.
    announcements: Mapped[bool] = mapped_column(Boolean, default=True)
    rich_menu_id: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    staff_type: Mapped[StaffType | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    supervisor: Mapped[Staff | None] = relationship(remote_side=[id], lazy="select")

    @property
    def name(self) -> str:
        """Return the Thai full name with the title, e.g. นางสาวพิมพ์ชนก ใจงาม."""
        return full_name(self.title, self.first_name, self.last_name)

    def has_role(self, role: str) -> bool:
        """Tell whether the person holds a role (staff, approver, hr)."""
        return role in (self.roles or [])

    # The one rule of who a push reaches: on a loaded person (ctx.push) and in SQL (the clock's
    # bulk queries, Staff.can_receive or aliased(Staff).can_receive), side by side so they agree.
    @hybrid_property
    def can_receive(self) -> bool:
        """Tell whether a push to this person can arrive: active, linked, and still following the bot."""
        return bool(self.active and self.line_user_id and self.reachable)

    @can_receive.inplace.expression
    @classmethod
    def _can_receive_sql(cls) -> ColumnElement[bool]:
        return and_(cls.active.is_(True), cls.line_user_id.is_not(None), cls.line_user_id != "",
                    cls.reachable.is_(True))


def staff_by_line_user(*, session: Session, line_user_id: str) -> Staff | None:
    """Return the active staff member linked to a LINE user, if any."""
    return session.scalar(_STAFF_BY_LINE_USER, {"line_user_id": line_user_id})


# Built once: every chat event asks it.
_STAFF_BY_LINE_USER = select(Staff).where(Staff.line_user_id == bindparam("line_user_id"), Staff.active.is_(True))


def decides_approvals(*, session: Session, staff: Staff) -> bool:
    """Tell whether a person may have requests to decide: the approver role, HR, or anyone's supervisor."""
    if staff.has_role(ROLE_APPROVER) or staff.has_role(ROLE_HR):
        return True
    supervises = session.scalar(
        select(Staff.id).where(Staff.supervisor_id == staff.id, Staff.active.is_(True)).limit(1)
    )
    return supervises is not None


def hr_officers(*, session: Session, receiving: bool = False) -> list[Staff]:
    """Return the active staff who hold the HR role, in staff order; receiving: only those a push reaches."""
    # A text match narrows the rows in SQL on both databases; has_role confirms it exactly.
    stmt = (select(Staff).where(Staff.active.is_(True), cast(Staff.roles, String).like(f'%"{ROLE_HR}"%'))
            .order_by(Staff.id))
    if receiving:
        stmt = stmt.where(Staff.can_receive)
    return [p for p in session.scalars(stmt) if p.has_role(ROLE_HR)]


def hr_line_ids(*, session: Session) -> list[str]:
    """Return the LINE ids of the HR officers a push reaches, in staff order."""
    return [p.line_user_id for p in hr_officers(session=session, receiving=True) if p.line_user_id]


def supervisor_chain(staff: Staff, *, limit: int = 20) -> list[Staff]:
    """Return the supervisors above a person, nearest first (stops on a cycle)."""
    chain: list[Staff] = []
    seen = {staff.id}
    current = staff.supervisor
    while current is not None and current.id not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current.id)
        current = current.supervisor
    return chain

