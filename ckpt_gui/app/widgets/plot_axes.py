"""Horizontal plot axes whose tick labels never overlap. pyqtgraph thins out a crowded
minor level but always draws its major level, whatever its labels' widths: a
histogram 170 px wide labelled 0, 5e-05, 0.0001 and 0.00015 read "0.00010.00015"."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

LABEL_GAP_PX = 10  # between two labels, at least
GROWTH = (2, 5, 10)  # a crowded major spacing is tried at these multiples (then x10 each)
MOST_TRIES = 30


def spaced_levels(axis: pg.AxisItem, levels: list, low: float, high: float, size: float) -> list:
    """``levels`` (pyqtgraph's (spacing, offset) list, major first) with only those whose
    labels fit side by side on a horizontal axis ``size`` px long; when not even the major
    one fits, the major spacing grown until its labels do. A vertical axis' as they are."""
    if axis.orientation not in ("bottom", "top") or not levels or size <= 0 or not high > low:
        return levels
    fitting = [level for level in levels if _fits(axis, *level, low, high, size)]
    if fitting:
        return fitting
    spacing, offset = levels[0]
    for tries in range(MOST_TRIES):
        grown = spacing * GROWTH[tries % len(GROWTH)] * 10 ** (tries // len(GROWTH))
        if _fits(axis, grown, offset, low, high, size):
            return [(grown, offset)]
    return levels[:1]


def _fits(axis: pg.AxisItem, spacing: float, offset: float, low: float, high: float, size: float) -> bool:
    if spacing <= 0:
        return False
    first = math.ceil((low - offset) / spacing) * spacing + offset
    values = [first + i * spacing for i in range(int((high - first) / spacing) + 1)]
    if len(values) < 2:
        return True
    strings = axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)
    metrics = QFontMetricsF(axis.style["tickFont"] or QApplication.font())
    widest = max(metrics.horizontalAdvance(text) for text in strings)
    return spacing / (high - low) * size >= widest + LABEL_GAP_PX


class SpacedAxis(pg.AxisItem):
    """A value axis (a histogram's bins) whose labels never overlap."""

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's API
        return spaced_levels(self, super().tickSpacing(minVal, maxVal, size), minVal, maxVal, size)
