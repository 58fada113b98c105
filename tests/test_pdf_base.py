"""The PDF base: Sarabun embedded, Thai shaped and wrapped at words, A4 in both orientations."""
from __future__ import annotations

from pathlib import Path

from PIL import Image

from bot.documents.pdf import Cell, Column, ThaiPDF, breakable, group_row, plain
from tests.support.pdftools import compact, needs_poppler, pdf_text, render_pages

LONG = "โครงการฝึกอบรมเพิ่มประสิทธิภาพการปฏิบัติงานของพนักงานส่วนตำบลและพนักงานจ้าง"


def test_breakable_splits_thai_at_words_and_plain_undoes_it() -> None:
    text = breakable(LONG + " 2570")
    assert "\u200b" in text
    assert plain(text) == LONG + " 2570"
    # a mark never starts a piece: the breaks fall between words, not inside a syllable
    for piece in text.replace(" ", "\u200b").split("\u200b"):
        assert piece and piece[0] not in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e48\u0e49\u0e4a\u0e4b\u0e33\u0e47"


def _document(landscape: bool) -> bytes:
    pdf = ThaiPDF(landscape=landscape, title="ทดสอบ", footer="เอกสารทดสอบ")
    pdf.heading("รายงานผลการดำเนินงาน ประจำปีงบประมาณ พ.ศ. ๒๕๗๐")
    pdf.paragraph("น้ำใจ ผู้ใหญ่ที่ได้รับเกียรติบัตร ปั้น ญี่ปุ่น ฤๅษี")
    cols = [Column("ลำดับที่", 0.6, "C"), Column("กิจกรรม", 3), Column("ข้อบัญญัติ", 1, "R")]
    heads = [[Cell("ลำดับที่", rowspan=2), Cell("กิจกรรม", rowspan=2), Cell("งบประมาณ")], [Cell("ข้อบัญญัติ")]]
    rows = [group_row("๑. นโยบายด้านการพัฒนาทรัพยากรบุคคล", cols)]
    rows += [[str(i), LONG, "๒๐๐,๐๐๐.๐๐"] for i in range(1, 40)]
    pdf.table(cols, rows, heading_rows=heads)
    return pdf.to_bytes()


@needs_poppler
def test_landscape_table_reads_back_and_renders(tmp_path: Path) -> None:
    data = _document(landscape=True)
    assert data.startswith(b"%PDF") and b"Sarabun" in data
    text = pdf_text(data, tmp_path)
    assert "รายงานผลการดำเนินงาน ประจำปีงบประมาณ พ.ศ. ๒๕๗๐" in text
    for words in ("น้ำใจ", "ผู้ใหญ่ที่ได้รับเกียรติบัตร", "ปั้น ญี่ปุ่น ฤๅษี", LONG):
        assert compact(words) in compact(text)
    assert text.count("งบประมาณ") >= 3  # the heading rows repeat on every page
    pages = render_pages(data, "pdf-base-landscape")
    assert len(pages) >= 2
    with Image.open(pages[0]) as page:
        assert page.width > page.height  # A4 landscape


@needs_poppler
def test_portrait_is_a4_portrait(tmp_path: Path) -> None:
    pages = render_pages(_document(landscape=False), "pdf-base-portrait", dpi=40)
    with Image.open(pages[0]) as page:
        assert page.height > page.width
        assert abs(page.width / page.height - 210 / 297) < 0.01
