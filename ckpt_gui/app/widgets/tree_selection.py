"""The variable tree's selection: selecting a node or key (opening the groups above it
unless one is too large to lay out), the first match from the filter box, Ctrl+C of
the selected key, the right-click menu, and what the panel says is selected (a
Ctrl+click that clears the selection says "nothing")."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut

from ckpt_gui.app.widgets.column_widths import repainted_once
from ckpt_gui.app.widgets.keyboard_menu import KeyboardMenu
from ckpt_gui.core.views.tree import SLOT, TreeNode

REVEAL_ROWS = 2000  # a selection does not open a closed group of more rows than this
FIRST_MATCH_ROWS = 5000  # Down from the filter looks this far for the first match


class TreeSelection:
    """Mixed into TreePanel: the selection in its ``view`` of its ``model`` (the tree
    shown, ``self.tree``); it emits the panel's ``node_selected`` and ``menu_requested``."""

    def _connect_selection(self) -> None:
        self.view.selectionModel().currentChanged.connect(self._on_current)
        # Ctrl+click on the selected row clears the selection but keeps the current row:
        # the panels then show what they show for no selection (a Keras file's own facts).
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self._cleared = False
        # The row picked last (by the user or the app), not by a filter moving the
        # selection off a row it hid: the row a cleared filter selects again.
        self._picked: TreeNode | None = None
        self._automatic = False  # a filter is moving the selection
        self._holding = False  # select_node(tell=False) is selecting: node_selected waits
        self._held = False  # a selection not told yet (tell_selection)
        self.view.installEventFilter(self)  # Tab into the tree: the row selected, not the first

    def _connect_row_actions(self) -> None:
        """The right-click menu and Ctrl+C on the tree; Down from the filter box."""
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_menu)
        self._keyboard_menu = KeyboardMenu(self.view, self._on_menu)  # the Menu key: the current row's
        copy = QAction("Copy key", self.view, shortcut=QKeySequence.StandardKey.Copy)  # not the display name
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.setProperty("applies", "in the checkpoint's tree")  # F1 lists three Ctrl+C: each says where it applies
        copy.triggered.connect(self.copy_key)
        self.view.addAction(copy)
        down = QShortcut(QKeySequence(Qt.Key.Key_Down), self.search, self._into_results)
        down.setContext(Qt.ShortcutContext.WidgetShortcut)
        down.setWhatsThis("From the filter, move into the results")

    def select_node(self, node: TreeNode, tell: bool = True, fit: bool = True) -> bool:
        """Select ``node`` and scroll to it, opening the groups above it, unless one of
        them is closed and holds more than REVEAL_ROWS rows: laying those out takes
        seconds (a list of 20,000 blocks), so the row is selected inside it unseen.
        ``tell=False``: ``node_selected`` waits for :meth:`tell_selection` (the panels
        that follow the selection fill in a later event-loop turn than the tree's);
        ``fit=False``: the columns wait for :meth:`fit_to_selection` (in a later turn)."""
        if not self.model.is_shown(node):
            return False
        self.model.reveal(node)  # a row past those handed to the view so far (model.FETCH_ROWS)
        index = self.model.index_of(node)
        reveal = not self._under_closed_crowd(node)
        self.view.setAutoScroll(reveal)  # selecting scrolls to (and opens up to) the row when on
        self._holding = not tell
        try:
            self.view.setCurrentIndex(index)
        finally:
            self.view.setAutoScroll(True)
            self._holding = False
        if reveal:
            self.view.scrollTo(index)
            if fit:
                self.fit_to_selection()
            else:
                self.refit.stop()  # fitted by fit_to_selection, not by the expansions' refit
        return True

    def fit_to_selection(self) -> None:
        """The columns fitted to the rows a selection opened (see :meth:`select_node`)."""
        # The rows it opened fitted now: refitted on the next turn (after expanding),
        # they were painted once under the old widths ("float..." in DType). Laid out
        # first, so that the scroll bar they bring is there when they are measured (it
        # came a turn later, and Elements then gave way). The header's signals held
        # throughout: the name column narrowed by that scroll bar told the tree, which
        # repainted itself whole again a turn after this turn's paint (30 ms of CPU at
        # 200,000 variables, 1280x800): now it paints once.
        with repainted_once(self.view):
            self.view.executeDelayedItemsLayout()
            self.view.updateGeometries()
            self.fit_columns()
        # Fitted to the rows just opened: the refit those expansions asked for (a turn
        # later) would measure the same rows again (10 ms at 200,000 variables).
        self.refit.stop()

    def tell_selection(self) -> None:
        """``node_selected`` for a selection made with ``tell=False``, unless the
        selection changed since (that change was told)."""
        if self._held:
            self._held = False
            self.node_selected.emit(self.selected_node())

    def _under_closed_crowd(self, node: TreeNode) -> bool:
        """Whether a closed group above ``node`` would lay out more than REVEAL_ROWS rows
        to show it: the rows the view is handed go up to the one on the way to ``node``
        (model.reveal), so the first blocks of 20,000 open at once (the first variable,
        kept selected when the object view replaced the key view, was left unseen)."""
        child, group = node, node.parent
        while group is not None and group.parent is not None:
            crowded = len(group.shown) > REVEAL_ROWS and child.row >= REVEAL_ROWS
            if crowded and not self.view.isExpanded(self.model.index_of(group)):
                return True
            child, group = group, group.parent
        return False

    def select_key(self, key: str) -> bool:
        tree = self.tree
        node = tree.by_key.get(key) if tree is not None else None
        return node is not None and self.select_node(node)

    def selected_node(self) -> TreeNode | None:
        index = self.view.currentIndex()
        return self.model.node(index) if index.isValid() else None

    def copy_key(self) -> None:
        """The selected variable's checkpoint key (a group's path) to the clipboard."""
        node = self.selected_node()
        if node is None:
            return
        QGuiApplication.clipboard().setText(node.variable.key if node.variable is not None else node.path)
        # Said as the row menu's Copy says it: Ctrl+C said nothing (review 6).
        # A slot by the row's own path: under its variable in the object view (review 21 #8).
        shown = node.path if node.kind == SLOT else node.variable.display_path if node.variable is not None else ""
        what = f"the key of {shown}" if node.variable is not None else f"the path {node.path}"
        self.said.emit(f"Copied {what} to the clipboard")

    def _into_results(self) -> None:
        """Down in the filter box: the first row shown becomes current, the tree takes
        the keys (the review's user pressed Down and nothing moved)."""
        if self.filtering.debounce.isActive() or self._filtering:  # typed a moment ago: the rows must match
            self.apply_filter()
        if self._accept is None and self.view.currentIndex().isValid():
            # No filter (Escape cleared it): the tree takes the keys at the row selected
            # (it jumped to the first row, the _CHECKPOINTABLE_OBJECT_GRAPH).
            self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        first = self._first_match() or self.view.model().index(0, 0, self.view.rootIndex())
        if first.isValid():
            self.view.setCurrentIndex(first)
            # The user's pick now, though the filter had made it current already (then no
            # currentChanged says so): Escape kept the row selected before the filter
            # instead (review 10: "conv kern", Down onto conv1d/kernel, Escape: bigram_emb).
            self._picked = self.model.node(first)
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _first_match(self) -> QModelIndex | None:
        """The first row (top to bottom) the filter took, not a group above it (review:
        Down after typing ``gamma`` selected the group ``model``)."""
        accept, model = self._accept, self.view.model()
        if accept is None:
            return None
        stack = [model.index(row, 0) for row in reversed(range(model.rowCount()))]
        for _ in range(FIRST_MATCH_ROWS):  # a bound: the first match is near the top of what is shown
            if not stack:
                break
            index = stack.pop()
            node = model.node(index)
            if node is not None and (node.variable is not None or node.finding is not None) and accept(node):
                return index
            stack.extend(model.index(row, 0, index) for row in reversed(range(model.rowCount(index))))
        return None

    def _selected_key(self) -> str | None:
        node = self.selected_node()
        return node.variable.key if node is not None and node.variable is not None else None

    def _on_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.menu_requested.emit(self.model.node(index), self.view.viewport().mapToGlobal(position))

    def _count_change(self, *_args) -> None:
        self.changes += 1

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._cleared = False
        node = self.model.node(current) if current.isValid() else None
        if node is not None and not self._automatic:
            self._picked = node
        self._held = self._holding
        if not self._holding:
            self.node_selected.emit(node)

    def picked_node(self) -> TreeNode | None:
        """The row selected, or, when a reset lost the current row, the row picked last
        (still in the tree): the user's choice, for a comparison to open on (it had
        opened on the largest change, and its close then took browse there)."""
        node = self.selected_node()
        if node is None and self._in_tree(self._picked):
            node = self._picked
        return node

    def select_again(self) -> None:
        """The row picked last selected again and in view if the tree has no current
        row (a comparison closed over a tree whose reset lost it: Details then said
        _CHECKPOINTABLE_OBJECT_GRAPH, the first row, and no row was highlighted)."""
        if not self.view.currentIndex().isValid():
            picked = self._picked if self._in_tree(self._picked) else None
            if picked is not None and self.model.is_shown(picked):
                self.select_node(picked)

    def eventFilter(self, watched, event) -> bool:
        """Focus coming to the tree with no current row (a filter's reset lost it): the
        row picked last becomes current again, before the view makes the first row
        current (review: Tab into the tree jumped to _CHECKPOINTABLE_OBJECT_GRAPH)."""
        if watched is self.view and event.type() == QEvent.Type.FocusIn:
            self.select_again()
        return super().eventFilter(watched, event)

    def _on_selection(self, *_args) -> None:
        selected = self.view.selectionModel().hasSelection()
        if not self.view.currentIndex().isValid():  # a reset or filter: currentChanged says it
            return
        if not selected and not self._cleared:
            self._cleared = True
            self.node_selected.emit(None)
        elif selected and self._cleared:  # the current row selected again: no currentChanged for it
            self._cleared = False
            self.node_selected.emit(self.selected_node())
