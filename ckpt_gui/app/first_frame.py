"""The launch's window painted before the open's work starts.

On a busy machine (two CPU-bound processes on two cores) the window of ``ckpt-gui
BIG_CHECKPOINT`` stayed black for seconds after it was mapped: the open job, started
with the window, competed with the GUI thread for the interpreter lock and the cores
while the first frame waited to be painted. The launch now holds the open's work
(:func:`wait`, at the start of the job) until the window's first frame is painted
(:func:`hold`); the job is still submitted at once, so that first frame already shows
it as running (the status bar's progress and Cancel). Without a launch (tests, a
later open) nothing is held.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

# A platform that never paints the window (or a window never shown) must not keep the
# open waiting: the work starts after this long anyway.
LONGEST_HOLD_S = 3.0

_painted = threading.Event()
_painted.set()  # nothing held unless a launch asks for it


def hold(window: QWidget) -> None:
    """Hold the work that calls :func:`wait` until ``window``'s first frame is painted
    (and flushed: released on the event loop's next turn after the paint)."""
    _painted.clear()
    window._first_frame = _FirstPaint(window)  # kept alive by the window
    QTimer.singleShot(int(LONGEST_HOLD_S * 1000), release)


def release() -> None:
    _painted.set()


def wait() -> None:
    """On a worker thread: return once the launch's first frame is painted (at once
    when nothing is held). Waiting holds no interpreter lock."""
    _painted.wait(LONGEST_HOLD_S)


def held() -> bool:
    return not _painted.is_set()


class _FirstPaint(QObject):
    """Releases the hold once the window has been painted."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if watched is self._window and event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            # The frame is painted and flushed within this expose's handling; the
            # work starts once the event loop is back.
            QTimer.singleShot(0, release)
        return False
