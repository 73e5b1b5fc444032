"""Review 24, #5: after a jump to a cell (the first NaN/Inf's link), "Go to row" still
read 0, and the page label "rows 134,000,000-134,217,727 of 134,2..." was cut at the
pane's edge."""

from __future__ import annotations

import numpy as np

from ckpt_gui.app.widgets.paged_table import PagedTable

ROWS = 134_217_728  # the review's 512 MB float32 vector, one value per row


def _table(qtbot, width: int) -> PagedTable:
    table = PagedTable()
    qtbot.addWidget(table)
    table.resize(width, 300)
    table.show()
    qtbot.waitExposed(table)
    table.set_source(np.broadcast_to(np.float32(1.5), (ROWS, 1)))  # no memory: one value seen ROWS times
    return table


def test_go_to_row_follows_a_jump_to_a_cell(qtbot):
    table = _table(qtbot, 400)
    table.go_to_cell(ROWS - 2, 0)
    assert table.view.currentIndex().row() + table.model.first_row == ROWS - 2
    assert table.row.value() == ROWS - 2
    table.go_to_row(5)  # and a jump by row, back to the first page
    assert table.row.value() == 5 and table.model.first_row == 0
    table.next.click()  # the page's arrows: "Go to row" says the page's first row (review 25)
    assert table.model.first_row == 1_000_000 and table.row.value() == 1_000_000
    table.previous.click()
    assert table.model.first_row == 0 and table.row.value() == 0


def test_the_page_labels_are_whole_in_a_narrow_pane(qtbot):
    from PySide6.QtWidgets import QLabel

    table = _table(qtbot, 220)
    table.go_to_cell(ROWS - 2, 0)
    # The one label asked 285 px of the pane at least: the window's narrow pane cut it.
    assert table.minimumSizeHint().width() <= 220
    qtbot.waitUntil(lambda: table.width() == 220)
    labels = [label for label in table.bar.findChildren(QLabel) if label.text() and label.isVisible()]
    said = " ".join(label.text() for label in labels)
    assert f"rows {ROWS - ROWS % 1_000_000:,}-{ROWS - 1:,} of {ROWS:,}" in said, said
    for label in labels:
        needed = label.fontMetrics().horizontalAdvance(label.text())
        qtbot.waitUntil(lambda label=label, needed=needed: label.width() >= needed)
        right = label.mapTo(table, label.rect().topLeft()).x() + needed
        assert right <= table.width(), (label.text(), right, table.width())


def test_ctrl_end_and_ctrl_home_select_the_cell_they_go_to(qtbot):
    """Review 24, #8: Ctrl+End moved the framed cell, not the selection, and Ctrl+C then
    copied the cell selected before."""
    from PySide6.QtCore import Qt

    table = PagedTable()
    qtbot.addWidget(table)
    table.resize(400, 300)
    table.show()
    qtbot.waitExposed(table)
    values = np.arange(10 * 128, dtype=np.float32).reshape(10, 128)
    table.set_source(values)
    view = table.view
    view.setCurrentIndex(table.model.index(1, 2))
    view.setFocus()
    for key, (row, column) in ((Qt.Key.Key_End, (9, 127)), (Qt.Key.Key_Home, (0, 0))):
        qtbot.keyClick(view, key, Qt.KeyboardModifier.ControlModifier)
        assert (view.currentIndex().row(), view.currentIndex().column()) == (row, column)
        assert [(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()] == [(row, column)]
