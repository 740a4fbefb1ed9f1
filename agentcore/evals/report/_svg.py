"""Small inline-SVG plots for the HTML report: bars, scatter and histogram, no dependencies.

Every function returns one ``<svg>`` element as text, for inline use in HTML (no namespace
declaration needed there). Every text from the caller is escaped.
Data marks carry ``data-*`` attributes (label and value) so the report can be checked by a
parser, and a ``<title>`` so a browser shows the exact value on hover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = (
    "#4269d0",
    "#efb118",
    "#ff725c",
    "#6cc5b0",
    "#3ca951",
    "#ff8ab7",
    "#a463f2",
    "#97bbf5",
    "#9c6b4e",
    "#9498a0",
)
"""Colours for series, readable on white and distinguishable in order (Observable 10)."""

_FONT = 12
_CHAR_W = 6.8  # average glyph width of the 12px sans-serif the report uses
_LABEL_CHARS = 28


@dataclass(frozen=True, kw_only=True, slots=True)
class Series:
    """One series of a bar chart: a name and one value per category."""

    name: str
    values: Sequence[float]


@dataclass(frozen=True, kw_only=True, slots=True)
class Point:
    """One point of a scatter plot."""

    label: str
    x: float
    y: float
    good: bool = True  # drawn filled when true, hollow red when false


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low``..``high`` (about ``count`` of them).

    Args:
        low: The smallest value to cover.
        high: The largest value to cover.
        count: About how many ticks.

    Returns:
        Ascending ticks; the first is <= ``low`` and the last >= ``high``.

    """
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks: list[float] = []
    value = start
    while value < high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def format_number(value: float, *, unit: str = "") -> str:
    """A short label for an axis tick or a value: ``0.25``, ``1.2k``, ``$0.0031``."""
    prefix = "$" if unit == "$" else ""
    suffix = unit if unit not in ("", "$") else ""
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        text = f"{value / 1_000_000:.3g}M"
    elif magnitude >= 10_000:
        text = f"{value / 1000:.3g}k"
    elif magnitude >= 100 or value == int(value):
        text = f"{value:.0f}"
    elif magnitude >= 1:
        text = f"{value:.3g}"
    else:
        text = f"{value:.2g}"
    return f"{prefix}{text}{suffix}"


def _clip(label: str, chars: int = _LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _attr(value: float) -> str:
    return f"{value:.6g}"


def _open(width: float, height: float, title: str, kind: str, subtitle: str = "") -> list[str]:
    parts = [
        f'<svg class="plot" data-plot="{escape(kind)}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(title)}" font-family="system-ui, sans-serif" '
        f'font-size="{_FONT}">',
        f'<text x="{width / 2:.1f}" y="18" text-anchor="middle" font-size="14" '
        f'font-weight="600">{escape(title)}</text>',
    ]
    if subtitle:
        parts.append(
            f'<text x="{width / 2:.1f}" y="34" text-anchor="middle" font-size="11" '
            f'fill="#666">{escape(subtitle)}</text>'
        )
    return parts


def _empty(width: float, height: float, title: str, kind: str, message: str) -> str:
    parts = _open(width, height, title, kind)
    parts.append(
        f'<text class="empty" x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" '
        f'fill="#777">{escape(message)}</text></svg>'
    )
    return "\n".join(parts)


def hbar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    kind: str,
    x_label: str,
    unit: str = "",
    x_max: float | None = None,
    width: float = 560,
) -> str:
    """Horizontal bars, one row per category; several series are stacked.

    Horizontal bars keep long labels (tags, agent names) readable without rotating them.

    Args:
        categories: Row labels, top to bottom.
        series: One or more series, each with a value per category (stacked left to right).
        title: Shown above the plot.
        kind: ``data-plot`` attribute of the ``<svg>`` (how tests and CSS find it).
        x_label: The value axis' label.
        unit: ``"$"`` for dollars, ``"s"``, or ``""``; used in tick and value labels.
        x_max: Fix the axis end (1.0 for scores); else fitted to the data.
        width: Width in pixels.

    Returns:
        The ``<svg>`` element.

    """
    row_h = 24
    if not categories or not series:
        return _empty(width, 140, title, kind, "no data")
    legend = _legend([one.name for one in series], width) if len(series) > 1 else []
    legend_h = 20 * (max(y for _, y, _ in legend) + 1) if legend else 0
    height = 48 + legend_h + row_h * len(categories) + 42
    label_w = min(_LABEL_CHARS, max(len(c) for c in categories)) * _CHAR_W + 14
    left, right = label_w, 56
    top = 34 + legend_h
    plot_w = width - left - right
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    high = x_max if x_max is not None else max(max(totals), 0.0)
    ticks = nice_ticks(0.0, high if high > 0 else 1.0)
    end = x_max if x_max is not None else ticks[-1]
    scale = plot_w / end if end > 0 else 0.0
    bottom = top + row_h * len(categories)
    parts = _open(width, height, title, kind)
    for index, (x, line, name) in enumerate(legend):
        y = 30 + 20 * line
        parts.append(
            f'<rect class="legend" x="{x:.1f}" y="{y}" width="10" height="10" '
            f'fill="{PALETTE[index % len(PALETTE)]}"/><text x="{x + 14:.1f}" y="{y + 9}">'
            f"{escape(name)}</text>"
        )
    for tick in ticks:
        if tick > end + 1e-12:
            continue
        tx = left + tick * scale
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{bottom}" stroke="#e3e3e3"/>'
            f'<text x="{tx:.1f}" y="{bottom + 15}" text-anchor="middle" fill="#444">'
            f"{escape(format_number(tick, unit=unit))}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{bottom + 33}" text-anchor="middle" '
        f'fill="#222">{escape(x_label)}</text>'
    )
    for row, category in enumerate(categories):
        y = top + row * row_h
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">'
            f"<title>{escape(category)}</title>{escape(_clip(category))}</text>"
        )
        x = left
        for index, one in enumerate(series):
            value = one.values[row]
            if value <= 0:
                continue
            w = value * scale
            parts.append(
                f'<rect class="bar" data-label="{escape(category)}" '
                f'data-series="{escape(one.name)}" data-value="{_attr(value)}" x="{x:.1f}" '
                f'y="{y + 4}" width="{max(w, 1):.1f}" height="{row_h - 8}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(category)}'
                f"{' · ' + escape(one.name) if len(series) > 1 else ''}: "
                f"{escape(format_number(value, unit=unit))}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + row_h / 2 + 4:.1f}" fill="#444">'
            f"{escape(_value_label(totals[row], unit))}</text>"
        )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#888"/></svg>')
    return "\n".join(parts)


def _legend(names: Sequence[str], width: float) -> list[tuple[float, int, str]]:
    """Lay legend entries out in rows: ``(x, row, clipped name)`` per entry."""
    placed: list[tuple[float, int, str]] = []
    x, row = 12.0, 0
    for name in names:
        text = _clip(name, 40)
        needed = 14 + len(text) * _CHAR_W + 16
        if x + needed > width - 12 and x > 12:
            x, row = 12.0, row + 1
        placed.append((x, row, text))
        x += needed
    return placed


def _value_label(value: float, unit: str) -> str:
    if unit == "$":
        return f"${value:.4f}" if value < 1 else f"${value:.2f}"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def scatter(
    points: Sequence[Point],
    *,
    title: str,
    kind: str,
    x_label: str,
    y_label: str,
    x_unit: str = "",
    y_range: tuple[float, float] | None = None,
    subtitle: str = "",
    width: float = 560,
    height: float = 340,
) -> str:
    """A scatter plot with axes, ticks and a hover title per point.

    Args:
        points: The points.
        title: Shown above the plot.
        kind: ``data-plot`` attribute of the ``<svg>``.
        x_label: Label of the horizontal axis.
        y_label: Label of the vertical axis.
        x_unit: Unit of x for tick labels (``"$"``, ``"s"``, ``""``).
        y_range: Fix the vertical axis (``(0, 1)`` for scores); else fitted.
        subtitle: A smaller line under the title (how to read the plot).
        width: Width in pixels.
        height: Height in pixels.

    Returns:
        The ``<svg>`` element.

    """
    if not points:
        return _empty(width, height, title, kind, "no data")
    left, right, top, bottom = 58.0, 20.0, 48.0 if subtitle else 34.0, height - 46
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    x_ticks = nice_ticks(0.0, max(max(xs), 0.0) * 1.04 or 1.0)  # no point on the frame
    y_ticks = nice_ticks(*(y_range or (min(min(ys), 0.0), max(ys))))
    if y_range is not None:
        y_ticks = [t for t in y_ticks if y_range[0] - 1e-9 <= t <= y_range[1] + 1e-9]
    x_lo, x_hi = x_ticks[0], x_ticks[-1]
    y_lo, y_hi = y_range or (y_ticks[0], y_ticks[-1])
    pad = (y_hi - y_lo) * 0.04  # keep points at 0 and 1 off the frame

    def px(value: float) -> float:
        return left + (value - x_lo) / ((x_hi - x_lo) or 1) * (width - left - right)

    def py(value: float) -> float:
        span = (y_hi - y_lo + 2 * pad) or 1
        return bottom - (value - y_lo + pad) / span * (bottom - top)

    parts = _open(width, height, title, kind, subtitle)
    for tick in x_ticks:
        parts.append(
            f'<line x1="{px(tick):.1f}" y1="{top}" x2="{px(tick):.1f}" y2="{bottom}" '
            f'stroke="#e3e3e3"/><text x="{px(tick):.1f}" y="{bottom + 15}" '
            f'text-anchor="middle" fill="#444">{escape(format_number(tick, unit=x_unit))}</text>'
        )
    for tick in y_ticks:
        parts.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{width - right}" y2="{py(tick):.1f}" '
            f'stroke="#e3e3e3"/><text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" '
            f'fill="#444">{escape(format_number(tick))}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#888"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}" stroke="#888"/>'
        f'<text x="{(left + width - right) / 2:.1f}" y="{height - 10}" text-anchor="middle" '
        f'fill="#222">{escape(x_label)}</text>'
        f'<text transform="translate(14 {(top + bottom) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="#222">{escape(y_label)}</text>'
    )
    for point in points:
        style = (
            'fill="#4269d0" fill-opacity="0.75"'
            if point.good
            else ('fill="white" stroke="#d62728" stroke-width="1.8"')
        )
        parts.append(
            f'<circle class="point" data-label="{escape(point.label)}" '
            f'data-x="{_attr(point.x)}" data-y="{_attr(point.y)}" cx="{px(point.x):.1f}" '
            f'cy="{py(point.y):.1f}" r="5" {style}><title>{escape(point.label)}: '
            f"{escape(format_number(point.x, unit=x_unit))}, {point.y:.2f}</title></circle>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def histogram(
    values: Sequence[float],
    *,
    title: str,
    kind: str,
    x_label: str,
    unit: str = "",
    bins: int | None = None,
    width: float = 560,
    height: float = 300,
) -> str:
    """A histogram of ``values`` in equal-width bins on round edges.

    Args:
        values: The observations.
        title: Shown above the plot.
        kind: ``data-plot`` attribute of the ``<svg>``.
        x_label: Label of the horizontal axis.
        unit: Unit for tick labels.
        bins: About how many bins (default: Sturges' rule, 5 to 30).
        width: Width in pixels.
        height: Height in pixels.

    Returns:
        The ``<svg>`` element; each bin is a ``rect.bin`` with ``data-lo``, ``data-hi`` and
        ``data-count``.

    """
    if not values:
        return _empty(width, height, title, kind, "no data")
    wanted = bins or min(30, max(5, math.ceil(math.log2(len(values)) + 1)))
    low, high = min(values), max(values)
    edges = nice_ticks(low, high if high > low else low + 1.0, wanted)
    counts = [0] * (len(edges) - 1)
    for value in values:
        index = min(int((value - edges[0]) / (edges[1] - edges[0])), len(counts) - 1)
        counts[max(index, 0)] += 1
    left, right, top, bottom = 50.0, 20.0, 34.0, height - 46
    y_ticks = nice_ticks(0, max(counts), min(5, max(counts)))
    y_ticks = [t for t in y_ticks if t == int(t)]
    y_hi = y_ticks[-1]

    def px(value: float) -> float:
        return left + (value - edges[0]) / (edges[-1] - edges[0]) * (width - left - right)

    def py(value: float) -> float:
        return bottom - value / y_hi * (bottom - top)

    parts = _open(width, height, title, kind)
    for tick in y_ticks:
        parts.append(
            f'<line x1="{left}" y1="{py(tick):.1f}" x2="{width - right}" y2="{py(tick):.1f}" '
            f'stroke="#e3e3e3"/><text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" '
            f'fill="#444">{tick:.0f}</text>'
        )
    step = max(1, math.ceil(len(edges) * 7 * _CHAR_W / (width - left - right)))
    for index, edge in enumerate(edges):
        if index % step == 0 or index == len(edges) - 1:
            parts.append(
                f'<text x="{px(edge):.1f}" y="{bottom + 15}" text-anchor="middle" '
                f'fill="#444">{escape(format_number(edge, unit=unit))}</text>'
            )
    for index, count in enumerate(counts):
        lo, hi = edges[index], edges[index + 1]
        parts.append(
            f'<rect class="bin" data-lo="{_attr(lo)}" data-hi="{_attr(hi)}" '
            f'data-count="{count}" x="{px(lo) + 1:.1f}" y="{py(count):.1f}" '
            f'width="{max(px(hi) - px(lo) - 2, 1):.1f}" height="{bottom - py(count):.1f}" '
            f'fill="#6cc5b0"><title>{escape(format_number(lo, unit=unit))} to '
            f"{escape(format_number(hi, unit=unit))}: {count}</title></rect>"
        )
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}" stroke="#888"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#888"/>'
        f'<text x="{(left + width - right) / 2:.1f}" y="{height - 10}" text-anchor="middle" '
        f'fill="#222">{escape(x_label)}</text>'
        f'<text transform="translate(14 {(top + bottom) / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" fill="#222">samples</text></svg>'
    )
    return "\n".join(parts)
