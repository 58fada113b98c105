"""Importing a plan from a sheet: preview first, every problem named by row, nothing half-written."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

pytest.importorskip("bot.sheets.reader", reason="needs structure's bot.sheets")
from bot.sheets.plan import apply_plan, read_plan  # noqa: E402
from bot.sheets.reader import SheetError  # noqa: E402
from models.plan import activities
from tests.support.plan_org import FY, NOW

HEADER = ["นโยบาย", "กิจกรรม/โครงการ", "เป้าหมาย", "ตัวเลขเป้าหมาย", "หน่วยของเป้าหมาย",
          "งบประมาณที่ได้รับการจัดสรร", "ไตรมาส", "หน่วยงานที่รับผิดชอบ", "เป็นการอบรม"]


def sheet(tmp_path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    wb.active.append(HEADER)
    for r in rows:
        wb.active.append(r)
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    return path


GOOD = [
    ["1", "ปรับปรุงแผนอัตรากำลัง ๓ ปี", "", None, None, None, "๑", "สำนักปลัด", "ไม่ใช่"],
    ["การพัฒนาทรัพยากรบุคคล", "โครงการฝึกอบรมสัมมนาศึกษาดูงาน", "บุคลากรทุกคน", "๓๐", "คน", "200,000", "2-3", "สำนักปลัด", "ใช่"],
    ["ด้านการพัฒนาคุณภาพชีวิต", "กิจกรรมสร้างขวัญกำลังใจ", "", "1", "ครั้ง", 15000, "ไตรมาส 4", "กองคลังใหม่", ""],
]


def test_preview_then_import_then_reimport_changes_nothing(session, tmp_path: Path) -> None:
    path = sheet(tmp_path, GOOD)
    preview = read_plan(path, session=session, fiscal_year=FY)
    assert preview.problems == [] and [r.action for r in preview.rows] == ["add", "add", "add"]
    assert activities(session=session, fiscal_year=FY) == []  # a preview writes nothing
    apply_plan(preview, session=session, now=NOW)
    rows = activities(session=session, fiscal_year=FY)
    assert [(a.area_number, a.title, a.budget, a.quarters, a.is_training) for a in rows] == [
        (1, "ปรับปรุงแผนอัตรากำลัง ๓ ปี", Decimal("0"), [1], False),
        (4, "โครงการฝึกอบรมสัมมนาศึกษาดูงาน", Decimal("200000"), [2, 3], True),
        (10, "กิจกรรมสร้างขวัญกำลังใจ", Decimal("15000"), [4], False),
    ]
    assert (rows[1].target_number, rows[1].target_unit, rows[2].target_unit) == (Decimal("30"), "people", "times")
    assert rows[2].unit is not None and rows[2].unit.name == "กองคลังใหม่"
    again = read_plan(path, session=session, fiscal_year=FY)
    assert [r.action for r in again.rows] == ["same", "same", "same"]
    changed = sheet(tmp_path, [GOOD[0], GOOD[1][:5] + ["250,000"] + GOOD[1][6:], GOOD[2]])
    assert [r.action for r in read_plan(changed, session=session, fiscal_year=FY).rows] == ["same", "update", "same"]


def test_every_problem_is_named_by_row_and_nothing_is_written(session, tmp_path: Path) -> None:
    path = sheet(tmp_path, [
        ["11", "ด้านที่ไม่มี", "", None, None, None, "", "", ""],
        ["4", "", "", None, None, None, "", "", ""],
        ["4", "อบรม", "", "5", "กิโลกรัม", "-10", "5", "", "บางที"],
        GOOD[1], GOOD[1],
    ])
    preview = read_plan(path, session=session, fiscal_year=FY)
    text = "\n".join(preview.problems)
    assert "แถวที่ 2: ไม่รู้จักนโยบายด้าน “11”" in text
    assert "แถวที่ 3: ยังไม่ได้กรอกกิจกรรม/โครงการ" in text
    for expected in ("แถวที่ 4: หน่วยของเป้าหมาย “กิโลกรัม”", "แถวที่ 4: งบประมาณที่ได้รับการจัดสรร ต้องไม่ติดลบ",
                     "แถวที่ 4: ไตรมาส “5”", "แถวที่ 4: เป็นการอบรม “บางที”", "แถวที่ 6: กิจกรรม"):
        assert expected in text, expected
    with pytest.raises(SheetError):
        apply_plan(preview, session=session, now=NOW)
    assert activities(session=session, fiscal_year=FY) == []


def test_a_sheet_without_the_needed_columns_is_refused(session, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("ชื่อ,อื่นๆ\nก,ข\n", encoding="utf-8")
    with pytest.raises(SheetError) as caught:
        read_plan(path, session=session, fiscal_year=FY)
    assert "ไม่พบคอลัมน์ที่จำเป็น: นโยบาย, กิจกรรม/โครงการ" in caught.value.problems[0]
