"""What every document's table is made of (columns, cells, fills, the Sarabun font), without a renderer.

Builders (records, hr_report, exports) use only this, so describing a document imports neither
fpdf2 nor openpyxl: those load when a PDF or XLSX is actually written (pdf.py, xlsx.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FAMILY = "Sarabun"
HEADING_FILL = (225, 230, 240)
GROUP_FILL = (242, 242, 242)


@lru_cache(maxsize=4)
def font_file(weight: str = "Regular") -> Path:
    """Return a Sarabun TTF from the fontpkg-sarabun package."""
    import fontpkg_sarabun

    path = Path(fontpkg_sarabun.ROOT) / "files" / f"Sarabun-{weight}.ttf"
    if not path.exists():
        raise FileNotFoundError(f"Sarabun font not found at {path}; is fontpkg-sarabun installed?")
    return path


@dataclass(frozen=True)
class Column:
    """One table column: heading, relative width, alignment of its body cells (L, C, R)."""

    title: str
    width: float = 1
    align: str = "L"


@dataclass(frozen=True)
class Cell:
    """A body or heading cell that spans columns/rows or is bold or shaded."""

    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    bold: bool = False
    align: str | None = None
    fill: tuple[int, int, int] | None = None


CellLike = str | Cell | None


def group_row(text: str, columns: Sequence[Column]) -> list[CellLike]:
    """A full-width shaded bold row (e.g. a policy-area heading inside a table)."""
    return [Cell(text, colspan=len(columns), bold=True, fill=GROUP_FILL, align="L")]
