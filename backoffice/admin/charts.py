"""Bar charts drawn on the server as SVG: no JavaScript, readable without hovering.

These functions only compute geometry (positions, sizes, printed values, axis
ticks); ``templates/admin/_charts.html`` turns a Chart into ``<svg>`` markup, with
Jinja escaping every label.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Number = int | float | Decimal


@dataclass(frozen=True)
class Bar:
    """One bar, its printed value and where that value goes."""

    x: float
    y: float
    width: float
    height: float
    value: str
    label: str
    css: str = ""
    value_x: float = 0.0
    value_y: float = 0.0


@dataclass(frozen=True)
class Text:
    """A label placed at (x, y)."""

    x: float
    y: float
    text: str
    css: str = ""


@dataclass(frozen=True)
class Chart:
    """A bar chart ready to draw: the canvas, the plot area, bars, ticks and labels."""

    title: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bars: list[Bar]
    grid: list[Text] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)


def nice_step(span: float, steps: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k, at least 1) so ``steps`` steps cover ``span``."""
    raw = span / steps
    if raw <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _whole(value: Number) -> str:
    return f"{Decimal(value).quantize(Decimal(1)):,}"


def _tick(value: float, step: float) -> str:
    """A tick label, with one decimal when the step needs it (2.5)."""
    decimals = 0 if float(step).is_integer() else 1
    return f"{value:,.{decimals}f}"


def daily_columns(
    title: str, points: Sequence[tuple[dt.date, Number]], width: int = 900, height: int = 320
) -> Chart:
    """One column per day with its value printed above it (rounded), days labelled below."""
    left, right, top, bottom = 64.0, width - 8.0, 64.0, height - 40.0
    step = nice_step(float(max((v for _, v in points), default=0)))
    ceiling = step * 4
    slot = (right - left) / max(len(points), 1)
    bars = []
    labels = []
    for n, (day, value) in enumerate(points):
        h = float(value) / ceiling * (bottom - top)
        x = left + n * slot + slot * 0.15
        center = left + n * slot + slot / 2
        bars.append(
            Bar(
                x,
                bottom - h,
                slot * 0.7,
                h,
                _whole(value),
                day.isoformat(),
                "",
                center,
                bottom - h - 4,
            )
        )
        labels.append(Text(center, bottom + 14, str(day.day), "chart-day"))
        if n == 0 or day.day == 1:
            labels.append(Text(center, bottom + 30, day.strftime("%b"), "chart-month"))
    grid = [
        Text(left, bottom - i * step / ceiling * (bottom - top), _tick(i * step, step))
        for i in range(5)
    ]
    return Chart(title, width, height, left, top, right, bottom, bars, grid, labels)


def category_rows(
    title: str, points: Sequence[tuple[str, Number]], width: int = 600, row: int = 30
) -> Chart:
    """One horizontal bar per category, its name on the left and its count at the bar's end."""
    left, right, top = 100.0, width - 70.0, 8.0
    bottom = top + row * len(points)
    peak = float(max((v for _, v in points), default=0)) or 1.0
    bars = []
    for n, (name, value) in enumerate(points):
        w = float(value) / peak * (right - left)
        y = top + n * row + row * 0.15
        bars.append(
            Bar(
                left,
                y,
                w,
                row * 0.7,
                _whole(value),
                name,
                f"bar-{name}",
                left + w + 6,
                y + row * 0.5,
            )
        )
    return Chart(title, width, int(bottom + 8), left, top, right, bottom, bars)
