"""Review 17, E: where the keyboard is once a comparison is shown. It was left in
"Filter pairs" (Down did nothing there), or, from browse's Values table, on that table,
hidden: Down did nothing at all. A comparison ends with the keyboard in tree A, as
every open ends in its tree, and Down in its filter moves into tree A, as browse's does."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ckpt_gui.app.help_menu import shortcut_rows
from ckpt_gui.resources import demo_path
from tests.test_app_compare_review6 import _largest_model_change
from tests.test_app_desktop import KERNEL, WAIT_MS, open_demo

WINDOW_SIZE = (1024, 640)


def _active(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def _compare(qtbot, window) -> None:
    """As File > Compare with... (Ctrl+K) and Return in its dialog: the demo's first save."""
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def test_a_comparison_asked_for_from_the_values_table_ends_in_tree_a(qtbot, window):
    open_demo(qtbot, window)
    _active(qtbot, window)
    assert window.tree_panel.select_key(KERNEL)
    window.tensor.setCurrentWidget(window.tensor.table)
    window.tensor.table.go_to_cell(0, 0)  # the keyboard on a cell of the Values table
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.tensor.table.view, timeout=5000)
    _compare(qtbot, window)
    trees = window.compare_trees
    assert QApplication.focusWidget() is trees.view_a
    before = trees.selected_pair()
    assert before is not None and KERNEL in (before.a.key, before.b.key)  # the variable browse had
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert trees.selected_pair() is not before and trees.view_a.currentIndex().isValid()


def test_with_no_pair_asked_for_the_focus_makes_no_row_current(qtbot, window):
    """A group selected in browse: the comparison selects its largest change once every
    pair is compared, unless the user picked one; tree A given the keys is no pick (a
    view focused with no current row makes its first one current)."""
    open_demo(qtbot, window)
    _active(qtbot, window)
    panel = window.tree_panel
    assert panel.select_node(panel.tree.by_key[KERNEL].parent)
    _compare(qtbot, window)
    trees = window.compare_trees
    assert QApplication.focusWidget() is trees.view_a
    assert trees.selected_pair() is _largest_model_change(trees)


def test_down_in_the_comparisons_filter_moves_into_tree_a(qtbot, window):
    open_demo(qtbot, window)
    _active(qtbot, window)
    _compare(qtbot, window)
    trees = window.compare_trees
    trees.focus_search()  # Ctrl+F
    qtbot.waitUntil(lambda: QApplication.focusWidget() is trees.search, timeout=5000)
    qtbot.keyClicks(trees.search, "bias")
    qtbot.keyClick(trees.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is trees.view_a
    pair = trees.selected_pair()
    assert pair is not None and "bias" in trees.model.tree.path_of(pair)
    # Down again moves in the tree, among what the filter shows.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert trees.view_a.currentIndex().isValid()
    # F1 lists it, in the comparison.
    rows = shortcut_rows(window)
    assert ("Comparison", "From the filter, move into the pairs (tree A)", "Down") in rows, rows
