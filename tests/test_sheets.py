"""Staff and course imports from CSV/XLSX: every row or none, every problem with its row number."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sheets import SheetError, import_courses_file, import_staff_file
from models.audit import AuditLog
from models.course import Course, course_target_types
from models.org import Staff, StaffType, Unit
from tests.support import factories as f

STAFF_HEADER = ["employee_id", "title", "first_name", "last_name", "position", "staff_type", "unit",
                "supervisor_id", "roles"]
COURSE_HEADER = ["code", "title", "kind", "organizer", "venue", "start_date", "end_date",
                 "registration_deadline", "seats", "fee", "policy_area", "target_staff_types",
                 "approval_levels", "budget", "start_time"]


# --- helpers ---------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[Any]], *, bom: bool = False) -> Path:
    """Write rows as CSV the way Excel does (CRLF), with a trailing empty line."""
    def cell(v: Any) -> str:
        text = "" if v is None else str(v)
        return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text

    text = "\r\n".join(",".join(cell(v) for v in row) for row in rows) + "\r\n\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """Write rows to the first sheet of a workbook (a second sheet must be ignored)."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.create_sheet("หมายเหตุ").append(["ไม่ใช่ข้อมูล"])
    book.save(path)
    return path


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import may touch (the audit trail aside)."""
    session.flush()
    session.expire_all()
    tables = {"staff": Staff.__table__, "units": Unit.__table__, "staff_types": StaffType.__table__,
              "courses": Course.__table__, "course_target_types": course_target_types}
    out = {}
    for name, table in tables.items():
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        out[name] = [tuple(r) for r in rows]
    return out


def problems_of(exc: pytest.ExceptionInfo[SheetError]) -> list[str]:
    return exc.value.problems


def rows_named(problems: list[str]) -> set[int]:
    return {int(m.group(1)) for p in problems if (m := re.match(r"แถวที่ (\d+):", p))}


def person(session: Session, employee_id: str) -> Staff:
    found = session.scalar(select(Staff).where(Staff.employee_id == employee_id))
    assert found is not None, employee_id
    return found


def course_by_code(session: Session, code: str) -> Course:
    found = session.scalar(select(Course).where(Course.code == code))
    assert found is not None, code
    return found


STAFF_ROWS = [
    STAFF_HEADER,
    # The worker comes first; their supervisors are defined further down.
    ["E003", "นางสาว", "ทดลอง", "ใจงาม", "นักทรัพยากรบุคคล", "พนักงานส่วนตำบล", "สำนักปลัด", "E002", "hr"],
    ["E002", "นาย", "สมมุติ", "ตั้งใจ", "หัวหน้าสำนักปลัด", "พนักงานส่วนตำบล", "สำนักปลัด", "E001", "approver"],
    ["E001", "นาง", "ตัวอย่าง", "มีสุข", "ปลัด อบต.", "พนักงานส่วนตำบล", "สำนักปลัด", "", "Approver; HR"],
    ["E004", "นาย", "ทดสอบ", "ดีงาม", "นายช่างโยธา", "พนักงานจ้างตามภารกิจ", "กองช่าง", "E002", ""],
]


# --- staff -----------------------------------------------------------------------------------


def test_staff_csv_with_bom_and_supervisors_defined_later(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "staff.csv", STAFF_ROWS, bom=True)

    summary = import_staff_file(session=session, path=path)

    assert (summary.added, summary.updated, summary.unchanged) == (4, 0, 0)
    assert "เพิ่มใหม่ 4 คน" in summary.describe()
    assert person(session, "E003").supervisor is person(session, "E002")
    assert person(session, "E002").supervisor is person(session, "E001")
    assert person(session, "E001").supervisor is None
    assert person(session, "E003").roles == ["staff", "hr"]
    assert person(session, "E001").roles == ["staff", "approver", "hr"]
    assert person(session, "E004").roles == ["staff"]  # blank = staff
    assert person(session, "E004").unit.name == "กองช่าง"
    assert person(session, "E004").staff_type.name == "พนักงานจ้างตามภารกิจ"
    assert person(session, "E003").name == "นางสาวทดลอง ใจงาม"
    assert sorted(u.name for u in session.scalars(select(Unit))) == ["กองช่าง", "สำนักปลัด"]
    logs = session.scalars(select(AuditLog).where(AuditLog.action == "import.staff")).all()
    assert len(logs) == 1
    assert logs[0].detail["added"] == 4 and logs[0].detail["rows"] == 4


def test_staff_xlsx_with_thai_headers_role_words_and_numeric_ids(session: Session, tmp_path: Path) -> None:
    rows = [
        ["  รหัสพนักงาน ", "คำนำหน้า", "ชื่อ", "นามสกุล", "ตำแหน่ง", "ประเภทบุคลากร", "สังกัด",
         "รหัสผู้บังคับบัญชา", "บทบาท", "ใช้งาน", "ลำดับที่"],
        [1001, "นาย", "หัวหน้า", "ทดสอบ", "ผู้อำนวยการกองคลัง", "พนักงานส่วนตำบล", "กองคลัง", None,
         "ผู้อนุมัติ", "ใช่", 1],
        [1002.0, "นาง", "ลูกทีม", "ทดสอบ", "นักวิชาการเงินและบัญชี", "พนักงานส่วนตำบล", "กองคลัง", 1001,
         "บุคลากร;เจ้าหน้าที่บุคคล", None, 2],
        ["๑๐๐๓", "นาย", "เกษียณ", "แล้ว", "เจ้าพนักงานการเงิน", "ลูกจ้างประจำ", "กองคลัง", "๑๐๐๑", None,
         "ไม่ใช้งาน", 3],
    ]
    path = write_xlsx(tmp_path / "บุคลากร.xlsx", rows)

    summary = import_staff_file(session=session, path=path)

    assert summary.added == 3
    assert "ลำดับที่" in summary.describe()  # an unknown column is named, not silently used
    assert person(session, "1001").roles == ["staff", "approver"]
    assert person(session, "1002").roles == ["staff", "hr"]
    assert person(session, "1002").supervisor is person(session, "1001")
    assert person(session, "1003").supervisor is person(session, "1001")  # Thai digits read as Arabic
    assert person(session, "1003").active is False
    assert person(session, "1002").active is True


def test_reimporting_the_same_staff_file_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "staff.csv", STAFF_ROWS)
    import_staff_file(session=session, path=path)
    before = snapshot(session)

    summary = import_staff_file(session=session, path=path)

    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 4)
    assert "ไม่เปลี่ยนแปลง 4 คน" in summary.describe()
    assert snapshot(session) == before


def test_changed_rows_update_and_missing_columns_leave_fields_alone(session: Session, tmp_path: Path) -> None:
    import_staff_file(session=session, path=write_csv(tmp_path / "a.csv", STAFF_ROWS))
    # A second sheet with fewer columns: position changes for one person, roles and units stay.
    rows = [["employee_id", "first_name", "last_name", "position"],
            ["E003", "ทดลอง", "ใจงาม", "นักทรัพยากรบุคคลชำนาญการ"],
            ["E004", "ทดสอบ", "ดีงาม", "นายช่างโยธา"],
            ["E005", "ใหม่", "เข้ามา", "เจ้าหน้าที่ธุรการ"]]

    summary = import_staff_file(session=session, path=write_csv(tmp_path / "b.csv", rows))

    assert (summary.added, summary.updated, summary.unchanged) == (1, 1, 1)
    e003 = person(session, "E003")
    assert e003.position == "นักทรัพยากรบุคคลชำนาญการ"
    assert e003.roles == ["staff", "hr"] and e003.unit.name == "สำนักปลัด"
    assert e003.supervisor is person(session, "E002")
    assert person(session, "E005").roles == ["staff"] and person(session, "E005").supervisor is None


def test_supervisor_already_in_the_database(session: Session, tmp_path: Path) -> None:
    boss = f.staff(session, employee_id="B100", roles=("staff", "approver"))
    rows = [STAFF_HEADER, ["E010", "นาย", "ลูกน้อง", "ทดสอบ", "", "", "", "B100", ""]]

    import_staff_file(session=session, path=write_csv(tmp_path / "s.csv", rows))

    assert person(session, "E010").supervisor is boss
    assert person(session, "E010").unit is None


def test_deactivating_someone_through_the_active_column(session: Session, tmp_path: Path) -> None:
    import_staff_file(session=session, path=write_csv(tmp_path / "a.csv", STAFF_ROWS))
    rows = [["employee_id", "first_name", "last_name", "active"], ["E004", "ทดสอบ", "ดีงาม", "0"]]

    summary = import_staff_file(session=session, path=write_csv(tmp_path / "b.csv", rows))

    assert summary.updated == 1
    assert person(session, "E004").active is False


def test_supervisor_cycle_in_the_file_is_refused(session: Session, tmp_path: Path) -> None:
    rows = [STAFF_HEADER,
            ["A1", "นาย", "หนึ่ง", "ทดสอบ", "", "", "", "A2", ""],
            ["A2", "นาย", "สอง", "ทดสอบ", "", "", "", "A3", ""],
            ["A3", "นาย", "สาม", "ทดสอบ", "", "", "", "A1", ""],
            ["A4", "นาย", "สี่", "ทดสอบ", "", "", "", "A1", ""]]
    before = snapshot(session)

    with pytest.raises(SheetError) as exc:
        import_staff_file(session=session, path=write_csv(tmp_path / "s.csv", rows))

    problems = problems_of(exc)
    assert rows_named(problems) == {2, 3, 4}  # A4 only hangs below the loop
    assert any("A1 → A2 → A3 → A1" in p for p in problems)
    assert snapshot(session) == before


def test_supervisor_cycle_through_people_already_in_the_database(session: Session, tmp_path: Path) -> None:
    top = f.staff(session, employee_id="X1")
    f.staff(session, employee_id="X2", supervisor=top)  # X2 reports to X1 in the database
    rows = [STAFF_HEADER, ["X1", "นาย", "บน", "สุด", "", "", "", "X2", ""]]  # now X1 would report to X2
    before = snapshot(session)

    with pytest.raises(SheetError) as exc:
        import_staff_file(session=session, path=write_csv(tmp_path / "s.csv", rows))

    assert problems_of(exc) == ["แถวที่ 2: สายการบังคับบัญชาวนกลับมาที่ตัวเอง (X1 → X2 → X1)"]
    assert snapshot(session) == before


def test_a_staff_file_with_many_bad_rows_reports_each_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    f.staff(session, employee_id="OLD1", active=False)
    rows = [STAFF_HEADER + ["active"],
            ["G1", "นาย", "ดี", "ทดสอบ", "", "", "", "", "", ""],                  # 2 fine
            ["G2", "นาย", "", "ทดสอบ", "", "", "", "G1", "", ""],                  # 3 no first name
            ["G1", "นาย", "ซ้ำ", "ทดสอบ", "", "", "", "", "", ""],                 # 4 duplicate id
            ["G3", "นาย", "หา", "หัวหน้า", "", "", "", "E999", "", ""],            # 5 unknown supervisor
            ["G4", "นาย", "ตัวเอง", "ทดสอบ", "", "", "", "G4", "", ""],            # 6 own supervisor
            ["G5", "นาย", "บทบาท", "ทดสอบ", "", "", "", "", "admin", ""],          # 7 unknown role
            ["G6", "นาย", "สถานะ", "ทดสอบ", "", "", "", "", "", "อาจจะ"],          # 8 bad active
            ["", "นาย", "ไม่มี", "รหัส", "", "", "", "", "", ""],                    # 9 no employee id
            ["G7", "นาย", "ลูก", "คนเก่า", "", "", "", "OLD1", "", ""],            # 10 inactive supervisor
            ["G8", "นาย", "ยาว", "x" * 130, "", "", "", "", "", ""]]               # 11 too long
    before = snapshot(session)

    with pytest.raises(SheetError) as exc:
        import_staff_file(session=session, path=write_csv(tmp_path / "bad.csv", rows))

    problems = problems_of(exc)
    assert rows_named(problems) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "แถวที่ 5: ไม่พบรหัสผู้บังคับบัญชา E999 (ไม่มีในไฟล์และในระบบ)" in problems
    assert any(p.startswith("แถวที่ 4:") and "ซ้ำกับแถวที่ 2" in p for p in problems)
    assert any(p.startswith("แถวที่ 7:") and "admin" in p for p in problems)
    assert [int(re.match(r"แถวที่ (\d+)", p).group(1)) for p in problems] == sorted(  # type: ignore[union-attr]
        int(re.match(r"แถวที่ (\d+)", p).group(1)) for p in problems)  # type: ignore[union-attr]
    assert snapshot(session) == before
    assert session.scalar(select(AuditLog).where(AuditLog.action == "import.staff")) is None


def test_missing_required_column_is_a_file_problem(session: Session, tmp_path: Path) -> None:
    rows = [["employee_id", "title", "first_name"], ["E1", "นาย", "ดี"]]
    with pytest.raises(SheetError) as exc:
        import_staff_file(session=session, path=write_csv(tmp_path / "s.csv", rows))
    assert problems_of(exc) == ["ไม่พบคอลัมน์ที่จำเป็น: นามสกุล"]


@pytest.mark.parametrize("name,content", [("staff.txt", b"a,b"), ("staff.xls", b"\xd0\xcf"),
                                          ("staff.xlsx", b"not a zip"), ("staff.csv", b""),
                                          ("staff.csv", b"employee_id,first_name,last_name\r\n\r\n")])
def test_unreadable_files_get_a_thai_problem(session: Session, tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetError) as exc:
        import_staff_file(session=session, path=path)
    assert len(problems_of(exc)) == 1
    assert re.search("[ก-๙]", problems_of(exc)[0])


def test_csv_saved_by_thai_windows_excel_is_read(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes("รหัสพนักงาน,ชื่อ,นามสกุล\r\nT1,สมหญิง,ทดสอบ\r\n".encode("cp874"))
    import_staff_file(session=session, path=path)
    assert person(session, "T1").first_name == "สมหญิง"


# --- courses ---------------------------------------------------------------------------------

COURSE_ROWS = [
    COURSE_HEADER,
    ["C-01", "การจัดซื้อจัดจ้างภาครัฐ", "ฝึกอบรม", "กรมบัญชีกลาง", "โรงแรมริมน้ำ", "2026-12-14", "2026-12-16",
     "2026-12-01", "20", "3,500", "การพัฒนาทรัพยากรบุคคล", "พนักงานส่วนตำบล; ครู", "2", "70,000", "09:00"],
    ["C-02", "จริยธรรมสำหรับบุคลากร", "สัมมนา", "สำนักปลัด", "ห้องประชุม", "๑๔ ธันวาคม ๒๕๖๙", "",
     "1 ธ.ค. 2569", "๔๐", "๑,๒๐๐.๕๐", "การส่งเสริมคุณธรรมจริยธรรมและรักษาวินัย", "", "", "", "๐๙:๓๐ น."],
    # Training that already happened: HR records it too.
    ["C-03", "งานสารบรรณ", "ฝึกอบรม", "จังหวัด", "ศาลากลาง", "20 มี.ค. 2566", "23 มี.ค. 2566", "10 มี.ค. 66",
     "", "", "", "", "1", "", ""],
]


def test_courses_csv_with_iso_and_thai_dates_and_digits(session: Session, tmp_path: Path) -> None:
    f.staff_type(session, "ครู")
    summary = import_courses_file(session=session, path=write_csv(tmp_path / "c.csv", COURSE_ROWS))

    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.new_staff_types == 1  # ครู existed; พนักงานส่วนตำบล is new
    assert "เพิ่มใหม่ 3 หลักสูตร" in summary.describe()
    c1 = course_by_code(session, "C-01")
    assert (c1.start_date, c1.end_date, c1.registration_deadline) == (
        date(2026, 12, 14), date(2026, 12, 16), date(2026, 12, 1))
    assert (c1.seats, c1.fee, c1.budget, c1.approval_levels) == (20, Decimal("3500"), Decimal("70000"), 2)
    assert c1.start_time == time(9, 0)
    assert [t.name for t in c1.target_types] == ["ครู", "พนักงานส่วนตำบล"]
    c2 = course_by_code(session, "C-02")
    assert (c2.start_date, c2.end_date, c2.registration_deadline) == (
        date(2026, 12, 14), date(2026, 12, 14), date(2026, 12, 1))
    assert (c2.seats, c2.fee, c2.budget) == (40, Decimal("1200.50"), Decimal("0"))
    assert c2.approval_levels is None  # blank = organisation default
    assert c2.target_types == [] and c2.start_time == time(9, 30)
    c3 = course_by_code(session, "C-03")
    assert (c3.start_date, c3.end_date, c3.registration_deadline) == (
        date(2023, 3, 20), date(2023, 3, 23), date(2023, 3, 10))
    assert c3.policy_area == "การพัฒนาทรัพยากรบุคคล" and c3.kind == "ฝึกอบรม"
    assert len(session.scalars(select(AuditLog).where(AuditLog.action == "import.courses")).all()) == 1


def test_courses_xlsx_with_date_cells_numbers_and_thai_headers(session: Session, tmp_path: Path) -> None:
    rows = [
        ["รหัสหลักสูตร", "ชื่อหลักสูตร", "ประเภท", "ผู้จัด", "สถานที่", "วันเริ่ม", "วันสิ้นสุด", "วันปิดรับสมัคร",
         "จำนวนที่นั่ง", "ค่าลงทะเบียน", "ด้านนโยบาย", "กลุ่มเป้าหมาย", "จำนวนขั้นอนุมัติ", "งบประมาณ", "เวลาเริ่ม"],
        ["X-1", "ความปลอดภัยในการทำงาน", "workshop", "กองช่าง", "ลาน อบต.", datetime(2027, 1, 5),
         datetime(2027, 1, 6), datetime(2026, 12, 20), 15, 1200.5, "ด้านความปลอดภัย อาชีวอนามัยและสภาพแวดล้อมในการทำงาน",
         "ลูกจ้างประจำ;พนักงานจ้างทั่วไป", 3, 18000, time(13, 30)],
        [101, "การเงินการคลัง", "e-Learning", "", "", "2027-02-01", 46419, "2027-01-15", 10.0, "0", 4,
         None, None, 0.1 + 0.2, "8.30"],
    ]

    summary = import_courses_file(session=session, path=write_xlsx(tmp_path / "courses.xlsx", rows))

    assert summary.added == 2
    x1 = course_by_code(session, "X-1")
    assert (x1.start_date, x1.end_date, x1.registration_deadline) == (
        date(2027, 1, 5), date(2027, 1, 6), date(2026, 12, 20))
    assert (x1.seats, x1.fee, x1.budget, x1.approval_levels) == (15, Decimal("1200.50"), Decimal("18000"), 3)
    assert x1.kind == "ประชุมเชิงปฏิบัติการ" and x1.start_time == time(13, 30)
    assert x1.policy_area == "ความปลอดภัย อาชีวอนามัยและสภาพแวดล้อมในการทำงาน"
    assert [t.name for t in x1.target_types] == ["พนักงานจ้างทั่วไป", "ลูกจ้างประจำ"]
    c101 = course_by_code(session, "101")
    assert c101.kind == "e-learning" and c101.end_date == date(2027, 2, 1)  # Excel serial 46419
    assert c101.policy_area == "การพัฒนาทรัพยากรบุคคล"  # area number 4
    assert c101.budget == Decimal("0.30") and c101.start_time == time(8, 30)


def test_reimporting_the_same_course_file_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", COURSE_ROWS)
    import_courses_file(session=session, path=path)
    before = snapshot(session)

    summary = import_courses_file(session=session, path=path)

    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 3)
    assert snapshot(session) == before


def test_changed_course_row_is_updated(session: Session, tmp_path: Path) -> None:
    import_courses_file(session=session, path=write_csv(tmp_path / "a.csv", COURSE_ROWS))
    rows = [list(r) for r in COURSE_ROWS]
    rows[1][8] = "25"       # seats
    rows[1][11] = "ครู"      # targets narrowed

    summary = import_courses_file(session=session, path=write_csv(tmp_path / "b.csv", rows))

    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 2)
    c1 = course_by_code(session, "C-01")
    assert c1.seats == 25 and [t.name for t in c1.target_types] == ["ครู"]


def test_a_course_file_with_many_bad_rows_reports_each_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    f.course(session, code="KEEP", seats=7)
    good = ["ok", "ดี", "ฝึกอบรม", "", "", "2026-12-14", "2026-12-15", "2026-12-01", "10", "100", "", "", "", "", ""]

    def row(code: str, **changes: str) -> list[str]:
        r = list(good)
        r[0] = code
        for name, value in changes.items():
            r[COURSE_HEADER.index(name)] = value
        return r

    rows = [COURSE_HEADER,
            row("KEEP", seats="8"),                              # 2 fine (would update)
            row("B3", start_date="32 ธ.ค. 2569"),                # 3 bad date
            row("B4", end_date="2026-12-10"),                    # 4 end before start
            row("B5", registration_deadline="2026-12-20"),       # 5 deadline after start
            row("B6", fee="สามพัน"),                             # 6 bad number
            row("B7", seats="-3"),                               # 7 negative seats
            row("B8", fee="-100"),                               # 8 negative fee
            row("B9", approval_levels="6"),                      # 9 levels out of 1..5
            row("B10", start_time="25:00"),                      # 10 bad time
            row("B11", title=""),                                # 11 missing title
            row("B3"),                                           # 12 duplicate code
            row("B13", start_date="14 ธ.ค."),                    # 13 no year
            row("B14", kind="งานเลี้ยง"),                         # 14 unknown kind
            row("B15", approval_levels="0"),                     # 15 levels out of 1..5
            row("", title="ไม่มีรหัส")]                            # 16 missing code
    before = snapshot(session)

    with pytest.raises(SheetError) as exc:
        import_courses_file(session=session, path=write_csv(tmp_path / "bad.csv", rows))

    problems = problems_of(exc)
    assert rows_named(problems) == set(range(3, 17))
    assert any(p.startswith("แถวที่ 12:") and "ซ้ำกับแถวที่ 3" in p for p in problems)
    assert snapshot(session) == before
    assert course_by_code(session, "KEEP").seats == 7


# --- the command line ------------------------------------------------------------------------


def test_cli_imports_and_refuses_with_exit_status(app, bot, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    good = write_csv(tmp_path / "staff.csv", STAFF_ROWS)
    bad_rows = [*STAFF_ROWS[:2], ["E009", "นาย", "ผิด", "ทดสอบ", "", "", "", "E999", ""]]
    bad = write_csv(tmp_path / "bad.csv", bad_rows)
    courses = write_csv(tmp_path / "courses.csv", COURSE_ROWS)

    with app.app_context():
        ok = runner.invoke(args=["import-staff", str(good)])
        refused = runner.invoke(args=["import-staff", str(bad)])
        ok_courses = runner.invoke(args=["import-courses", str(courses)])

    assert ok.exit_code == 0, ok.output
    assert "เพิ่มใหม่ 4 คน" in ok.output
    assert refused.exit_code != 0
    assert "แถวที่ 3: ไม่พบรหัสผู้บังคับบัญชา E999" in refused.output
    assert ok_courses.exit_code == 0, ok_courses.output
    with bot.db.transaction() as s:
        # The refused file (which also re-lists E003, now under E002) changed nothing.
        assert s.scalar(select(Staff).where(Staff.employee_id == "E009")) is None
        assert len(s.scalars(select(Staff)).all()) == 4
        assert len(s.scalars(select(Course)).all()) == 3


def test_oversized_numbers_are_row_problems_not_crashes(tx, tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "title", "start_date", "end_date", "registration_deadline", "seats", "fee", "budget"])
    sheet.append(["BIG1", "หลักสูตรใหญ่", "2026-12-14", "2026-12-15", "2026-12-01", 99_999_999_999, 3500, 1000])
    sheet.append(["BIG2", "หลักสูตรแพง", "2026-12-14", "2026-12-15", "2026-12-01", 10, 1e15, 1000])
    path = tmp_path / "big.xlsx"
    book.save(path)
    with pytest.raises(SheetError) as refused, tx() as s:
        import_courses_file(session=s, path=path)
    problems = "\n".join(refused.value.problems)
    assert "แถวที่ 2" in problems and "แถวที่ 3" in problems


def test_a_course_file_that_puts_a_course_off_moves_its_report_due_dates(session: Session, tmp_path: Path) -> None:
    import_courses_file(session=session, path=write_csv(tmp_path / "c.csv", COURSE_ROWS))
    _, worker = f.chain(session, 1)
    approved = f.finished_registration(session, worker, course_=course_by_code(session, "C-01"))
    due = approved.report_due_on
    later = [list(r) for r in COURSE_ROWS]
    later[1][6] = "2026-12-18"  # C-01 now ends two days later

    import_courses_file(session=session, path=write_csv(tmp_path / "later.csv", later))

    session.expire_all()
    assert session.get(type(approved), approved.id).report_due_on == due + (date(2026, 12, 18) - date(2026, 12, 16))
