"""End and Page Down in a tree whose large groups reach the view in batches.

The model hands a group's rows to the view 256 at a time (app/models/tree_model.py),
so Qt's End went to row 255, then 511, one batch a press, without scrolling to it,
and each row it stopped on started a group histogram. Here End goes where QTreeView's
own End and a file manager go, the last visible row of the whole tree (Home, Qt's own,
to the first), fetching the rest of each level on the way down, in one selection;
Page Down fetches what the page it moves over needs."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QTreeView


class FetchingKeys(QObject):
    """An event filter on ``view`` (whose model is a VariableTreeModel)."""

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view
        view.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is not self.view or event.type() != QEvent.Type.KeyPress:
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False  # Shift/Ctrl+End: Qt's own
        if event.key() == Qt.Key.Key_End:
            return self._to_tree_end()
        if event.key() == Qt.Key.Key_PageDown:
            self._fetch_page()
        return False

    def _level(self):
        current = self.view.currentIndex()
        return current, (current.parent() if current.isValid() else self.view.rootIndex())

    def _to_tree_end(self) -> bool:
        """The last visible row: the last top-level row, then, while it is expanded,
        its last child (each level fetched whole: rows are cheap to hand over at once)."""
        model = self.view.model()
        if not hasattr(model, "fetch_rows"):
            return False
        parent, last = self.view.rootIndex(), None
        while True:
            model.fetch_rows(parent, 1 << 62)
            rows = model.rowCount(parent)
            if rows == 0:
                break
            last = model.index(rows - 1, 0, parent)
            if not self.view.isExpanded(last):
                break
            parent = last
        if last is None:
            return False
        if last != self.view.currentIndex():
            self.view.setCurrentIndex(last)
        self.view.scrollTo(last)
        return True

    def _fetch_page(self) -> None:
        model = self.view.model()
        current, parent = self._level()
        if not hasattr(model, "fetch_rows"):
            return
        row_height = max(1, self.view.sizeHintForRow(0))
        page = max(1, self.view.viewport().height() // row_height)
        model.fetch_rows(parent, (current.row() if current.isValid() else 0) + page + 1)
