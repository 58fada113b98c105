"""The HR plan (แผนการบริหารและพัฒนาทรัพยากรบุคคล): activities per fiscal year, results, amendments.

An activity sits under one of the 10 policy areas, has a target (text and, where it has one, a
number with a unit), an allocated budget, the quarters it runs in and a responsible unit. A
training activity's results come from its courses (Course.activity_id); for the others HR records
the result by hand. Amending an adopted plan keeps the old and the new values with the reason and
the date (as seed 003's บัญชีรายการแก้ไข does); edit_activity is for corrections before that.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.audit import audit
from models.base import Base, StrEnumType, utcnow
from models.course import POLICY_AREAS, Course
from models.org import Unit


class TargetUnit(StrEnumType):
    """What a target's number counts."""

    PEOPLE = "people"
    TIMES = "times"
    PERCENT = "percent"


# How a target number reads in Thai: "๓๐ คน", "๑ ครั้ง", "ร้อยละ ๘๐".
TARGET_UNIT_WORDS = {TargetUnit.PEOPLE: "คน", TargetUnit.TIMES: "ครั้ง", TargetUnit.PERCENT: "ร้อยละ"}
STATUS_WORDS = {"on_policy": "ตามนโยบาย", "off_policy": "ไม่เป็นไปตามนโยบาย", "done": "แล้วเสร็จ"}
# The fields an amendment may change (and records old and new values of).
AMENDABLE = ("policy_area", "title", "target_text", "target_number", "target_unit", "budget", "quarters",
             "unit_id", "is_training")
TITLE_MAX = 500


class PlanActivity(Base):
    """One activity or project (กิจกรรม/โครงการ) of a fiscal year's HR plan."""

    __tablename__ = "plan_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)  # BE, e.g. 2570
    policy_area: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer, default=1)  # ลำดับที่ within its policy area
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    target_text: Mapped[str] = mapped_column(Text, default="")
    target_number: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    target_unit: Mapped[str | None] = mapped_column(String(16))
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    quarters: Mapped[list[Any]] = mapped_column(JSON, default=list)  # e.g. [1, 2]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    is_training: Mapped[bool] = mapped_column(Boolean, default=False)
    # Results recorded by hand (non-training activities; a note for training ones).
    result_text: Mapped[str] = mapped_column(Text, default="")
    status_on_policy: Mapped[bool] = mapped_column(Boolean, default=False)
    status_off_policy: Mapped[bool] = mapped_column(Boolean, default=False)
    status_done: Mapped[bool] = mapped_column(Boolean, default=False)
    problems: Mapped[str] = mapped_column(Text, default="")
    fixes: Mapped[str] = mapped_column(Text, default="")
    # Spent by a non-training activity (e.g. welfare); training spending comes from reports.
    spent_manual: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    courses: Mapped[list[Course]] = relationship(lazy="selectin", order_by=Course.start_date, viewonly=True)
    amendments: Mapped[list[PlanAmendment]] = relationship(
        back_populates="activity", order_by="PlanAmendment.id", lazy="selectin"
    )

    @property
    def area_number(self) -> int:
        """Return the policy area's number 1-10 (0 for an area not in the list)."""
        return POLICY_AREAS.index(self.policy_area) + 1 if self.policy_area in POLICY_AREAS else 0


class PlanAmendment(Base):
    """One amendment of one activity: old and new values, the reason and the date (ครั้งที่ n)."""

    __tablename__ = "plan_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("plan_activities.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    round_no: Mapped[int] = mapped_column(Integer, default=1)  # แก้ไข ครั้งที่ n of the year's plan
    amended_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    old_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    new_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[PlanActivity] = relationship(back_populates="amendments")


# --- input -------------------------------------------------------------------------------------


class PlanError(ValueError):
    """Input the plan cannot take; str() is one Thai sentence for HR."""


class T:
    """What the plan's operations say when they refuse."""

    AREA = "ไม่รู้จักนโยบายด้าน \"{area}\" ค่ะ"
    TITLE = "กรุณาระบุชื่อกิจกรรม/โครงการค่ะ"
    YEAR = "ปีงบประมาณต้องเป็นปี พ.ศ. เช่น 2570 ค่ะ"
    BUDGET = "งบประมาณต้องเป็นตัวเลขไม่ติดลบค่ะ"
    QUARTER = "ไตรมาสต้องเป็น 1 ถึง 4 ค่ะ"
    UNIT_KIND = "หน่วยของเป้าหมายต้องเป็น คน ครั้ง หรือ ร้อยละ ค่ะ"
    NUMBER = "ตัวเลขเป้าหมายต้องเป็นตัวเลขไม่ติดลบค่ะ"
    REASON = "กรุณาระบุเหตุผลการแก้ไขค่ะ"
    NO_CHANGE = "ไม่มีรายการใดเปลี่ยนแปลงค่ะ"
    STATUS = "เลือกได้ทั้ง ตามนโยบาย หรือ ไม่เป็นไปตามนโยบาย อย่างใดอย่างหนึ่งค่ะ"
    NOT_FOUND = "ไม่พบกิจกรรมนี้ในแผนค่ะ"


@dataclass
class ActivityInput:
    """What HR enters for one activity (already parsed)."""

    fiscal_year: int
    policy_area: str
    title: str
    target_text: str = ""
    target_number: Decimal | None = None
    target_unit: str | None = None
    budget: Decimal = Decimal("0")
    quarters: tuple[int, ...] = ()
    unit_id: int | None = None
    is_training: bool = False
    seq: int | None = None

    def values(self) -> dict[str, Any]:
        """Validated column values; raises PlanError with the first problem."""
        if not 2400 <= int(self.fiscal_year) <= 2700:
            raise PlanError(T.YEAR)
        area = self.policy_area.strip()
        if area not in POLICY_AREAS:
            raise PlanError(T.AREA.format(area=area))
        title = " ".join(self.title.split())
        if not title:
            raise PlanError(T.TITLE)
        budget = _non_negative(self.budget, T.BUDGET)
        number = None if self.target_number is None else _non_negative(self.target_number, T.NUMBER)
        unit = self.target_unit or None
        if unit is not None and unit not in {u.value for u in TargetUnit}:
            raise PlanError(T.UNIT_KIND)
        if any(q not in (1, 2, 3, 4) for q in self.quarters):
            raise PlanError(T.QUARTER)
        return {
            "fiscal_year": int(self.fiscal_year), "policy_area": area, "title": title[:TITLE_MAX],
            "target_text": self.target_text.strip(), "target_number": number,
            "target_unit": unit if number is not None else None, "budget": budget,
            "quarters": sorted(set(self.quarters)), "unit_id": self.unit_id, "is_training": bool(self.is_training),
        }


def _non_negative(value: Any, message: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "")) if value not in (None, "") else Decimal("0")
    except InvalidOperation:
        raise PlanError(message) from None
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        raise PlanError(message)
    return number.quantize(Decimal("0.01"))


# --- operations --------------------------------------------------------------------------------


def activities(*, session: Session, fiscal_year: int) -> list[PlanActivity]:
    """Return a year's activities in plan order: policy area 1-10, then ลำดับที่."""
    rows = list(session.scalars(select(PlanActivity).where(PlanActivity.fiscal_year == fiscal_year)))
    order = {area: n for n, area in enumerate(POLICY_AREAS)}
    return sorted(rows, key=lambda a: (order.get(a.policy_area, 99), a.seq, a.id))


def plan_years(*, session: Session) -> list[int]:
    """Return the fiscal years that have a plan, newest first."""
    return list(session.scalars(select(PlanActivity.fiscal_year).distinct().order_by(PlanActivity.fiscal_year.desc())))


def _next_seq(session: Session, fiscal_year: int, area: str) -> int:
    top = session.scalar(select(func.max(PlanActivity.seq)).where(
        PlanActivity.fiscal_year == fiscal_year, PlanActivity.policy_area == area))
    return int(top or 0) + 1


def add_activity(*, session: Session, data: ActivityInput, actor_id: int | None = None) -> PlanActivity:
    """Add an activity to a year's plan (numbered last in its policy area unless seq is given)."""
    values = data.values()
    seq = data.seq or _next_seq(session, values["fiscal_year"], values["policy_area"])
    row = PlanActivity(seq=seq, **values)
    session.add(row)
    session.flush()
    audit(session=session, action="plan.activity_added", subject_type="plan_activity", subject_id=row.id,
          actor_id=actor_id, fiscal_year=row.fiscal_year)
    return row


def edit_activity(*, session: Session, activity: PlanActivity, data: ActivityInput, now: datetime,
                  actor_id: int | None = None) -> PlanActivity:
    """Correct an activity in place (before the plan is adopted; amendments go through amend_activity)."""
    values = data.values()
    if values["policy_area"] != activity.policy_area:
        activity.seq = _next_seq(session, values["fiscal_year"], values["policy_area"])
    for key, value in values.items():
        setattr(activity, key, value)
    activity.updated_at = now
    session.flush()
    audit(session=session, action="plan.activity_edited", subject_type="plan_activity", subject_id=activity.id,
          actor_id=actor_id)
    return activity


def _snapshot(activity: PlanActivity) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in AMENDABLE:
        value = getattr(activity, key)
        out[key] = str(value) if isinstance(value, Decimal) else (list(value) if key == "quarters" else value)
    return out


def amend_activity(
    *, session: Session, activity: PlanActivity, data: ActivityInput, reason: str, amended_on: date, now: datetime,
    round_no: int | None = None, actor_id: int | None = None,
) -> PlanAmendment:
    """Change an adopted activity, keeping only the changed fields' old and new values, the reason and the date."""
    reason = reason.strip()
    if not reason:
        raise PlanError(T.REASON)
    before = _snapshot(activity)
    values = data.values()
    values["fiscal_year"] = activity.fiscal_year  # an amendment stays in its year's plan
    for key, value in values.items():
        setattr(activity, key, value)
    after = _snapshot(activity)
    changed = [k for k in AMENDABLE if before[k] != after[k]]
    if not changed:
        session.refresh(activity)
        raise PlanError(T.NO_CHANGE)
    if round_no is None:
        top = session.scalar(select(func.max(PlanAmendment.round_no)).where(
            PlanAmendment.fiscal_year == activity.fiscal_year))
        round_no = int(top or 0) + 1
    activity.updated_at = now
    row = PlanAmendment(
        activity_id=activity.id, fiscal_year=activity.fiscal_year, round_no=round_no, amended_on=amended_on,
        reason=reason, old_values={k: before[k] for k in changed}, new_values={k: after[k] for k in changed},
        actor_id=actor_id, created_at=now,
    )
    session.add(row)
    session.flush()
    session.refresh(activity, attribute_names=["amendments"])
    audit(session=session, action="plan.activity_amended", subject_type="plan_activity", subject_id=activity.id,
          actor_id=actor_id, fields=changed, round_no=round_no)
    return row


def amendments(*, session: Session, fiscal_year: int) -> list[PlanAmendment]:
    """Return a year's amendments in the order they were made."""
    return list(session.scalars(select(PlanAmendment).where(PlanAmendment.fiscal_year == fiscal_year)
                                .order_by(PlanAmendment.round_no, PlanAmendment.id)))


@dataclass
class ResultInput:
    """A hand-recorded result: text, the three status marks, problems and fixes, spending."""

    result_text: str = ""
    on_policy: bool = False
    off_policy: bool = False
    done: bool = False
    problems: str = ""
    fixes: str = ""
    spent: Decimal | None = None


def record_result(*, session: Session, activity: PlanActivity, data: ResultInput, now: datetime,
                  actor_id: int | None = None) -> PlanActivity:
    """Record an activity's result by hand (ตามนโยบาย and ไม่เป็นไปตามนโยบาย exclude each other)."""
    if data.on_policy and data.off_policy:
        raise PlanError(T.STATUS)
    activity.result_text = data.result_text.strip()
    activity.status_on_policy = data.on_policy
    activity.status_off_policy = data.off_policy
    activity.status_done = data.done
    activity.problems = data.problems.strip()
    activity.fixes = data.fixes.strip()
    activity.spent_manual = None if data.spent is None else _non_negative(data.spent, T.BUDGET)
    activity.updated_at = now
    session.flush()
    audit(session=session, action="plan.result_recorded", subject_type="plan_activity", subject_id=activity.id,
          actor_id=actor_id)
    return activity


def link_course(*, session: Session, course: Course, activity: PlanActivity | None,
                actor_id: int | None = None) -> None:
    """Put a course under a plan activity (None takes it out); the course then counts for that activity."""
    course.activity_id = activity.id if activity is not None else None
    if activity is not None:
        course.policy_area = activity.policy_area  # one area for the course, the plan's
    session.flush()
    audit(session=session, action="plan.course_linked", subject_type="course", subject_id=course.id,
          actor_id=actor_id, activity_id=course.activity_id)


FIELD_WORDS = {
    "policy_area": "นโยบายด้าน", "title": "กิจกรรม/โครงการ", "target_text": "เป้าหมาย", "target_number": "ตัวเลขเป้าหมาย",
    "target_unit": "หน่วยของเป้าหมาย", "budget": "งบประมาณ", "quarters": "ไตรมาส", "unit_id": "หน่วยงานที่รับผิดชอบ",
    "is_training": "เป็นการอบรม",
}


def describe_values(values: dict[str, Any], *, session: Session, money: Any = str) -> list[str]:
    """Amended values in Thai words, one line each ("งบประมาณ 150,000 บาท"), for history and the amendment list."""
    lines = []
    for key in AMENDABLE:
        if key not in values:
            continue
        value = values[key]
        if key in ("budget", "target_number") and value not in (None, ""):
            text = money(Decimal(str(value))) + (" บาท" if key == "budget" else "")
        elif key == "quarters":
            text = ", ".join(str(q) for q in value) or "-"
        elif key == "unit_id":
            unit = session.get(Unit, value) if value else None
            text = unit.name if unit else "-"
        elif key == "target_unit":
            text = TARGET_UNIT_WORDS.get(TargetUnit(value), "-") if value else "-"
        elif key == "is_training":
            text = "ใช่" if value else "ไม่ใช่"
        else:
            text = str(value) if value not in (None, "") else "-"
        lines.append(f"{FIELD_WORDS[key]} {text}")
    return lines


def target_words(activity: PlanActivity, *, fmt: Any = str) -> str:
    """The target's number in words ("๓๐ คน", "ร้อยละ ๘๐"), or '' when it has none."""
    if activity.target_number is None:
        return ""
    number = fmt(activity.target_number)
    unit = TARGET_UNIT_WORDS.get(TargetUnit(activity.target_unit)) if activity.target_unit else ""
    if activity.target_unit == TargetUnit.PERCENT:
        return f"{unit} {number}"
    return f"{number} {unit}".strip()
