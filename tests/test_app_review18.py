"""Review 18, in the app (offscreen, DejaVu): F8, the key-paired comparison's tree B
opening with a blank band beside tree A filled at 1920x1080; F3, its columns at
1024x640 once a row carries "[B: data file truncated]"."""

from __future__ import annotations

import pytest

from ckpt_gui.app.widgets.column_widths import NAME_ROOM
from tests.test_app_compare_graph_unreadable import _shown
from tests.test_app_desktop import WAIT_MS
from tests.test_diff_graph_unreadable import cut_data_in_half

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)  # the reviewer's small screen (the window fixture's size)


def _key_paired(qtbot, window, scratch_copy):
    folder = scratch_copy("keras_seq")
    cut_data_in_half(folder / "ckpt-4")
    _shown(qtbot, window, str(folder / "ckpt-3"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(folder / "ckpt-4"), at_largest=True)  # as --compare
    qtbot.wait(300)  # the refits in turns of their own
    return window.compare_trees


def _strip(view) -> int:
    """The blank px after the tree's last shown column."""
    header = view.header()
    used = sum(header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c))
    return view.viewport().width() - used


def test_the_two_trees_of_a_comparison_leave_a_band_alike(qtbot, window, scratch_copy):
    """F8: at 1920x1080 the key-paired comparison opened with tree A filled and tree B's
    columns ending ~220 px before its edge (its short collapsed names): the trees side by
    side either both fill their width or both leave their room blank."""
    window.resize(1920, 1080)
    trees = _key_paired(qtbot, window, scratch_copy)
    for width in (1920, 2560):
        window.resize(width, 1080)
        qtbot.wait(300)
        trees.fit_columns()
        qtbot.wait(10)  # the header's stretch, laid out
        a, b = _strip(trees.view_a), _strip(trees.view_b)
        assert (a >= NAME_ROOM) == (b >= NAME_ROOM), (width, a, b)


def test_tree_b_keeps_shape_whole_beside_unreadable_rows_at_1024x640(qtbot, window, scratch_copy):
    """F3: once a row carried "[B: data file truncated]", tree B's names were measured with
    that badge (which its delegate then left out where it did not fit, F4: on some alike
    rows only) and took its room, Shape cut to "[78…". The badge is tree A's, beside its
    Status; tree B's rows are named alike and its Shape is whole."""
    from ckpt_gui.app.models.compare_model import NAME_A, NAME_B, SHAPE_B, STATUS

    trees = _key_paired(qtbot, window, scratch_copy)
    trees.view_a.expandToDepth(3)  # the layers' weights shown, as the reviewer's (their slots not)
    qtbot.wait(300)  # the refit after the expansion, in turns of its own
    model, tree = trees.model, trees.model.tree
    unreadable = [leaf for leaf in tree.leaves if leaf.pair.status == "unreadable"]
    assert unreadable
    for leaf in unreadable:
        assert model.index_of(leaf, NAME_A).data().endswith("[B: data file truncated]")
        assert "[B:" not in model.index_of(leaf, NAME_B).data()
    view = trees.view_b
    assert not view.isColumnHidden(SHAPE_B)
    assert view.columnWidth(SHAPE_B) >= view.sizeHintForColumn(SHAPE_B) - 1, "Shape cut"
    # Tree A keeps a column beside the badged names: it had hidden Shape and Status for the
    # badge, the "≠ changed" of the readable pairs then told by the row tint only.
    assert not trees.view_a.isColumnHidden(STATUS), "tree A's names alone"


def test_an_early_cancel_says_so_on_the_large_tensors_picture(qtbot, window, tmp_path, monkeypatch):
    """F1: Cancel before the first pass of a large matrix had built its min/max envelope
    left its heatmap saying "drawing the min/max envelope..." for good (Details said
    "cancelled"): it says it was cancelled and how to get it, as Details do."""
    from ckpt_gui.app import plot_import
    from ckpt_gui.app.widgets.tensor_panel import ENVELOPE_CANCELLED
    from tests.conftest import wait_drawn
    from tests.helpers import open_with_a_held_pass

    started = open_with_a_held_pass(qtbot, window, tmp_path, monkeypatch, (1000, 50), WAIT_MS)
    qtbot.waitUntil(lambda: started.is_set() and window.details.stats_shown, timeout=WAIT_MS)  # the preview's
    wait_drawn(qtbot)
    window.browse.runner.cancel("histogram")  # as Cancel in the status bar
    # Until the drawing asked for is done (after pyqtgraph's import, in a turn of its own).
    qtbot.waitUntil(lambda: not window.busy and not plot_import.pending(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.tensor._pending_draw is None, timeout=WAIT_MS)
    wait_drawn(qtbot)
    title = window.tensor.image_plot.titleLabel.text.replace("&nbsp;", " ").replace("\u00a0", " ")
    assert ENVELOPE_CANCELLED in title, title
    assert window.tensor.picture.currentWidget() is window.tensor.picture.widget(1)  # the heatmap's page
    # Details keep the sample's statistics, as the histogram keeps its plot, saying the exact
    # ones were cancelled (they had dropped them for "Statistics: cancelled").
    assert window.details.stats_shown
    said = window.details.stats_title.text()
    assert "preview from" in said and "cancelled" in said and "select the variable again" in said, said


def test_a_large_vectors_plot_title_counts_each_inf_sign_as_details_do(qtbot, window, tmp_path, monkeypatch):
    """F7: a large vector's envelope plot read "· 2 ±Inf marked" (blocks reaching an Inf)
    where Details and the histogram said "1 +Inf, 1 -Inf": the counts, worded alike."""
    import numpy as np

    from ckpt_gui.app import browse_selection
    from ckpt_gui.core.formatting import nonfinite_text
    from tests.conftest import wait_drawn
    from tools.bundle_writer import write_bundle

    values = np.random.default_rng(0).standard_normal(50_000).astype(np.float32)
    values[3], values[10_000], values[40_000] = np.nan, np.inf, -np.inf
    prefix = tmp_path / "vec" / "ckpt"
    prefix.parent.mkdir()
    write_bundle(str(prefix), [("big", "float32", values.shape, values.tobytes())])
    monkeypatch.setattr(browse_selection, "LARGE_VIEW_BYTES", 1000)  # the 200 KB vector is drawn as a large one
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(prefix))
    qtbot.waitUntil(lambda: window.tensor.envelope is not None and not window.busy, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.tensor._pending_draw is None, timeout=WAIT_MS)
    wait_drawn(qtbot)
    title = window.tensor.line.plotItem.titleLabel.text.replace("&nbsp;", " ").replace("\u00a0", " ")
    assert nonfinite_text(1, 1, 1) in title, title
    assert "\u00b1" not in title


def test_the_histogram_readout_says_less_rather_than_lose_its_share(qtbot):
    """F6: at 1024x640 the readout of a hovered bin read "[-0.115504, -0.00281811):
    6,021,080 (4.4", cut at the pane's edge: it says less (shorter edges, then the count
    alone) but keeps the count and its share whole; the whole readout in its tooltip."""
    import numpy as np
    from PySide6.QtCore import QPointF

    from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
    from ckpt_gui.core.analysis.histogram import Histogram
    from tests.conftest import wait_drawn

    panel = HistogramPanel()
    qtbot.addWidget(panel)
    panel.resize(285, 320)  # the histogram pane at 1024x640
    panel.show()
    values = np.random.default_rng(0).standard_normal(200_000) * 0.3 - 0.0028
    counts, edges = np.histogram(values, bins=100)
    counts = counts * 30  # millions, as the 512 MB vector's
    panel.show_histogram(Histogram(counts=counts, edges=edges, nan=0, posinf=0, neginf=0), "big")
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.plot, timeout=30_000)
    wait_drawn(qtbot)
    middle = int(np.argmax(counts))
    x = float((edges[middle] + edges[middle + 1]) / 2)
    view = panel.plot.plotItem.vb
    panel._on_mouse(view.mapViewToScene(QPointF(x, float(counts.max()) / 2)))  # the mouse over that bin
    share = f"({counts[middle] / counts.sum():.2%})"
    shown = panel.readout.shown()
    assert f"{int(counts[middle]):,} {share}" in shown, shown
    metrics = panel.readout.fontMetrics()
    assert metrics.horizontalAdvance(shown) <= panel.readout.contentsRect().width(), shown
    assert panel.readout.text().startswith("[") and share in panel.readout.text()
