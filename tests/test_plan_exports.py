"""The documents HR files, opened as a reader would: openpyxl cell by cell, pdftotext, pages as PNG."""
from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook

from models.figures import year_figures
from tests.support.pdftools import compact, needs_poppler, pdf_text, render_pages
from tests.support.plan_org import EXPECTED, FY, NOW, TODAY, build

ORG = "เทศบาลตำบลทดสอบ"


@pytest.fixture
def org(tx):
    from models.org import set_setting

    with tx() as session:
        set_setting(session=session, key="org_name", value=ORG)
        made = build(session)
        return {"people": {k: (p.employee_id, p.name) for k, p in made.people.items()},
                "codes": (made.accounting.code, made.ethics.code)}


def run(app, *args: str) -> tuple[int, str]:
    with time_machine.travel(NOW, tick=False):
        result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def values(path: Path) -> list[list[object]]:
    ws = load_workbook(path).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_hr_report_xlsx_cell_by_cell(app, org, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    code, output = run(app, "export-hr-report", "--fiscal-year", "2570", "--out", str(out))
    assert code == 0, output
    rows = values(out)
    assert rows[0][0] == f"รายงานผลการดำเนินงานตามนโยบายการบริหารทรัพยากรบุคคล {ORG}"
    assert rows[1][0] == "ประจำปีงบประมาณ พ.ศ. ๒๕๗๐"
    assert rows[2][:6] == ["ลำดับที่", "กิจกรรม", "เป้าหมาย ปี ๒๕๗๐", "ผลการดำเนินงาน", "งบประมาณ (บาท)", None]
    assert rows[2][6] == "ผลการดำเนินงาน" and rows[2][9] == "ความเสี่ยง ปัญหา/อุปสรรค และแนวทางแก้ไข"
    assert rows[3][4:9] == ["ข้อบัญญัติ ปี ๒๕๗๐", "เบิกจ่ายจริง", "ตามนโยบาย", "ไม่เป็นไป\nตามนโยบาย", "แล้วเสร็จ"]
    assert rows[4][0] == "๑. นโยบายด้านอัตรากำลังและการบริหารอัตรากำลัง"
    assert rows[5] == ["๑", "ปรับปรุงแผนอัตรากำลัง ๓ ปี", "ปรับปรุงแผนให้รองรับภารกิจ", "ประกาศปรับปรุงแผนอัตรากำลังแล้ว",
                       "-", "-", "/", None, "/",
                       "ความเสี่ยง ปัญหา/อุปสรรค: ตำแหน่งว่าง ๒ ตำแหน่ง\nแนวทางแก้ไข: ขอให้ กสถ. สอบแข่งขันแทน"]
    assert rows[6][0] == "๔. นโยบายด้านการพัฒนาทรัพยากรบุคคล"
    training = rows[7]
    assert training[:3] == ["๑", "โครงการฝึกอบรมเพิ่มประสิทธิภาพการปฏิบัติงาน", "บุคลากรได้รับการอบรม\n๖ คน"]
    assert training[4:10] == ["๑๕๐,๐๐๐", "๘,๒๕๐", None, None, "/", "-"]
    result = training[3].split("\n")
    assert result[0] == "ผู้เข้ารับการอบรม ๔ คน จากเป้าหมาย ๖ คน"
    assert result[1] == ("หลักสูตรการบันทึกบัญชีภาครัฐ ระหว่างวันที่ ๒-๔ กุมภาพันธ์ ๒๕๗๐ ณ โรงแรมริมน้ำ กรุงเทพฯ "
                         "ผู้เข้ารับการอบรม ๓ คน ดังนี้")
    names = org["people"]
    assert result[2:] == [f"๑. {names['finance'][1]} ตำแหน่งผู้อำนวยการกองคลัง",
                          f"๒. {names['account'][1]} ตำแหน่งนักวิชาการเงินและบัญชี",
                          f"๓. {names['driver'][1]} ตำแหน่งพนักงานขับรถยนต์"]
    more = rows[8]
    assert more[:3] == [None, None, None] and more[3].startswith(
        "หลักสูตรคุณธรรมจริยธรรมในการทำงาน ระหว่างวันที่ ๑๐ พฤษภาคม ๒๕๗๐ ณ ห้องประชุมเทศบาล ผู้เข้ารับการอบรม ๓ คน")
    assert names["clerk"][1] in more[3] and names["worker"][1] not in more[3]  # did not attend
    assert rows[9][0] == "๑๐. นโยบายด้านการพัฒนาคุณภาพชีวิต"
    assert rows[10][4:9] == ["๒๐,๐๐๐", "๑๒,๕๐๐", "/", None, "/"]
    assert rows[11][1] == "รวมทั้งสิ้น" and rows[11][4:6] == ["๑๗๐,๐๐๐", "๒๐,๗๕๐"]
    assert len(rows) == 12


def test_arabic_digits_give_numbers_that_match_the_dashboard(app, org, tmp_path: Path, bot) -> None:
    out = tmp_path / "report.xlsx"
    assert run(app, "export-hr-report", "--fiscal-year", "2570", "--out", str(out), "--digits", "arabic")[0] == 0
    rows = values(out)
    assert rows[1][0] == "ประจำปีงบประมาณ พ.ศ. 2570"
    assert rows[7][4:6] == [150000, 8250]
    with bot.db.transaction() as session:
        fig = year_figures(session=session, fiscal_year=FY, today=TODAY)
        totals = fig.totals()
    assert rows[-1][4:6] == [float(totals.allocated), float(totals.spent)]
    assert totals.spent == EXPECTED["spent"]


@needs_poppler
def test_hr_report_pdf_reads_back_and_renders(app, org, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    code, output = run(app, "export-hr-report", "--fiscal-year", "2570", "--out", str(out))
    assert code == 0 and "บันทึก" in output
    data = out.read_bytes()
    text = compact(pdf_text(data, tmp_path))
    for words in ("รายงานผลการดำเนินงานตามนโยบายการบริหารทรัพยากรบุคคล", "ประจำปีงบประมาณ พ.ศ. ๒๕๗๐",
                  "๔. นโยบายด้านการพัฒนาทรัพยากรบุคคล", "ผู้เข้ารับการอบรม ๔ คน จากเป้าหมาย ๖ คน",
                  *(n for _, n in org["people"].values() if "บุญมา" not in n and "วิทยา" not in n and "อรอุมา" not in n),
                  "๑๕๐,๐๐๐", "๘,๒๕๐", "๑๗๐,๐๐๐", "๒๐,๗๕๐", "รวมทั้งสิ้น", "แนวทางแก้ไข: ขอให้ กสถ. สอบแข่งขันแทน"):
        assert compact(words) in text, words
    assert compact("บุญมา") not in text  # marked not attended
    pages = render_pages(data, "hr-report-2570")
    assert pages


@needs_poppler
def test_hr_plan_in_both_formats(app, org, tmp_path: Path) -> None:
    xlsx, pdf = tmp_path / "plan.xlsx", tmp_path / "plan.pdf"
    assert run(app, "export-hr-plan", "--fiscal-year", "2570", "--out", str(xlsx))[0] == 0
    rows = values(xlsx)
    assert rows[0][0] == f"แผนการบริหารและการพัฒนาทรัพยากรบุคคล {ORG}"
    assert rows[2][4] == "ระยะเวลาการดำเนินงาน" and rows[3][4:8] == ["ไตรมาส ๑", "ไตรมาส ๒", "ไตรมาส ๓", "ไตรมาส ๔"]
    body = rows[4:]
    assert len(body) == 11  # ten policy areas, one activity each at most here, and the total
    assert body[0] == ["๑. อัตรากำลังและการบริหารอัตรากำลัง", "- ปรับปรุงแผนอัตรากำลัง ๓ ปี",
                       "ปรับปรุงแผนให้รองรับภารกิจ", "-", "/", None, None, None, "สำนักปลัด"]
    assert body[1][:2] == ["๒. การสรรหาและเลือกสรร", "-"]
    assert body[3][3:8] == ["๑๕๐,๐๐๐", None, "/", "/", None]
    assert body[9][3:9] == ["๒๐,๐๐๐", None, None, None, "/", "กองคลัง"]
    assert body[10][0] == "รวมทั้งสิ้น" and body[10][3] == "๑๗๐,๐๐๐"
    assert run(app, "export-hr-plan", "--fiscal-year", "2570", "--out", str(pdf))[0] == 0
    text = compact(pdf_text(pdf.read_bytes(), tmp_path))
    assert compact("กิจกรรมสร้างขวัญกำลังใจ") in text and compact("๑๗๐,๐๐๐") in text
    render_pages(pdf.read_bytes(), "hr-plan-2570")


@needs_poppler
def test_person_course_followup_and_quarter_lists(app, org, tmp_path: Path) -> None:
    finance_id, finance_name = org["people"]["finance"]
    out = tmp_path / "record.xlsx"
    assert run(app, "export-training-record", "--employee-id", finance_id, "--out", str(out))[0] == 0
    rows = values(out)
    assert finance_name in rows[1][0]
    assert rows[3][1] == "หลักสูตร" and rows[2][0] == ORG
    assert rows[4][1:7] == ["การบันทึกบัญชีภาครัฐ", "ฝึกอบรม", "กรมบัญชีกลาง", "๒-๔ ก.พ. ๒๕๗๐", "โรงแรมริมน้ำ กรุงเทพฯ", "๑๘"]
    assert rows[5][1] == "คุณธรรมจริยธรรมในการทำงาน" and rows[5][6] == "๖"
    assert rows[6][1] == "รวม" and rows[6][6] == "๒๔" and len(rows) == 7
    out = tmp_path / "people.xlsx"
    assert run(app, "export-participants", "--course", org["codes"][1], "--out", str(out), "--digits", "arabic")[0] == 0
    rows = values(out)
    assert rows[3][0] == "ลำดับที่" and [r[0] for r in rows[4:8]] == [1, 2, 3, 4]
    listed = [r[1] for r in rows[4:8]]
    assert listed == [org["people"][k][1] for k in ("finance", "driver", "clerk", "worker")]
    assert [r[5] for r in rows[4:8]] == ["รับทราบแล้ว", "ส่งแล้ว รอการรับทราบ", "เลยกำหนดส่ง", "ไม่ได้เข้าร่วม"]
    out = tmp_path / "followup.pdf"
    assert run(app, "export-followup", "--out", str(out), "--date", "2027-08-05")[0] == 0
    text = compact(pdf_text(out.read_bytes(), tmp_path))
    assert compact(org["people"]["driver"][1]) in text and compact(org["people"]["clerk"][1]) in text
    assert compact(org["people"]["finance"][1]) not in text
    assert compact("เกินกำหนด ๑๖๗ วัน") in text  # due 19 Feb 2027, seen 5 Aug 2027
    render_pages(out.read_bytes(), "followup-2027-08")
    out = tmp_path / "q3.xlsx"
    assert run(app, "export-quarterly", "--fiscal-year", "2570", "--quarter", "3", "--out", str(out))[0] == 0
    rows = values(out)
    training = next(r for r in rows if r[1] == "โครงการฝึกอบรมเพิ่มประสิทธิภาพการปฏิบัติงาน")
    assert training[3] == "คุณธรรมจริยธรรมในการทำงาน (๑๐ พ.ค. ๒๕๗๐)" and training[4:8] == ["๓", "๑๕๐,๐๐๐", "๑๕๐", "๘,๒๕๐"]


@pytest.mark.parametrize(("args", "message"), [
    (["export-hr-report", "--fiscal-year", "2027", "--out", "{tmp}/x.xlsx"], "ปีงบประมาณต้องเป็นปี พ.ศ."),
    (["export-hr-report", "--fiscal-year", "2590", "--out", "{tmp}/x.xlsx"], "ยังไม่มีแผนหรือหลักสูตรของปีงบประมาณ 2590"),
    (["export-hr-report", "--fiscal-year", "2570", "--out", "/no/such/dir/x.xlsx"], "บันทึกไฟล์ /no/such/dir/x.xlsx ไม่ได้"),
    (["export-hr-plan", "--fiscal-year", "2570", "--out", "{tmp}/x.docx"], "ไฟล์ต้องลงท้ายด้วย .xlsx หรือ .pdf"),
    (["export-training-record", "--employee-id", "NOPE", "--out", "{tmp}/x.pdf"], "ไม่พบบุคลากรรหัส NOPE"),
    (["export-quarterly", "--fiscal-year", "2570", "--quarter", "5", "--out", "{tmp}/x.pdf"], "ไตรมาสต้องเป็น 1 ถึง 4"),
])
def test_cli_failures_are_one_thai_line(app, org, tmp_path: Path, args: list[str], message: str) -> None:
    code, output = run(app, *(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert code == 1
    assert output.strip().splitlines() == [output.strip()] and message in output
    assert "Traceback" not in output and not (tmp_path / "x.xlsx").exists()


def test_plan_amendments_in_seed_003s_layout(app, org, tmp_path: Path, tx) -> None:
    from datetime import date
    from decimal import Decimal

    from models.plan import ActivityInput, PlanActivity, amend_activity

    with tx() as session:
        a = session.scalar(select_activity("กิจกรรมสร้างขวัญกำลังใจ"))
        data = ActivityInput(a.fiscal_year, a.policy_area, a.title, target_text=a.target_text,
                             target_number=a.target_number, target_unit=a.target_unit, budget=Decimal("25000"),
                             quarters=(3, 4), unit_id=a.unit_id)
        amend_activity(session=session, activity=a, data=data, reason="เพิ่มกิจกรรมกีฬาสี", amended_on=date(2027, 4, 2),
                       now=NOW)
        assert isinstance(a, PlanActivity)
    out = tmp_path / "amend.xlsx"
    assert run(app, "export-plan-amendments", "--fiscal-year", "2570", "--out", str(out))[0] == 0
    rows = values(out)
    assert rows[0][0] == f"บัญชีรายการแก้ไขแผนการบริหารและการพัฒนาทรัพยากรบุคคล {ORG}"
    assert rows[2] == ["ลำดับ", "รายละเอียดในแผน (เดิม)", "รายละเอียดในแผน (แก้ไขใหม่)", "เหตุผลการแก้ไข", "วันที่แก้ไข"]
    assert rows[3][0] == "แก้ไข ครั้งที่ ๑/๒๕๗๐"
    assert rows[4] == ["๑", "กิจกรรมสร้างขวัญกำลังใจ\nงบประมาณ ๒๐,๐๐๐ บาท\nไตรมาส ๔",
                       "กิจกรรมสร้างขวัญกำลังใจ\nงบประมาณ ๒๕,๐๐๐ บาท\nไตรมาส ๓, ๔", "เพิ่มกิจกรรมกีฬาสี", "๒ เม.ย. ๒๕๗๐"]


def select_activity(title: str):
    from sqlalchemy import select

    from models.plan import PlanActivity

    return select(PlanActivity).where(PlanActivity.title == title)
