"""Inline SVG bar charts, drawn at build time: no script, no outside request.

Colours come from CSS (classes and ``currentColor``), so a chart follows Material's
light and dark palettes and prints legibly. Every chart names itself and carries its
figures in ``<title>``/``<desc>`` for screen readers; the page also shows them as a table.

Nothing is ever cut off: each name is written in full above its bar (wrapped over as many
lines as it needs), and the drawing is as wide as its widest line or bar-plus-caption,
measured with a deliberately generous estimate of the text width. The SVG is drawn at that
size and only shrinks (never grows) to fit a narrow screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

FONT = 14  # px, as in extra.css (.budget-chart)
PAD = 4
BAR_MAX = 200
BAR_HEIGHT = 16
LINE = 20  # height of one line of text
GAP = 12  # between one bar's block and the next
LABEL_CHARS = 20  # a name wraps after this many full-width characters' width
MIN_WIDTH = 240
# Material's root font size (125% of 16 px). The width is also given in rem so that the chart
# grows with the reader's text size (大字号), like the text around it.
ROOT_PX = 20


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    caption: str  # what is written after the bar, e.g. "650,000.00 元（98.48%）"


_WIDE_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZmw%@")


def text_width(text: str) -> float:
    """An upper estimate of the rendered width in px: a full-width (CJK) character, a capital
    and the few wide Latin signs count one em, any other character 0.7 em (wider than digits
    and lower-case letters in the system sans-serif fonts). The browser tests measure the real
    text against it."""
    return sum(FONT if ord(c) > 0x2E7F or c in _WIDE_LATIN else FONT * 0.7 for c in text)


def _wrap(label: str) -> list[str]:
    lines, current = [], ""
    for char in label:
        if current and text_width(current + char) > LABEL_CHARS * FONT:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current or not lines else lines


def bar_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    largest = max((bar.value for bar in bars), default=Decimal(0))
    description = "；".join(f"{bar.label}：{bar.caption}" for bar in bars)
    rows = []
    y = PAD
    width = MIN_WIDTH
    for bar in bars:
        lines = _wrap(bar.label)
        bar_width = 0 if largest == 0 else int((bar.value * BAR_MAX / largest).to_integral_value())
        bar_width = max(bar_width, 2) if bar.value > 0 else 0
        width = max(width, *(text_width(line) for line in lines),
                    bar_width + 6 + text_width(bar.caption))
        rows.append((y, lines, bar_width, bar))
        y += LINE * (len(lines) + 1) + GAP
    width = int(width) + 2 * PAD + 1
    height = max(y - GAP + PAD, LINE)
    parts = [
        f'<svg class="budget-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="width: {width / ROOT_PX:.2f}rem" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for top, lines, bar_width, bar in rows:
        label = "".join(f'<tspan x="{PAD}" y="{top + LINE * (i + 1) - 5}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        bar_top = top + LINE * len(lines) + (LINE - BAR_HEIGHT) // 2
        baseline = top + LINE * (len(lines) + 1) - 5
        parts.append(
            f'<g aria-hidden="true">'
            f'<text class="chart-label">{label}</text>'
            f'<rect class="chart-bar" x="{PAD}" y="{bar_top}" width="{bar_width}" height="{BAR_HEIGHT}" rx="2"></rect>'
            f'<text class="chart-value" x="{PAD + bar_width + 6}" y="{baseline}">{escape(bar.caption)}</text>'
            f"</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
