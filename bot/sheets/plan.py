"""The HR plan sheet (seed 001's table as HR types it): read, checked row by row, previewed, then written.

Rows are keyed by (fiscal year, policy area, activity title): a row already in the plan updates
it in place (a correction, not an amendment: amendments are made on the activity's page, with a
reason), a new one is added, and importing the same file twice changes nothing. Nothing is
written while any row has a problem.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sheets.cells import RowCheck
from bot.sheets.courses import _policy_area as policy_area_of
from bot.sheets.reader import Column, Lookup, SheetError, Table, by_row, check_duplicates, read_table
from models.org import Unit
from models.plan import ActivityInput, PlanActivity, PlanError, TargetUnit, add_activity, edit_activity
from thai.numbers import to_arabic_digits

PLAN_COLUMNS: tuple[Column, ...] = (
    Column("policy_area", "นโยบาย", ("ด้านนโยบาย", "นโยบายด้าน", "policy_area"), required=True),
    Column("title", "กิจกรรม/โครงการ", ("กิจกรรม", "โครงการ", "ชื่อกิจกรรม"), required=True),
    Column("target_text", "เป้าหมาย"),
    Column("target_number", "ตัวเลขเป้าหมาย", ("จำนวนเป้าหมาย",)),
    Column("target_unit", "หน่วยของเป้าหมาย", ("หน่วยนับ",)),
    Column("budget", "งบประมาณที่ได้รับการจัดสรร", ("งบประมาณ", "งบประมาณ (บาท)")),
    Column("quarters", "ไตรมาส", ("ระยะเวลาการดำเนินงาน", "ไตรมาสที่ดำเนินการ")),
    Column("unit", "หน่วยงานที่รับผิดชอบ", ("หน่วยงาน", "ผู้รับผิดชอบ")),
    Column("is_training", "เป็นการอบรม", ("การอบรม", "อบรม")),
)
_UNIT_WORDS = {"คน": TargetUnit.PEOPLE, "ราย": TargetUnit.PEOPLE, "people": TargetUnit.PEOPLE,
               "ครั้ง": TargetUnit.TIMES, "times": TargetUnit.TIMES, "ร้อยละ": TargetUnit.PERCENT,
               "%": TargetUnit.PERCENT, "percent": TargetUnit.PERCENT}
_QUARTER_RANGE = re.compile(r"([1-4])\s*[-–]\s*([1-4])")


@dataclass
class PlanRow:
    """One checked row and what importing it would do: add, update or nothing."""

    number: int
    data: ActivityInput
    unit_name: str
    action: str  # "add", "update", "same"


@dataclass
class PlanPreview:
    """What the file holds and would change; `problems` empty means it may be written."""

    fiscal_year: int
    rows: list[PlanRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def describe(self) -> str:
        """One Thai line: what was (or would be) done."""
        return (f"แผนปีงบประมาณ {self.fiscal_year}: เพิ่มใหม่ {self.count('add')} กิจกรรม "
                f"ปรับปรุง {self.count('update')} กิจกรรม ไม่เปลี่ยนแปลง {self.count('same')} กิจกรรม")


def _quarters(check: RowCheck) -> tuple[int, ...]:
    text = to_arabic_digits(check.text("quarters")).replace("ไตรมาส", " ")
    found: set[int] = set()
    for start, end in _QUARTER_RANGE.findall(text):
        found.update(range(int(start), int(end) + 1))
    text = _QUARTER_RANGE.sub(" ", text)
    for token in re.findall(r"\d+", text):
        if token not in {"1", "2", "3", "4"}:
            check.problem(f"ไตรมาส “{token}” ต้องเป็น 1 ถึง 4")
        else:
            found.add(int(token))
    return tuple(sorted(found))


def _check(check: RowCheck, fiscal_year: int) -> tuple[ActivityInput, str]:
    area_text = check.text("policy_area", required=True)
    area = policy_area_of(area_text) if area_text else None
    if area_text and area is None:
        check.problem(f"ไม่รู้จักนโยบายด้าน “{area_text}” (ใส่ชื่อด้าน หรือเลข 1-10)")
    title = check.text("title", required=True, max_len=500)
    unit_word = check.text("target_unit")
    target_unit = _UNIT_WORDS.get(unit_word.casefold()) if unit_word else None
    if unit_word and target_unit is None:
        check.problem(f"หน่วยของเป้าหมาย “{unit_word}” ต้องเป็น คน ครั้ง หรือ ร้อยละ")
    number = check.amount("target_number") if check.text("target_number") else None
    budget = check.amount("budget") if check.text("budget") else Decimal("0")
    data = ActivityInput(
        fiscal_year=fiscal_year, policy_area=area or "", title=title, target_text=check.text("target_text"),
        target_number=number, target_unit=(target_unit or (TargetUnit.PEOPLE if number is not None else None)),
        budget=budget or Decimal("0"), quarters=_quarters(check), is_training=check.flag("is_training", default=False),
    )
    return data, check.text("unit", max_len=200)


def read_plan(path: Path, *, session: Session, fiscal_year: int) -> PlanPreview:
    """Read and check a plan sheet against the year's plan; nothing is written (SheetError: unreadable file)."""
    table: Table = read_table(path, PLAN_COLUMNS)
    preview = PlanPreview(fiscal_year, ignored=table.ignored)
    existing = {(a.policy_area, a.title): a for a in session.scalars(
        select(PlanActivity).where(PlanActivity.fiscal_year == fiscal_year))}
    units = {u.name: u for u in session.scalars(select(Unit))}
    keys: list[tuple[int, str]] = []
    for row in table.rows:
        check = RowCheck(row, table, preview.problems)
        data, unit_name = _check(check, fiscal_year)
        if not check.ok:
            continue
        data.unit_id = units[unit_name].id if unit_name in units else None
        try:
            values = data.values()
        except PlanError as exc:
            check.problem(str(exc))
            continue
        keys.append((row.number, f"{values['policy_area']} / {values['title']}"))
        data.title, data.policy_area = values["title"], values["policy_area"]
        current = existing.get((values["policy_area"], values["title"]))
        action = "add" if current is None else ("same" if _same(current, values, unit_name) else "update")
        preview.rows.append(PlanRow(row.number, data, unit_name, action))
    check_duplicates(keys, "กิจกรรม", preview.problems)
    preview.problems = by_row(preview.problems)
    return preview


def _same(activity: PlanActivity, values: dict, unit_name: str) -> bool:
    unit_now = activity.unit.name if activity.unit else ""
    return unit_now == unit_name and all(
        getattr(activity, k) == v for k, v in values.items() if k not in ("unit_id",))


def apply_plan(preview: PlanPreview, *, session: Session, now, actor_id: int | None = None) -> PlanPreview:
    """Write a checked preview: add the new activities, correct the changed ones (new units are created)."""
    if preview.problems:
        raise SheetError(preview.problems)
    units = Lookup(session, Unit)
    existing = {(a.policy_area, a.title): a for a in session.scalars(
        select(PlanActivity).where(PlanActivity.fiscal_year == preview.fiscal_year))}
    for row in preview.rows:
        if row.action == "same":
            continue
        if row.unit_name:
            unit = units.get(row.unit_name)
            session.flush()
            row.data.unit_id = unit.id
        current = existing.get((row.data.policy_area, row.data.title))
        if current is None:
            add_activity(session=session, data=row.data, actor_id=actor_id)
        else:
            edit_activity(session=session, activity=current, data=row.data, now=now, actor_id=actor_id)
    return preview
