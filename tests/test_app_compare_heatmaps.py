"""The comparison's heatmaps at 1280x800 (review finding 11): A, B and B - A big enough
to read, the line between the histograms and the heatmaps the user's to drag, and a
vector's histograms taking the heatmaps' room. Offscreen, no TensorFlow: the demo's
checkpoints compared."""

from __future__ import annotations

import os

from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS, open_demo

READABLE = 200  # px: a heatmap's least height to read its cells at 1280x800


def _select(qtbot, window, shape: tuple[int, ...]) -> None:
    pairs = window.compare.diff.pairs
    pair = next(p for p in pairs if p.a is not None and p.a.shape == shape and p.status == "changed")
    window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is pair, timeout=WAIT_MS)
    qtbot.wait(100)  # the graphics layouts settle on the event loop


def test_a_heatmap_can_be_read_at_1280x800(qtbot, window):
    window.resize(1280, 800)
    open_demo(qtbot, window)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    panel = window.pair_panel
    _select(qtbot, window, (3, 3, 8, 16))
    for plot in panel.image_plots:
        assert plot.vb.height() >= READABLE, (plot.titleLabel.text, plot.vb.height())
    assert panel.hist_plot.vb.height() >= 100 and panel.diff_plot.vb.height() >= 100
    _select(qtbot, window, (16,))  # a vector: no heatmaps, its histograms get their room
    assert not panel.heatmap_view.isVisible()
    assert panel.hist_plot.vb.height() >= READABLE
