"""The fiscal-year HR report (seed 002) and the HR plan (seed 001), built from models.figures."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from bot.documents.table import Cell, Column
from bot.documents.render import DocCell, DocRow, Document, Group
from models.course import POLICY_AREAS, Course
from models.figures import Participation, YearFigures
from models.plan import PlanActivity, PlanAmendment, describe_values, target_words
from thai.dates import format_date, format_date_range

MARK = "/"
PEOPLE_PER_ROW = 15  # a course's participants go on rows of this many, so no row outgrows a page


class T:
    """The documents' Thai headings and phrases."""

    REPORT_TITLE = "รายงานผลการดำเนินงานตามนโยบายการบริหารทรัพยากรบุคคล{org}"
    PLAN_TITLE = "แผนการบริหารและการพัฒนาทรัพยากรบุคคล{org}"
    YEAR = "ประจำปีงบประมาณ พ.ศ. {year}"
    AREA = "{n}. นโยบายด้าน{area}"
    COURSE = "หลักสูตร{title} ระหว่างวันที่ {dates} ณ {venue} ผู้เข้ารับการอบรม {n} คน ดังนี้"
    COURSE_NOBODY = "หลักสูตร{title} ระหว่างวันที่ {dates} ณ {venue} (ยังไม่มีผู้เข้ารับการอบรม)"
    COURSE_MORE = "หลักสูตร{title} (ต่อ)"
    PERSON = "{n}. {name} ตำแหน่ง{position}"
    REACHED = "ผู้เข้ารับการอบรม {n} คน จากเป้าหมาย {target} คน"
    PROBLEMS = "ความเสี่ยง ปัญหา/อุปสรรค: {text}"
    FIXES = "แนวทางแก้ไข: {text}"
    TOTAL = "รวมทั้งสิ้น"
    NO_PLAN = "ยังไม่มีกิจกรรมในแผนของปีงบประมาณนี้"
    AMEND_TITLE = "บัญชีรายการแก้ไขแผนการบริหารและการพัฒนาทรัพยากรบุคคล{org}"
    AMEND_ROUND = "แก้ไข ครั้งที่ {n}/{year}"
    NO_AMENDMENT = "ยังไม่มีการแก้ไขแผนในปีงบประมาณนี้"


def _title(org_name: str, template: str, doc_year: str) -> list[str]:
    org = f" {org_name}" if org_name else ""
    return [template.format(org=org).strip(), T.YEAR.format(year=doc_year)]


def _course_lines(doc: Document, course: Course, people: list[Participation]) -> list[str]:
    """A course's paragraph(s) for ผลการดำเนินงาน: title, BE dates, venue, then who went."""
    dates = format_date_range(course.start_date, course.end_date, style="long", thai_digits=doc.thai_digits)
    venue = course.venue or "-"
    if not people:
        return [T.COURSE_NOBODY.format(title=course.title, dates=dates, venue=venue)]
    head = T.COURSE.format(title=course.title, dates=dates, venue=venue, n=doc.text(str(len(people))))
    lines = [head]
    for i, p in enumerate(people, start=1):
        lines.append(T.PERSON.format(n=doc.text(str(i)), name=p.staff.name, position=p.staff.position or "-"))
    return lines


def _problems(activity: PlanActivity) -> str:
    parts = []
    if activity.problems:
        parts.append(T.PROBLEMS.format(text=activity.problems))
    if activity.fixes:
        parts.append(T.FIXES.format(text=activity.fixes))
    return "\n".join(parts) or "-"


def _done(activity: PlanActivity, fig: YearFigures) -> bool:
    """แล้วเสร็จ: HR's mark, or for a training activity every course of it has ended."""
    if activity.status_done:
        return True
    return bool(activity.is_training and activity.courses and all(c.end_date < fig.today for c in activity.courses))


def _activity_rows(doc: Document, fig: YearFigures, seq: int, activity: PlanActivity) -> list[DocRow]:
    target = "\n".join(t for t in (activity.target_text, target_words(activity, fmt=lambda n: doc.money(n).text)) if t)
    result = [activity.result_text] if activity.result_text else []
    chunks: list[list[str]] = []
    if activity.is_training:
        reached = {p.staff.id for c in activity.courses for p in fig.attended_in(c)}
        if activity.target_unit == "people" and activity.target_number is not None:
            result.append(T.REACHED.format(n=doc.text(str(len(reached))), target=doc.money(activity.target_number).text))
        for course in activity.courses:
            lines = _course_lines(doc, course, fig.attended_in(course))
            head, people = lines[0], lines[1:]
            chunks.append([head] + people[:PEOPLE_PER_ROW])
            for start in range(PEOPLE_PER_ROW, len(people), PEOPLE_PER_ROW):
                chunks.append([T.COURSE_MORE.format(title=course.title)] + people[start:start + PEOPLE_PER_ROW])
    first_result = "\n".join(result + (chunks.pop(0) if chunks else []))
    row: list[DocCell] = [
        doc.num(seq), activity.title, target or "-", first_result or "-",
        doc.money(activity.budget), doc.money(fig.activity_spent(activity)),
        MARK if activity.status_on_policy else "", MARK if activity.status_off_policy else "",
        MARK if _done(activity, fig) else "", _problems(activity),
    ]
    rows: list[DocRow] = [row]
    for chunk in chunks:
        rows.append(["", "", "", "\n".join(chunk), "", "", "", "", "", ""])
    return rows


def hr_report(fig: YearFigures, *, org_name: str, thai_digits: bool = True) -> Document:
    """The fiscal-year report in seed 002's layout: rows under policy-area headings, with totals."""
    doc = Document(title=[], columns=[], rows=[], thai_digits=thai_digits, sheet_name="รายงานผล")
    year = doc.text(str(fig.fiscal_year))
    doc.title = _title(org_name, T.REPORT_TITLE, year)
    doc.footer = doc.title[0]
    doc.columns = [
        Column("ลำดับที่", 0.8, "C"), Column("กิจกรรม", 2.0), Column(f"เป้าหมาย ปี {year}", 1.7),
        Column("ผลการดำเนินงาน", 3.4), Column(f"ข้อบัญญัติ ปี {year}", 1.1, "R"), Column("เบิกจ่ายจริง", 1.1, "R"),
        Column("ตามนโยบาย", 1.0, "C"), Column("ไม่เป็นไปตามนโยบาย", 1.0, "C"), Column("แล้วเสร็จ", 0.9, "C"),
        Column("ความเสี่ยง ปัญหา/อุปสรรค และแนวทางแก้ไข", 2.0),
    ]
    doc.heading_rows = [
        [Cell("ลำดับที่", rowspan=2), Cell("กิจกรรม", rowspan=2), Cell(f"เป้าหมาย ปี {year}", rowspan=2),
         Cell("ผลการดำเนินงาน", rowspan=2), Cell("งบประมาณ (บาท)", colspan=2), Cell("ผลการดำเนินงาน", colspan=3),
         Cell("ความเสี่ยง ปัญหา/อุปสรรค และแนวทางแก้ไข", rowspan=2)],
        [Cell(f"ข้อบัญญัติ ปี {year}"), Cell("เบิกจ่ายจริง"), Cell("ตามนโยบาย"), Cell("ไม่เป็นไป\nตามนโยบาย"),
         Cell("แล้วเสร็จ")],
    ]
    allocated = spent = Decimal("0")
    for area_no, area in enumerate(POLICY_AREAS, start=1):
        items = [a for a in fig.activities if a.policy_area == area]
        if not items:
            continue
        doc.rows.append(Group(T.AREA.format(n=doc.text(str(area_no)), area=area)))
        for seq, activity in enumerate(items, start=1):
            doc.rows.extend(_activity_rows(doc, fig, seq, activity))
            allocated += Decimal(activity.budget or 0)
            spent += fig.activity_spent(activity)
    if not fig.activities:
        doc.notes.append(T.NO_PLAN)
    doc.rows.append(["", Cell(T.TOTAL, bold=True), "", "", doc.money(allocated, dash=False),
                     doc.money(spent, dash=False), "", "", "", ""])
    return doc


def hr_plan(activities: list[PlanActivity], *, fiscal_year: int, org_name: str, thai_digits: bool = True) -> Document:
    """The year's plan in seed 001's layout: policy area, activity, allocated budget, quarters marked."""
    doc = Document(title=[], columns=[], rows=[], thai_digits=thai_digits, sheet_name="แผน")
    doc.title = _title(org_name, T.PLAN_TITLE, doc.text(str(fiscal_year)))
    doc.footer = doc.title[0]
    doc.columns = [Column("นโยบาย", 2.2), Column("กิจกรรม/โครงการ", 3.2), Column("เป้าหมาย", 2.0),
                   Column("งบประมาณที่ได้รับการจัดสรร", 1.3, "R")] + [
        Column(f"ไตรมาส {doc.text(str(q))}", 0.85, "C") for q in (1, 2, 3, 4)] + [
        Column("หน่วยงานที่รับผิดชอบ", 1.4)]
    doc.heading_rows = [
        [Cell("นโยบาย", rowspan=2), Cell("กิจกรรม/โครงการ", rowspan=2), Cell("เป้าหมาย", rowspan=2),
         Cell("งบประมาณที่ได้รับการจัดสรร", rowspan=2), Cell("ระยะเวลาการดำเนินงาน", colspan=4),
         Cell("หน่วยงานที่รับผิดชอบ", rowspan=2)],
        [Cell(f"ไตรมาส {doc.text(str(q))}") for q in (1, 2, 3, 4)],
    ]
    total = Decimal("0")
    for area_no, area in enumerate(POLICY_AREAS, start=1):
        items = [a for a in activities if a.policy_area == area]
        label = f"{doc.text(str(area_no))}. {area}"
        if not items:
            doc.rows.append([label, "-", "", doc.money(None), "", "", "", "", ""])
            continue
        for i, a in enumerate(items):
            target = "\n".join(t for t in (a.target_text, target_words(a, fmt=lambda n: doc.money(n).text)) if t)
            marks = [MARK if q in (a.quarters or []) else "" for q in (1, 2, 3, 4)]
            doc.rows.append([label if i == 0 else "", f"- {a.title}", target or "-", doc.money(a.budget), *marks,
                             a.unit.name if a.unit else "-"])
            total += Decimal(a.budget or 0)
    doc.rows.append([Cell(T.TOTAL, bold=True), "", "", doc.money(total, dash=False), "", "", "", "", ""])
    return doc


def plan_amendments(rows: list[PlanAmendment], *, fiscal_year: int, org_name: str, session: Session,
                    thai_digits: bool = True) -> Document:
    """The year's amendments as seed 003's บัญชีรายการแก้ไข: per round, old and new details with the reason."""
    doc = Document(title=[], columns=[], rows=[], thai_digits=thai_digits, sheet_name="รายการแก้ไข")
    doc.title = _title(org_name, T.AMEND_TITLE, doc.text(str(fiscal_year)))
    doc.footer = doc.title[0]
    doc.columns = [Column("ลำดับ", 0.6, "C"), Column("รายละเอียดในแผน (เดิม)", 3.0),
                   Column("รายละเอียดในแผน (แก้ไขใหม่)", 3.0), Column("เหตุผลการแก้ไข", 2.4),
                   Column("วันที่แก้ไข", 1.1, "C")]

    def money(value: Decimal) -> str:
        return doc.money(value).text

    current = None
    n = 0
    for m in rows:
        if m.round_no != current:
            current, n = m.round_no, 0
            doc.rows.append(Group(T.AMEND_ROUND.format(n=doc.text(str(m.round_no)), year=doc.text(str(fiscal_year)))))
        n += 1
        head = m.activity.title
        old = "\n".join([head, *describe_values(m.old_values, session=session, money=money)])
        new = "\n".join([head, *describe_values(m.new_values, session=session, money=money)])
        doc.rows.append([doc.num(n), doc.text(old), doc.text(new), m.reason,
                         format_date(m.amended_on, thai_digits=thai_digits)])
    if not rows:
        doc.rows.append(Group(T.NO_AMENDMENT))
    return doc
