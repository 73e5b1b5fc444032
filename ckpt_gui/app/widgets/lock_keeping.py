"""Item views that keep the interpreter lock through each of their own events.

A view over a Python model calls back into Python thousands of times in one paint or
layout (the tree at 1280x800: 1,148 ``data``, 916 ``index`` and ``parent``, 82
``rowCount`` per paint). When Qt's event loop delivers the event, PySide takes the lock
for each of those calls and lets it go after; while a worker runs Python (the open job
building 200,000 variables' tree), each call waited for the worker to hand the lock
back: a paint of 12 ms took 300 ms (benchmarks/app_open_bench.py: gaps of 500 to 600
ms from usable to loaded on a quiet machine, the GUI thread asleep most of them). An
``event`` or ``viewportEvent`` written in Python is entered with the lock taken once,
and PySide keeps it through Qt's own handling called from there (``super()``): the
same paint took 50 to 65 ms beside a worker that never lets go, and a worker that
steps aside (app/gui_first.py) finds the GUI thread at work and waits.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QTableView, QTreeView


class KeepsLock:
    """Mixed in before a Qt item view class: its events and its viewport's handled in
    one hold of the interpreter lock."""

    def event(self, event: QEvent) -> bool:
        return super().event(event)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt's API
        return super().viewportEvent(event)


class LockKeepingTreeView(KeepsLock, QTreeView):
    pass


class LockKeepingTableView(KeepsLock, QTableView):
    pass
