"""A fixture organisation for the plan, the figures and the exports (not the demo data).

Fiscal year 2570 (1 Oct 2026 - 30 Sep 2027), seen on TODAY = 1 Aug 2027 (quarter 4):
three units, three staff types, seven people, three plan activities, two courses.
Hand-computed figures are spelled out in EXPECTED for the tests to check against.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from models.course import Course
from models.org import Staff
from models.plan import ActivityInput, PlanActivity, ResultInput, add_activity, link_course, record_result
from models.registration import Attendance, Registration, RegStatus
from models.report import Report, ReportStatus
from tests.support import factories as f

FY = 2570
TODAY = date(2027, 8, 1)
NOW = datetime(2027, 8, 1, 3, 0, tzinfo=UTC)
AREA_STAFF, AREA_DEV, AREA_LIFE = (
    "อัตรากำลังและการบริหารอัตรากำลัง", "การพัฒนาทรัพยากรบุคคล", "การพัฒนาคุณภาพชีวิต")


@dataclass
class PlanOrg:
    """What the fixture made, by role in the story."""

    people: dict[str, Staff]
    staffing: PlanActivity
    training: PlanActivity
    morale: PlanActivity
    accounting: Course  # external, fee 3,500, 18 hours, 2-4 Feb 2027
    ethics: Course  # in-house, budget 40,000, 6 hours, 10 May 2027
    other_year: Course  # FY 2569: never counted


def _person(session: Session, key: str, title: str, first: str, last: str, position: str, type_name: str,
            unit_name: str) -> Staff:
    return f.staff(session, employee_id=f"PX{key}", title=title, first_name=first, last_name=last,
                   position=position, type_name=type_name, unit_name=unit_name)


def _request(session: Session, person: Staff, course: Course, status: RegStatus, *,
             attendance: Attendance = Attendance.UNKNOWN, due: date | None = None) -> Registration:
    reg = Registration(staff=person, course=course, status=status, reason="พัฒนางาน", approval_levels=1,
                       current_step=1, attendance=attendance, report_due_on=due)
    session.add(reg)
    session.flush()
    return reg


def _report(session: Session, reg: Registration, total: str, submitted: datetime,
            status: ReportStatus = ReportStatus.ACKNOWLEDGED) -> Report:
    reg.attendance = Attendance.ATTENDED
    report = Report(registration_id=reg.id, learned="ได้ความรู้", application="ใช้ในงาน",
                    expense_total=Decimal(total), status=status, submitted_at=submitted)
    session.add(report)
    session.flush()
    return report


def build(session: Session) -> PlanOrg:
    """Create the organisation, its FY 2570 plan, courses, requests and reports."""
    p = {
        "finance": _person(session, "1", "นาง", "กานดา", "รุ่งเรืองศรี", "ผู้อำนวยการกองคลัง", "พนักงานเทศบาล", "กองคลัง"),
        "account": _person(session, "2", "นาย", "ธนพล", "มีทรัพย์", "นักวิชาการเงินและบัญชี", "พนักงานเทศบาล", "กองคลัง"),
        "driver": _person(session, "3", "นาย", "สมศักดิ์", "ขับดี", "พนักงานขับรถยนต์", "ลูกจ้างประจำ", "สำนักปลัด"),
        "clerk": _person(session, "4", "นางสาว", "พรทิพย์", "ใจเย็น", "ผู้ช่วยเจ้าพนักงานธุรการ", "พนักงานจ้างทั่วไป", "สำนักปลัด"),
        "engineer": _person(session, "5", "นาย", "วิทยา", "สร้างสรรค์", "นายช่างโยธา", "พนักงานเทศบาล", "กองช่าง"),
        "worker": _person(session, "6", "นาย", "บุญมา", "ขยันยิ่ง", "คนงานทั่วไป", "พนักงานจ้างทั่วไป", "กองช่าง"),
        "new": _person(session, "7", "นางสาว", "อรอุมา", "แสงทอง", "นักจัดการงานทั่วไป", "พนักงานเทศบาล", "สำนักปลัด"),
    }
    clerks = f.unit(session, "สำนักปลัด")
    staffing = add_activity(session=session, data=ActivityInput(
        FY, AREA_STAFF, "ปรับปรุงแผนอัตรากำลัง ๓ ปี", target_text="ปรับปรุงแผนให้รองรับภารกิจ", quarters=(1,),
        unit_id=clerks.id))
    record_result(session=session, activity=staffing, now=NOW, data=ResultInput(
        result_text="ประกาศปรับปรุงแผนอัตรากำลังแล้ว", on_policy=True, done=True, problems="ตำแหน่งว่าง ๒ ตำแหน่ง",
        fixes="ขอให้ กสถ. สอบแข่งขันแทน"))
    training = add_activity(session=session, data=ActivityInput(
        FY, AREA_DEV, "โครงการฝึกอบรมเพิ่มประสิทธิภาพการปฏิบัติงาน", target_text="บุคลากรได้รับการอบรม",
        target_number=Decimal("6"), target_unit="people", budget=Decimal("150000"), quarters=(2, 3),
        unit_id=clerks.id, is_training=True))
    morale = add_activity(session=session, data=ActivityInput(
        FY, AREA_LIFE, "กิจกรรมสร้างขวัญกำลังใจ", target_text="จัดกิจกรรมอย่างน้อยปีละ ๑ ครั้ง",
        target_number=Decimal("1"), target_unit="times", budget=Decimal("20000"), quarters=(4,),
        unit_id=f.unit(session, "กองคลัง").id))
    record_result(session=session, activity=morale, now=NOW, data=ResultInput(
        result_text="จัดกิจกรรมวันที่ ๑๕ ก.ค. ๒๕๗๐", on_policy=True, done=True, spent=Decimal("12500")))
    accounting = f.course(session, code="PX-ACC", title="การบันทึกบัญชีภาครัฐ", today=TODAY, starts_in=0,
                          start_date=date(2027, 2, 2), end_date=date(2027, 2, 4),
                          registration_deadline=date(2027, 1, 20), venue="โรงแรมริมน้ำ กรุงเทพฯ",
                          organizer="กรมบัญชีกลาง", fee=Decimal("3500"), hours=Decimal("18"))
    ethics = f.course(session, code="PX-ETH", title="คุณธรรมจริยธรรมในการทำงาน", today=TODAY, starts_in=0,
                      start_date=date(2027, 5, 10), end_date=date(2027, 5, 10),
                      registration_deadline=date(2027, 5, 1), venue="ห้องประชุมเทศบาล", organizer="งานบุคคล",
                      fee=Decimal("0"), budget=Decimal("40000"), hours=Decimal("6"))
    other = f.course(session, code="PX-OLD", title="หลักสูตรปีก่อน", today=TODAY, starts_in=0,
                     start_date=date(2026, 9, 1), end_date=date(2026, 9, 2), registration_deadline=date(2026, 8, 1),
                     fee=Decimal("1000"), hours=Decimal("12"))
    link_course(session=session, course=accounting, activity=training)
    link_course(session=session, course=ethics, activity=training)
    # accounting: finance on time, account late, driver owes (overdue), engineer rejected, new pending-then-cancelled
    due = date(2027, 2, 19)
    _report(session, _request(session, p["finance"], accounting, RegStatus.APPROVED, due=due), "4200",
            datetime(2027, 2, 10, 2, 0, tzinfo=UTC))
    _report(session, _request(session, p["account"], accounting, RegStatus.APPROVED, due=due), "3900",
            datetime(2027, 3, 1, 2, 0, tzinfo=UTC))
    _request(session, p["driver"], accounting, RegStatus.APPROVED, due=due)
    _request(session, p["engineer"], accounting, RegStatus.REJECTED)
    _request(session, p["new"], accounting, RegStatus.CANCELLED)
    # ethics: finance, driver, clerk attend (every staff type); worker did not attend; engineer pending
    due = date(2027, 5, 25)
    _report(session, _request(session, p["finance"], ethics, RegStatus.APPROVED, due=due), "0",
            datetime(2027, 5, 11, 2, 0, tzinfo=UTC))
    _report(session, _request(session, p["driver"], ethics, RegStatus.APPROVED, due=due), "150",
            datetime(2027, 5, 20, 2, 0, tzinfo=UTC), status=ReportStatus.SUBMITTED)
    _request(session, p["clerk"], ethics, RegStatus.APPROVED, due=due)
    _request(session, p["worker"], ethics, RegStatus.APPROVED, attendance=Attendance.NOT_ATTENDED)
    _request(session, p["engineer"], ethics, RegStatus.PENDING)
    _report(session, _request(session, p["worker"], other, RegStatus.APPROVED, due=date(2026, 9, 17)), "999",
            datetime(2026, 9, 5, 2, 0, tzinfo=UTC))
    session.flush()
    return PlanOrg(p, staffing, training, morale, accounting, ethics, other)


# The figures worked out by hand from the story above.
EXPECTED = {
    "requests": {"total": 10, "pending": 1, "approved": 7, "rejected": 1, "cancelled": 1},
    "attendance": {"attended": 6, "not_attended": 1},
    "reports": {"on_time": 3, "late": 1, "owed": 2, "overdue": 2},
    "allocated": Decimal("170000"),
    # accounting 3 approved x 3,500 + ethics budget 40,000
    "approved": Decimal("50500"),
    # reports 4,200 + 3,900 + 0 + 150, plus morale's 12,500 by hand
    "spent": Decimal("20750"),
    "training_spent": Decimal("8250"),
    "kpi_courses": (1, 2),
    "kpi_activities": (1, 1),
    "coverage": {"พนักงานเทศบาล": (4, 2), "ลูกจ้างประจำ": (1, 1), "พนักงานจ้างทั่วไป": (2, 1)},
    "hours": {"finance": Decimal("24"), "account": Decimal("18"), "driver": Decimal("24"), "clerk": Decimal("6")},
    "untrained": {"engineer", "worker", "new"},
}
