"""One table document, two renderings: XLSX (xlsx.py, openpyxl) and PDF (pdf.py, fpdf2), same cells in each.

A builder describes the document once (title lines, two-level headings, rows with policy-area
group rows and totals); `to_xlsx` and `to_pdf` lay it out. Numbers carry their value, so the XLSX
cell is a real number when digits are Arabic and the text ("๑๕๐,๐๐๐") when they are Thai.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bot.documents.table import GROUP_FILL, Cell, Column
from thai.numbers import format_number, to_thai_digits


@dataclass(frozen=True)
class Num:
    """A number cell: its value and how it reads ("-" for none)."""

    value: Decimal | int | None
    text: str


@dataclass(frozen=True)
class Group:
    """A full-width shaded row (a policy-area heading, "รวม")."""

    text: str


DocCell = str | Cell | Num | None
DocRow = Sequence[DocCell] | Group


@dataclass
class Document:
    """A titled table: what both renderings show."""

    title: list[str]
    columns: list[Column]
    rows: list[DocRow]
    heading_rows: list[list[Cell]] | None = None
    notes: list[str] = field(default_factory=list)
    sheet_name: str = "รายงาน"
    landscape: bool = True
    thai_digits: bool = True
    footer: str = ""

    def num(self, value: Decimal | int | None, *, decimals: int | None = None, dash: bool = True) -> Num:
        """A number in this document's digits ("-" for None or, with dash, for 0)."""
        if value is None or (dash and not value):
            return Num(None if value is None else value, "-")
        return Num(value, format_number(value, decimals=decimals, thai_digits=self.thai_digits))

    def money(self, value: Decimal | int | None, *, dash: bool = True) -> Num:
        """Baht without satang when there are none ("๑๕๐,๐๐๐"), else with two places."""
        if value is None or (dash and not value):
            return self.num(value, dash=dash)
        d = Decimal(value)
        return Num(d, format_number(d, decimals=0 if d == d.to_integral_value() else 2, thai_digits=self.thai_digits))

    def text(self, text: str) -> str:
        """Text in this document's digits."""
        return to_thai_digits(text) if self.thai_digits else text


def cell_text(cell: DocCell) -> str:
    """What a cell reads as (the same in both renderings)."""
    if cell is None:
        return ""
    if isinstance(cell, Num):
        return cell.text
    if isinstance(cell, Cell):
        return cell.text
    return str(cell)


def _pdf_cell(cell: DocCell) -> str | Cell:
    return cell if isinstance(cell, Cell) else cell_text(cell)


def to_pdf(doc: Document) -> bytes:
    """The document as an A4 PDF (landscape unless told otherwise), Thai shaped."""
    # fpdf2 (with fontTools and HarfBuzz) loads here, when a PDF is written: ~0.2 s of start-up otherwise.
    from bot.documents.pdf import ThaiPDF

    pdf = ThaiPDF(landscape=doc.landscape, title=doc.title[0] if doc.title else "", footer=doc.footer)
    for i, line in enumerate(doc.title):
        pdf.heading(line, size=16 if i == 0 else 14)
    pdf.gap(2)
    rows: list[list[str | Cell]] = []
    for row in doc.rows:
        if isinstance(row, Group):
            rows.append([Cell(row.text, colspan=len(doc.columns), bold=True, fill=GROUP_FILL, align="L")])
        else:
            rows.append([_pdf_cell(c) for c in row])
    pdf.table(doc.columns, rows, heading_rows=doc.heading_rows, size=10.5)
    for note in doc.notes:
        pdf.paragraph(note, size=11)
    return pdf.to_bytes()


def to_xlsx(doc: Document) -> bytes:
    """The document as one worksheet (see bot/documents/xlsx.py)."""
    # openpyxl loads here, when a sheet is written, not with every module that describes a document.
    from bot.documents import xlsx

    return xlsx.render(doc)


def write(doc: Document, path: Path) -> None:
    """Write the document to FILE.xlsx or FILE.pdf (by the file's extension)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        data = to_xlsx(doc)
    elif suffix == ".pdf":
        data = to_pdf(doc)
    else:
        raise ValueError(suffix)
    path.write_bytes(data)
