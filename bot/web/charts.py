"""Server-rendered inline SVG charts (no JavaScript, no external assets).

Every chart is an ``<svg role="img">`` with a ``<title>`` and an ``aria-label``; the pages
put a data table next to each one for screen readers and for exact figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from bot.services.dashboard import Series

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")
WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 56

_ids = itertools.count(1)


def _open(title: str, height: int = HEIGHT) -> tuple[str, str]:
    chart_id = f"chart-{next(_ids)}"
    head = (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'aria-labelledby="{chart_id}" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}">{escape(title)}</title>'
    )
    return head, "</svg>"


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value  # pragma: no cover - 10 * magnitude always suffices


def _axes(top_value: int, height: int) -> list[str]:
    parts = []
    plot_h = height - TOP - BOTTOM
    for i in range(5):
        value = top_value * i // 4
        y = height - BOTTOM - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    return parts


def _legend(names: Sequence[str], height: int) -> list[str]:
    parts = []
    x = LEFT
    for index, name in enumerate(names):
        color = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{color}"/>'
            f'<text class="legend" x="{x + 14}" y="{height - 7}">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    return parts


def line_chart(series: Sequence[Series], title: str, *, label_chars: int = 5) -> Markup:
    """One line per series over shared x labels (the last ``label_chars`` characters of
    each label are printed, e.g. ``11-25`` of an ISO date)."""
    head, tail = _open(title)
    labels = [label for label, _ in series[0].points] if series else []
    top_value = _nice_max(max((v for s in series for _, v in s.points), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    parts = [head, *_axes(top_value, HEIGHT)]
    for index, label in enumerate(labels):
        if index % 2 == 0 or index == len(labels) - 1:
            x = LEFT + step * index
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label[-label_chars:])}</text>'
            )
    for index, line in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        coords = " ".join(
            f"{LEFT + step * i:.1f},{HEIGHT - BOTTOM - plot_h * v / top_value:.1f}"
            for i, (_, v) in enumerate(line.points)
        )
        parts.append(
            f'<polyline class="series" fill="none" stroke="{color}" stroke-width="2.5" '
            f'points="{coords}"><title>{escape(line.name)}</title></polyline>'
        )
    parts.extend(_legend([s.name for s in series], HEIGHT))
    parts.append(tail)
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def bar_chart(series: Sequence[Series], title: str, *, label_chars: int = 3) -> Markup:
    """Grouped vertical bars: one group per x label, one bar per series."""
    head, tail = _open(title)
    labels = [label for label, _ in series[0].points] if series else []
    top_value = _nice_max(max((v for s in series for _, v in s.points), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [head, *_axes(top_value, HEIGHT)]
    for g, label in enumerate(labels):
        x0 = LEFT + group_w * g + group_w * 0.1
        parts.append(
            f'<text class="tick" x="{x0 + group_w * 0.4:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(label[-label_chars:])}</text>'
        )
        for index, bars in enumerate(series):
            value = bars.points[g][1]
            h = plot_h * value / top_value
            parts.append(
                f'<rect class="bar" x="{x0 + bar_w * index:.1f}" '
                f'y="{HEIGHT - BOTTOM - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[index % len(PALETTE)]}">'
                f"<title>{escape(bars.name)} {escape(label)}: {value}</title></rect>"
            )
    parts.extend(_legend([s.name for s in series], HEIGHT))
    parts.append(tail)
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def hbar_chart(rows: Sequence[tuple[str, int]], title: str) -> Markup:
    """Horizontal bars, one per (label, value) row, longest = the largest value (a funnel
    when the rows are its stages in order)."""
    row_h = 30
    height = TOP + row_h * len(rows) + 8
    head, tail = _open(title, height)
    label_w = 230
    top_value = max((v for _, v in rows), default=0) or 1
    plot_w = WIDTH - label_w - RIGHT - 50
    parts = [head]
    for index, (label, value) in enumerate(rows):
        y = TOP + row_h * index
        w = plot_w * value / top_value
        parts.append(
            f'<text class="legend" x="{label_w - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
            f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(label)}: {value}</title></rect>'
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 17}">{value}</text>'
        )
    parts.append(tail)
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
