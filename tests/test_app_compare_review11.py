"""Review 11 of the comparison's trees (a real window at 1024x640 and 2560 px): a click
in B's tree scrolled A's sideways until its names and header were gone; A kept a scroll
bar over nothing; a column of numbers as wide as its widest number showed it with a
digit less. Offscreen (tests/test_app_x11_compare.py has the real window's)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QHeaderView, QStyleOptionViewItem

from ckpt_gui.app.models.compare_model import REL
from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.core.views.pair_tree import PairTree
from tests.test_app_compare_review7 import _diff, _write

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RNG = np.random.default_rng(11)


def _estimator_like(tmp_path) -> tuple[str, str]:
    """A with each layer's weights and their Adagrad slots (only A), B the weights
    changed: the tfx-est pair's shape, whose A tree hides its shape and status columns
    at 1024 px."""
    a, b = {}, {}
    for layer in range(4):
        for name, shape in (("kernel", (20, 30 - layer)), ("bias", (30 - layer,))):
            key = f"dnn/hiddenlayer_{layer}/{name}"
            a[key] = RNG.uniform(-0.2, 0.2, shape).astype(np.float32)
            a[f"{key}/t_0/Adagrad"] = np.full(shape, 0.1, np.float32)
            b[key] = RNG.uniform(-0.2, 0.2, shape).astype(np.float32)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    _write(str(tmp_path / "a" / "model.ckpt-10"), a)
    _write(str(tmp_path / "b" / "model.ckpt-20"), b)
    return str(tmp_path / "a" / "model.ckpt-10"), str(tmp_path / "b" / "model.ckpt-20")


def _trees(qtbot, tmp_path, width: int) -> CompareTrees:
    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(width, 440)
    trees.show()
    qtbot.waitExposed(trees)
    trees.show_tree(PairTree(_diff(*_estimator_like(tmp_path))), "a", "b")
    trees.view_a.expandAll()
    trees.fit_columns()
    return trees


def _click_in_b(qtbot, trees: CompareTrees, key: str) -> None:
    tree = trees.model.tree
    leaf = next(leaf for leaf in tree.leaves if leaf.pair.key == key)
    view = trees.view_b
    index = trees.model.index_of(leaf).siblingAtColumn(view.treePosition())
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: trees.selected_pair() is leaf.pair)


def test_a_tree_keeps_no_width_for_the_columns_it_hides(qtbot, tmp_path):
    """A's status and shape gave way while its names stretched: Qt kept their widths in
    the header's length, a scroll bar over 120 px of nothing (review 11)."""
    trees = _trees(qtbot, tmp_path, 460)
    view = trees.view_a
    header = view.header()
    hidden = [c for c in (1, 3) if view.isColumnHidden(c)]
    assert hidden, "the tree is not narrow enough for a column to give way"
    shown = sum(header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c))
    assert header.length() == shown
    assert view.horizontalScrollBar().maximum() <= max(shown - view.viewport().width(), 0)
    _click_in_b(qtbot, trees, "dnn/hiddenlayer_1/kernel")
    assert view.horizontalScrollBar().value() == 0
    assert view.columnViewportPosition(view.treePosition()) == 0  # A's names in view


def test_a_click_in_b_leaves_a_scrolled_to_its_names(qtbot, tmp_path):
    """The current index a click in B makes is in B's name column, which A hides: Qt
    scrolled A to where that hidden column sits, past A's own columns (review 11: A's
    names and its "Name" header gone). A names column wider than A's tree, so that A
    has somewhere to scroll to."""
    trees = _trees(qtbot, tmp_path, 700)
    view = trees.view_a
    view.header().setSectionResizeMode(view.treePosition(), QHeaderView.ResizeMode.Interactive)
    view.setColumnWidth(view.treePosition(), view.viewport().width() * 3)
    view.updateGeometries()  # the scroll bar's range, now (a refit would come a turn later)
    assert view.horizontalScrollBar().maximum() > 0
    view.horizontalScrollBar().setValue(0)
    _click_in_b(qtbot, trees, "dnn/hiddenlayer_1/kernel")
    assert view.horizontalScrollBar().value() == 0


def test_a_column_of_numbers_shows_its_widest_number_whole(qtbot, tmp_path):
    """Fitted to its contents, Rel. L2 showed its widest number with a digit less
    ("1.4343" for "1.43432" at 2560 px under a filter, review 11): the number's hint
    kept 6 px of margins, the painting 10."""
    trees = _trees(qtbot, tmp_path, 1600)
    for text in ("", "kernel"):
        trees.search.setText(text)
        trees.fit_columns()
        view = trees.view_b
        assert not view.isColumnHidden(REL)
        shown, index = [], view.model().index(0, 0)
        while index.isValid():
            cell = index.siblingAtColumn(REL)
            option = QStyleOptionViewItem()
            option.rect = view.visualRect(cell)
            view.itemDelegateForIndex(cell).initStyleOption(option, cell)
            if cell.data():
                shown.append((option.text, cell.data()))
            index = view.indexBelow(index)
        assert shown and all(painted == whole for painted, whole in shown), (text, shown)


def test_only_a_does_not_keep_a_changed_pair_shown_as_its_slots_context(qtbot, tmp_path):
    """ "only A" on, the changed kernel selected stayed selected (shown above its only-A
    Adagrad slot) and the details kept a changed pair under "showing: only A" (review 11).
    Such a pair is context, as a group's row: its slot is selected, and the pair again
    once the chip is off."""
    trees = _trees(qtbot, tmp_path, 700)
    tree = trees.model.tree
    kernel = next(leaf.pair for leaf in tree.leaves if leaf.pair.key == "dnn/hiddenlayer_1/kernel")
    assert kernel.status == "changed"
    told = []
    trees.pair_selected.connect(told.append)
    assert trees.select_pair(kernel)
    trees.summary["only_a"].setChecked(True)
    assert trees.model.is_shown(tree.leaf_of(kernel))  # still a row: the context of its slot
    shown = trees.selected_pair()
    assert shown is not None and shown.status == "only_a" and shown.key == "dnn/hiddenlayer_1/kernel/t_0/Adagrad"
    assert told[-1] is shown
    trees.summary["only_a"].setChecked(False)
    assert trees.selected_pair() is kernel and told[-1] is kernel


def test_a_filter_hiding_the_selection_selects_a_pair_it_took_not_a_context_row(qtbot, tmp_path):
    """The first pair a filter shows may be context (a changed bias above its only-A
    slot): the first pair the filter took is selected."""
    trees = _trees(qtbot, tmp_path, 700)
    trees.summary["only_a"].setChecked(True)
    trees._select_first_shown(None)  # what a filter hiding the selected row does
    shown = trees.selected_pair()
    assert shown is not None and shown.status == "only_a", shown
