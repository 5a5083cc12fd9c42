"""Server-rendered SVG charts for the ops dashboard: a line chart of time series (queue depths)
and a stacked bar chart of counts per time bucket (debit throughput).

The page's CSP allows no script and no inline style, so the charts are plain SVG markup built
here, coloured with presentation attributes (``fill``, ``stroke``; they are not styles and the
CSP does not govern them) and sized by the stylesheet through the ``chart`` class. Every text
is escaped; each series and bar carries a ``<title>`` so a pointer shows its value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
PALETTE = ("#0b5cad", "#c0392b", "#2e8540", "#b7791f", "#6b46c1", "#00838f", "#8b1a1a",
           "#52606d")


@dataclass(frozen=True)
class Legend:
    name: str
    colour: str


@dataclass(frozen=True)
class Chart:
    """The SVG markup and its legend (the template lays the legend out as HTML, so it wraps)."""

    svg: Markup
    legend: tuple[Legend, ...]
    empty: bool


def nice_max(value: float) -> float:
    """The top of an axis with four equal steps of 1, 2 or 5 x 10^n (so every grid line has a
    round value) at or above ``value``; at least 4, so that an empty chart still has an axis."""
    step = 1.0
    while True:
        for m in (1, 2, 5):
            if 4 * m * step >= value:
                return 4 * m * step
        step *= 10


def _frame(start: dt.datetime, end: dt.datetime, top: float, label: str,
           tick_format: str = "%H:%M") -> list[str]:
    """Axes, four horizontal grid lines with their values, and time ticks."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
           f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(label)}</title>"]
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        value = top * i / 4
        text = f"{value:g}" if value == int(value) else f"{value:.1f}"
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                   f'stroke="{"#9aa5b1" if i == 0 else "#e4e7eb"}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                   f'fill="#52606d">{text}</text>')
    span = max((end - start).total_seconds(), 1.0)
    for i in range(7):
        at = start + dt.timedelta(seconds=span * i / 6)
        x = LEFT + plot_w * i / 6
        anchor = "start" if i == 0 else "end" if i == 6 else "middle"
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" font-size="12" '
                   f'fill="#52606d">{at.strftime(tick_format)}</text>')
    return out


def _x(at: dt.datetime, start: dt.datetime, end: dt.datetime) -> float:
    span = max((end - start).total_seconds(), 1.0)
    frac = min(max((at - start).total_seconds() / span, 0.0), 1.0)
    return LEFT + (WIDTH - LEFT - RIGHT) * frac


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * min(max(value / top, 0.0), 1.0)


def line_chart(series: dict[str, list[tuple[dt.datetime, float]]], start: dt.datetime,
               end: dt.datetime, label: str) -> Chart:
    """One polyline per series over ``start``..``end``; a single sample is drawn as a dot."""
    top = nice_max(max((v for points in series.values() for _, v in points), default=0.0))
    out = _frame(start, end, top, label)
    legend = []
    for i, (name, points) in enumerate(sorted(series.items())):
        colour = PALETTE[i % len(PALETTE)]
        legend.append(Legend(name, colour))
        coords = " ".join(f"{_x(t, start, end):.1f},{_y(v, top):.1f}" for t, v in points)
        last = points[-1][1] if points else 0
        tip = escape(f"{name}：最新 {last:g}，最高 {max(v for _, v in points):g}"
                     if points else name)
        if len(points) == 1:
            x, y = coords.split(",")
            out.append(f'<circle class="series" cx="{x}" cy="{y}" r="3" fill="{colour}">'
                       f"<title>{tip}</title></circle>")
        elif points:
            out.append(f'<polyline class="series" points="{coords}" fill="none" '
                       f'stroke="{colour}" stroke-width="2" stroke-linejoin="round">'
                       f"<title>{tip}</title></polyline>")
    out.append("</svg>")
    return Chart(Markup("".join(out)), tuple(legend), not any(series.values()))


def bar_chart(buckets: Sequence[dict], keys: Sequence[str], names: dict[str, str],
              start: dt.datetime, end: dt.datetime, bucket_s: int, label: str,
              tick_format: str = "%H:%M") -> Chart:
    """Stacked bars, one per ``bucket_s`` bucket from ``start`` to ``end``; ``buckets`` are
    ``{"start": datetime, key: count, ...}`` (buckets without any count may be missing);
    ``tick_format`` labels the time axis (days: ``%m-%d``)."""
    totals = [sum(int(b.get(k, 0)) for k in keys) for b in buckets]
    top = nice_max(max(totals, default=0))
    out = _frame(start, end, top, label, tick_format)
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    slot = (WIDTH - LEFT - RIGHT) * bucket_s / max((end - start).total_seconds(), 1.0)
    width = max(slot * 0.8, 1.0)
    for b in buckets:
        x = _x(b["start"], start, end) + (slot - width) / 2
        if x + width > WIDTH - RIGHT:
            width_here = max(WIDTH - RIGHT - x, 0.0)
        else:
            width_here = width
        base = 0
        for k in keys:
            n = int(b.get(k, 0))
            if not n:
                continue
            y_top, y_base = _y(base + n, top), _y(base, top)
            tip = escape(f"{b['start'].strftime(tick_format)} {names.get(k, k)}：{n:,}")
            out.append(f'<rect class="bar" x="{x:.1f}" y="{y_top:.1f}" width="{width_here:.1f}" '
                       f'height="{y_base - y_top:.1f}" fill="{colours[k]}">'
                       f"<title>{tip}</title></rect>")
            base += n
    out.append("</svg>")
    legend = tuple(Legend(names.get(k, k), colours[k]) for k in keys)
    return Chart(Markup("".join(out)), legend, not any(totals))
