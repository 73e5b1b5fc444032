"""Plot axes whose tick labels are short numbers and, on a horizontal axis, never
overlap while at least two name the range. pyqtgraph thins out a crowded minor level
but always draws its major level, whatever its labels' widths: a histogram 170 px
wide labelled 0, 5e-05, 0.0001 and 0.00015 read "0.00010.00015"; grown until they
fitted, the ticks left a lone "0" under a histogram of -70,000..70,000 (review 6),
and pyqtgraph's labels of values 1e-8 apart read "0.010000000"."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

LABEL_GAP_PX = 6  # between two labels, at least
GROWTH = (2, 5, 10)  # a crowded major spacing is tried at these multiples (then x10 each)
MOST_TRIES = 30


def spaced_levels(axis: pg.AxisItem, levels: list, low: float, high: float, size: float) -> list:
    """``levels`` (pyqtgraph's (spacing, offset) list, major first) with only those whose
    labels fit side by side on a horizontal axis ``size`` px long, two of them at least
    within the axis' ends (pyqtgraph drops a label past them); when none does, the major
    spacing grown until one does, else the widest with two labels (crowded rather than
    one). A vertical axis' as they are."""
    if axis.orientation not in ("bottom", "top") or not levels or size <= 0 or not high > low:
        return levels
    fitting = [level for level in levels if _labels(axis, *level, low, high, size)[1]]
    if fitting:
        return fitting
    spacing, offset = levels[0]
    kept = levels[:1]
    tried = set()
    for tries in range(MOST_TRIES):
        times = GROWTH[tries % len(GROWTH)] * 10 ** (tries // len(GROWTH))
        if spacing * times > high - low:
            # Last, the widest multiple of the spacing that still puts two ticks in: 0 and 60
            # of 64 columns 26 px wide, where 20 and 60 ran together as "2060" (review 12).
            times = math.floor((high - low) / spacing)
            if times < 2 or times in tried:
                break  # two ticks no more
        tried.add(times)
        grown = spacing * times
        # The grown ticks on the first spacing's, from each of its ticks in turn: 0 at the
        # axis' very end has no room for its label, 5e-5 and 1.5e-4 may have.
        for shift in range(min(times, MOST_TRIES)):
            inside, fits = _labels(axis, grown, offset + shift * spacing, low, high, size)
            if fits:
                return [(grown, offset + shift * spacing)]
            if inside >= 2:
                kept = [(grown, offset + shift * spacing)]
    return kept


ROW_PITCH_LINES = 2  # a vertical axis' labels stand at least this many lines apart (a line between)


def spaced_rows(axis: pg.AxisItem, levels: list, low: float, high: float, size: float) -> list:
    """A vertical axis' ``levels`` whose labels stand ROW_PITCH_LINES lines apart, two
    ticks at least within its range; when none does, the major spacing grown (x2, x5,
    x10...) while two ticks still fit: a comparison's heatmap 60 px tall had stacked
    "0 200 400 600" (review 19, F12), where 0 and 400 read. A horizontal axis' as they are."""
    if axis.orientation not in ("left", "right") or not levels or size <= 0 or not high > low:
        return levels
    metrics = QFontMetricsF(axis.style["tickFont"] or QApplication.font())
    least = ROW_PITCH_LINES * metrics.height() / size * (high - low)  # in values
    fitting = [level for level in levels if level[0] >= least]
    if fitting:
        return fitting
    spacing, offset = levels[0]
    kept = levels[:1]
    for tries in range(MOST_TRIES):
        grown = spacing * GROWTH[tries % len(GROWTH)] * 10 ** (tries // len(GROWTH))
        if _ticks_within(grown, offset, low, high) < 2:
            break
        kept = [(grown, offset)]
        if grown >= least:
            break
    return kept  # too short for two ticks a line apart: the widest spacing with two, crowded rather than one


def _ticks_within(spacing: float, offset: float, low: float, high: float) -> int:
    first = math.ceil((low - offset) / spacing) * spacing + offset
    return 0 if first > high else int((high - first) / spacing) + 1


def _labels(axis: pg.AxisItem, spacing: float, offset: float, low: float, high: float, size: float):
    """How many of the labels ``spacing`` apart lie within the axis' ends, and whether two
    of them at least do and none overlaps its neighbour."""
    if spacing <= 0:
        return 0, False
    first = math.ceil((low - offset) / spacing) * spacing + offset
    values = [first + i * spacing for i in range(int((high - first) / spacing) + 1)]
    if not values:
        return 0, False
    strings = axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)
    metrics = QFontMetricsF(axis.style["tickFont"] or QApplication.font())
    widths = [metrics.horizontalAdvance(text) for text in strings]
    places = [(value - low) / (high - low) * size for value in values]
    # What pyqtgraph lets a label reach past the axis' ends: 15 px (or its style's) alone,
    # nothing with a grid (its bounds are then the plot's).
    bounds = axis.boundingRect()
    start, end = min(0.0, bounds.left()), max(size, bounds.right())
    inside = sum(
        start <= place - width / 2 and place + width / 2 <= end for place, width in zip(places, widths, strict=True)
    )
    apart = spacing / (high - low) * size
    return inside, inside >= 2 and all(
        apart >= (a + b) / 2 + LABEL_GAP_PX for a, b in zip(widths, widths[1:], strict=False)
    )


MOST_PLACES = 9  # digits after the point a tick label ever gets


def tick_labels(values: list[float], spacing: float) -> list[str]:
    """Labels for ticks ``spacing`` apart, short and distinct at any magnitude: plain
    numbers from 0.001 to 10,000, otherwise one shared power of ten ("1.5e-8"), with
    as many digits as the spacing needs (pyqtgraph's own labels for 1e-8..3e-8 were
    too wide for the bar and were dropped)."""
    magnitude = max((abs(v) for v in values), default=0.0)
    if magnitude == 0.0:
        return ["0"] * len(values)
    step = math.floor(math.log10(spacing)) if spacing > 0 else math.floor(math.log10(magnitude)) - 2
    if spacing > 0:  # a spacing of 2.5e-9 needs a digit more than its power of ten: 2.5e-9, not "2e-9"
        lead = spacing / 10.0**step
        step -= next((d for d in range(3) if abs(round(lead, d) - lead) <= 1e-9 * lead), 3)
    if 1e-3 <= magnitude < 1e4:
        places = min(MOST_PLACES, max(0, -step))
        return [_plain(f"{v:.{places}f}") for v in values]
    # Each value with its own power of ten: one shared by all read "0.5e-4" beside "1e-4"
    # (review 7), a mantissa no reader writes. A tick within a millionth of a spacing of 0
    # is 0 (not "3e-21", float noise at 0).
    return [_scientific(v, step) if abs(v) > spacing * 1e-6 else "0" for v in values]


def _scientific(value: float, step: int) -> str:
    """``value`` as "1.5e-4": a mantissa from 1 to 10, as many places as a spacing of
    10**``step`` needs, its last zeros dropped."""
    exponent = math.floor(math.log10(abs(value)))
    mantissa = f"{value / 10.0**exponent:.{min(MOST_PLACES, max(0, exponent - step))}f}"
    if abs(float(mantissa)) >= 10:  # 9.99e-5 rounded up to "10.0": 1e-4
        exponent += 1
        mantissa = f"{value / 10.0**exponent:.{min(MOST_PLACES, max(0, exponent - step))}f}"
    return with_exponent(_trimmed(_plain(mantissa)), exponent)


def _plain(text: str) -> str:
    return "0" if text.strip("-0.") == "" else text  # "-0.0" and "0.00" read as 0


def with_exponent(mantissa: str, exponent: int) -> str:
    return mantissa if mantissa == "0" else f"{mantissa}e{exponent}"


class SpacedAxis(pg.AxisItem):
    """A value axis (a histogram's bins) whose labels are short (:func:`tick_labels`, as
    the heatmaps' colour bars') and never overlap."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The labels carry their own power of ten ("5e4"): pyqtgraph's "(x1e+04)" beside the
        # axis' label would scale them twice.
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's API
        return spaced_levels(self, super().tickSpacing(minVal, maxVal, size), minVal, maxVal, size)

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's API
        """At least two ticks: the range's ends when no spacing puts two in it."""
        levels = super().tickValues(minVal, maxVal, size)
        if sum(len(values) for _spacing, values in levels) >= 2 or not maxVal > minVal:
            return levels
        return [(maxVal - minVal, [minVal, maxVal])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's API
        return short_labels([v * scale for v in values], spacing * scale)


SHORT_CHARS = 8  # a longer label is told as a difference from the roundest tick, if shorter so
MOST_DIGITS = 15


def short_labels(values: list[float], spacing: float) -> list[str]:
    """:func:`tick_labels` without their last zeros, or, where those are long (ticks 5e-9
    apart about 0.01: two of "0.009999995" did not fit a comparison's histogram) or alike
    (1e-10 apart, past MOST_PLACES), the roundest tick's value and the others' differences
    from it: "-5e-9", "0.01", "+5e-9"."""
    labels = [_trimmed(text) for text in tick_labels(values, spacing)]
    longest = max((len(text) for text in labels), default=0)
    distinct = len(set(labels)) == len(labels)  # not so past MOST_PLACES: 1e-10 apart about 0.01
    if len(values) < 2 or not spacing > 0 or (distinct and longest <= SHORT_CHARS):
        return labels
    anchor, text = min(((value, _roundest(value, spacing)) for value in values), key=lambda found: len(found[1]))
    if distinct and len(text) >= longest:
        return labels
    differences = [_trimmed(text) for text in tick_labels([value - anchor for value in values], spacing)]
    return [
        text if value == anchor else difference if difference.startswith("-") else f"+{difference}"
        for value, difference in zip(values, differences, strict=True)
    ]


def _trimmed(label: str) -> str:
    """A label without the zeros that end its digits: "0.010" reads "0.01", "2.0e-5" "2e-5"."""
    mantissa, e, exponent = label.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def _roundest(value: float, spacing: float) -> str:
    """``value`` with the fewest significant digits that keep it within a thousandth of ``spacing``."""
    for digits in range(1, MOST_DIGITS + 1):
        text = f"{value:.{digits}g}"
        if abs(float(text) - value) <= spacing * 1e-3:
            break
    mantissa, _e, exponent = text.partition("e")
    return with_exponent(mantissa, int(exponent)) if exponent else mantissa
