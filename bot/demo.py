"""A fictional อบต. for `make run` and the simulator: every name here is made up."""
from __future__ import annotations

import secrets
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.admin import ADMIN_HR, admin_by_username, create_admin, password_matches
from models.base import utcnow
from models.course import Course
from models.org import ROLE_APPROVER, ROLE_HR, ROLE_STAFF, Staff, StaffType, Unit, set_setting
from models.registration import ApprovalStep, Registration, RegStatus, StepDecision
from thai.dates import fiscal_year, fiscal_year_bounds, today_bangkok

ORG_NAME = "องค์การบริหารส่วนตำบลบ้านสวนดอกไม้ (ข้อมูลตัวอย่าง)"
DEMO_ADMIN = "hr-demo"
# The demo sign-in is kept beside the SQLite file so `make run` can show it every time it starts;
# it is written only when the demo organisation is loaded, never for real data.
DEMO_SIGNIN_FILE = "demo-console-signin.txt"
UNITS = ("สำนักปลัด", "กองคลัง", "กองช่าง", "กองการศึกษา", "กองสาธารณสุข", "หน่วยตรวจสอบภายใน")
STAFF_TYPES = (
    "ผู้บริหาร", "สมาชิกสภา", "พนักงานส่วนตำบล", "ครู", "ลูกจ้างประจำ",
    "พนักงานจ้างตามภารกิจ", "พนักงานจ้างทั่วไป",
)
A, H, S = ROLE_APPROVER, ROLE_HR, ROLE_STAFF

# employee id, title, first, last, position, staff type, unit, supervisor, roles
PEOPLE = (
    ("D001", "นาย", "ประเสริฐ", "รุ่งเรืองศรี", "นายกองค์การบริหารส่วนตำบล", "ผู้บริหาร", "สำนักปลัด", None, (S, A)),
    ("D002", "นาง", "วิไลวรรณ", "ทองดี", "ปลัดองค์การบริหารส่วนตำบล", "พนักงานส่วนตำบล", "สำนักปลัด", "D001", (S, A)),
    ("D003", "นาย", "ธนากร", "แสงจันทร์", "หัวหน้าสำนักปลัด", "พนักงานส่วนตำบล", "สำนักปลัด", "D002", (S, A)),
    ("D004", "นางสาว", "อรุณี", "ศรีสวัสดิ์", "ผู้อำนวยการกองคลัง", "พนักงานส่วนตำบล", "กองคลัง", "D002", (S, A)),
    ("D005", "นาย", "วีระพงษ์", "มั่นคง", "ผู้อำนวยการกองช่าง", "พนักงานส่วนตำบล", "กองช่าง", "D002", (S, A)),
    ("D006", "นาง", "พรทิพย์", "ใจดี", "ผู้อำนวยการกองการศึกษา", "พนักงานส่วนตำบล", "กองการศึกษา", "D002", (S, A)),
    ("D007", "นางสาว", "สุนิสา", "พัฒนากุล", "นักทรัพยากรบุคคลปฏิบัติการ", "พนักงานส่วนตำบล", "สำนักปลัด", "D003", (S, H)),
    ("D008", "นางสาว", "กนกวรรณ", "มีสุข", "นักวิชาการเงินและบัญชีชำนาญการ", "พนักงานส่วนตำบล", "กองคลัง", "D004", (S,)),
    ("D009", "นาย", "อนุชา", "บุญมา", "นายช่างโยธาชำนาญงาน", "พนักงานส่วนตำบล", "กองช่าง", "D005", (S,)),
    ("D010", "นาง", "สุดารัตน์", "คำแสง", "ครู ค.ศ.2", "ครู", "กองการศึกษา", "D006", (S,)),
    ("D011", "นาย", "สมศักดิ์", "ดวงดี", "พนักงานขับรถยนต์", "ลูกจ้างประจำ", "สำนักปลัด", "D003", (S,)),
    ("D012", "นางสาว", "จิราพร", "แก้วมณี", "ผู้ช่วยเจ้าพนักงานธุรการ", "พนักงานจ้างตามภารกิจ", "กองคลัง", "D004", (S,)),
    ("D013", "นาย", "ณัฐพล", "สายทอง", "คนงานทั่วไป", "พนักงานจ้างทั่วไป", "กองช่าง", "D005", (S,)),
    ("D014", "นาย", "บุญเลิศ", "ศรีประเสริฐ", "สมาชิกสภา อบต. หมู่ที่ 3", "สมาชิกสภา", "สำนักปลัด", "D001", (S,)),
)


def _courses(today: date) -> list[dict[str, object]]:
    fy_start, fy_end = fiscal_year_bounds(fiscal_year(today))

    def inside(d: date) -> date:
        # Keep the demo inside the current fiscal year, whatever day it is loaded on.
        return min(max(d, fy_start), fy_end)

    def course(code: str, title: str, kind: str, organizer: str, venue: str, start: int, days: int,
               deadline: int, seats: int, fee: int, budget: int, area: str, targets: tuple[str, ...],
               levels: int | None) -> dict[str, object]:
        begin = inside(today + timedelta(days=start))
        return dict(code=code, title=title, kind=kind, organizer=organizer, venue=venue, start_date=begin,
                    end_date=inside(begin + timedelta(days=days - 1)), start_time=time(9, 0),
                    registration_deadline=inside(min(begin - timedelta(days=1), today + timedelta(days=deadline))),
                    seats=seats, fee=Decimal(fee), budget=Decimal(budget), policy_area=area,
                    targets=targets, approval_levels=levels)

    hr = "การพัฒนาทรัพยากรบุคคล"
    return [
        course("DEMO-01", "การจัดซื้อจัดจ้างภาครัฐด้วยระบบ e-GP", "ฝึกอบรม", "กรมบัญชีกลาง",
               "โรงแรมริมน้ำ อำเภอเมือง", 24, 3, 12, 10, 3500, 35000, hr,
               ("พนักงานส่วนตำบล", "พนักงานจ้างตามภารกิจ"), 2),
        course("DEMO-02", "การบัญชีภาครัฐ ระบบ e-LAAS รุ่นที่ 3", "ฝึกอบรม", "กรมส่งเสริมการปกครองท้องถิ่น",
               "ศูนย์ฝึกอบรมส่วนท้องถิ่น", 38, 4, 20, 6, 4500, 27000, hr, ("พนักงานส่วนตำบล",), 2),
        course("DEMO-03", "จริยธรรมและการป้องกันการทุจริตสำหรับบุคลากรท้องถิ่น", "สัมมนา", "สำนักปลัด",
               "ห้องประชุม อบต.", 17, 1, 10, 40, 0, 15000, "การส่งเสริมคุณธรรมจริยธรรมและรักษาวินัย", (), 1),
        course("DEMO-04", "ศึกษาดูงานการจัดการขยะชุมชน เทศบาลต้นแบบ", "ศึกษาดูงาน", "กองสาธารณสุข",
               "เทศบาลตำบลต้นแบบ จังหวัดใกล้เคียง", 52, 2, 30, 15, 0, 150000, hr,
               ("ผู้บริหาร", "สมาชิกสภา", "พนักงานส่วนตำบล"), 3),
        course("DEMO-05", "ความปลอดภัยในการทำงานกับเครื่องจักรกล", "ประชุมเชิงปฏิบัติการ", "กองช่าง",
               "ลานอเนกประสงค์ อบต.", 10, 1, 5, 20, 1200, 24000,
               "ความปลอดภัย อาชีวอนามัยและสภาพแวดล้อมในการทำงาน",
               ("ลูกจ้างประจำ", "พนักงานจ้างตามภารกิจ", "พนักงานจ้างทั่วไป"), 1),
        course("DEMO-06", "การเขียนหนังสือราชการและงานสารบรรณ", "ฝึกอบรม", "สถาบันพัฒนาบุคลากรท้องถิ่น",
               "ศาลากลางจังหวัด", -12, 2, -20, 30, 2500, 20000, hr, (), 2),
    ]


def load_demo(*, session: Session, today: date | None = None) -> None:
    """Create the demo organisation: units, staff types, a supervisor chain, HR, courses."""
    today = today or today_bangkok()
    set_setting(session=session, key="org_name", value=ORG_NAME)
    units = {name: Unit(name=name) for name in UNITS}
    types = {name: StaffType(name=name) for name in STAFF_TYPES}
    session.add_all([*units.values(), *types.values()])
    people: dict[str, Staff] = {}
    for emp, title, first, last, position, stype, unit, sup, roles in PEOPLE:
        person = Staff(employee_id=emp, title=title, first_name=first, last_name=last, position=position,
                       staff_type=types[stype], unit=units[unit], roles=list(roles))
        if sup:
            person.supervisor = people[sup]
        people[emp] = person
        session.add(person)
    courses: dict[str, Course] = {}
    for spec in _courses(today):
        targets = spec.pop("targets")
        c = Course(**spec)  # type: ignore[arg-type]
        c.target_types = [types[name] for name in targets]  # type: ignore[union-attr]
        courses[c.code] = c
        session.add(c)
    session.flush()
    # A finished course with an approved participant, so the report flow can be tried at once.
    past = courses["DEMO-06"]
    learner, head, chief = people["D008"], people["D004"], people["D002"]
    now = utcnow()
    reg = Registration(staff=learner, course=past, status=RegStatus.APPROVED, reason="ใช้ในงานสารบรรณของกองคลัง",
                       approval_levels=2, current_step=2, decided_at=now,
                       report_due_on=past.end_date + timedelta(days=15))
    session.add(reg)
    session.flush()
    for step, approver in ((1, head), (2, chief)):
        session.add(ApprovalStep(registration_id=reg.id, step=step, approver_id=approver.id,
                                 decision=StepDecision.APPROVED, reached_at=now, decided_at=now))


def create_demo_admin(*, session: Session, instance_dir: Path) -> tuple[str, str]:
    """Create the demo organisation's HR console sign-in (D007, the demo HR officer) and keep it."""
    password = "demo-" + secrets.token_urlsafe(9)
    hr = session.scalar(select(Staff).where(Staff.employee_id == "D007"))
    create_admin(session=session, username=DEMO_ADMIN, password=password, role=ADMIN_HR,
                 staff_id=hr.id if hr is not None else None)
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / DEMO_SIGNIN_FILE
    path.write_text(f"{DEMO_ADMIN}\n{password}\n", encoding="utf-8")
    path.chmod(0o600)
    return DEMO_ADMIN, password


def demo_signin(*, session: Session, instance_dir: Path) -> tuple[str, str] | None:
    """Return the demo console sign-in while it still works (HR may have changed the password)."""
    path = instance_dir / DEMO_SIGNIN_FILE
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").split()
    if len(lines) != 2:
        return None
    user = admin_by_username(session=session, username=lines[0])
    if user is None or not user.active or not password_matches(user, lines[1]):
        return None
    return lines[0], lines[1]
