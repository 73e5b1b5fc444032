"""The comparison's defects a new user's review found in a real X11 window (issue 11):
Compare with... comparing in another order than its dialog showed, columns of the
pair trees cut, group counts under a filter, B-A ticks, the heatmap's slice, Keras
pairs' order, Close comparison with nothing compared. Offscreen; each was checked in
a real window (Xvfb + openbox) at 1024x640 and 1920x1080 too."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QDialog

from ckpt_gui.app.widgets.compare_dialog import CompareDialog
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS, compare_demo_with_first, open_demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _plain(label) -> str:
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def _dialog_order(dialog: CompareDialog) -> dict[str, str]:
    """What the dialog says A and B are: {"A (before)": prefix, "B (after)": prefix}
    (its lines read "A: prefix  (before)": the labels stay "A:" and "B:", review 16)."""
    order = {}
    for line in dialog.order_label.text().splitlines():
        side, text = line.split(": ", 1)
        prefix, _, role = text.partition("  (")
        order[f"{side} ({role}" if role else side] = prefix
    return order


@pytest.mark.parametrize("swap", [False, True])
def test_compare_with_compares_in_the_order_its_dialog_shows(qtbot, window, monkeypatch, swap):
    """Review: the dialog read "A: .../ckpt-300, B: .../ckpt-200" and the window then
    compared ckpt-200 (A) with ckpt-300 (B): B-A had the other sign."""
    open_demo(qtbot, window)
    shown = window.browse.ckpt.prefix
    seen = {}

    def accept(dialog) -> int:
        if swap:
            dialog.swap()
        seen.update(_dialog_order(dialog))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CompareDialog, "exec", accept)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.choose()
    diff, trees = window.compare.diff, window.compare_trees
    # Two saves of one folder: the older is A (before) unless swapped; the window keeps it.
    refs = [os.path.realpath(ref.prefix) for ref in window.browse.ckpt.checkpoints]  # oldest first
    older_first = refs.index(os.path.realpath(diff.a.prefix)) < refs.index(os.path.realpath(diff.b.prefix))
    assert older_first is not swap and shown in (diff.a.prefix, diff.b.prefix)
    roles = ("before", "after") if older_first else ("after", "before")
    assert seen == {f"A ({roles[0]})": diff.a.prefix, f"B ({roles[1]})": diff.b.prefix}
    name = os.path.basename(demo_path())
    assert _plain(trees.heading_a) == f"A ({roles[0]}): {name}/{os.path.basename(diff.a.prefix)}"
    assert _plain(trees.heading_b) == f"B ({roles[1]}): {name}/{os.path.basename(diff.b.prefix)}"


def test_a_checkpoint_of_another_folder_is_b_unless_swapped(qtbot, window, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    for name in os.listdir(demo_path()):
        if name.startswith("ckpt-100."):
            os.symlink(os.path.join(demo_path(), name), other / name)
    open_demo(qtbot, window)
    shown = window.browse.ckpt.prefix
    dialog = CompareDialog(shown, str(other), locate)
    qtbot.addWidget(dialog)
    b = str(other / "ckpt-100")
    assert dialog.order() == (shown, b) and _dialog_order(dialog) == {"A": shown, "B": b}  # not "before"
    dialog.swap()
    assert dialog.order() == (b, shown) and _dialog_order(dialog) == {"A": b, "B": shown}


def test_enter_after_swapping_compares_in_the_swapped_order(qtbot, window):
    """In a real window, Enter after a click on Swap pressed Swap again (the last button
    clicked was the default): A and B went back without a word."""
    open_demo(qtbot, window)
    dialog = CompareDialog(window.browse.ckpt.prefix, demo_path(), locate)
    qtbot.addWidget(dialog)
    dialog.show()
    proposed = dialog.order()
    qtbot.mouseClick(dialog.swap_button, Qt.MouseButton.LeftButton)
    assert dialog.order() == proposed[::-1]
    qtbot.keyClick(dialog.swap_button, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.order() == proposed[::-1]


def _cells_whole(view, limits) -> dict[int, tuple[int, int]]:
    """The columns beside the name that are shown but narrower than their contents
    (the rows laid out): {column: (width, needed)}."""
    cut = {}
    for column in limits:
        if view.isColumnHidden(column):
            continue
        needed = max(view.sizeHintForColumn(column), view.header().sectionSizeHint(column))
        if view.columnWidth(column) < needed:
            cut[column] = (view.columnWidth(column), needed)
    return cut


@pytest.mark.parametrize("flat", [False, True])
def test_at_1024_the_pair_trees_columns_are_whole_or_hidden(qtbot, window, flat):
    """Review at 1024x640: "≠ chan…", "32 cha…", "[3, 3, 8,…", "0.1974…", and in the flat
    list "1.6…", "≠ c…"; a cut number misleads."""
    from ckpt_gui.app.widgets.compare_columns import A_LIMITS, B_LIMITS
    from ckpt_gui.app.widgets.flat_paths import elide_path

    window.resize(1024, 640)
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.width() == 1024)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    trees = window.compare_trees
    trees.by_change.setChecked(flat)
    trees.view_a.expandAll()
    qtbot.wait(100)  # the columns are fitted on a later turn
    for view, limits in ((trees.view_a, A_LIMITS), (trees.view_b, B_LIMITS)):
        assert _cells_whole(view, limits) == {}
        shown = [c for c in limits if not view.isColumnHidden(c)]
        assert shown, "a tree of names only at 1024"
    if flat:  # a path keeps its leaf and the layer above it
        index = trees.model.index(0, trees.view_a.treePosition())
        path = index.data()
        metrics = trees.view_a.fontMetrics()
        short = elide_path(path, metrics, metrics.horizontalAdvance(path) * 2 // 3)
        assert short.startswith("\u2026/") and short.endswith("/".join(path.split("/")[-2:]))


@pytest.fixture()
def compared(qtbot, window):
    """The demo's latest checkpoint (A) compared with its first (B), every pair compared."""
    return compare_demo_with_first(qtbot, window)


def test_under_a_filter_group_rows_count_what_it_shows(qtbot, compared):
    """Review: a filter left the groups at "32 changed" whatever it showed; the browse
    tree says "n of m"."""
    from collections import Counter

    from ckpt_gui.app.models.compare_model import STATUS

    trees = compared.compare_trees
    model = trees.model
    root = model.index(next(r for r in range(model.rowCount()) if model.node(model.index(r, 0)).name == "model"), 0)
    group = model.node(root)
    below = [leaf for leaf in model.tree.leaves if leaf.tree_path.startswith(group.path + "/")]
    before = root.siblingAtColumn(STATUS).data()
    trees.search.setText("momentum")
    shown = [leaf.pair for leaf in below if "momentum" in leaf.tree_path]
    assert 0 < len(shown) < len(below)
    counts = Counter(pair.status for pair in shown)
    words = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.most_common() if status != "same")
    root = model.index(root.row(), STATUS)  # the filter made the rows again
    assert model.node(root) is group
    assert root.data() == f"{len(shown)} of {len(below)}: {words}"
    trees.search.clear()
    assert model.index(root.row(), STATUS).data() == before == f"{len(below)} changed"


def _ticks(axis, low: float, high: float, size: float) -> list[float]:
    return [value for _spacing, values in axis.tickValues(low, high, size) for value in values]


def test_the_pair_histograms_count_ticks_are_whole_numbers(qtbot, compared):
    """Review: the B-A histogram's count axis had ticks at 0.5, 1.5..."""
    trees, panel = compared.compare_trees, compared.pair_panel
    small = next(p for p in compared.compare.diff.pairs if p.status == "changed" and p.a.shape == (16,))
    trees.select_pair(small)
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is small, timeout=WAIT_MS)
    for plot in (panel.diff_plot, panel.hist_plot):
        axis = plot.getAxis("left")
        low, high = axis.range
        shown = _ticks(axis, low, high, axis.size().height())
        assert shown and all(float(v).is_integer() for v in shown), shown
        assert all(float(v).is_integer() for v in _ticks(axis, 0, 2, 300))  # a count of 2 over 300 px: 0, 1, 2


def test_the_heatmaps_of_a_4d_kernel_say_which_slice_they_show(qtbot, compared):
    """Review: the heatmaps of a [3, 3, 8, 16] kernel showed an [8, 16] plane with no
    word of which one."""
    import numpy as np

    trees, panel, diff = compared.compare_trees, compared.pair_panel, compared.compare.diff
    for dims in (4, 2):
        pair = next(p for p in diff.pairs if p.status == "changed" and len(p.a.shape) == dims)
        trees.select_pair(pair)
        qtbot.waitUntil(lambda pair=pair: panel.view is not None and panel.view.pair is pair, timeout=WAIT_MS)
        note = panel.heatmap_note.text
        if dims == 2:
            assert "slice" not in note
            continue
        assert panel.heatmap_note.isVisible() and note.startswith("slice [")
        index = note.split("slice ")[1].split("]")[0].strip("[").split(", ")
        where = tuple(slice(None) if i == ":" else int(i) for i in index)
        assert len(where) == 4 and sum(i == ":" for i in index) == 2
        for read, image in (
            (diff.a.read(pair.a.key), panel.view.image_a),
            (diff.b.read(pair.b.key), panel.view.image_b),
        ):
            assert np.array_equal(read[where].astype(np.float64), np.asarray(image, dtype=np.float64))


def test_close_comparison_is_enabled_only_while_there_is_one(qtbot, window, tmp_path):
    """Review: File > Close comparison (Ctrl+Shift+K) was enabled with nothing compared."""
    action = window.close_compare_action
    assert action.text().replace("&", "") == "Close comparison" and action.shortcut().toString() == "Ctrl+Shift+K"
    assert not action.isEnabled()
    open_demo(qtbot, window)
    assert not action.isEnabled()
    with qtbot.waitSignal(window.compare.failed, timeout=WAIT_MS):  # B does not open: still nothing compared
        window.compare.compare_with(str(tmp_path / "no-such-checkpoint"))
    assert not action.isEnabled()
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    assert action.isEnabled()
    action.trigger()
    assert window.left_stack.currentWidget() is window.tree_panel and not action.isEnabled()


def test_another_slice_of_a_4d_kernel_can_be_chosen(qtbot, compared):
    """As in the browse heatmap: the axes shown and an index along each other one."""
    import numpy as np

    trees, panel, diff = compared.compare_trees, compared.pair_panel, compared.compare.diff
    kernels = [p for p in diff.pairs if p.status == "changed" and len(p.a.shape) == 4 and p.a.shape[2:] == (8, 16)]
    pair = kernels[0]  # conv2's [3, 3, 8, 16]: the [8, 16] plane shown first
    trees.select_pair(pair)
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is pair, timeout=WAIT_MS)
    controls = panel.slice_controls
    assert controls.isVisible() and set(controls.spins) == {0, 1}
    controls.spins[1].setValue(2)
    assert panel.heatmap_note.text.startswith("slice [0, 2, :, :]")
    controls.rows_box.setCurrentIndex(0)  # rows: axis 0; columns stay axis 3; axis 2 now fixed
    assert set(controls.spins) == {1, 2}
    controls.spins[2].setValue(5)
    assert panel.heatmap_note.text.startswith("slice [:, 2, 5, :]")
    a, b = diff.a.read(pair.a.key), diff.b.read(pair.b.key)
    assert np.array_equal(np.asarray(panel.view.image_a, np.float64), a[:, 2, 5, :].astype(np.float64))
    assert np.array_equal(np.asarray(panel.view.image_b, np.float64), b[:, 2, 5, :].astype(np.float64))
    assert np.allclose(panel.view.image_diff, b[:, 2, 5, :].astype(np.float64) - a[:, 2, 5, :])
    controls.cols_box.setCurrentIndex(0)  # the same axis as the rows: they swap
    assert (controls.rows_box.currentIndex(), controls.cols_box.currentIndex()) == (3, 0)
    assert panel.heatmap_note.text.startswith("slice [:, 2, 5, :] (rows: axis 3)")  # the caption says so
    small = next(p for p in diff.pairs if p.status == "changed" and len(p.a.shape) == 2)
    trees.select_pair(small)
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is small, timeout=WAIT_MS)
    assert not controls.isVisible()
