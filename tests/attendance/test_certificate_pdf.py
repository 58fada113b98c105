"""The certificate PDF says who, what and when in BE, in Sarabun; rendered for a person to look at."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.documents.certificate import CertificateText, certificate_pdf
from tests.support.pdftools import compact, needs_poppler, pdf_text, render_pages

TEXT = CertificateText(
    org_name="องค์การบริหารส่วนตำบลบ้านสวน", name="นางสาวพิมพ์ชนก ใจงาม", position="นักวิชาการเงินและบัญชีชำนาญการ",
    course="การจัดซื้อจัดจ้างภาครัฐด้วยระบบ e-GP รุ่นที่ 3", start=date(2027, 3, 20), end=date(2027, 3, 23),
    venue="ศูนย์ฝึกอบรมจังหวัดขอนแก่น", issued_on=date(2027, 3, 23), hours=18,
    signer_name="นายสมชาย ตั้งใจ", signer_position="นายกองค์การบริหารส่วนตำบลบ้านสวน")


def test_certificate_is_a_pdf_without_hours_when_the_course_has_none() -> None:
    data = certificate_pdf(CertificateText(**{**TEXT.__dict__, "hours": None, "signer_name": ""}))
    assert data.startswith(b"%PDF-")


@needs_poppler
def test_certificate_says_name_position_course_and_be_dates(tmp_path: Path) -> None:
    data = certificate_pdf(TEXT)
    text = compact(pdf_text(data, tmp_path))
    for expected in ("นางสาวพิมพ์ชนก ใจงาม", "นักวิชาการเงินและบัญชีชำนาญการ", "e-GP", "ศูนย์ฝึกอบรมจังหวัดขอนแก่น",
                     "๒๐-๒๓ มีนาคม ๒๕๗๐", "๑๘ ชั่วโมง", "นายสมชาย ตั้งใจ"):
        assert compact(expected) in text, expected
    pages = render_pages(data, "certificate")
    assert len(pages) == 1 and pages[0].stat().st_size > 10_000
