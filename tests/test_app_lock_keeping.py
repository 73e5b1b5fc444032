"""The item views over Python models handle each event inside a call of Python
(app/widgets/lock_keeping.py): every call of the model during a paint comes from
within the view's own ``event`` or ``viewportEvent``, which holds the interpreter lock
through it, rather than from Qt's event loop, which lets the lock go after each call.
(What that is worth beside a worker running Python, hundreds of waits for the lock per
paint, is measured side by side by benchmarks/app_open_bench.py: whether the worker
takes the lock between two calls is a race, not a test.)"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QTableView, QTreeView

from ckpt_gui.app.widgets.compare_columns import SideTree
from ckpt_gui.app.widgets.lock_keeping import KeepsLock, LockKeepingTableView, LockKeepingTreeView
from ckpt_gui.app.widgets.paged_table import PagedTable

HANDLERS = (KeepsLock.event.__code__, KeepsLock.viewportEvent.__code__)


class Callers(QAbstractTableModel):
    """Three cells; each call of ``data`` notes whether it came from the view's Python
    event handler."""

    def __init__(self) -> None:
        super().__init__()
        self.from_handler: list[bool] = []

    def rowCount(self, parent=QModelIndex()):  # noqa: N802, B008 - Qt's API
        return 0 if parent.isValid() else 3

    def columnCount(self, parent=QModelIndex()):  # noqa: N802, B008 - Qt's API
        return 1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        self.from_handler.append(sys._getframe(1).f_code in HANDLERS)
        return f"row {index.row()}" if role == Qt.ItemDataRole.DisplayRole else None


def callers_in_a_paint(qtbot, view_class) -> list[bool]:
    """For each call of the model in a paint delivered by Qt's event loop: whether it
    came from the view's Python event handler."""
    model = Callers()
    view = view_class()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view)
    model.from_handler.clear()
    view.viewport().update()
    qtbot.waitUntil(lambda: len(model.from_handler) >= 3)
    return model.from_handler


@pytest.mark.parametrize("view_class", [LockKeepingTreeView, LockKeepingTableView])
def test_a_paint_calls_the_model_from_the_views_python_handler(qtbot, view_class):
    assert all(callers_in_a_paint(qtbot, view_class))


@pytest.mark.parametrize("view_class", [QTreeView, QTableView])
def test_qts_own_views_call_the_model_from_the_event_loop(qtbot, view_class):
    """What the mixin changes (if this fails, PySide now enters Python otherwise)."""
    assert not any(callers_in_a_paint(qtbot, view_class))


def test_the_apps_item_views_over_python_models_keep_the_lock(qtbot, window):
    table = PagedTable()
    qtbot.addWidget(table)
    assert isinstance(window.tree_panel.view, KeepsLock)
    assert issubclass(SideTree, KeepsLock)
    assert isinstance(table.view, KeepsLock)
