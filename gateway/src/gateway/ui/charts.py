"""Horizontal bar charts as plain SVG geometry (the template draws it): no JavaScript, so a
chart shows without scripts, prints, and comes with its numbers as a table for screen readers."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

LABEL_W = 130
BAR_H = 22
GAP = 8
PLOT_W = 300
VALUE_W = 120


@dataclass(frozen=True)
class Segment:
    series: int
    x: float
    width: float
    value: Decimal


@dataclass(frozen=True)
class Row:
    label: str
    y: float
    segments: tuple[Segment, ...]
    total: Decimal
    text: str  # the figure printed after the bar


@dataclass(frozen=True)
class Chart:
    title: str
    series: tuple[str, ...]
    rows: tuple[Row, ...]
    width: int
    height: int
    zero_x: float

    @property
    def empty(self) -> bool:
        return not self.rows


def stacked(title: str, rows: Sequence[tuple[str, Sequence[Decimal | int]]], series: Sequence[str] = ("",),
            fmt=lambda total: f"{total:,}") -> Chart:
    """One bar per row, its segments (one per series) side by side; negative totals (an ROI
    below zero) draw leftwards from the zero line."""
    totals = [sum((Decimal(v) for v in values), Decimal(0)) for _, values in rows]
    most = max([abs(t) for t in totals] + [Decimal(0)])
    has_negative = any(t < 0 for t in totals)
    scale = (Decimal(PLOT_W) / (2 if has_negative else 1)) / most if most else Decimal(0)
    zero = LABEL_W + (PLOT_W / 2 if has_negative else 0)
    out = []
    for n, ((label, values), total) in enumerate(zip(rows, totals)):
        x, segments = Decimal(zero), []
        for s, value in enumerate(values):
            width = Decimal(value) * scale
            start = x if width >= 0 else x + width
            segments.append(Segment(s, float(start), float(abs(width)), Decimal(value)))
            x += width
        out.append(Row(label, float(n * (BAR_H + GAP)), tuple(segments), total, fmt(total)))
    height = max(1, len(out)) * (BAR_H + GAP)
    return Chart(title, tuple(series), tuple(out), LABEL_W + PLOT_W + VALUE_W, height, float(zero))


def bars(title: str, rows: Sequence[tuple[str, Decimal | int]], fmt=lambda total: f"{total:,}") -> Chart:
    return stacked(title, [(label, [value]) for label, value in rows], fmt=fmt)
