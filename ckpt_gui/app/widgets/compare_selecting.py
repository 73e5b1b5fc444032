"""Which row the comparison's trees select, and what they tell the details: the row
selected kept across filters (a filter may hide it for a while, and it is selected
again once the filter lets it show), the first pair listed meanwhile, a pair shown
only as its slots' context never kept selected, and a row selected again in a list
shown anew not told to the details again. A selected row inside a crowded closed
group is selected unseen rather than laid out. Where the keyboard goes: tree A when a
comparison is shown, and from the filter on Down."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut

from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.views.pair_tree import PairNode, taken

OPEN_ROWS = 2000  # a comparison opens level after level while it shows fewer rows than this


class CompareSelecting:
    """Mixed into CompareTrees: its ``model``, ``view_a`` (whose selection B's view
    shares), ``touched`` and the ``pair_selected`` and ``group_selected`` signals are its own."""

    def _forget_selected(self) -> None:
        """In __init__, and for each comparison shown: nothing kept, nothing told yet."""
        # The row last selected (a pair, or a group's node), kept across filters.
        self._remembered: Pair | PairNode | None = None
        # The pair (or group node) last told to the details (pair_selected, group_selected),
        # or None: a list shown anew (the flat list's click, a filter) selecting it again
        # does not tell it again.
        self._told: Pair | PairNode | None = None

    def _keys_into_tree(self) -> None:
        """In __init__: Down in the filter moves into tree A, as in browse's filter
        (review 17, E: it did nothing); F1 lists it."""
        down = QShortcut(QKeySequence(Qt.Key.Key_Down), self.search, self.into_pairs)
        down.setContext(Qt.ShortcutContext.WidgetShortcut)
        down.setWhatsThis("From the filter, move into the pairs (tree A)")

    def take_keys(self) -> None:
        """A comparison shown: the keyboard in tree A, as every open ends in its tree
        (review 17, E: it was left in the filter, or on browse's Values table, hidden).
        Without a row selected yet, none is made current: a view given the focus makes
        its first row current, which would pass for the user's pick (``touched``) and
        keep the largest change from being selected when every pair is compared. Qt
        leaves the current row alone once one was set on the view, even none."""
        view = self.view_a
        if not view.currentIndex().isValid():
            view.setCurrentIndex(QModelIndex())
        view.setFocus(Qt.FocusReason.OtherFocusReason)

    def into_pairs(self) -> None:
        """Down in the filter: tree A takes the keys at the row selected (a filter keeps
        it, or selects the first it shows), else at its first row."""
        if self.typing.debounce.isActive():  # typed a moment ago: the rows must match first
            self.apply_filter()
        view = self.view_a
        if not view.currentIndex().isValid():
            first = view.model().index(0, view.treePosition(), view.rootIndex())
            if first.isValid():
                view.setCurrentIndex(first)
        view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _row_to_keep(self) -> Pair | PairNode | None:
        """Before a filter's rows are shown: the row to select again after them."""
        # A filter may hide it for a while (the first pair listed is selected meanwhile).
        return self._remembered if self._remembered is not None else self._selected_row()

    def _select_kept(self, keep: Pair | PairNode | None) -> None:
        """After a filter's rows are shown (``keep``: :meth:`_row_to_keep`'s)."""
        # The reset moved the current index without telling (no currentChanged): the row
        # kept is selected again, or the first shown, and the details told either way (a
        # hidden group's summary stayed in them, review 9).
        if keep is not None and not (self._select_taken(keep) if isinstance(keep, Pair) else self._select_node(keep)):
            self._select_first_shown(keep)

    def _select_first_shown(self, hidden: Pair | PairNode) -> None:
        """The row selected (a pair or a group) is hidden by the filter: the first pair
        listed instead (the details showed a pair no longer listed, review 7; a group's
        summary, review 9), or none; ``hidden`` stays the one to come back to once the
        filter lets it show again."""
        index, parent = QModelIndex(), QModelIndex()
        while self.model.rowCount(parent):
            index = self.model.index(0, 0, parent)
            node = self.model.node(index)
            if node is None or (node.pair is not None and taken(self.model.tree, node)):
                break
            parent = index  # a group, or a pair shown as the context of its slots
        node = self.model.node(index) if index.isValid() else None
        if node is not None and node.pair is not None:
            self.select_pair(node.pair)
        else:
            self.view_a.setCurrentIndex(QModelIndex())
            self._told = None
            self.pair_selected.emit(None)
        self._remembered = hidden

    def select_pair(self, pair: Pair) -> bool:
        """Select ``pair``'s row and scroll to it (see _select_node); whether it is shown."""
        tree = self.model.tree
        leaf = tree.leaf_of(pair) if tree is not None else None
        return leaf is not None and self._select_node(leaf)

    def _select_node(self, node: PairNode) -> bool:
        """Select ``node``'s row (a pair's or a group's) and scroll to it, opening the
        groups above it, unless one of them is closed and holds more than OPEN_ROWS rows:
        laying those out takes seconds (20,000 blocks), so the row is selected inside it
        unseen. Whether the filter shows it."""
        if not self.model.is_shown(node):
            return False
        index = self.model.index_of(node)
        reveal = not self._under_closed_crowd(node)
        # Both views: B's shares A's selection, and a view that scrolls to a row opens
        # the groups above it (and A's follows, see CompareTrees._link).
        for view in (self.view_a, self.view_b):
            view.setAutoScroll(reveal)
        try:
            self.view_a.setCurrentIndex(index)
        finally:
            for view in (self.view_a, self.view_b):
                view.setAutoScroll(True)
        if reveal:
            self.view_a.scrollTo(index)
        return True

    def _select_taken(self, pair: Pair) -> bool:
        """Select ``pair`` if the filter took it. A pair shown only as the context of its
        slots (\"only A\" on: a changed kernel above its only-A Adagrad slot) is not a
        match: the details showed a changed pair under \"showing: only A\" (review 11).
        Its first slot taken is selected instead, and the pair stays the one to come back
        to once the filter goes. Whether a row was selected."""
        tree = self.model.tree
        leaf = tree.leaf_of(pair) if tree is not None else None
        if leaf is None or taken(tree, leaf):
            return self.select_pair(pair)
        if not self.model.is_shown(leaf):
            return False
        slots = [leaf]
        while slots:
            node = slots.pop(0)
            if node is not leaf and node.pair is not None and taken(tree, node):
                selected = self._select_node(node)
                self._remembered = pair
                return selected
            slots[:0] = list(node.shown)  # depth first: the tree's order below the pair
        return False

    def _under_closed_crowd(self, node) -> bool:
        tree = self.model.tree
        group = tree.parent_of(node)
        while group is not None and group is not tree.root:
            if len(group.shown) > OPEN_ROWS and not self.view_a.isExpanded(self.model.index_of(group)):
                return True
            group = tree.parent_of(group)
        return False

    def selected_pair(self) -> Pair | None:
        index = self.view_a.currentIndex()
        node = self.model.node(index) if index.isValid() else None
        return node.pair if node is not None else None

    def _selected_row(self) -> Pair | PairNode | None:
        """The pair selected, or the group's node, or None."""
        index = self.view_a.currentIndex()
        node = self.model.node(index) if index.isValid() else None
        return node if node is None or node.pair is None else node.pair

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.touched = True
        node = self.model.node(current) if current.isValid() else None
        if node is not None:
            self._remembered = node if node.pair is None else node.pair
        if node is not None and node.pair is None:
            if node is not self._told:  # selected again after a filter: its summary as it is
                self._told = node
                self.group_selected.emit(node)
        elif node is None or node.pair is not self._told:
            self._told = node.pair if node is not None else None
            self.pair_selected.emit(self._told)
        # Else the pair shown already, selected again in a list shown anew: its details
        # and plots as they are (they were cleared, its values compared again and its
        # plots made and painted again in the turn after the flat list's click).
