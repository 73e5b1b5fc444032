"""The comparison's heatmaps at 1280x800 (review finding 11): A, B and B - A big enough
to read, the line between the histograms and the heatmaps the user's to drag, and a
vector's histograms taking the heatmaps' room. Offscreen, no TensorFlow: the demo's
checkpoints compared."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.test_app_desktop import WAIT_MS, compare_demo_with_first

READABLE = 200  # px: a heatmap's least height to read its cells at 1280x800


def _select(qtbot, window, shape: tuple[int, ...]) -> None:
    pairs = window.compare.diff.pairs
    pair = next(p for p in pairs if p.a is not None and p.a.shape == shape and p.status == "changed")
    window.compare_trees.select_pair(pair)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is pair, timeout=WAIT_MS)
    qtbot.wait(100)  # the graphics layouts settle on the event loop


def test_a_heatmap_can_be_read_at_1280x800(qtbot, window):
    window.resize(1280, 800)
    compare_demo_with_first(qtbot, window)
    panel = window.pair_panel
    _select(qtbot, window, (3, 3, 8, 16))
    for plot in panel.image_plots:
        assert plot.vb.height() >= READABLE, (plot.titleLabel.text, plot.vb.height())
    assert panel.hist_plot.vb.height() >= 100 and panel.diff_plot.vb.height() >= 100
    _select(qtbot, window, (16,))  # a vector: no heatmaps, its histograms get their room
    assert not panel.heatmap_view.isVisible()
    assert panel.hist_plot.vb.height() >= READABLE


def _strong_pixels(panel, plot_index: int, colour) -> int:
    """Pixels of ``colour``'s kind (a channel test) drawn inside heatmap ``plot_index``'s
    view box, as the screen shows it (its colour bar left out)."""
    import numpy as np
    from PySide6.QtGui import QImage

    view = panel.heatmap_view
    box = view.mapFromScene(panel.image_plots[plot_index].vb.sceneBoundingRect()).boundingRect()
    grabbed = view.grab(box).toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = grabbed.width(), grabbed.height()
    pixels = np.frombuffer(grabbed.constBits(), np.uint8, grabbed.bytesPerLine() * height)
    pixels = pixels.reshape(height, grabbed.bytesPerLine())[:, : 3 * width].reshape(height, width, 3).astype(int)
    return int(np.count_nonzero(colour(pixels[..., 0], pixels[..., 1], pixels[..., 2])))


def test_one_changed_element_of_a_tall_matrix_shows_on_screen(qtbot, tmp_path):
    """A [20000, 50] pair with one element changed and one NaN appeared, in heatmaps of
    200-odd pixels: the screen draws each pixel from its cells' extreme, so the change
    (a dark red cell of B - A) and the NaN (magenta) are both in the picture (Qt alone
    drew one cell of each run sharing a pixel: 40 elements to a cell, then 2 to 3
    cells to a pixel)."""
    import numpy as np

    from ckpt_gui.app.widgets.heatmap_cells import NAN_COLOUR
    from ckpt_gui.app.widgets.pair_panel import PairPanel
    from ckpt_gui.core.analysis.variable_pairing import pair_variables
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.core.views.pair_view import pair_view
    from tools.bundle_writer import write_bundle

    a = np.zeros((20_000, 50), dtype=np.float32)
    b = a.copy()
    b[13_337, 21] = 2.0
    b[5_001, 44] = np.nan
    for side, value in (("a", a), ("b", b)):
        write_bundle(str(tmp_path / side), [("w", "float32", value.shape, value.tobytes())])
    diff = pair_variables(Checkpoint.open(str(tmp_path / "a")), Checkpoint.open(str(tmp_path / "b")))
    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 520)
    panel.show()
    panel.show_view(pair_view(diff, diff.pairs[0]))
    qtbot.wait(100)  # laid out and painted
    assert panel.image_plots[2].vb.height() < 400  # fewer pixels than the picture has cells
    red = _strong_pixels(panel, 2, lambda r, g, b: (r > 100) & (g < 60) & (b < 60))  # the top of CET-D1A
    magenta = _strong_pixels(panel, 2, lambda r, g, b: (abs(r - NAN_COLOUR[0]) < 30) & (g < 60) & (b > 200))
    assert red >= 1 and magenta >= 1, (red, magenta)
    assert _strong_pixels(panel, 0, lambda r, g, b: (r > 100) & (g < 60) & (b < 60)) == 0  # A holds no change


@pytest.mark.parametrize("module", ["pair_panel", "tensor_plots"])
def test_every_heatmap_is_drawn_row_major_whichever_panel_is_imported_first(module):
    """A comparison's heatmaps made before the tensor panel's plots module was imported
    (which alone set pyqtgraph's image order) drew an [8, 16] slice as 16 rows of 8
    under axes of 8 rows and 16 columns: each heatmap maker sets it, in a fresh process."""

    code = f"import ckpt_gui.app.widgets.{module}, pyqtgraph as pg, sys\nprint(pg.getConfigOption('imageAxisOrder'))"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "row-major"
