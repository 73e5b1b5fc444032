"""Ctrl+C in the Values table says what it copied in the status bar, as the tree's Ctrl+C
does (review 17): "Copied 1 cell (-0.0497434)", or the cells selected, a row a line and
tabs between columns (what a spreadsheet pastes), "Copied 6 cells". The values are copied
whole, read back bit for bit equal to TensorFlow's (review 19, F2: the table's 6 digits
were copied), and cells Ctrl-clicked apart keep their places."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from ckpt_gui.app.widgets import table_copy
from ckpt_gui.core.views.planes import plane
from ckpt_gui.resources import demo_path
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


@pytest.fixture()
def shown(tf, window, table):
    """TensorFlow's values of the plane the table shows (the demo's kernel is 4-D)."""
    value = tf.train.load_checkpoint(os.path.join(demo_path(), "ckpt-300")).get_tensor(KERNEL)
    return plane(value, window.tensor.choice)


def _pasted() -> list[list[str]]:
    return [line.split("\t") for line in QApplication.clipboard().text().split("\n")]


def test_ctrl_c_on_one_cell_copies_its_value_whole_and_says_so(qtbot, window, table, shown):
    table.setCurrentIndex(table.model().index(1, 2))
    QApplication.clipboard().setText("")
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QApplication.clipboard().text()
    assert np.float32(copied) == shown[1, 2]  # bit for bit: the 6 digits shown are not
    assert window.status_message() == f"Copied 1 cell ({copied})"


def test_ctrl_c_on_a_block_copies_rows_and_columns_at_full_precision(qtbot, window, table, shown):
    model = table.model()
    block = QItemSelection(model.index(0, 1), model.index(1, 3))
    table.selectionModel().select(block, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    pasted = np.array(_pasted(), dtype=np.float32)
    np.testing.assert_array_equal(pasted, shown[0:2, 1:4])
    # The table shows fewer digits than that: the copy is not what is shown.
    assert any(np.float32(_text(table, r, c)) != shown[r, c] for r in (0, 1) for c in (1, 2, 3))
    assert window.status_message() == "Copied 6 cells"


def test_cells_ctrl_clicked_apart_keep_their_places(qtbot, window, table, shown):
    model, flags = table.model(), QItemSelectionModel.SelectionFlag
    table.selectionModel().select(model.index(0, 0), flags.ClearAndSelect)
    table.selectionModel().select(model.index(2, 2), flags.Select)  # as a Ctrl-click adds it
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    pasted = _pasted()
    assert [len(line) for line in pasted] == [3, 3, 3]  # the rectangle around them
    assert np.float32(pasted[0][0]) == shown[0, 0] and np.float32(pasted[2][2]) == shown[2, 2]
    assert all(pasted[r][c] == "" for r in range(3) for c in range(3) if (r, c) not in ((0, 0), (2, 2)))
    message = window.status_message()
    assert message.startswith("Copied 2 cells") and "3 \u00d7 3" in message and "empty" in message


def test_two_cells_far_apart_count_as_the_rectangle_pasted(qtbot, window, table, monkeypatch):
    monkeypatch.setattr(table_copy, "MOST_CELLS", 8)  # two cells, but a 3 x 3 paste
    model, flags = table.model(), QItemSelectionModel.SelectionFlag
    table.selectionModel().select(model.index(0, 0), flags.ClearAndSelect)
    table.selectionModel().select(model.index(2, 2), flags.Select)
    QApplication.clipboard().setText("before")
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "before"
    assert window.status_message().startswith("Not copied:")


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
