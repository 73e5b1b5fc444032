"""An event filter that reports the events of interest of the widgets it is installed on:
the tests that check what runs before a paint, or in which pass of the event loop."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject


class EventLog(QObject):
    """Calls ``record(watched, event_type)`` for each event of ``types`` (paints by
    default) that a watched object receives; lets every event through."""

    def __init__(self, record: Callable[[QObject, QEvent.Type], None], types=(QEvent.Type.Paint,)):
        super().__init__()
        self._record = record
        self._types = frozenset(types)

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's API
        if event.type() in self._types:
            self._record(watched, event.type())
        return False
