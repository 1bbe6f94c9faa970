"""Bar charts as inline SVG, drawn on the server: units often work offline, so no chart
library from a CDN and no script. Labels are escaped (unit names and question text are data)."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

# Narrow enough that, shrunk to a phone's width (officer.css), the text stays about 10 px.
WIDTH = 480
ROW = 28
LABEL = 190
PAD = 8
LABEL_CHARS = 26


def bar_chart(title: str, items: list[tuple[str, int]], *, chart_id: str) -> Markup:
    """Horizontal bars, one row per (label, value); an empty list draws a "no data" note."""
    height = PAD * 2 + 24 + ROW * max(len(items), 1)
    peak = max((v for _, v in items), default=0) or 1
    span = WIDTH - LABEL - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{PAD}" y="{PAD + 15}" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    if not items:
        parts.append(f'<text x="{PAD}" y="{PAD + 24 + 18}" font-size="14">Không có số liệu</text>')
    for i, (label, value) in enumerate(items):
        y = PAD + 24 + i * ROW
        bar = round(span * value / peak)
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 18}" font-size="14" text-anchor="end">'
            f"{escape(short)}</text>"
            f'<rect class="bar" x="{LABEL}" y="{y + 4}" width="{bar}" height="{ROW - 8}" '
            f'fill="#1f5fa8" data-value="{value}"/>'
            f'<text x="{LABEL + bar + 6}" y="{y + 18}" font-size="14">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
