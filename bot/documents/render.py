"""One table document, two renderings: XLSX (openpyxl) and PDF (the Sarabun base), same cells in each.

A builder describes the document once (title lines, two-level headings, rows with policy-area
group rows and totals); `to_xlsx` and `to_pdf` lay it out. Numbers carry their value, so the XLSX
cell is a real number when digits are Arabic and the text ("๑๕๐,๐๐๐") when they are Thai.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bot.documents.pdf import GROUP_FILL, HEADING_FILL, Cell, Column, ThaiPDF
from thai.numbers import format_number, to_thai_digits

FONT = "Sarabun"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


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


def _text(cell: DocCell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Num):
        return cell.text
    if isinstance(cell, Cell):
        return cell.text
    return str(cell)


def _pdf_cell(cell: DocCell) -> str | Cell:
    return cell if isinstance(cell, Cell) else _text(cell)


def to_pdf(doc: Document) -> bytes:
    """The document as an A4 PDF (landscape unless told otherwise), Thai shaped."""
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
    """The document as one worksheet: merged title and headings, wrapped Sarabun cells, A4 landscape print."""
    wb = Workbook()
    ws = wb.active
    ws.title = doc.sheet_name[:31]
    width = len(doc.columns)
    row_no = 1
    for i, line in enumerate(doc.title):
        ws.cell(row=row_no, column=1, value=line).font = Font(name=FONT, bold=True, size=16 if i == 0 else 14)
        ws.cell(row=row_no, column=1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=row_no, start_column=1, end_row=row_no, end_column=width)
        row_no += 1
    heading_top = row_no
    headings = doc.heading_rows or [[Cell(c.title) for c in doc.columns]]
    row_no = _xlsx_headings(ws, headings, row_no)
    ws.print_title_rows = f"{heading_top}:{row_no - 1}"
    for row in doc.rows:
        _xlsx_row(ws, doc, row, row_no)
        row_no += 1
    for note in doc.notes:
        row_no += 1
        ws.cell(row=row_no, column=1, value=note).font = Font(name=FONT, size=12)
    total = sum(c.width for c in doc.columns)
    for i, column in enumerate(doc.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(6, round(150 * column.width / total))
    ws.page_setup.orientation = "landscape" if doc.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = ws.cell(row=row_no if not doc.rows else heading_top + len(headings), column=1)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx_headings(ws, headings: list[list[Cell]], top: int) -> int:
    taken: set[tuple[int, int]] = set()
    fill = PatternFill("solid", fgColor="{:02X}{:02X}{:02X}".format(*HEADING_FILL))
    for offset, heading in enumerate(headings):
        r = top + offset
        col = 1
        for cell in heading:
            while (r, col) in taken:
                col += 1
            target = ws.cell(row=r, column=col, value=cell.text)
            target.font = Font(name=FONT, bold=True, size=12)
            target.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            for rr in range(r, r + cell.rowspan):
                for cc in range(col, col + cell.colspan):
                    taken.add((rr, cc))
                    ws.cell(row=rr, column=cc).border = _BORDER
                    ws.cell(row=rr, column=cc).fill = fill
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=r, start_column=col, end_row=r + cell.rowspan - 1,
                               end_column=col + cell.colspan - 1)
            col += cell.colspan
    return top + len(headings)


def _xlsx_row(ws, doc: Document, row: DocRow, r: int) -> None:
    if isinstance(row, Group):
        cell = ws.cell(row=r, column=1, value=row.text)
        cell.font = Font(name=FONT, bold=True, size=12)
        cell.fill = PatternFill("solid", fgColor="{:02X}{:02X}{:02X}".format(*GROUP_FILL))
        for c in range(1, len(doc.columns) + 1):
            ws.cell(row=r, column=c).border = _BORDER
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(doc.columns))
        return
    col = 1
    for raw in row:
        column = doc.columns[min(col - 1, len(doc.columns) - 1)]
        value: object = _text(raw)
        if isinstance(raw, Num) and raw.value is not None and not doc.thai_digits:
            value = float(raw.value) if isinstance(raw.value, Decimal) else raw.value
        cell = ws.cell(row=r, column=col, value=value if value != "" else None)
        bold = isinstance(raw, Cell) and raw.bold
        cell.font = Font(name=FONT, size=12, bold=bold)
        horizontal = {"L": "left", "C": "center", "R": "right"}[(raw.align if isinstance(raw, Cell) and raw.align
                                                                  else column.align)]
        cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
        if isinstance(value, float):
            cell.number_format = "#,##0" if value.is_integer() else "#,##0.00"
        span = raw.colspan if isinstance(raw, Cell) else 1
        for c in range(col, col + span):
            ws.cell(row=r, column=c).border = _BORDER
        if span > 1:
            ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
        col += span


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
