"""Review 8 of the comparison and browse heatmaps: an only-B pair's heatmap followed
A's hidden plot; the Compare dialog's "(A: shown)" for a checkpoint to be B; a shape
conflict's empty B - A; a NaN pair's cut note and missing B - A; a lone NaN one pixel
wide; the flat list's text order; the filter's clear button; the numbers spread over
a wide panel. Offscreen."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_gui.core.views.pair_view import pair_view
from tests.test_app_compare_review7 import _diff, _only, _panel, _write, renamed_pair

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# -- 1. an only-B pair's heatmap ---------------------------------------------------------------


def test_an_only_b_heatmap_keeps_its_own_columns_whatever_came_before(qtbot, tmp_path):
    diff = _diff(*renamed_pair(tmp_path))
    panel = _panel(qtbot)
    both = next(p for p in diff.pairs if p.key == "model/dense1/kernel")
    panel.show_view(pair_view(diff, both, 20))  # A's plot shown and ranged on 32 columns
    qtbot.wait(50)
    out = _only(diff, "only_b", "model/out/kernel")
    panel.show_view(pair_view(diff, out, 20))
    panel.resize(700, 600)  # a new size must not hand B the hidden A's range
    qtbot.wait(100)
    plot = panel.image_plots[1]
    assert plot.vb.viewRange()[0] == pytest.approx([-0.5, 3.5], abs=0.01)
    assert plot.vb.viewRange()[1] == pytest.approx([-0.5, 31.5], abs=0.01)


# -- 2. the Compare dialog's shown checkpoint ------------------------------------------------------


def test_the_compare_dialog_does_not_call_the_shown_checkpoint_a_when_it_will_be_b(qtbot, tmp_path):
    from ckpt_gui.app.widgets.compare_dialog import CompareDialog
    from ckpt_gui.core.format.discovery import locate

    a, _b = renamed_pair(tmp_path)  # a/ckpt-1
    newer = str(tmp_path / "a" / "ckpt-2")
    _write(newer, {"model/head/kernel": np.zeros((2, 2), np.float32)})
    dialog = CompareDialog(newer, str(tmp_path / "a"), locate)  # ckpt-2 shown, ckpt-1 chosen
    qtbot.addWidget(dialog)
    assert dialog.chosen() is not None and dialog.chosen().endswith("ckpt-1")
    assert dialog.order()[1].endswith("ckpt-2")  # the shown one will be B (after)
    texts = [dialog.checkpoints.itemText(i) for i in range(dialog.checkpoints.count())]
    shown = [text for text in texts if "shown" in text]
    assert len(shown) == 1 and "ckpt-2" in shown[0]
    assert "A:" not in shown[0], shown  # not the letter it will not get


# -- 6. the flat list's ties ---------------------------------------------------------------------


def test_the_flat_lists_ties_are_in_the_trees_natural_order(tmp_path):
    from ckpt_gui.core.views.pair_tree import PairTree

    tensors = {f"blocks/w{i}": np.full((2,), i, np.float32) for i in range(20)}
    for side in ("a", "b"):
        _write(str(tmp_path / side), tensors)
    tree = PairTree(_diff(str(tmp_path / "a"), str(tmp_path / "b")))  # all the same: every pair ties
    tree.apply_filter(None, flat=True)
    names = [leaf.pair.path.rsplit("/", 1)[-1] for leaf in tree.root.shown]
    assert names == sorted(names, key=lambda name: int(name[1:]))  # w2 before w10


# -- 7. the filter's clear button after Escape ---------------------------------------------------


def _clear_button_shown(field) -> bool:
    from PySide6.QtWidgets import QToolButton

    # Qt fades the button out (its "opacity") rather than hiding it.
    return any(b.isVisible() and (b.property("opacity") or 0) > 0 for b in field.findChildren(QToolButton))


def test_escape_hides_the_browse_filters_clear_button_as_the_comparisons(qtbot, window):
    from ckpt_gui.app.window_focus import clear_the_filter
    from tests.test_app_escape import open_demo

    open_demo(qtbot, window)
    field = window.tree_panel.search
    field.setText("kernel")
    qtbot.waitUntil(lambda: _clear_button_shown(field), timeout=2000)
    clear_the_filter(window)  # Escape's
    assert field.text() == ""
    qtbot.waitUntil(lambda: not _clear_button_shown(field), timeout=2000)


# -- 3. a shape conflict; a constant plane ---------------------------------------------------------


def test_a_shape_conflict_says_shapes_differ_and_a_constant_plane_names_its_value(qtbot, tmp_path):
    _write(str(tmp_path / "a"), {"blocks/0/w0": np.zeros((8, 8), np.float32)})
    _write(str(tmp_path / "b"), {"blocks/0/w0": np.linspace(-1, 1, 4, dtype=np.float32)})
    diff = _diff(str(tmp_path / "a"), str(tmp_path / "b"))
    panel = _panel(qtbot)
    pair = diff.pairs[0]
    assert tuple(pair.a.shape) != tuple(pair.b.shape)
    panel.show_view(pair_view(diff, pair, 20))
    assert panel.diff_plot.scene() is None  # no empty box
    assert panel.diff_missing.scene() is not None and "shapes differ" in panel.diff_missing.text
    assert panel.image_plots[0].isVisible()  # A's all-zero plane
    assert panel.colorbar_ab.axis.constant == 0  # one tick naming 0, not a -0.5..0.5 bar


# -- 4. an identical pair holding a NaN ------------------------------------------------------------


def test_an_identical_pair_with_a_nan_shows_b_minus_a_and_a_note_that_fits(qtbot, tmp_path):
    values = np.random.default_rng(8).normal(size=(1000, 50)).astype(np.float32)
    values[537, 23] = np.nan
    _write(str(tmp_path / "a"), {"m": values})
    diff = _diff(str(tmp_path / "a"), str(tmp_path / "a"))
    panel = _panel(qtbot)
    panel.resize(420, 560)  # narrow: the note cannot be one line
    pair = diff.pairs[0]
    assert pair.status == "same"
    panel.show_view(pair_view(diff, pair, 20))
    qtbot.wait(100)
    note = panel.heatmap_note.text.replace("1&nbsp;NaN", "1 NaN")  # a count kept with its kind
    assert "B - A: no difference" in note
    assert "1 NaN cell" in note and "1 NaN cells" not in note  # one block holds the NaN
    assert "B - A: <" not in note and note.count("NaN") == 2  # A's and B's, none for B - A
    # B - A drawn as for a pair without NaN: a plot as wide as A's, no NaN cell in it.
    a_plot, d_plot = panel.image_plots[0], panel.image_plots[2]
    assert d_plot.isVisible() and d_plot.vb.width() >= 0.8 * a_plot.vb.width() > 0
    assert not np.isnan(panel.images[2].image).any()
    # The note wraps within the view, whole.
    label = panel.heatmap_note
    assert label.sceneBoundingRect().right() <= panel.heatmap_view.width() + 1
    assert label.item.mapRectToScene(label.item.boundingRect()).right() <= panel.heatmap_view.width() + 1


# -- 8. the numbers on a wide panel ----------------------------------------------------------------


def test_the_numbers_stay_together_on_a_wide_panel(qtbot, tmp_path):
    diff = _diff(*renamed_pair(tmp_path, changed=True))
    panel = _panel(qtbot)
    panel.resize(2500, 700)
    pair = next(p for p in diff.pairs if p.key == "model/dense1/kernel")
    panel.show_view(pair_view(diff, pair, 20))
    qtbot.wait(50)
    grid = panel.numbers
    names = {}
    for i in range(grid.count()):
        widget = grid.itemAt(i).widget()
        names[widget.text()] = widget
    second = names["Mean |B-A|"]  # the second column's first name
    first_value = names[next(text for text in names if "float32" in text)]  # A's
    # The second column starts soon after the first's values, not across the panel.
    gap = second.geometry().left() - first_value.geometry().left() - first_value.sizeHint().width()
    assert gap < 100, gap


# -- 5. a lone NaN a few pixels wide ---------------------------------------------------------------


def test_a_lone_nan_is_marked_a_few_pixels_wide_in_the_comparison(qtbot, tmp_path):
    from tests.test_app_compare_review7 import NAN_MARK_PIXELS, _nan_pixels

    values = np.random.default_rng(5).normal(size=(1000, 50)).astype(np.float32)
    values[537, 23] = np.nan
    _write(str(tmp_path / "a"), {"m": values})
    _write(str(tmp_path / "b"), {"m": values + np.float32(0.5)})
    diff = _diff(str(tmp_path / "a"), str(tmp_path / "b"))
    panel = _panel(qtbot)
    panel.resize(420, 560)
    panel.show_view(pair_view(diff, diff.pairs[0], 20))
    qtbot.wait(200)
    view = panel.heatmap_view
    image = view.grab().toImage()
    for plot in panel.image_plots:  # A, B and B - A each hold it
        rect = view.mapFromScene(plot.vb.sceneBoundingRect()).boundingRect()
        assert _nan_pixels(image.copy(rect)) >= NAN_MARK_PIXELS, plot.titleLabel.text


# -- review 9: the largest change a comparison opens on ------------------------------------------


def test_a_comparison_opens_on_the_flat_lists_first_row_when_changes_tie(qtbot, window, tmp_path):
    """Review 9: with every change the same size the comparison opened on blocks/10004
    (the first of the keys' text order), far down the flat list whose first row it
    claims to be: ties now go by the tree's natural order, as the flat list's do."""
    from tests.test_app_desktop import WAIT_MS

    a = {f"blocks/w{i}": np.full((4,), 1.0 + i, np.float32) for i in range(2, 14)}  # text order: w10 first
    _write(str(tmp_path / "a"), a)
    _write(str(tmp_path / "b"), {key: value * 1.5 for key, value in a.items()})  # rel. L2 0.5 each
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(tmp_path / "a"))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(tmp_path / "b"), at_largest=True)
    trees = window.compare_trees
    trees.by_change.setChecked(True)  # the flat list, largest change first
    qtbot.waitUntil(lambda: trees.model.rowCount() == 12, timeout=WAIT_MS)
    first = trees.model.node(trees.model.index(0, 0)).pair
    assert first.path.endswith("blocks/w2")
    assert trees.selected_pair() is first
