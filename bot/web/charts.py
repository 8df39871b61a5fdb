"""Server-rendered inline SVG charts (no JavaScript, no external assets).

Every chart is an ``<svg role="img">`` with a ``<title>`` and an ``aria-label``; the pages
put a data table next to each one for screen readers and for exact figures.

Layout rules: value axes step by 1, 2 or 5 × 10ⁿ; every label is kept inside the
viewBox by its estimated width (``text_width``: CJK characters count double); a period
still in progress (today, this week) is drawn dashed or hatched and named in the legend.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from bot.services.dashboard import Series

PALETTE = ("#2563eb", "#ea580c", "#9333ea", "#0891b2", "#db2777", "#65a30d")
GREEN, AMBER, RED, GREY = "#16a34a", "#d97706", "#dc2626", "#9ca3af"
#: promoters, passives, detractors
NPS_COLORS = (GREEN, AMBER, RED)
#: queued, sent, delivered, read (darker as they get further), failed, skipped
FUNNEL_COLORS = ("#93c5fd", "#60a5fa", "#2563eb", "#1e3a8a", RED, GREY)
WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 56
FONT_SIZE = 11  # .chart .tick/.legend/.value in app.css, in viewBox units
LEGEND_ROW = 18
SWATCH = 10

_ids = itertools.count(1)


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """Estimated rendered width of ``text`` in viewBox units: 0.6 em per narrow character,
    1.2 em per wide one (CJK, fullwidth)."""
    units = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return units * 0.6 * font_size


def nice_scale(max_value: int, *, max_intervals: int = 5) -> tuple[int, int]:
    """(top, step) of a value axis from 0: ``step`` is 1, 2 or 5 × 10ⁿ, ``top`` the first
    multiple of it ≥ ``max_value``, with at most ``max_intervals`` steps (top ≥ 4)."""
    value = max(max_value, 4)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            intervals = math.ceil(value / step)
            if intervals <= max_intervals:
                return intervals * step, step
        magnitude *= 10


@dataclass(frozen=True, slots=True)
class Partial:
    """The x label of a period still in progress, and the legend's note saying so."""

    label: str
    note: str


def _open(chart_id: str, title: str, height: int) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'aria-labelledby="{chart_id}" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}">{escape(title)}</title>'
    )


def _axes(top_value: int, step: int) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    for value in range(0, top_value + 1, step):
        y = HEIGHT - BOTTOM - plot_h * value / top_value
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    return parts


def _x_label(x: float, text: str) -> str:
    """An x-axis label centred under ``x``, moved inward when it would cross an edge."""
    half = text_width(text) / 2
    anchor = "middle"
    if x + half > WIDTH - 1:
        x, anchor = WIDTH - 1, "end"
    elif x - half < 1:
        x, anchor = 1, "start"
    return (
        f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


Swatch = Callable[[float, float], str]


def _legend(items: Sequence[tuple[Swatch, str]]) -> tuple[list[str], int]:
    """Legend entries (swatch markup, label) left to right, spaced by each label's width,
    wrapping to a new row at the right edge; returns (markup, rows used)."""
    parts: list[str] = []
    x, row = float(LEFT), 0
    for swatch, name in items:
        width = SWATCH + 4 + text_width(name)
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, row = float(LEFT), row + 1
        y = HEIGHT - 16 + row * LEGEND_ROW
        parts.append(
            swatch(x, y)
            + f'<text class="legend" x="{x + SWATCH + 4:.1f}" y="{y + 9}">{escape(name)}</text>'
        )
        x += width + 16
    return parts, row + 1


def _square(fill: str, stroke: str | None = None) -> Swatch:
    edge = f' stroke="{stroke}"' if stroke else ""
    return lambda x, y: (
        f'<rect x="{x:.1f}" y="{y}" width="{SWATCH}" height="{SWATCH}" fill="{fill}"{edge}/>'
    )


def _dash(x: float, y: float) -> str:
    return (
        f'<line x1="{x:.1f}" y1="{y + 5}" x2="{x + SWATCH:.1f}" y2="{y + 5}" stroke="{GREY}" '
        f'stroke-width="2.5" stroke-dasharray="3 2"/>'
    )


def _finish(
    chart_id: str, title: str, body: list[str], legend: Sequence[tuple[Swatch, str]]
) -> Markup:
    legend_parts, rows = _legend(legend)
    height = HEIGHT + (rows - 1) * LEGEND_ROW
    svg = "".join([_open(chart_id, title, height), *body, *legend_parts, "</svg>"])
    return Markup(svg)  # noqa: S704 - every interpolated text is escaped


def line_chart(
    series: Sequence[Series],
    title: str,
    *,
    label_chars: int = 5,
    partial: Partial | None = None,
) -> Markup:
    """One line per series over shared x labels (the last ``label_chars`` characters of
    each label are printed, e.g. ``11-25`` of an ISO date). The segment into the
    ``partial`` label is dashed and its point hollow."""
    chart_id = f"chart-{next(_ids)}"
    labels = [label for label, _ in series[0].points] if series else []
    top_value, step_value = nice_scale(max((v for s in series for _, v in s.points), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    cut = len(labels) - 1 if partial is not None and labels and labels[-1] == partial.label else 0
    body = _axes(top_value, step_value)
    for index, label in enumerate(labels):
        if index % 2 == (len(labels) - 1) % 2:  # every other label, always the last
            body.append(_x_label(LEFT + step * index, label[-label_chars:]))
    for index, line in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        coords = [
            (LEFT + step * i, HEIGHT - BOTTOM - plot_h * v / top_value)
            for i, (_, v) in enumerate(line.points)
        ]
        solid = coords[:cut] if cut else coords
        body.append(
            f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2.5" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in solid)}">'
            f"<title>{escape(line.name)}</title></polyline>"
        )
        if cut and partial is not None:
            (x1, y1), (x2, y2) = coords[cut - 1], coords[cut]
            body.append(
                f'<line class="series partial" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                f'y2="{y2:.1f}" stroke="{color}" stroke-width="2.5" stroke-dasharray="5 4"/>'
                f'<circle class="partial" cx="{x2:.1f}" cy="{y2:.1f}" r="3.5" fill="#fff" '
                f'stroke="{color}" stroke-width="2"><title>{escape(line.name)} '
                f"{escape(labels[cut])}: {line.points[cut][1]} ({escape(partial.note)})"
                f"</title></circle>"
            )
    legend = [(_square(PALETTE[i % len(PALETTE)]), s.name) for i, s in enumerate(series)]
    if cut and partial is not None:
        legend.append((_dash, partial.note))
    return _finish(chart_id, title, body, legend)


def bar_chart(
    series: Sequence[Series],
    title: str,
    *,
    label_chars: int = 3,
    partial: Partial | None = None,
) -> Markup:
    """Grouped vertical bars: one group per x label, one bar per series. The bars of the
    ``partial`` label are hatched."""
    chart_id = f"chart-{next(_ids)}"
    labels = [label for label, _ in series[0].points] if series else []
    top_value, step_value = nice_scale(max((v for s in series for _, v in s.points), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    body = [_hatches(chart_id, len(series))] if partial is not None else []
    body += _axes(top_value, step_value)
    for g, label in enumerate(labels):
        x0 = LEFT + group_w * g + group_w * 0.1
        is_partial = partial is not None and label == partial.label
        body.append(_x_label(x0 + group_w * 0.4, label[-label_chars:]))
        for index, bars in enumerate(series):
            value = bars.points[g][1]
            h = plot_h * value / top_value
            color = PALETTE[index % len(PALETTE)]
            fill = f"url(#{chart_id}-hatch-{index})" if is_partial else color
            note = f" ({escape(partial.note)})" if is_partial and partial is not None else ""
            body.append(
                f'<rect class="bar{" partial" if is_partial else ""}" '
                f'x="{x0 + bar_w * index:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}" fill="{fill}" stroke="{color}">'
                f"<title>{escape(bars.name)} {escape(label)}: {value}{note}</title></rect>"
            )
    legend = [(_square(PALETTE[i % len(PALETTE)]), s.name) for i, s in enumerate(series)]
    if partial is not None and partial.label in labels:
        legend.append((_square(f"url(#{chart_id}-hatch-grey)", GREY), partial.note))
    return _finish(chart_id, title, body, legend)


def _hatches(chart_id: str, count: int) -> str:
    """Diagonal-stripe fills, one per series colour plus a grey one for the legend."""
    colors = [(str(i), PALETTE[i % len(PALETTE)]) for i in range(count)] + [("grey", GREY)]
    return (
        "<defs>"
        + "".join(
            f'<pattern id="{chart_id}-hatch-{key}" patternUnits="userSpaceOnUse" width="6" '
            f'height="6" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="{color}" fill-opacity="0.2"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{color}" stroke-width="3"/></pattern>'
            for key, color in colors
        )
        + "</defs>"
    )


def hbar_chart(
    rows: Sequence[tuple[str, int]], title: str, *, colors: Sequence[str] = PALETTE
) -> Markup:
    """Horizontal bars, one per (label, value) row, longest = the largest value (a funnel
    when the rows are its stages in order); row ``i`` is drawn in ``colors[i]``."""
    chart_id = f"chart-{next(_ids)}"
    row_h = 30
    height = TOP + row_h * len(rows) + 8
    label_w = 230
    top_value = max((v for _, v in rows), default=0) or 1
    plot_w = WIDTH - label_w - RIGHT - 50
    parts = [_open(chart_id, title, height)]
    for index, (label, value) in enumerate(rows):
        y = TOP + row_h * index
        w = plot_w * value / top_value
        parts.append(
            f'<text class="legend" x="{label_w - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
            f'fill="{colors[index % len(colors)]}"><title>{escape(label)}: {value}</title></rect>'
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 17}">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
