"""Findings of the live new-user review (issue 11): status-bar messages that survive the
menus, the Values tab's row headers and NaN/Inf cells, the plots' readouts, the histogram
pane while a new variable's histogram is computed, a corrupt tensor in the NaN/Inf scan,
and the selection kept across the end of a comparison and an open. Offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QStatusTipEvent
from PySide6.QtWidgets import QApplication

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
