"""The plan and dashboard pages: who may see and change what, and that the figures agree with the exports."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from models.plan import PlanActivity
from tests.support.plan_org import FY, NOW, build

AREA = "การพัฒนาทรัพยากรบุคคล"


@pytest.fixture
def org(tx):
    with tx() as session:
        made = build(session)
        return {"training": made.training.id, "staffing": made.staffing.id}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _count(tx) -> int:
    with tx() as session:
        return len(list(session.scalars(select(PlanActivity))))


@pytest.mark.parametrize("url", ["/admin/dashboard/", "/admin/plan/", "/admin/plan/new",
                                 "/admin/dashboard/export/hr-report.xlsx?year=2570"])
def test_pages_need_a_session(console_anon, url: str) -> None:
    response = console_anon.get(url)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_viewer_sees_the_dashboard_whose_figures_match_the_export(frozen, viewer_console, org) -> None:
    page = viewer_console.text(f"/admin/dashboard/?year={FY}")
    assert "ภาพรวมปีงบประมาณ พ.ศ. 2570" in page
    counts = re.sub(r"\s+", " ", page.split('id="counts"')[1].split("</section>")[0])
    assert "<b>10</b> คำขอเข้ารับการอบรม" in counts and "<b>7</b> อนุมัติ · 1 ไม่อนุมัติ · 1 รอการอนุมัติ" in counts
    assert "<b>2</b> รายงานค้างส่ง (2 เลยกำหนด) · 3 ส่งตรงเวลา · 1 ส่งช้า" in counts
    assert page.count("<svg") == 4 and "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    by_area = page.split('id="by-area"')[1].split("</section>")[0]
    assert "170,000 บาท" in by_area and "50,500 บาท" in by_area and "20,750 บาท" in by_area
    kpi = page.split('id="kpi"')[1].split("</section>")[0]
    assert re.search(r"หลักสูตร</td><td[^>]*>1</td><td[^>]*>2</td><td[^>]*>50.0", kpi)
    untrained = page.split('id="untrained"')[1].split("</section>")[0]
    assert "(3 คน)" in untrained and "บุญมา" in untrained
    # the export the viewer downloads says the same totals
    response = viewer_console.get(f"/admin/dashboard/export/hr-report.xlsx?year={FY}&digits=arabic")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = [[c.value for c in r] for r in load_workbook(BytesIO(response.data)).active.iter_rows()]
    assert rows[-1][4:6] == [170000, 20750]


@pytest.mark.parametrize("url", ["hr-report.pdf", "hr-plan.pdf", "quarter-2.pdf", "followup.xlsx",
                                 "record/PX1.pdf", "participants/PX-ACC.xlsx"])
def test_every_download_button_answers_a_document(frozen, viewer_console, org, url: str) -> None:
    response = viewer_console.get(f"/admin/dashboard/export/{url}?year={FY}")
    assert response.status_code == 200
    assert response.data[:4] in (b"%PDF", b"PK\x03\x04")
    assert "attachment" in response.headers["Content-Disposition"]


def test_a_download_with_nothing_to_show_says_so_in_thai(viewer_console, org) -> None:
    response = viewer_console.get("/admin/dashboard/export/hr-plan.pdf?year=2590")
    assert response.status_code == 404 and "ยังไม่มีแผนของปีงบประมาณ 2590" in response.get_data(as_text=True)
    assert viewer_console.get("/admin/dashboard/?year=abc").status_code == 404


def test_viewer_reads_the_plan_but_changes_nothing(viewer_console, org, tx) -> None:
    page = viewer_console.text(f"/admin/plan/?year={FY}")
    assert "โครงการฝึกอบรมเพิ่มประสิทธิภาพการปฏิบัติงาน" in page and "เพิ่มกิจกรรม</a>" not in page
    assert viewer_console.get("/admin/plan/new").status_code == 403
    before = _count(tx)
    response = viewer_console.post("/admin/plan/new", {"policy_area": AREA, "title": "ลองเพิ่ม"})
    assert response.status_code == 403 and _count(tx) == before
    assert viewer_console.post(f"/admin/plan/{org['training']}/amend", {"title": "x", "reason": "y"}).status_code == 403


def test_hr_adds_an_activity_and_bad_input_changes_nothing(hr_console, tx) -> None:
    response = hr_console.post(f"/admin/plan/new?year={FY}", {
        "policy_area": AREA, "title": "อบรมการใช้ระบบ e-GP", "target_text": "เจ้าหน้าที่พัสดุ", "target_number": "๓",
        "target_unit": "people", "budget": "๔๕,๐๐๐", "quarters": ["2", "3"], "is_training": "1"})
    assert response.status_code == 302
    with tx() as session:
        row = session.scalar(select(PlanActivity).where(PlanActivity.title == "อบรมการใช้ระบบ e-GP"))
        assert (row.fiscal_year, str(row.budget), row.quarters, str(row.target_number), row.is_training) == (
            FY, "45000.00", [2, 3], "3.00", True)
    for bad, message in ((dict(budget="abc"), "ตัวเลขไม่ถูกต้อง"), (dict(title=" "), "กรุณาระบุชื่อกิจกรรม"),
                         (dict(policy_area="ด้านอื่น"), "ไม่รู้จักนโยบายด้าน")):
        form = {"policy_area": AREA, "title": "อีกกิจกรรม", "budget": "1"} | bad
        response = hr_console.post(f"/admin/plan/new?year={FY}", form)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _count(tx) == 1


def test_hr_amends_and_the_history_shows_old_and_new(hr_console, org, tx) -> None:
    url = f"/admin/plan/{org['training']}/amend"
    with tx() as session:
        unit_id = str(session.get(PlanActivity, org["training"]).unit_id)
    form = {"policy_area": AREA, "title": "โครงการฝึกอบรมเพิ่มประสิทธิภาพการปฏิบัติงาน", "target_text": "บุคลากรได้รับการอบรม",
            "target_number": "6", "target_unit": "people", "budget": "120000", "quarters": ["2", "3"], "is_training": "1",
            "unit_id": unit_id}
    response = hr_console.post(url, form | {"reason": ""})
    assert response.status_code == 200 and "กรุณาระบุเหตุผลการแก้ไข" in response.get_data(as_text=True)
    response = hr_console.post(url, form | {"reason": "โอนงบไปกิจกรรม ๕ ส.", "amended_on": "15 มี.ค. 2570"})
    assert response.status_code == 302
    page = hr_console.text(f"/admin/plan/{org['training']}")
    history = page.split('id="history"')[1].split("</section>")[0]
    assert "15 มี.ค. 2570" in history and "งบประมาณ 150,000 บาท" in history and "งบประมาณ 120,000 บาท" in history
    assert "โอนงบไปกิจกรรม ๕ ส." in history and "หน่วยงานที่รับผิดชอบ" not in history  # only what changed
    with tx() as session:
        assert str(session.get(PlanActivity, org["training"]).budget) == "120000.00"


def test_hr_records_a_result_and_both_policy_marks_are_refused(hr_console, org, tx) -> None:
    url = f"/admin/plan/{org['staffing']}/result"
    response = hr_console.post(url, {"result_text": "ใหม่", "status": ["on_policy", "off_policy"]})
    assert response.status_code == 302
    page = hr_console.text(f"/admin/plan/{org['staffing']}")
    assert "อย่างใดอย่างหนึ่ง" in page
    with tx() as session:
        assert session.get(PlanActivity, org["staffing"]).result_text == "ประกาศปรับปรุงแผนอัตรากำลังแล้ว"
    hr_console.post(url, {"result_text": "ประกาศแล้ว", "status": ["off_policy"], "problems": "ล่าช้า"})
    with tx() as session:
        row = session.get(PlanActivity, org["staffing"])
        assert (row.result_text, row.status_off_policy, row.status_done, row.problems) == ("ประกาศแล้ว", True, False, "ล่าช้า")


def _sheet(rows: list[list[object]]) -> BytesIO:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["นโยบาย", "กิจกรรม/โครงการ", "งบประมาณ", "ไตรมาส", "หน่วยงานที่รับผิดชอบ", "เป็นการอบรม"])
    for r in rows:
        wb.active.append(r)
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_hr_imports_a_plan_after_a_preview(hr_console, tx) -> None:
    upload = {"year": "2571", "file": (_sheet([["4", "อบรมภาษาอังกฤษ", "30000", "2", "กองคลัง", "ใช่"],
                                               ["10", "กีฬาสัมพันธ์", "5000", "3", "", ""]]), "plan.xlsx")}
    response = hr_console.post("/admin/plan/import/", upload, content_type="multipart/form-data")
    assert response.status_code == 302
    page = hr_console.text("/admin/plan/import/preview")
    assert "เพิ่มใหม่ 2 กิจกรรม" in page and "อบรมภาษาอังกฤษ" in page and "ยืนยันนำเข้า" in page
    assert _count(tx) == 0  # the preview wrote nothing
    assert hr_console.post("/admin/plan/import/confirm", {}).status_code == 302
    assert _count(tx) == 2
    assert "อบรมภาษาอังกฤษ" in hr_console.text("/admin/plan/?year=2571")


def test_a_plan_sheet_with_problems_cannot_be_confirmed(hr_console, tx) -> None:
    upload = {"year": "2571", "file": (_sheet([["99", "อะไรก็ได้", "x", "", "", ""]]), "plan.xlsx")}
    hr_console.post("/admin/plan/import/", upload, content_type="multipart/form-data")
    page = hr_console.text("/admin/plan/import/preview")
    assert "แถวที่ 2: ไม่รู้จักนโยบายด้าน “99”" in page and "ยืนยันนำเข้า</button>" not in page
    hr_console.post("/admin/plan/import/confirm", {})
    assert _count(tx) == 0


def test_viewer_cannot_import_a_plan(viewer_console, tx) -> None:
    assert viewer_console.get("/admin/plan/import/").status_code == 403
    upload = {"year": "2571", "file": (_sheet([["4", "อบรม", "1", "1", "", ""]]), "plan.xlsx")}
    response = viewer_console.post("/admin/plan/import/", upload, content_type="multipart/form-data")
    assert response.status_code == 403 and _count(tx) == 0
