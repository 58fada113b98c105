"""The plan's operations and the fiscal year's figures, against the fixture organisation."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models.figures import owed_list, year_figures
from models.plan import ActivityInput, PlanError, activities, amend_activity, amendments, add_activity
from tests.support.plan_org import AREA_DEV, EXPECTED, FY, NOW, TODAY, build


def test_year_figures_match_the_hand_count(session) -> None:
    org = build(session)
    fig = year_figures(session=session, fiscal_year=FY, today=TODAY)
    for key, value in EXPECTED["requests"].items():
        assert fig.requests[key] == value, key
    assert fig.attendance["attended"] == EXPECTED["attendance"]["attended"]
    assert fig.attendance["not_attended"] == EXPECTED["attendance"]["not_attended"]
    assert fig.reports == EXPECTED["reports"]
    totals = fig.totals()
    assert (totals.allocated, totals.approved, totals.spent) == (
        EXPECTED["allocated"], EXPECTED["approved"], EXPECTED["spent"])
    assert fig.activity_spent(org.training) == EXPECTED["training_spent"]
    assert fig.kpi_courses == EXPECTED["kpi_courses"] and fig.kpi_activities == EXPECTED["kpi_activities"]
    assert {c.name: (c.staff, c.attended) for c in fig.coverage} == EXPECTED["coverage"]
    hours = {h.staff.id: h.hours for h in fig.hours}
    for key, value in EXPECTED["hours"].items():
        assert hours[org.people[key].id] == value, key
    assert {s.id for s in fig.untrained} == {org.people[k].id for k in EXPECTED["untrained"]}


def test_budget_splits_add_up_per_area_unit_and_quarter(session) -> None:
    build(session)
    fig = year_figures(session=session, fiscal_year=FY, today=TODAY)
    totals = fig.totals()
    for rows in (fig.by_unit, fig.by_quarter):
        assert sum(r.allocated for r in rows) == totals.allocated
        assert sum(r.approved for r in rows) == totals.approved
        assert sum(r.spent for r in rows) == totals.spent
    dev = next(r for r in fig.by_area if r.label == AREA_DEV)
    assert (dev.allocated, dev.approved, dev.spent) == (Decimal("150000"), Decimal("50500"), Decimal("8250"))
    q = {r.label: r for r in fig.by_quarter}
    assert q["ไตรมาส 2"].approved == Decimal("10500") and q["ไตรมาส 3"].approved == Decimal("40000")
    assert q["ไตรมาส 4"].allocated == Decimal("20000") and q["ไตรมาส 4"].spent == Decimal("12500")
    finance = next(r for r in fig.by_unit if r.label == "กองคลัง")
    # morale's 20,000 allocated to กองคลัง; its staff: finance + account at accounting, finance at ethics
    assert finance.allocated == Decimal("20000")
    assert finance.spent == Decimal("4200") + Decimal("3900") + Decimal("0") + Decimal("12500")


def test_a_year_without_anything_is_all_zero(session) -> None:
    fig = year_figures(session=session, fiscal_year=2575, today=TODAY)
    assert fig.requests["total"] == 0 and fig.kpi_courses == (0, 0) and fig.totals().allocated == 0


def test_the_follow_up_list_is_every_owed_report(session) -> None:
    org = build(session)
    owed = owed_list(session=session, today=TODAY)
    assert [(p.staff.id, p.course.id) for p in owed] == [
        (org.people["driver"].id, org.accounting.id), (org.people["clerk"].id, org.ethics.id)]


def test_amending_keeps_old_and_new_values_with_reason_and_date(session) -> None:
    org = build(session)
    a = org.training
    data = ActivityInput(FY, a.policy_area, a.title, target_text=a.target_text, target_number=a.target_number,
                         target_unit=a.target_unit, budget=Decimal("120000"), quarters=(2, 3, 4),
                         unit_id=a.unit_id, is_training=True)
    row = amend_activity(session=session, activity=a, data=data, reason="โอนงบประมาณไปกิจกรรม ๕ ส.",
                         amended_on=date(2027, 3, 15), now=NOW)
    assert row.round_no == 1 and row.old_values == {"budget": "150000.00", "quarters": [2, 3]}
    assert row.new_values == {"budget": "120000.00", "quarters": [2, 3, 4]}
    assert a.budget == Decimal("120000.00") and [m.id for m in a.amendments] == [row.id]
    with pytest.raises(PlanError, match="ไม่มีรายการใดเปลี่ยนแปลง"):
        amend_activity(session=session, activity=a, data=data, reason="ซ้ำ", amended_on=date(2027, 3, 16), now=NOW)
    with pytest.raises(PlanError, match="เหตุผล"):
        amend_activity(session=session, activity=a, data=data, reason="  ", amended_on=date(2027, 3, 16), now=NOW)
    assert [m.id for m in amendments(session=session, fiscal_year=FY)] == [row.id]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("policy_area", "ด้านที่ไม่มี", "ไม่รู้จักนโยบายด้าน"), ("title", "  ", "ชื่อกิจกรรม"),
    ("budget", "-5", "ไม่ติดลบ"), ("quarters", (5,), "ไตรมาส"), ("fiscal_year", 2026, "ปี พ.ศ."),
    ("target_unit", "kg", "หน่วยของเป้าหมาย"),
])
def test_bad_activity_input_is_refused_in_thai(session, field: str, value: object, message: str) -> None:
    data = ActivityInput(FY, AREA_DEV, "อบรม", target_number=Decimal("1"))
    setattr(data, field, value)
    with pytest.raises(PlanError, match=message):
        add_activity(session=session, data=data)
    assert activities(session=session, fiscal_year=FY) == []


def test_the_executive_chart_is_a_png_with_the_year_drawn(session) -> None:
    from io import BytesIO

    from PIL import Image

    from bot.documents.chart_png import executive_chart
    from tests.support.pdftools import ARTIFACTS

    build(session)
    data = executive_chart(year_figures(session=session, fiscal_year=FY, today=TODAY))
    with Image.open(BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (1040, 1040)
        colours = {c for _, c in image.getcolors(maxcolors=1 << 16) or []}
        assert len(colours) > 10  # text and bars, not a blank page
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "executive-chart-2570.png").write_bytes(data)
