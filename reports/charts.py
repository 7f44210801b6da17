"""Inline SVG charts and unicode sparklines for the report (no JavaScript, no external files).

Each function returns :class:`markupsafe.Markup` whose every piece of text went through
:func:`markupsafe.escape`, so a chart can be dropped into an autoescaping jinja2 template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f4e79", "#c0504d", "#4f8f5b", "#8064a2", "#d08c2d")
INK, MUTED, GRID = "#1f2933", "#6b7785", "#e4e7eb"
UP, DOWN = "#b42318", "#2e7d32"
_BLOCKS = "▁▂▃▄▅▆▇█"
_FONT = 'font-family="inherit" font-size="11"'


def unicode_sparkline(values: Sequence[float]) -> str:
    """``▁▂▃▅▇``-style sparkline, scaled from 0 to the series maximum."""
    top = max(values, default=0) or 1
    return "".join(_BLOCKS[min(len(_BLOCKS) - 1, round((len(_BLOCKS) - 1) * v / top))] for v in values)


def svg_sparkline(values: Sequence[float], width: int = 110, height: int = 26, label: str = "") -> Markup:
    """A small line of ``values`` (8 weeks) with the last point marked."""
    if not values:
        return Markup("")
    top = max(values) or 1
    step = (width - 6) / max(len(values) - 1, 1)
    pts = [(3 + i * step, height - 3 - (height - 6) * v / top) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    x, y = pts[-1]
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><polyline points="{line}" fill="none" stroke="{PALETTE[0]}" '
        f'stroke-width="1.5"/><circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{PALETTE[0]}"/></svg>'
    )


def line_chart(
    weeks: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str, unit: str = ""
) -> Markup:
    """Weekly lines (one per pain point) with a y axis, week labels and a legend underneath."""
    width, height, left, right, top, bottom = 640, 250, 44, 16, 16, 28
    legend_rows = math.ceil(len(series) / 2)
    total_h = height + 18 * legend_rows + 6
    peak = _nice_max(max((max(v) for _, v in series if len(v)), default=1.0))
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(weeks) - 1, 1)
    parts = [_open(width, total_h, title)]
    for tick in _ticks(peak):
        y = top + plot_h * (1 - tick / peak)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}" {_FONT}>{tick:g}</text>'
        )
    for i, week in enumerate(weeks):
        x = left + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="{MUTED}" {_FONT}>'
            f"{escape(week[-3:])}</text>"
        )
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        pts = " ".join(
            f"{left + i * step:.1f},{top + plot_h * (1 - v / peak):.1f}" for i, v in enumerate(values)
        )
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        lx, ly = 8 + (k % 2) * (width // 2), height + 14 + 18 * (k // 2)
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="3" fill="{colour}"/>')
        parts.append(
            f'<text x="{lx + 18}" y="{ly - 4}" fill="{INK}" {_FONT}>{escape(_short(name, 48))}</text>'
        )
    if unit:
        parts.append(f'<text x="{left}" y="{top - 4}" fill="{MUTED}" {_FONT}>{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    rows: Sequence[tuple[str, float, float]], title: str, unit: str = "", width: int = 400
) -> Markup:
    """Horizontal bars ``(name, value, baseline)``; the baseline is a thin dark tick on each bar."""
    label_w, bar_h, gap = 96, 18, 10
    height = 24 + len(rows) * (bar_h + gap)
    peak = _nice_max(max((max(v, b if not math.isnan(b) else 0) for _, v, b in rows), default=1.0))
    plot_w = width - label_w - 50
    parts = [_open(width, height, title)]
    if unit:
        parts.append(f'<text x="{label_w}" y="12" fill="{MUTED}" {_FONT}>{escape(unit)}</text>')
    for i, (name, value, baseline) in enumerate(rows):
        y = 20 + i * (bar_h + gap)
        w = plot_w * value / peak
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" fill="{INK}" {_FONT}>'
            f"{escape(_short(name, 18))}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[0]}" rx="2"/>'
        )
        if not math.isnan(baseline):
            bx = label_w + plot_w * baseline / peak
            parts.append(
                f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{y - 3}" y2="{y + bar_h + 3}" stroke="{INK}" '
                'stroke-width="2"/>'
            )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 13}" fill="{INK}" {_FONT}>{value:.2f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def movers_chart(rows: Sequence[tuple[str, float, bool]], title: str, unit: str = "") -> Markup:
    """Diverging bars of a change ``(name, delta, significant)``: rises right in red, falls left in green.

    Significant changes are solid; the others are pale.
    """
    label_w, width, bar_h, gap = 230, 640, 16, 8
    height = 24 + max(len(rows), 1) * (bar_h + gap)
    peak = _nice_max(max((abs(d) for _, d, _ in rows), default=1.0))
    half = (width - label_w - 70) / 2
    axis = label_w + half + 10
    parts = [_open(width, height, title)]
    if unit:
        parts.append(f'<text x="{label_w}" y="12" fill="{MUTED}" {_FONT}>{escape(unit)}</text>')
    parts.append(f'<line x1="{axis}" x2="{axis}" y1="16" y2="{height - 4}" stroke="{MUTED}"/>')
    for i, (name, delta, significant) in enumerate(rows):
        y = 20 + i * (bar_h + gap)
        w = half * abs(delta) / peak
        x = axis if delta >= 0 else axis - w
        colour = UP if delta >= 0 else DOWN
        opacity = "1" if significant else "0.35"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 12}" text-anchor="end" fill="{INK}" {_FONT}>'
            f"{escape(_short(name, 34))}</text>"
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}" '
            f'fill-opacity="{opacity}" rx="2"/>'
        )
        tx, anchor = (x + w + 6, "start") if delta >= 0 else (x - 6, "end")
        mark = " *" if significant else ""
        parts.append(
            f'<text x="{tx:.1f}" y="{y + 12}" text-anchor="{anchor}" fill="{INK}" {_FONT}>'
            f"{delta:+.2f}{mark}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" width="100%" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def _nice_max(value: float) -> float:
    if value <= 0 or math.isnan(value):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(peak: float) -> list[float]:
    return [round(peak * k / 4, 6) for k in range(5)]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
