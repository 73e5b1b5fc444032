"""Review of the browse tree and the panels beside it (issue 11): a broad filter on a
large tree, the first filter's search texts, a group's histogram following the filter,
model-only groups' size, a broken checkpoint's first selection, the histogram's count
ticks for a tiny vector."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.core.analysis.histogram import Histogram


def drawn_tick_labels(axis) -> list[str]:
    """The tick labels pyqtgraph would draw on ``axis`` as laid out now."""
    image = QImage(800, 800, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts]


@pytest.mark.parametrize("values", [[0.1, 0.5, 0.9], [1.0, 2.0, 2.0]])
def test_a_tiny_vectors_histogram_shows_whole_count_ticks_in_a_short_plot(qtbot, values):
    """Review: a 3-value vector's histogram (counts 0..1 or 0..2) showed no count at all
    on its axis in the plot's least height: with a grid pyqtgraph dropped the labels at
    the axis' ends, and whole-number ticks of such counts are only there."""
    panel = HistogramPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 220)  # the plot at about its least height (PLOT_MIN_HEIGHT)
    panel.show()
    counts, edges = np.histogram(np.array(values), bins=100)
    panel.show_histogram(Histogram(counts=counts, edges=edges, nan=0, posinf=0, neginf=0), "w")
    qtbot.waitUntil(lambda: panel.plot.getAxis("left").range[1] > 1)
    axis = panel.plot.getAxis("left")
    low, high = axis.range
    wanted = [str(n) for n in range(int(np.ceil(low)), int(high) + 1)]
    assert drawn_tick_labels(axis) == wanted
