"""Charts drawn on the server as inline SVG: no script, no CDN, readable with the table beside them."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

COLORS = ("#8fa9d6", "#3f6fb5", "#e08a3c", "#5a9e6f")
ROW_H = 14
GAP = 10
LABEL_W = 230
BAR_W = 420


def bars(rows: Sequence[tuple[str, Sequence[Decimal | float | int]]], series: Sequence[str], *,
         title: str, percent: bool = False) -> Markup:
    """A horizontal grouped bar chart: one group per row, one bar per series, legend on top."""
    top = 26
    group_h = ROW_H * len(series) + GAP
    height = top + group_h * max(1, len(rows)) + 4
    width = LABEL_W + BAR_W + 90
    peak = max((float(v) for _, vals in rows for v in vals), default=0.0)
    scale = 1.0 if percent else (peak or 1.0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {width} {height}" '
             f'width="100%" style="max-width:{width}px" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    x = 0
    for i, name in enumerate(series):
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{COLORS[i % len(COLORS)]}"/>'
                     f'<text x="{x + 16}" y="15" font-size="12">{escape(name)}</text>')
        x += 24 + 9 * len(name)
    for r, (label, values) in enumerate(rows):
        y = top + r * group_h
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="0" y="{y + ROW_H * len(series) / 2 + 4}" font-size="12">{escape(short)}</text>')
        for s, value in enumerate(values):
            w = BAR_W * float(value) / scale if scale else 0
            by = y + s * ROW_H
            parts.append(f'<rect x="{LABEL_W}" y="{by}" width="{w:.1f}" height="{ROW_H - 2}" '
                         f'fill="{COLORS[s % len(COLORS)]}"/>')
            text = f"{float(value) * 100:.0f}%" if percent else f"{float(value):,.0f}"
            parts.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{by + ROW_H - 3}" font-size="11">{text}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
