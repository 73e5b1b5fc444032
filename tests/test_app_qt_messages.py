"""Offscreen (``--screenshot``), Qt's "This plugin does not support propagateSizeHints()"
is dropped, every other message kept (review 17: it was printed 1 to 3 times a run,
noise in a scripted run; a window's size hints are for a window manager, and offscreen
there is none). A desktop platform's messages are left alone."""

from __future__ import annotations

from PySide6.QtCore import qWarning
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from ckpt_gui.app import qt_messages


def _show_a_window(qtbot) -> None:
    """What says it offscreen: a window with a layout shown, then its least size changed."""
    widget = QWidget()
    QVBoxLayout(widget).addWidget(QLabel("x"))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.setMinimumSize(300, 200)


def test_offscreen_qt_says_it(qtbot, qtlog):
    assert QApplication.instance().platformName() == "offscreen"
    _show_a_window(qtbot)
    assert qt_messages.SIZE_HINTS in [record.message for record in qtlog.records]


def test_the_size_hints_warning_is_dropped_and_other_messages_kept(qtbot, qtlog, monkeypatch):
    monkeypatch.setattr(qt_messages, "_installed", [])
    qt_messages.quiet_size_hints(QApplication.instance())
    _show_a_window(qtbot)
    qWarning("another warning")
    messages = [record.message for record in qtlog.records]
    assert "another warning" in messages
    assert qt_messages.SIZE_HINTS not in messages
