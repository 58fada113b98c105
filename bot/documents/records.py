"""Lists HR keeps: a person's training record, a course's participants, the monthly follow-up, the quarter."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.documents.table import Cell, Column
from bot.documents.render import Document, Group
from models.course import POLICY_AREAS, Course
from models.figures import Participation, YearFigures
from models.org import Staff
from models.registration import RegStatus, status_text
from models.reports import HistoryItem, ReportState, due_date
from thai.dates import fiscal_quarter, format_date, format_date_range

MARK = "/"


class T:
    """Headings and words of these lists."""

    RECORD = "ประวัติการฝึกอบรม สัมมนา และศึกษาดูงาน"
    RECORD_WHO = "{name} ตำแหน่ง{position} สังกัด{unit}"
    PARTICIPANTS = "รายชื่อผู้เข้ารับการอบรม หลักสูตร{title}"
    COURSE_WHEN = "ระหว่างวันที่ {dates} ณ {venue} จัดโดย {organizer}"
    FOLLOWUP = "รายชื่อผู้ที่ยังไม่ส่งรายงานผลการอบรม"
    FOLLOWUP_AT = "ข้อมูล ณ วันที่ {date}"
    QUARTER = "รายงานความก้าวหน้าการดำเนินงานตามแผนพัฒนาบุคลากร ไตรมาสที่ {q}"
    YEAR = "ประจำปีงบประมาณ พ.ศ. {year}"
    TOTAL = "รวม"
    NOBODY = "ไม่มีรายการ"
    HOURS_UNKNOWN = "ไม่ระบุ"
    CERT = "แนบในรายงาน {n} ไฟล์"
    STATES = {
        ReportState.NONE: "-", ReportState.OWED: "รอส่งรายงาน", ReportState.OVERDUE: "เลยกำหนดส่ง",
        ReportState.SUBMITTED: "ส่งแล้ว รอการรับทราบ", ReportState.ACKNOWLEDGED: "รับทราบแล้ว",
        ReportState.REVISION_REQUESTED: "ขอให้แก้ไข", ReportState.NOT_ATTENDED: "ไม่ได้เข้าร่วม",
    }
    DAYS_LATE = "เกินกำหนด {n} วัน"


def _dates(doc: Document, course: Course) -> str:
    return format_date_range(course.start_date, course.end_date, thai_digits=doc.thai_digits)


def training_record(person: Staff, items: list[HistoryItem], *, today: date, org_name: str,
                    thai_digits: bool = True) -> Document:
    """A person's courses attended (the personnel record's training section): organiser, BE dates, hours."""
    doc = Document(title=[], columns=[], rows=[], thai_digits=thai_digits, sheet_name="ประวัติการอบรม")
    unit = person.unit.name if person.unit else "-"
    doc.title = [T.RECORD, T.RECORD_WHO.format(name=person.name, position=person.position or "-", unit=unit)]
    if org_name:
        doc.title.append(org_name)
    doc.footer = f"{T.RECORD} {person.name}"
    doc.columns = [Column("ลำดับที่", 0.7, "C"), Column("หลักสูตร", 3.2), Column("ประเภท", 1.2),
                   Column("หน่วยงานที่จัด", 2.0), Column("วันที่", 1.5), Column("สถานที่", 2.0),
                   Column("ชั่วโมง", 0.8, "R"), Column("เกียรติบัตร/หลักฐาน", 1.5)]
    attended = [i for i in items if i.registration.status == RegStatus.APPROVED
                and i.state != ReportState.NOT_ATTENDED and i.registration.course.start_date <= today]
    hours = Decimal("0")
    for n, item in enumerate(sorted(attended, key=lambda i: i.registration.course.start_date), start=1):
        course = item.registration.course
        files = len(item.report.attachments) if item.report is not None else 0
        hours += Decimal(course.hours or 0)
        doc.rows.append([doc.num(n), course.title, course.kind, course.organizer or "-", _dates(doc, course),
                         course.venue or "-",
                         doc.money(course.hours) if course.hours is not None else T.HOURS_UNKNOWN,
                         doc.text(T.CERT.format(n=files)) if files else "-"])
    if not attended:
        doc.rows.append(Group(T.NOBODY))
    doc.rows.append(["", Cell(T.TOTAL, bold=True), "", "", "", "", doc.money(hours, dash=False), ""])
    return doc


def participant_list(course: Course, parts: list[Participation], *, org_name: str, thai_digits: bool = True) -> Document:
    """A course's approved participants with position, unit, staff type, report state, and a signature column."""
    doc = Document(title=[], columns=[], rows=[], thai_digits=thai_digits, sheet_name="รายชื่อ")
    doc.title = [T.PARTICIPANTS.format(title=course.title),
                 T.COURSE_WHEN.format(dates=format_date_range(course.start_date, course.end_date, style="long",
                                                              thai_digits=thai_digits),
                                      venue=course.venue or "-", organizer=course.organizer or "-")]
    if org_name:
        doc.title.append(org_name)
    doc.footer = doc.title[0]
    doc.columns = [Column("ลำดับที่", 0.7, "C"), Column("ชื่อ - สกุล", 2.4), Column("ตำแหน่ง", 2.2),
                   Column("สังกัด", 1.6), Column("ประเภทบุคลากร", 1.6), Column("รายงานผลการอบรม", 1.5),
                   Column("ลายมือชื่อ", 1.5)]
    approved = [p for p in parts if p.registration.status == RegStatus.APPROVED]
    for n, p in enumerate(approved, start=1):
        s = p.staff
        doc.rows.append([doc.num(n), s.name, s.position or "-", s.unit.name if s.unit else "-",
                         s.staff_type.name if s.staff_type else "-", T.STATES[p.state], ""])
    if not approved:
        doc.rows.append(Group(T.NOBODY))
    others = [p for p in parts if p.registration.status == RegStatus.PENDING]
    for p in others:
        doc.notes.append(f"{p.staff.name}: {status_text(p.registration)}")
    return doc


def followup_list(owed: list[Participation], *, today: date, settings: dict, org_name: str,
                  thai_digits: bool = True) -> Document:
    """The monthly follow-up (SOP step 16): every report still owed, with its due date and days late."""
    doc = Document(title=[], columns=[], rows=[], thai_digits=thai_digits, sheet_name="ติดตามรายงาน")
    doc.title = [T.FOLLOWUP, T.FOLLOWUP_AT.format(date=format_date(today, style="long", thai_digits=thai_digits))]
    if org_name:
        doc.title.append(org_name)
    doc.footer = doc.title[0]
    doc.columns = [Column("ลำดับที่", 0.7, "C"), Column("ชื่อ - สกุล", 2.2), Column("ตำแหน่ง", 2.0),
                   Column("สังกัด", 1.5), Column("หลักสูตร", 2.8), Column("วันที่อบรม", 1.4),
                   Column("กำหนดส่ง", 1.2), Column("สถานะ", 1.6)]
    for n, p in enumerate(owed, start=1):
        due = due_date(p.registration, settings)
        state = T.STATES[p.state]
        if today > due:
            state += "\n" + doc.text(T.DAYS_LATE.format(n=(today - due).days))
        s = p.staff
        doc.rows.append([doc.num(n), s.name, s.position or "-", s.unit.name if s.unit else "-", p.course.title,
                         _dates(doc, p.course), format_date(due, thai_digits=thai_digits), state])
    if not owed:
        doc.rows.append(Group(T.NOBODY))
    return doc


def quarterly_report(fig: YearFigures, quarter: int, *, org_name: str, thai_digits: bool = True) -> Document:
    """Progress in one quarter: per activity, courses held, people trained, spent in the quarter and so far."""
    doc = Document(title=[], columns=[], rows=[], thai_digits=thai_digits, sheet_name=f"ไตรมาส {quarter}")
    doc.title = [T.QUARTER.format(q=doc.text(str(quarter))), T.YEAR.format(year=doc.text(str(fig.fiscal_year)))]
    if org_name:
        doc.title.append(org_name)
    doc.footer = doc.title[0]
    doc.columns = [Column("ลำดับที่", 0.7, "C"), Column("กิจกรรม", 2.6), Column("ไตรมาสตามแผน", 1.1, "C"),
                   Column("หลักสูตรที่จัดในไตรมาส", 3.2), Column("ผู้เข้ารับการอบรม (คน)", 1.1, "R"),
                   Column("งบประมาณ ข้อบัญญัติ", 1.2, "R"), Column("เบิกจ่ายในไตรมาส", 1.2, "R"),
                   Column("เบิกจ่ายสะสม", 1.2, "R"), Column("แล้วเสร็จ", 0.8, "C")]
    totals = [Decimal("0")] * 3
    people_total = 0
    for area_no, area in enumerate(POLICY_AREAS, start=1):
        items = [a for a in fig.activities if a.policy_area == area]
        if not items:
            continue
        doc.rows.append(Group(f"{doc.text(str(area_no))}. {area}"))
        for seq, a in enumerate(items, start=1):
            held = [c for c in a.courses if fiscal_quarter(c.start_date) == quarter]
            upto = [c for c in a.courses if fiscal_quarter(c.start_date) <= quarter]
            people = {p.staff.id for c in held for p in fig.attended_in(c)}
            spent_q = sum((p.spent for p in fig.participations if p.course in held), Decimal("0"))
            spent_all = sum((p.spent for p in fig.participations if p.course in upto), Decimal("0"))
            if a.spent_manual and quarter >= max(a.quarters or [4]):
                spent_all += Decimal(a.spent_manual)
                spent_q += Decimal(a.spent_manual) if quarter == max(a.quarters or [4]) else Decimal("0")
            courses = "\n".join(f"{c.title} ({_dates(doc, c)})" for c in held) or "-"
            doc.rows.append([doc.num(seq), a.title, doc.text(", ".join(str(q) for q in a.quarters)) or "-", courses,
                             doc.num(len(people)), doc.money(a.budget), doc.money(spent_q), doc.money(spent_all),
                             MARK if a.status_done else ""])
            people_total += len(people)
            for i, v in enumerate((Decimal(a.budget or 0), spent_q, spent_all)):
                totals[i] += v
    doc.rows.append(["", Cell(T.TOTAL, bold=True), "", "", doc.num(people_total, dash=False),
                     *(doc.money(v, dash=False) for v in totals), ""])
    return doc
