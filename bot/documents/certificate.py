"""The certificate (เกียรติบัตร) PDF: the person's name and position, the course, its dates in BE.

A4 landscape on the common base (bot.documents.pdf: Sarabun with Thai shaping), Thai digits as
official documents use them, a double border and a signature line for the organisation's head.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot.documents.pdf import FAMILY, ThaiPDF, breakable
from models.attendance import Certificate, CertificateError, CertificateSource, store_certificate
from models.org import get_settings
from models.registration import Registration
from thai.dates import format_date, format_date_range
from thai.numbers import format_number, to_thai_digits

BORDER = (11, 110, 79)  # the console's accent green


@dataclass(frozen=True)
class CertificateText:
    """What a certificate says; built from the registration by the caller."""

    org_name: str
    name: str
    position: str
    course: str
    start: date
    end: date
    venue: str
    issued_on: date
    hours: Decimal | int | None = None
    signer_name: str = ""
    signer_position: str = ""


class _Page(ThaiPDF):
    """The base without the page-number footer (a certificate is one page)."""

    def footer(self) -> None:
        return None


def _line(pdf: ThaiPDF, text: str, size: float, *, bold: bool = False, gap: float = 0) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.52, breakable(text), align="C", new_x="LMARGIN", new_y="NEXT")
    if gap:
        pdf.ln(gap)


def _border(pdf: ThaiPDF) -> None:
    pdf.set_draw_color(*BORDER)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.4)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)
    pdf.set_draw_color(0, 0, 0)


def certificate_pdf(c: CertificateText) -> bytes:
    """Return the certificate as PDF bytes."""
    pdf = _Page(landscape=True, title=f"เกียรติบัตร {c.name}", margin=22)
    pdf.set_auto_page_break(False)
    _border(pdf)
    pdf.set_y(26)
    _line(pdf, c.org_name, 22, bold=True, gap=4)
    pdf.set_text_color(*BORDER)
    _line(pdf, "เกียรติบัตร", 40, bold=True, gap=2)
    pdf.set_text_color(0, 0, 0)
    _line(pdf, "ให้ไว้เพื่อแสดงว่า", 18, gap=3)
    _line(pdf, c.name, 30, bold=True, gap=1)
    if c.position:
        _line(pdf, f"ตำแหน่ง {c.position}", 18, gap=3)
    _line(pdf, "ได้ผ่านการอบรมหลักสูตร", 18, gap=1)
    _line(pdf, c.course, 22, bold=True, gap=2)
    when = format_date_range(c.start, c.end, style="long", thai_digits=True)
    place = f" ณ {c.venue}" if c.venue else ""
    _line(pdf, f"ระหว่างวันที่ {when}{place}", 16)
    if c.hours:
        _line(pdf, f"รวม {to_thai_digits(format_number(c.hours))} ชั่วโมง", 16)
    pdf.ln(3)
    _line(pdf, f"ให้ไว้ ณ วันที่ {format_date(c.issued_on, style='long', thai_digits=True)}", 16, gap=10)
    _line(pdf, "..................................................", 16)
    _line(pdf, f"({c.signer_name})" if c.signer_name else "(..................................................)", 16)
    if c.signer_position:
        _line(pdf, c.signer_position, 16)
    return pdf.to_bytes()


def certificate_text(registration: Registration, *, org_name: str, issued_on: date) -> CertificateText:
    """Return what the certificate of one registration says."""
    person, course = registration.staff, registration.course
    unit = f" {person.unit.name}" if person.unit else ""
    return CertificateText(
        org_name=org_name, name=person.name, position=f"{person.position}{unit}".strip(), course=course.title,
        start=course.start_date, end=course.end_date, venue=course.venue, issued_on=issued_on,
        hours=course.hours)


def generate_certificate(*, session: Session, registration_id: int, upload_dir: str, now: datetime,
                         actor_id: int | None = None) -> Certificate:
    """Draw and keep the certificate of an approved registration (replacing an earlier one)."""
    reg = session.get(Registration, registration_id)
    if reg is None:
        raise CertificateError("no such registration")
    org_name = str(get_settings(session=session).get("org_name") or "")
    # Dated the course's last day, as paper certificates handed out on the day are.
    data = certificate_pdf(certificate_text(reg, org_name=org_name, issued_on=reg.course.end_date))
    return store_certificate(session=session, registration_id=registration_id, data=data,
                             source=CertificateSource.GENERATED, upload_dir=upload_dir, now=now, actor_id=actor_id)
