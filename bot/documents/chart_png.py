"""The executives' monthly chart as a PNG (Pillow, Sarabun shaped by Raqm): budget per area and coverage."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont, features

from bot.documents.table import font_file
from models.figures import YearFigures, share
from thai.numbers import format_number

WIDTH, HEIGHT = 1040, 1040  # LINE shows hero images square at 1:1
ALLOCATED, SPENT, COVER = (143, 169, 214), (63, 111, 181), (90, 158, 111)
INK, MUTED, LINE = (33, 37, 41), (108, 117, 125), (222, 226, 230)


class T:
    """The chart's Thai words."""

    TITLE = "งบประมาณและการพัฒนาบุคลากร ปีงบประมาณ {year}"
    LEGEND_ALLOCATED = "งบที่ได้รับจัดสรร"
    LEGEND_SPENT = "เบิกจ่ายจริง"
    COVERAGE = "บุคลากรที่เข้ารับการอบรมแล้ว ร้อยละ {pct}"
    TYPES = "ร้อยละที่เข้ารับการอบรม ตามประเภทบุคลากร"
    NO_BUDGET = "ยังไม่มีงบประมาณในแผน"


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(font_file("Bold" if bold else "Regular")), size, layout_engine=engine)


def _short(pen: ImageDraw.ImageDraw, text: str, room: int, font: ImageFont.FreeTypeFont) -> str:
    if pen.textlength(text, font=font) <= room:
        return text
    while text and pen.textlength(text + "…", font=font) > room:
        text = text[:-1]
    return text + "…"


def _budget(pen: ImageDraw.ImageDraw, fig: YearFigures, top: int) -> int:
    rows = [r for r in fig.by_area if r.allocated or r.spent]
    small = _font(24)
    pen.rectangle((40, top, 64, top + 24), fill=ALLOCATED)
    pen.text((74, top - 4), T.LEGEND_ALLOCATED, font=small, fill=INK)
    pen.rectangle((330, top, 354, top + 24), fill=SPENT)
    pen.text((364, top - 4), T.LEGEND_SPENT, font=small, fill=INK)
    y = top + 50
    if not rows:
        pen.text((40, y), T.NO_BUDGET, font=small, fill=MUTED)
        return y + 50
    peak = max(max(r.allocated, r.spent) for r in rows) or Decimal(1)
    for r in rows[:6]:
        pen.text((40, y), _short(pen, r.label, 960, small), font=small, fill=INK)
        for i, (value, color) in enumerate(((r.allocated, ALLOCATED), (r.spent, SPENT))):
            by = y + 36 + i * 30
            width = int(760 * float(value) / float(peak))
            pen.rectangle((40, by, 40 + max(width, 2), by + 24), fill=color)
            pen.text((50 + width, by - 4), format_number(value, decimals=0), font=small, fill=INK)
        y += 110
    return y


def _coverage(pen: ImageDraw.ImageDraw, fig: YearFigures, top: int) -> None:
    pct = format_number(share(fig.trained_count, fig.staff_count) * 100, decimals=0)
    pen.text((40, top), T.COVERAGE.format(pct=pct), font=_font(30, bold=True), fill=INK)
    small = _font(24)
    y = top + 50
    for c in fig.coverage[:5]:
        pen.text((40, y), _short(pen, c.name, 330, small), font=small, fill=INK)
        width = int(520 * c.share)
        pen.rectangle((380, y + 6, 900, y + 30), outline=LINE)
        pen.rectangle((380, y + 6, 380 + max(width, 2), y + 30), fill=COVER)
        pen.text((910, y), f"{c.share * 100:.0f}%", font=small, fill=INK)
        y += 42


def executive_chart(fig: YearFigures) -> bytes:
    """The month's picture for executives: allocated vs spent per policy area, coverage per staff type."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    pen.text((40, 28), T.TITLE.format(year=fig.fiscal_year), font=_font(36, bold=True), fill=INK)
    y = _budget(pen, fig, 100)
    pen.line((40, y, WIDTH - 40, y), fill=LINE, width=2)
    _coverage(pen, fig, y + 20)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
