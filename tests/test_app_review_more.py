"""Findings of the live new-user review (issue 11): status-bar messages that survive the
menus, the Values tab's row headers and NaN/Inf cells, the plots' readouts, the histogram
pane while a new variable's histogram is computed, a corrupt tensor in the NaN/Inf scan,
and the selection kept across the end of a comparison and an open. Offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QStatusTipEvent
from PySide6.QtWidgets import QApplication, QStyle

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.heatmap import INF_COLOUR, NAN_COLOUR
from ckpt_gui.app.widgets.paged_table import PagedTable
from ckpt_gui.app.window import MainWindow
from ckpt_gui.resources import demo_path

WAIT_MS = 60_000


@pytest.fixture()
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CKPT_GUI_SETTINGS_DIR", str(tmp_path / "settings"))
    win = MainWindow(scan_on_open=False)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    win.close()
    assert QThreadPool.globalInstance().waitForDone(10_000)


def open_path(qtbot, win: MainWindow, path) -> None:
    with qtbot.waitSignal(win.loaded, timeout=WAIT_MS):
        win.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not win.busy, timeout=WAIT_MS)


def test_a_lasting_message_survives_the_menus_status_tips(qtbot, window):
    """Finding 31: a menu item's status tip (an empty one too: any hovered item sends one)
    covers the workflow's message for a while; it comes back when the menu closes."""
    open_path(qtbot, window, demo_path())
    lasting = window.status_message()
    assert "variables" in lasting
    label = window.status_label
    assert label.isVisible() and label.text() == lasting
    QApplication.sendEvent(window, QStatusTipEvent("Open a checkpoint folder"))
    assert window.statusBar().currentMessage() == "Open a checkpoint folder"
    QApplication.sendEvent(window, QStatusTipEvent(""))  # the menu closed
    assert window.statusBar().currentMessage() == ""
    assert label.isVisible() and label.text() == lasting
    assert window.status_message() == lasting


def test_values_rows_are_numbered_in_full_a_line_tall_and_mark_nan_and_inf(qtbot):
    """Finding 17: row 50,000,000's header reads 50000000 (Qt had sized it for the first
    page and cut it to 5000000), rows are a line of text tall, NaN/Inf cells are coloured
    as in the heatmap with a text that reads on them."""
    table = PagedTable()
    qtbot.addWidget(table)
    table.resize(400, 300)
    table.show()
    rows = 60_000_000
    table.set_source(np.broadcast_to(np.float32(1.5), (rows, 1)))  # no memory: one value seen 60M times
    header = table.view.verticalHeader()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    table.go_to_row(50_000_000)
    qtbot.waitUntil(lambda: header.width() >= header.fontMetrics().horizontalAdvance("50999999") + 2 * margin)
    assert table.view.rowHeight(0) <= table.view.fontMetrics().height() + 8

    values = np.array([[1.0, np.nan], [np.inf, -np.inf]], dtype=np.float32)
    table.set_source(values)
    model = table.model

    def colours(row, column):
        index = model.index(row, column)
        return model.data(index, Qt.ItemDataRole.BackgroundRole), model.data(index, Qt.ItemDataRole.ForegroundRole)

    assert colours(0, 0) == (None, None)
    for (row, column), rgb in {(0, 1): NAN_COLOUR, (1, 0): INF_COLOUR, (1, 1): INF_COLOUR}.items():
        ground, text = colours(row, column)
        assert ground.getRgb()[:3] == rgb
        assert theme.contrast(ground, text) >= theme.READABLE
