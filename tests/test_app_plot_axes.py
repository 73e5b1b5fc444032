"""Tick labels on a plot's horizontal axis never overlap (the review saw a comparison's
histogram 170 px wide labelled "0.00010.00015" at 1024 px). Offscreen: the labels'
rectangles as pyqtgraph itself lays them out for drawing."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from ckpt_gui.app.widgets.heatmap import IndexAxis
from ckpt_gui.app.widgets.plot_axes import SpacedAxis


def _label_rects(qtbot, axis, low, high, width):
    plot = pg.PlotWidget(axisItems={"bottom": axis})
    qtbot.addWidget(plot)
    plot.resize(width, 200)
    plot.show()
    plot.setXRange(low, high, padding=0)
    qtbot.waitUntil(lambda: list(axis.range) == [low, high] and axis.width() < width, timeout=2000)
    qtbot.wait(50)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis_spec, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((rect.left(), rect.right(), text) for rect, _flags, text in texts)


LEAST_GAP_PX = 4  # closer, two labels read as one number ("0.00010.00015")


def _overlapping(rects):
    return [(a[2], b[2]) for a, b in zip(rects, rects[1:], strict=False) if b[0] - a[1] < LEAST_GAP_PX]


CASES = [(0.0, 0.00018, 170), (-0.2857, 0.2773, 160), (0.0, 1.3e8, 200), (1e-5, 2.5e-5, 150)]


@pytest.mark.parametrize(("low", "high", "width"), CASES)
def test_a_value_axis_labels_never_overlap(qtbot, low, high, width):
    rects = _label_rects(qtbot, SpacedAxis("bottom"), low, high, width)
    assert rects  # still labelled
    assert not _overlapping(rects), rects


@pytest.mark.parametrize(("low", "high", "width"), [(0, 134_217_728, 240), (0, 20_000, 120)])
def test_an_index_axis_labels_never_overlap(qtbot, low, high, width):
    rects = _label_rects(qtbot, IndexAxis("bottom"), low, high, width)
    assert rects
    assert not _overlapping(rects), rects


def test_pyqtgraphs_own_axis_overlaps_there(qtbot):
    # What the fix is for: the test above fails with pyqtgraph's own axis.
    rects = _label_rects(qtbot, pg.AxisItem("bottom"), *CASES[0])
    assert _overlapping(rects), rects


# Review 6: a comparison histogram of -70,848..70,848 read a lone "0" (its spacing grown
# until one tick was left), and a B-A of values 0.01 apart by 1e-8 read "0.010000000".
REVIEW6 = [
    (-70848.1, 70848.1, 160, 6),
    (0.0099999935, 0.0100000045, 170, 8),
    (0.009999999, 0.010000002, 170, 8),  # 1e-10 apart: "0.01" twice, cut to 9 places
    (-0.004, 0.0062, 150, 6),
]


@pytest.mark.parametrize(("low", "high", "width", "longest"), REVIEW6)
def test_a_value_axis_names_its_range_with_two_short_labels_at_least(qtbot, low, high, width, longest):
    rects = _label_rects(qtbot, SpacedAxis("bottom"), low, high, width)
    labels = [text for _left, _right, text in rects]
    assert len(labels) >= 2, labels
    assert len(set(labels)) == len(labels), labels
    assert not _overlapping(rects), rects
    assert max(len(text) for text in labels) <= longest, labels
