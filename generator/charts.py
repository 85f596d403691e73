"""Inline SVG bar charts, drawn at build time: no script, no outside request.

Colours come from CSS (classes and ``currentColor``), so a chart follows Material's
light and dark palettes and prints legibly. Every chart names itself and carries its
figures in ``<title>``/``<desc>`` for screen readers; the page also shows them as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 250
BAR_X = LABEL_WIDTH + 10
BAR_MAX = 190
ROW = 32
TOP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    caption: str  # what is written after the bar, e.g. "650,000.00 元（98.48%）"


def _truncate(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    height = TOP * 2 + ROW * max(len(bars), 1)
    largest = max((bar.value for bar in bars), default=Decimal(0))
    description = "；".join(f"{bar.label}：{bar.caption}" for bar in bars)
    parts = [
        f'<svg class="budget-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        width = 0 if largest == 0 else int((bar.value * BAR_MAX / largest).to_integral_value())
        width = max(width, 2) if bar.value > 0 else 0
        parts.append(
            f'<g aria-hidden="true">'
            f'<text class="chart-label" x="{LABEL_WIDTH}" y="{y + 21}" text-anchor="end">{escape(_truncate(bar.label))}</text>'
            f'<rect class="chart-bar" x="{BAR_X}" y="{y + 6}" width="{width}" height="{ROW - 12}" rx="2"></rect>'
            f'<text class="chart-value" x="{BAR_X + width + 6}" y="{y + 21}">{escape(bar.caption)}</text>'
            f"</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
