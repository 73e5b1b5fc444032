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
