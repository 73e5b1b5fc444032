"""The variable tree's two views, objects and keys: which one shows (the key view
when there is no object graph, and why the object view is greyed), and the groups
the user opened in each, opened again when the view is switched back to."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.views.tree import TreeNode, VariableTree


class TreeViews:
    """Mixed into TreePanel: its ``trees`` ("objects", "keys"), the view switch's
    buttons, and the groups opened in its ``view``."""

    def _enable_views(self, objects_pending: bool) -> bool:
        trees = self.trees
        has_objects = not objects_pending and ("keys" not in trees or trees["objects"] is not trees["keys"])
        self.objects_button.setEnabled(has_objects)
        self.objects_button.setToolTip(_objects_tooltip(trees, objects_pending, has_objects))
        self.objects_view_available.emit(has_objects, self.objects_button.toolTip())
        if not has_objects and not self.keys_button.isChecked():
            self.objects_button.blockSignals(True)  # the caller shows the tree (not twice)
            self.keys_button.setChecked(True)
            self.objects_button.blockSignals(False)
            self._keys_forced = True
        return has_objects

    @property
    def current_view(self) -> str:
        return "objects" if self.objects_button.isChecked() else "keys"

    @property
    def tree(self) -> VariableTree | None:
        return self.trees.get(self.current_view)

    def _switch_view(self) -> None:
        """Ctrl+1 / Ctrl+2: the other tree, its groups open as the user left them (the
        filter unchanged since), the selected variable selected, opened up to, in view."""
        self._keys_forced = False  # the user chose the view (set_trees switches with signals blocked)
        left = "keys" if self.objects_button.isChecked() else "objects"
        if not self._all_open:  # else opened fully again
            self._opened_by_view[left] = (self._filter_state(), list(self._opened_nodes.values()))
        state, opened = self._opened_by_view.get(self.current_view, (None, None))
        group = self.selected_node()
        group = group if group is not None and group.variable is None else None
        # The subtree filter follows the view, as the text does (it was lifted without a
        # word, review 26 #3): the other view's node of the same variables, if it has one;
        # one lifted for want of it comes back with its view (review 27 #3).
        before, subtree = self.subtree, same_node(self.subtree, self.tree)
        lifted, self.lifted_subtree = self.lifted_subtree, None
        if before is None and lifted is not None and lifted[0] == self.current_view:
            subtree = lifted[1]
            self.said.emit(f"Filter to subtree back on {subtree.path}")
        elif before is not None and subtree is None:
            self.lifted_subtree = (left, before)
            self.said.emit(f"Filter to subtree lifted: this view has no {before.path} of the same variables")
        self._show_current_tree(self._selected_key(), opened if state == self._filter_state() else None, subtree)
        if group is not None:  # a group selected: the other view's group of the same variables, if it has one
            same = same_group(group, self.tree)
            if same is not None and self.model.is_shown(same):
                self.select_node(same)

    def _show_current_tree(self, keep_key: str | None, opened: list[TreeNode] | None = None,
                           subtree: TreeNode | None = None) -> None:  # fmt: skip
        """Show the tree of the view chosen; ``subtree``: its node to filter to (the one
        filtered to in the view before, see _switch_view), else none."""
        self._close_row_menus()
        self.subtree = subtree  # not a node of the tree shown before
        self.subtree_chip.setVisible(subtree is not None)
        if subtree is not None:
            self.subtree_chip.set_path(subtree.path)
        self.model.set_tree(self.tree)
        self.apply_filter()
        self.fit_columns()  # to the rows of the default expansion: measuring thousands opened costs 1 s
        if opened is not None:
            self._open_again(opened)
            self._open_subtree()  # closed again with the rest (review 27 #4)
        if keep_key is None or not self.select_key(keep_key):
            self.node_selected.emit(self.selected_node())

    def _close_row_menus(self) -> None:
        """A row's menu still open over the tree being replaced (the key view's, open when
        the object view came) closes: its actions were for a row no longer shown, and
        "Filter to this subtree" then did nothing (review 24 #3). Its ``exec`` returns."""
        for menu in self.findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if menu.isVisible():
                menu.close()

    def _filter_state(self) -> tuple:
        statuses = frozenset(self.statuses) if self.statuses is not None else None
        return self.search.text(), self.dtype_box.currentText(), self.nan_box.isChecked(), statuses

    def _on_opened(self, index) -> None:
        node = self.model.node(index)
        if node is not None:
            self._opened_nodes[id(node)] = node

    def _on_closed(self, index) -> None:
        node = self.model.node(index)
        if node is not None:
            self._opened_nodes.pop(id(node), None)

    def _forget_opened(self) -> None:
        """The tree is laid out afresh (collapseAll and expandAll say nothing per row)."""
        self._opened_nodes.clear()

    def _open_again(self, nodes: list[TreeNode]) -> None:
        """Open exactly ``nodes`` again, parents first (only these levels are made: a
        200,000-variable tree is not built whole for it)."""
        self.view.collapseAll()
        self._forget_opened()
        for node in sorted(nodes, key=_depth):
            if not self.model.is_shown(node):
                continue
            self.model.reveal(node)
            self.view.expand(self.model.index_of(node))


def same_node(node: TreeNode | None, tree: VariableTree | None) -> TreeNode | None:
    """``node`` of one view as a node of ``tree`` (the other view) that holds the same
    variables: a group's :func:`same_group`, a variable holding slots by its key (if its
    slots are under it there too); None when there is none."""
    if node is None or tree is None:
        return None
    if node.variable is None:
        return same_group(node, tree)
    other = tree.by_key.get(node.variable.key)
    return other if other is not None and other.has_children() else None


def same_group(group: TreeNode, tree: VariableTree | None) -> TreeNode | None:
    """The group of ``tree`` (the other view) at ``group``'s path that holds its
    variables, judged by its first variable (found without making the levels in
    between: a key view's ``blocks`` is 20,000 groups): the key view's key prefix
    ``model/blocks`` is the object view's ``model/blocks``. None when ``tree`` has
    no such group (the key view's ``optimizer/_variables``: the object view keeps
    slots under their variables): then nothing is selected rather than another row."""
    first = _first_variable(group)
    node = tree.by_key.get(first.variable.key) if tree is not None and first is not None else None
    path = group.path
    while node is not None and node.parent is not None:
        if node.path == path and node.variable is None:
            return node
        node = node.parent
    return None


def _first_variable(node: TreeNode) -> TreeNode | None:
    for _ in range(1000):  # a bound: no tree is this deep
        if node.variable is not None:
            return node
        pending = node.pending
        if pending:  # a level not made yet: its first leaf, not the level (a list or the key view's range)
            node = next(iter(pending))
        elif node.children:
            node = node.children[0]
        else:
            return None
    return None


def _depth(node: TreeNode) -> int:
    depth = 0
    while node.parent is not None:
        node, depth = node.parent, depth + 1
    return depth


def _objects_tooltip(trees: dict[str, VariableTree], pending: bool, has_objects: bool) -> str:
    """Why the object graph view is greyed (a greyed button with no reason is a puzzle)."""
    if pending:
        return "Reading the object graph..."
    if has_objects:
        return "The variables as the model's objects hold them (Ctrl+1)"
    keys = trees.get("keys")
    if keys is not None and OBJECT_GRAPH_KEY in keys.by_key:
        return "The object graph could not be read (its data is missing or damaged: see the message above)"
    return "This checkpoint has no object graph (a TF1 or name-based checkpoint): its keys are all there is"
