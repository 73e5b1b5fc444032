"""Review 19, F12: the comparison's heatmaps at 1024x640. A and B were drawn 26x60 px
beside a wider B - A of the same shape, their y axis stacking "0 200 400 600" in 60 px.
The three are now one size for one shape, whatever room the pane has, as tall as it
allows, and a short plot names fewer rows, a line apart. The demo compared with its first
save (a [64, 10] kernel: tall), in a desktop's 10 pt font."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from tests.conftest import wait_drawn
from tests.test_app_desktop import WAIT_MS, compare_demo_with_first
from tests.test_app_doctor_columns import desktop_font  # noqa: F401 (a fixture)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)
TALL = "model/_functional/_operations/7/_kernel"  # [64, 10]


def _drawn(qtbot, window, panel_width: int | None):
    compare_demo_with_first(qtbot, window)
    if panel_width is not None:  # the pair panel as narrow as the user may drag it
        split = window.main_splitter
        sizes = split.sizes()
        split.setSizes([sum(sizes) - panel_width, panel_width])
        qtbot.waitUntil(lambda: window.pair_panel.width() <= panel_width + 10, timeout=2000)
    pair = next(p for p in window.compare.diff.pairs if p.path == TALL)
    window.compare_trees.select_pair(pair)
    panel = window.pair_panel
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is pair, timeout=WAIT_MS)
    wait_drawn(qtbot)
    qtbot.wait(200)  # the layouts settle on the event loop
    return panel


@pytest.mark.parametrize("panel_width", [None, 320], ids=["as_opened", "narrowest"])
def test_a_b_and_b_minus_a_are_one_size_and_name_rows_a_line_apart(qtbot, window, desktop_font, panel_width):  # noqa: F811
    panel = _drawn(qtbot, window, panel_width)
    boxes = [plot.vb.sceneBoundingRect() for plot in panel.image_plots]
    assert all(plot.isVisible() for plot in panel.image_plots)
    sizes = {(round(box.width()), round(box.height())) for box in boxes}
    assert len(sizes) == 1, sizes
    width, height = sizes.pop()
    assert height > width  # a tall matrix drawn tall
    view = panel.heatmap_view.viewport().rect()
    for plot, box in zip(panel.image_plots, boxes, strict=True):
        assert view.contains(panel.heatmap_view.mapFromScene(box.bottomRight()))  # nothing past the pane
        axis = plot.getAxis("left")
        low, high = plot.vb.viewRange()[1]
        ticks = sorted(t for _spacing, values in axis.tickValues(low, high, box.height()) for t in values)
        assert len(ticks) >= 2
        line = QFontMetricsF(axis.style["tickFont"] or panel.font()).height()
        pitch = min(b - a for a, b in zip(ticks, ticks[1:])) / (high - low) * box.height()
        assert pitch >= 2 * line, (ticks, pitch, line)  # a line between two labels at least
    window.grab().save(f"/tmp/ui20b/explore/sizes_{panel_width}.png")
    right = max(bar.sceneBoundingRect().right() for bar in (panel.colorbar_ab, panel.colorbar_diff))
    assert right <= panel.heatmap_view.sceneRect().right() + 1  # the last bar's labels whole


def test_a_plot_too_short_for_two_rows_a_line_apart_names_two_as_far_apart_as_they_go(qtbot):
    """Under an error banner the s002 [784, 64] heatmaps were 47 px tall: no two ticks
    could stand a line apart, and all four came back (0 200 400 600); 0 and 400 read."""
    from ckpt_gui.app.widgets.heatmap import IndexAxis

    axis = IndexAxis("left")
    line = QFontMetricsF(axis.style["tickFont"] or QApplication.font()).height()
    rows = 784
    for size in (1.2 * line, 2 * line, 3 * line):
        levels = axis.tickSpacing(-0.5, rows - 0.5, size)
        assert len(levels) == 1, levels
        spacing, offset = levels[0]
        assert 2 * spacing > rows - 1 >= spacing, (size, levels)  # two ticks, the widest apart


def test_a_heatmap_of_one_side_takes_the_rows_room(qtbot, window, tmp_path):
    """F12's last case: with only A to draw (B has no such variable, or cannot read it),
    A kept a third of the row, its hidden neighbours' columns keeping theirs."""
    import os

    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.resources import demo_path
    from tests.test_app_review10_browse import open_path
    from tools.bundle_writer import write_bundle

    shown = Checkpoint.open(os.path.join(demo_path(), "ckpt-300"))
    dropped = next(v.key for v in shown.variables if v.display_path == TALL)
    kept = [v for v in shown.variables if v.key != dropped and not v.is_object_graph]
    prefix = tmp_path / "b" / "ckpt"
    prefix.parent.mkdir()
    write_bundle(str(prefix), [(v.key, v.dtype.name, v.shape, shown.read(v.key).tobytes()) for v in kept])
    open_path(qtbot, window, os.path.join(demo_path(), "ckpt-300"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(prefix))
    pair = next(p for p in window.compare.diff.pairs if p.key == dropped)
    assert pair.b is None
    window.compare_trees.select_pair(pair)
    panel = window.pair_panel
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is pair, timeout=WAIT_MS)
    wait_drawn(qtbot)
    qtbot.wait(200)
    plot_a = panel.image_plots[0]
    assert plot_a.isVisible() and not any(plot.isVisible() for plot in panel.image_plots[1:])
    row = panel.heatmaps.sceneBoundingRect().width()
    bar = panel.colorbar_ab.sceneBoundingRect().width()
    assert plot_a.sceneBoundingRect().width() >= row - bar - 20, (plot_a.sceneBoundingRect().width(), row, bar)
