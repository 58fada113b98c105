"""Uploads: a sheet is previewed row by row and saved only when HR confirms."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from models.audit import AuditLog
from models.course import Course
from models.org import Staff
from tests.support import factories as f
from tests.support.console import ConsoleClient

STAFF_CSV = """รหัสพนักงาน,คำนำหน้า,ชื่อ,นามสกุล,ตำแหน่ง,สังกัด,รหัสผู้บังคับบัญชา,บทบาท
B001,นาง,วิไลวรรณ,ทองดี,ปลัด,สำนักปลัด,,ผู้อนุมัติ
E100,นางสาว,พิมพ์ชนก,ใจงาม,นักทรัพยากรบุคคล,สำนักปลัด,B001,งานบุคคล
E300,นาย,อนุชา,บุญมา,นายช่างโยธา,กองช่าง,B001,
"""


def _upload(console: ConsoleClient, kind: str, body: str | bytes, name: str = "sheet.csv"):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return console.post(f"/admin/uploads/{kind}", data={"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def _existing(tx) -> None:
    with tx() as s:
        boss = f.staff(s, employee_id="B001", title="นาง", first_name="วิไลวรรณ", last_name="ทองดี",
                       position="ปลัด", roles=("staff", "approver"), unit_name="สำนักปลัด")
        f.staff(s, employee_id="E100", title="นางสาว", first_name="พิมพ์ชนก", last_name="ใจงาม",
                position="นักวิชาการ", supervisor=boss, roles=("staff", "hr"), unit_name="สำนักปลัด")


def test_preview_lists_every_row_and_nothing_is_saved_until_confirmed(tx, hr_console: ConsoleClient) -> None:
    _existing(tx)
    sent = _upload(hr_console, "staff", STAFF_CSV)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/admin/uploads/staff/preview")
    page = hr_console.text("/admin/uploads/staff/preview")
    assert "เพิ่มใหม่ <b>1</b>" in page and "เปลี่ยนแปลง <b>1</b>" in page and "เหมือนเดิม <b>1</b>" in page
    assert "ตำแหน่ง: นักวิชาการ → นักทรัพยากรบุคคล" in page
    assert "อนุชา" in page and "สังกัดใหม่ 1 แห่ง" in page
    with tx() as s:
        assert s.scalar(select(func.count(Staff.id))) == 2  # the dry run kept nothing
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "import.staff")) is None
    import re

    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    done = hr_console.post("/admin/uploads/staff/confirm", data={"fingerprint": fingerprint})
    assert done.status_code == 302
    listed = hr_console.text(done.headers["Location"])
    assert "นำเข้าบุคลากรสำเร็จ: เพิ่มใหม่ 1 คน ปรับปรุง 1 คน ไม่เปลี่ยนแปลง 1 คน" in listed
    with tx() as s:
        assert s.scalar(select(func.count(Staff.id))) == 3
        anucha = s.scalar(select(Staff).where(Staff.employee_id == "E300"))
        assert anucha.unit.name == "กองช่าง" and anucha.supervisor.employee_id == "B001"
        upload = s.scalar(select(AuditLog).where(AuditLog.action == "console.upload.staff"))
        assert upload.admin_id is not None
    # The waiting file is gone once used.
    assert hr_console.get("/admin/uploads/staff/preview").status_code == 302


def test_bad_rows_are_listed_with_their_reasons_and_confirm_saves_nothing(tx, hr_console: ConsoleClient) -> None:
    _existing(tx)
    bad = STAFF_CSV + "E400,นาย,,ดวงดี,,,X999,\nE100,นาง,ซ้ำ,ซ้ำ,,,,\n"
    _upload(hr_console, "staff", bad)
    page = hr_console.text("/admin/uploads/staff/preview")
    assert "นำเข้าไม่ได้" in page and "ยืนยันนำเข้า" not in page
    assert "ยังไม่ได้กรอกชื่อ" in page and "X999" in page and "ซ้ำ" in page
    assert page.count('class="bad"') >= 2
    # Even a forged confirm imports nothing.
    forged = hr_console.post("/admin/uploads/staff/confirm", data={"fingerprint": "x"})
    assert forged.status_code == 302
    with tx() as s:
        assert s.scalar(select(func.count(Staff.id))) == 2


def test_file_level_problems_and_wrong_types(tx, hr_console: ConsoleClient) -> None:
    _upload(hr_console, "staff", "ชื่อเล่น,สี\nก,ข\n")
    page = hr_console.text("/admin/uploads/staff/preview")
    assert "ไม่พบคอลัมน์ที่จำเป็น" in page and "รหัสพนักงาน" in page
    refused = _upload(hr_console, "staff", b"junk", name="sheet.pdf")
    assert refused.status_code == 302
    assert "ไม่รองรับไฟล์ชนิดนี้" in hr_console.text("/admin/uploads/")
    old = _upload(hr_console, "staff", b"junk", name="old.xls")
    assert "รุ่นเก่า" in hr_console.text(old.headers["Location"])


def test_confirm_refuses_when_the_data_moved_since_the_preview(tx, hr_console: ConsoleClient) -> None:
    import re

    _upload(hr_console, "staff", STAFF_CSV)
    page = hr_console.text("/admin/uploads/staff/preview")
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    _existing(tx)  # someone else adds these people meanwhile
    moved = hr_console.post("/admin/uploads/staff/confirm", data={"fingerprint": fingerprint})
    assert moved.headers["Location"].endswith("/admin/uploads/staff/preview")
    assert "ข้อมูลในระบบเปลี่ยนไปหลังจากตรวจไฟล์" in hr_console.text(moved.headers["Location"])
    with tx() as s:
        assert s.scalar(select(func.count(Staff.id))) == 2


def test_course_sheet_preview_and_confirm(tx, hr_console: ConsoleClient) -> None:
    import re

    with tx() as s:
        f.course(s, code="C-01", title="หลักสูตรเดิม", seats=10)
    sheet = ("รหัสหลักสูตร,ชื่อหลักสูตร,วันเริ่ม,วันสิ้นสุด,วันปิดรับสมัคร,จำนวนที่นั่ง\n"
             "C-01,หลักสูตรเดิม,14 ธ.ค. 2569,15 ธ.ค. 2569,1 ธ.ค. 2569,25\n"
             "C-02,การบัญชีภาครัฐ,10 ม.ค. 2570,,5 ม.ค. 2570,30\n")
    _upload(hr_console, "courses", sheet)
    page = hr_console.text("/admin/uploads/courses/preview")
    assert "เพิ่มใหม่ <b>1</b>" in page and "เปลี่ยนแปลง <b>1</b>" in page
    assert "จำนวนที่นั่ง: 10 → 25" in page and "วันเริ่ม:" in page and "2569" in page
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    assert hr_console.post("/admin/uploads/courses/confirm", data={"fingerprint": fingerprint}).status_code == 302
    with tx() as s:
        assert s.scalar(select(Course).where(Course.code == "C-02")).seats == 30
        assert s.scalar(select(Course).where(Course.code == "C-01")).seats == 25


def test_templates_download_and_read_back(tx, hr_console: ConsoleClient, tmp_path) -> None:
    from bot.sheets import read_table
    from bot.sheets.preview import columns_of

    for kind in ("staff", "courses"):
        with hr_console.get(f"/admin/uploads/{kind}/template.xlsx") as response:
            assert response.status_code == 200
            path = tmp_path / f"{kind}.xlsx"
            path.write_bytes(response.data)
        book = load_workbook(path)
        assert book.active.cell(1, 1).value.endswith("*")
        book.close()
        table = read_table(path, columns_of(kind))
        assert len(table.rows) == 1 and not table.ignored
        with hr_console.get(f"/admin/uploads/{kind}/template.csv") as response:
            assert response.data.startswith(b"\xef\xbb\xbf")
            (tmp_path / f"{kind}.csv").write_bytes(response.data)
        assert len(read_table(tmp_path / f"{kind}.csv", columns_of(kind)).rows) == 1
    # The template itself imports cleanly (a sample HR can overwrite).
    _upload(hr_console, "staff", (tmp_path / "staff.csv").read_bytes())
    assert "เพิ่มใหม่ <b>1</b>" in hr_console.text("/admin/uploads/staff/preview")


def test_uploads_are_hr_only_and_need_csrf(tx, viewer_console: ConsoleClient, hr_console: ConsoleClient,
                                           console_anon: ConsoleClient) -> None:
    assert console_anon.get("/admin/uploads/").status_code == 302
    page = viewer_console.text("/admin/uploads/")
    assert "ตรวจไฟล์" not in page and "template.xlsx" in page
    assert _upload(viewer_console, "staff", STAFF_CSV).status_code == 403
    assert viewer_console.get("/admin/uploads/staff/preview").status_code == 403
    assert viewer_console.post("/admin/uploads/staff/confirm", data={"fingerprint": "x"}).status_code == 403
    assert viewer_console.post("/admin/uploads/cancel").status_code == 403
    no_token = hr_console.post("/admin/uploads/staff", data={"file": (io.BytesIO(STAFF_CSV.encode()), "a.csv")},
                               content_type="multipart/form-data", csrf=False)
    assert no_token.status_code == 400
    _upload(hr_console, "staff", STAFF_CSV)
    assert hr_console.post("/admin/uploads/cancel").status_code == 302
    assert hr_console.get("/admin/uploads/staff/preview").status_code == 302
    with tx() as s:
        assert s.scalar(select(func.count(Staff.id))) == 0


def test_readme_lists_every_accepted_column() -> None:
    from bot.config import PROJECT_ROOT
    from bot.sheets.preview import columns_of

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for kind in ("staff", "courses"):
        for column in columns_of(kind):
            for name in (column.label, *column.aliases):
                assert name in readme, f"README does not list the {kind} column {name}"


def test_an_excel_sheet_goes_through_the_preview(tx, hr_console: ConsoleClient) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["รหัสพนักงาน*", "ชื่อ", "นามสกุล", "ประเภทบุคลากร"])
    book.active.append([1001.0, "ชุติมา", "แก้วประเสริฐ", "ครู"])
    out = io.BytesIO()
    book.save(out)
    _upload(hr_console, "staff", out.getvalue(), name="บุคลากร.xlsx")
    page = hr_console.text("/admin/uploads/staff/preview")
    assert "บุคลากร.xlsx" in page and "เพิ่มใหม่ <b>1</b>" in page and "1001" in page
    assert "ประเภทบุคลากรใหม่ 1 ประเภท" in page


def test_an_oversized_upload_is_refused_in_thai(app, hr_console: ConsoleClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2_000
    response = _upload(hr_console, "staff", STAFF_CSV * 40)
    assert response.status_code == 413 and "ไฟล์ใหญ่เกินไป" in response.get_data(as_text=True)
