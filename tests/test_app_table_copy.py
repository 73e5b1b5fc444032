"""Ctrl+C in the Values table says what it copied in the status bar, as the tree's Ctrl+C
does (review 17): "Copied 1 cell (-0.0497434)", or the cells selected, a row a line and
tabs between columns (what a spreadsheet pastes), "Copied 6 cells"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from ckpt_gui.app.widgets import table_copy
from tests.test_app_desktop import KERNEL, open_demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def table(qtbot, window):
    open_demo(qtbot, window)
    assert window.tree_panel.select_key(KERNEL)
    window.tensor.setCurrentWidget(window.tensor.table)
    view = window.tensor.table.view
    qtbot.waitUntil(lambda: view.model().rowCount() > 2 and view.model().columnCount() > 3)
    window.activateWindow()
    view.setFocus()
    return view


def _text(view, row: int, column: int) -> str:
    return view.model().index(row, column).data()


def test_ctrl_c_on_one_cell_says_what_it_copied(qtbot, window, table):
    table.setCurrentIndex(table.model().index(1, 2))
    QApplication.clipboard().setText("")
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == _text(table, 1, 2)
    assert window.status_message() == f"Copied 1 cell ({_text(table, 1, 2)})"


def test_ctrl_c_on_a_block_copies_rows_and_columns(qtbot, window, table):
    model = table.model()
    block = QItemSelection(model.index(0, 1), model.index(1, 3))
    table.selectionModel().select(block, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    expected = "\n".join("\t".join(_text(table, row, column) for column in (1, 2, 3)) for row in (0, 1))
    assert QApplication.clipboard().text() == expected
    assert window.status_message() == "Copied 6 cells"


def test_too_many_cells_are_not_copied_and_it_says_so(qtbot, window, table, monkeypatch):
    monkeypatch.setattr(table_copy, "MOST_CELLS", 3)
    table.selectAll()
    QApplication.clipboard().setText("before")
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "before"
    assert window.status_message().startswith("Not copied:")


def test_f1_lists_the_tables_ctrl_c_under_the_values_table(qtbot, window):
    from ckpt_gui.app import help_menu

    rows = [(where, what) for where, what, _keys in help_menu.shortcut_rows(window)]
    assert ("Values table", "Copy the cells selected (in the Values table)") in rows
