"""The item model every tree of the app shares: Qt's view of a core tree.

The core's trees (views.tree.VariableTree, views.pair_tree.PairTree) filter by
setting each node's ``shown`` children and its ``row`` among them, so this model
needs no proxy: a row is a node, its parent the node above it as shown, and a new
filter is a model reset. Subclasses name the columns and say what a cell shows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from ckpt_gui.core.views.tree_filter import rows_made

ROOT = QModelIndex()  # the invalid index Qt's default arguments stand for
Index = QModelIndex | QPersistentModelIndex


class NodeTreeModel(QAbstractItemModel):
    """Rows are ``node.shown``; the tree (with ``root`` and ``apply_filter``) comes from the core."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tree: Any = None

    # -- content ------------------------------------------------------------------

    def set_tree(self, tree) -> None:
        """Show a tree (also after its nodes changed)."""
        self.beginResetModel()
        self.tree = tree
        self.endResetModel()

    def refilter(self, *args) -> int:
        """Apply a core filter (the tree's ``apply_filter(*args)``); returns its count."""
        if self.tree is None:
            return 0
        self.beginResetModel()
        count = self.tree.apply_filter(*args)
        self.endResetModel()
        return count

    def repaint_rows(self, first_column: int = 0, last_column: int | None = None) -> None:
        """The nodes' texts changed, not the rows: ask the views to draw them again."""
        if self.tree is not None and self.tree.root.shown:
            last_column = len(self.COLUMNS) - 1 if last_column is None else last_column
            self.dataChanged.emit(self.index(0, first_column), self.index(len(self.tree.root.shown) - 1, last_column))

    def node(self, index: Index):
        """The node behind ``index`` (the root for the invalid index)."""
        if not index.isValid():
            return self.tree.root if self.tree is not None else None
        return index.internalPointer()

    def index_of(self, node, column: int = 0) -> QModelIndex:
        if self.shown_parent(node) is None:
            return QModelIndex()
        return self.createIndex(self.shown_row(node), column, node)

    def shown_parent(self, node):
        """The node's parent as shown (None for the root)."""
        return node.parent

    def shown_row(self, node) -> int:
        """The node's row among its parent's shown children (a filter's rows are made as
        the view reaches them: not a row of before)."""
        rows_made(node.parent)
        return node.row

    def is_shown(self, node) -> bool:
        """Whether the current filter shows ``node`` (its ancestors are then shown too)."""
        walker = node
        while (parent := self.shown_parent(walker)) is not None:
            row = self.shown_row(walker)
            if row >= len(parent.shown) or parent.shown[row] is not walker:
                return False
            walker = parent
        return True

    # -- QAbstractItemModel ---------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = ROOT) -> QModelIndex:
        owner = self.node(parent)
        if owner is None or not (0 <= row < len(owner.shown)) or not (0 <= column < len(self.COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column, owner.shown[row])

    # Qt asks it of every cell it paints (588 calls a paint of the tree at 1280x800):
    # written out in one step, not through shown_parent twice and shown_row. A model
    # whose shown parent is not the node's parent (the comparison's flat list) says so
    # before calling it.
    def parent(self, index: Index = ROOT):  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        owner = index.internalPointer().parent
        above = owner.parent if owner is not None else None
        if above is None:
            return QModelIndex()
        rows_made(above)  # shown_row(owner)
        return self.createIndex(owner.row, 0, owner)

    def rowCount(self, parent: Index = ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        owner = self.node(parent)
        return len(owner.shown) if owner is not None else 0

    def columnCount(self, parent: Index = ROOT) -> int:
        return len(self.COLUMNS)

    def hasChildren(self, parent: Index = ROOT) -> bool:
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    # No flags(): QAbstractItemModel's own gives a row "enabled, selectable" (nothing for
    # the invalid index), as the app wants, in C++. QTreeView asks it twice of every row it
    # lays out (200,000 in the comparison's flat list): in Python that was 800,000 calls,
    # about 0.7 s of the flat list's click (issue 11).
