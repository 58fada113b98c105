"""A Document as an XLSX worksheet (openpyxl): merged title and headings, wrapped Sarabun cells, A4 print."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bot.documents.render import Document, DocRow, Group, Num, cell_text
from bot.documents.table import GROUP_FILL, HEADING_FILL, Cell

FONT = "Sarabun"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def render(doc: Document) -> bytes:
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
        value: object = cell_text(raw)
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
