"""A4 PDF base every document uses: fpdf2 with HarfBuzz shaping, Sarabun, wrapped Thai table cells."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, VAlign

# The table vocabulary lives apart so building a document does not import fpdf; re-exported here.
from bot.documents.table import FAMILY, GROUP_FILL, HEADING_FILL, Cell, CellLike, Column, font_file, group_row

ZWSP = "\u200b"

_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]{2,}")


@lru_cache(maxsize=2048)
def _segment(run: str) -> str:
    from pythainlp.tokenize import word_tokenize

    return ZWSP.join(word_tokenize(run, engine="newmm", keep_whitespace=True))


def breakable(text: str) -> str:
    """Put zero-width spaces between Thai words, so lines wrap at words (Thai writes no spaces)."""
    return _THAI_RUN.sub(lambda m: _segment(m.group(0)), text)


def plain(text: str) -> str:
    """Drop the zero-width spaces again (what a reader of the PDF's text sees)."""
    return text.replace(ZWSP, "")


class ThaiPDF(FPDF):
    """An A4 page in Sarabun with Thai shaping; portrait by default, `landscape=True` for wide tables."""

    def __init__(self, *, landscape: bool = False, title: str = "", margin: float = 12, footer: str = "") -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(font_file("Regular")))
        self.add_font(FAMILY, "B", str(font_file("Bold")))
        self.set_text_shaping(True)
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(True, margin=margin + 4)
        self.footer_text = footer
        if title:
            self.set_title(title)
        self.set_creator("khonpattana")
        self.set_font(FAMILY, "", 14)
        self.add_page()

    def footer(self) -> None:
        """Page number (and an optional line) at the foot of every page."""
        self.set_y(-self.b_margin + 2)
        self.set_font(FAMILY, "", 9)
        text = f"{self.footer_text}  หน้า {self.page_no()}" if self.footer_text else f"หน้า {self.page_no()}"
        self.cell(0, 5, text.strip(), align="R")

    def heading(self, text: str, *, size: float = 16, align: str = "C") -> None:
        """A bold heading line (wrapped when long)."""
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, breakable(text), align=align, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 14)

    def paragraph(self, text: str, *, size: float = 14, bold: bool = False, align: str = "L") -> None:
        """A wrapped paragraph."""
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, breakable(text), align=align, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 14)

    def gap(self, mm: float = 3) -> None:
        """Vertical space."""
        self.ln(mm)

    def table(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[CellLike]],
        *,
        size: float = 11,
        heading_rows: Sequence[Sequence[CellLike]] | None = None,
    ) -> None:
        """A bordered table; headings repeat on each page; Thai cells wrap at words.

        `heading_rows` replaces the single heading row made of the column titles, for two-level
        headings (use Cell(colspan=..., rowspan=...)).
        """
        self.set_font(FAMILY, "", size)
        headings = heading_rows if heading_rows is not None else [[Cell(c.title) for c in columns]]
        style = FontFace(family=FAMILY, emphasis="BOLD", size_pt=size - 0.5, fill_color=HEADING_FILL)
        with super().table(
            col_widths=tuple(c.width for c in columns),
            text_align=tuple(c.align for c in columns),
            headings_style=style,
            num_heading_rows=len(headings),
            line_height=size * 0.5,
            padding=(0.8, 1.2),
            v_align=VAlign.T,
            cell_fill_mode=TableCellFillMode.NONE,
        ) as table:
            for heading in headings:
                self._row(table, heading, columns, heading=True)
            for body in rows:
                self._row(table, body, columns, heading=False)
        self.set_font(FAMILY, "", 14)

    def _row(self, table, cells: Sequence[CellLike], columns: Sequence[Column], *, heading: bool) -> None:
        row = table.row()
        position = 0
        for raw in cells:
            cell = raw if isinstance(raw, Cell) else Cell("" if raw is None else str(raw))
            align = cell.align or ("C" if heading else columns[min(position, len(columns) - 1)].align)
            style = None
            if cell.bold or cell.fill:
                style = FontFace(family=FAMILY, emphasis="BOLD" if cell.bold or heading else None, fill_color=cell.fill)
            row.cell(breakable(cell.text), align=align, colspan=cell.colspan, rowspan=cell.rowspan, style=style)
            position += cell.colspan

    def to_bytes(self) -> bytes:
        """The finished document."""
        return bytes(self.output())


__all__ = ["FAMILY", "GROUP_FILL", "HEADING_FILL", "Cell", "CellLike", "Column", "ThaiPDF", "breakable",
           "font_file", "group_row", "plain"]
