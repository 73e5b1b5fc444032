"""The comparison's flat list as a model whose rows are Qt's own (C++).

QTreeView lays out every row of its model whenever it needs one (a selection, a
paint): 200,000 rows in a large comparison's flat list, and for each it asks the
model the row's index and whether it has children. CompareModel answers those in
Python, 400,000 calls per view, 0.8 s of the GUI thread at the flat list's click
(issue 11). Here the rows are a QStandardItemModel's, holding no item (a row count
only): Qt answers the structure without a Python call, and a cell's text comes from
CompareModel.cell, for the rows painted only. CompareTrees shows this model while
the flat list is on, CompareModel's otherwise.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItemModel

from ckpt_gui.app.models.base import Index
from ckpt_gui.app.models.compare_model import COLUMNS, CompareModel


class FlatPairModel(QStandardItemModel):
    """The rows of ``texts.tree``'s flat list (its ``root.shown``), cells as ``texts`` shows them."""

    COLUMNS = COLUMNS

    def __init__(self, texts: CompareModel, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.texts = texts

    @property
    def tree(self):
        return self.texts.tree

    def show_rows(self) -> None:
        """The tree's flat list changed (CompareModel.refilter): its rows anew."""
        self.beginResetModel()
        # Within the reset: no row's removal or insertion is told to the views one by one.
        # The rows hold no item: only their count changes (emptied first, 200,000 rows
        # were taken away and made again, 6 to 13 ms of the GUI thread; 0.2 ms as they are).
        self.blockSignals(True)
        try:
            self.setRowCount(self._rows())
        finally:
            self.blockSignals(False)
        self.endResetModel()

    def refresh(self) -> None:
        """The pairs' texts changed (CompareTrees.refresh): drawn again."""
        self.texts.refresh()
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))

    def _rows(self) -> int:
        tree = self.tree
        return len(tree.root.shown) if tree is not None and tree.flat else 0

    # -- CompareModel's ways to a node -------------------------------------------------

    def node(self, index: Index):
        """The pair's node of a row (the tree's root for the invalid index)."""
        tree = self.tree
        if tree is None:
            return None
        if not index.isValid():
            return tree.root
        shown = tree.root.shown
        return shown[index.row()] if index.row() < len(shown) else None

    def index_of(self, node, column: int = 0) -> QModelIndex:
        if node is None or node is self.tree.root or not self.is_shown(node):
            return QModelIndex()
        return self.index(self.tree.flat_list.row_of(node), column)

    def is_shown(self, node) -> bool:
        tree = self.tree
        if node is tree.root:
            return True
        row = tree.flat_list.row_of(node) if tree.flat else -1
        shown = tree.root.shown
        return 0 <= row < len(shown) and shown[row] is node

    # -- QStandardItemModel: the cells' contents only ---------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        node = self.node(index) if index.isValid() else None
        return self.texts.cell(node, index.column(), role) if node is not None else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        return self.texts.headerData(section, orientation, role)
