"""Escape clears the filter from anywhere in the window (issue 11): a shortcut on each
tree panel had cleared it from the tree and the comparison's panels only, not with focus
on Details, the histogram, the heatmap or the values table. What takes Escape itself
still gets it first: an item view's in-place editor here, an open popup in a real
window (tests/test_app_x11_escape.py)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem, QWidget

from ckpt_gui.resources import demo_path
from tests.test_app_desktop import compare_demo_with_first

WAIT_MS = 60_000
WINDOW_SIZE = (1280, 800)  # every control of the plots' rows on screen


def open_demo(qtbot, window) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(demo_path())
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def select_2d_variable(qtbot, window) -> None:
    """A kernel: Details with its statistics, a histogram, a heatmap, a values table."""
    panel = window.tree_panel
    key = next(k for k, n in panel.tree.by_key.items() if n.variable is not None and len(n.variable.shape) == 2)
    panel.select_key(key)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def focusable(area: QWidget) -> list[QWidget]:
    """The widgets in ``area`` a user can give the keyboard focus to (Tab or a click)."""
    return [w for w in area.findChildren(QWidget)
            if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.isVisible() and w.isEnabled()]  # fmt: skip


def escape_on(qtbot, widget: QWidget) -> None:
    widget.window().activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window())
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClick(widget, Qt.Key.Key_Escape)


def test_escape_clears_the_browse_filter_from_details_and_the_plots(qtbot, window):
    open_demo(qtbot, window)
    select_2d_variable(qtbot, window)
    panel = window.tree_panel
    window.tensor.setCurrentWidget(window.tensor.table)  # the values table's widgets shown too
    widgets = focusable(window.right_splitter)
    names = {type(w).__name__ for w in widgets}
    # Details' scroll area, the histogram's boxes, the heatmap's plot, the values table
    assert {"DetailsPanel", "QSpinBox", "QLineEdit", "LockKeepingTableView"} <= names, names
    tried = set()
    for widget in widgets:
        panel.search.setText("kernel")
        panel.apply_filter()
        qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
        if not shiboken6.isValid(widget):  # Details' rows, made again for the variable selected after the filter
            continue
        assert panel.tree.match_count < panel.tree.variable_total
        escape_on(qtbot, widget)
        assert panel.search.text() == "", type(widget).__name__
        assert panel.tree.match_count == panel.tree.variable_total
        tried.add(type(widget).__name__)
    assert {"DetailsPanel", "QSpinBox", "QLineEdit", "LockKeepingTableView"} <= tried, tried


def test_escape_clears_the_browse_filter_from_the_toolbar(qtbot, window):
    open_demo(qtbot, window)
    panel = window.tree_panel
    panel.search.setText("kernel")
    escape_on(qtbot, window.picker)
    assert panel.search.text() == ""


def test_escape_clears_the_comparisons_filter_from_the_pair_panel(qtbot, window):
    compare_demo_with_first(qtbot, window)
    trees = window.compare_trees
    # a changed 4-D pair: its numbers, plots and the slice's boxes
    pairs = window.compare.diff.pairs
    pair = next(p for p in pairs if p.a is not None and len(p.a.shape) == 4 and p.status == "changed")
    trees.select_pair(pair)
    qtbot.waitUntil(lambda: getattr(window.pair_panel.view, "pair", None) is pair, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    widgets = focusable(window.pair_panel)
    assert {"QSpinBox", "QComboBox"} <= {type(w).__name__ for w in widgets}, widgets
    tried = 0
    for widget in widgets:
        trees.search.setText("kernel")
        qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
        if not shiboken6.isValid(widget):  # the pair's numbers, made again for the pair selected after the filter
            continue
        escape_on(qtbot, widget)
        assert trees.search.text() == "", type(widget).__name__
        tried += 1
    assert tried, [type(w).__name__ for w in widgets]
    # ...and the browse filter is left alone while the comparison is shown
    window.tree_panel.search.setText("bias")
    escape_on(qtbot, trees.view_b)
    assert window.tree_panel.search.text() == "bias"


def test_an_in_place_editor_takes_its_escape_first(qtbot, window):
    """An item view editing a cell: Escape ends the edit, the filter kept; the next
    Escape (the view's) clears it."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    table = QTableWidget(1, 1)
    table.setItem(0, 0, QTableWidgetItem("1.5"))
    window.right_splitter.addWidget(table)
    table.show()
    panel.search.setText("kernel")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    table.setCurrentCell(0, 0)
    table.editItem(table.item(0, 0))
    editor = QApplication.focusWidget()
    assert table.state() == QTableWidget.State.EditingState and editor is not table
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert table.state() == QTableWidget.State.NoState
    assert panel.search.text() == "kernel"
    escape_on(qtbot, table)
    assert panel.search.text() == ""


def test_one_escape_for_the_window_listed_once(qtbot, window):
    """One window-wide Escape (a panel's own beside it would make both ambiguous: Qt
    fires neither), listed once in the shortcuts dialog, with what it does."""
    from PySide6.QtGui import QKeySequence, QShortcut

    from ckpt_gui.app import help_menu

    window._make_compare_views()
    escapes = [s for s in window.findChildren(QShortcut) if s.key() == QKeySequence(Qt.Key.Key_Escape)]
    assert len(escapes) == 1 and escapes[0].context() == Qt.ShortcutContext.WindowShortcut
    native = QKeySequence(Qt.Key.Key_Escape).toString(QKeySequence.SequenceFormat.NativeText)
    rows = [row for row in help_menu.shortcut_rows(window) if row[2] == native]
    assert len(rows) == 1 and "Clear the filter" in rows[0][1], rows
