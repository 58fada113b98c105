"""Read and render PDFs with poppler (pdftotext, pdftoppm), as a person checking the pages would."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed (make poppler)")

# pdftotext splits shaped Thai: SARA AM comes out as NIKHAHIT + SARA AA, and marks may drift after spaces.
_MARK_AFTER_SPACE = re.compile(r"\s+([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])")


def normalise(text: str) -> str:
    """Text as a reader means it: no zero-width spaces, SARA AM whole, no space before a mark."""
    text = text.replace("\u200b", "").replace("\u0e4d\u0e32", "\u0e33").replace("\u0e4d \u0e32", "\u0e33")
    text = re.sub(r"\u0e33 +", "\u0e33", text)
    return _MARK_AFTER_SPACE.sub(r"\1", text)


_MARKS = "\u0e31\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
_MARK_RUN = re.compile(f"[{_MARKS}]+")


def compact(text: str) -> str:
    """Text with no spacing and no above/below marks: what survives extraction of shaped Thai intact.

    pdftotext places a shaped tone mark by its drawn position, sometimes after the next consonant
    ("ส่วน" reads back "สว่น"); the marks' placing is checked by eye on the rendered pages instead.
    """
    text = re.sub(r"[\s\u200b]+", "", normalise(text)).replace("\u0e33", "\u0e32")
    return _MARK_RUN.sub("", text)


def pdf_text(data: bytes, tmp_path: Path, *, layout: bool = False) -> str:
    """The PDF's text (pdftotext), normalised."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return normalise(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def render_pages(data: bytes, name: str, *, dpi: int = 80) -> list[Path]:
    """Render every page to test-artifacts/<name>-N.png (kept for a person to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(data)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))
