"""The variable tree's two views, objects and keys: which one shows (the key view
when there is no object graph, and why the object view is greyed), and the groups
the user opened in each, opened again when the view is switched back to."""

from __future__ import annotations

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
        self._show_current_tree(self._selected_key(), opened if state == self._filter_state() else None)

    def _show_current_tree(self, keep_key: str | None, opened: list[TreeNode] | None = None) -> None:
        self.subtree = None  # a node of the tree shown before
        self.subtree_chip.hide()
        self.model.set_tree(self.tree)
        self.apply_filter()
        self.fit_columns()  # to the rows of the default expansion: measuring thousands opened costs 1 s
        if opened is not None:
            self._open_again(opened)
        if keep_key is None or not self.select_key(keep_key):
            self.node_selected.emit(self.selected_node())

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
