"""Large groups of the variable tree reach the view in batches (tree_model.FETCH_ROWS):
the next batch when the last row handed over comes into view."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QTimer
from PySide6.QtWidgets import QTreeView

from ckpt_gui.app.models.tree_model import VariableTreeModel


class BatchedFetch(QObject):
    """Watches ``view`` (scrolled, a group opened) and hands it each group's next rows
    once their last row handed over is in view. (Qt itself only does so for the very
    last row of the whole tree, and its fetchMore fetches batch after batch.)"""

    def __init__(self, view: QTreeView, model: VariableTreeModel) -> None:
        super().__init__(view)
        self.view, self.model = view, model
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.fetch_visible)
        view.verticalScrollBar().valueChanged.connect(lambda _v: self._timer.start())
        view.expanded.connect(lambda _index: self._timer.start())

    def fetch_visible(self) -> None:
        """Fetch the next rows of each group whose last row handed over is in view."""
        view, model = self.view, self.model
        index, bottom = view.indexAt(QPoint(1, 1)), view.viewport().height()
        while index.isValid() and view.visualRect(index).top() < bottom:
            parent = index.parent()
            if index.row() == model.rowCount(parent) - 1 and model.has_more(parent):
                model.fetch_more(parent)
            index = view.indexBelow(index)
