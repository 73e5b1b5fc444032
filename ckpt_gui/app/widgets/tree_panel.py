"""The left panel: search, filters, the object/key view switch and the variable tree."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import theme
from ckpt_gui.app.models.tree_model import RESTORE, VariableTreeModel
from ckpt_gui.app.widgets.layouts import names_first, refit_on_expand
from ckpt_gui.app.widgets.tree_columns import TreeColumns
from ckpt_gui.app.widgets.tree_fetching import BatchedFetch
from ckpt_gui.app.widgets.tree_filtering import BackgroundFilter, among, every_row, is_large, under
from ckpt_gui.app.widgets.tree_keys import FetchingKeys
from ckpt_gui.app.widgets.tree_selection import TreeSelection
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.views.restore_finding import TreeFinding
from ckpt_gui.core.views.tree import DEFAULT_OPEN_ROWS, TreeNode, VariableTree, default_open, variable_filter

ALL_DTYPES = "All dtypes"
EXPAND_ROWS = DEFAULT_OPEN_ROWS  # default expansion opens levels while fewer rows than this show
EXPAND_MATCHES = 400  # a filtered tree with at most this many matches opens fully


class TreePanel(TreeSelection, QWidget):
    """The variable tree, its filters and view switch (the selection: tree_selection.py)."""

    node_selected = Signal(object)  # TreeNode or None
    menu_requested = Signal(object, QPoint)  # a right click on a row: its TreeNode, where (global)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.trees: dict[str, VariableTree] = {}
        self.nonfinite: set[str] | None = None  # keys with NaN/Inf, once the scan is done
        self.statuses: set[str] | None = None  # restore statuses the legend asks for
        self.subtree: TreeNode | None = None  # "Filter to this subtree": only what is under it
        self.model = VariableTreeModel(self)

        self.search = QLineEdit(placeholderText="Filter variables (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        theme.readable_placeholders(self)  # a dark theme that sets no PlaceholderText: dark grey on black
        # Shown in the field while a large tree's filter is worked out (with "filtering..." beside the tree).
        self.busy = self.search.addAction(
            self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload), QLineEdit.ActionPosition.TrailingPosition
        )
        self.busy.setToolTip("Filtering\u2026")
        self.busy.setVisible(False)
        self.dtype_box = QComboBox()
        self.dtype_box.setToolTip("Show only variables of one dtype")
        # Its width follows its items (filled when a checkpoint opens): measured once, at the
        # first show, while empty, it cut "All dtypes" to "All dtype" at 1024 px.
        self.dtype_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.nan_box = QCheckBox("NaN/Inf only")
        self.nan_box.setToolTip("Show only variables holding NaN or Inf (available once statistics are computed)")
        self.nan_box.setEnabled(False)
        self.count_label = QLabel()
        self.count_label.setMinimumWidth(70)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count_label.setToolTip(
            "Variables in the checkpoint, optimizer slots included; the object graph\n"
            "(_CHECKPOINTABLE_OBJECT_GRAPH) is listed but not counted: it is metadata"
        )

        self.objects_button = QRadioButton("Object graph")
        self.keys_button = QRadioButton("Checkpoint keys")
        self.objects_button.setChecked(True)
        self.view_group = QButtonGroup(self)
        self.view_group.addButton(self.objects_button)
        self.view_group.addButton(self.keys_button)
        # Whether the key view shows because the checkpoint had no object view (a TF1
        # one), not because the user chose it: the next checkpoint with one shows it.
        self._keys_forced = False
        # The groups the user opened in each view ("objects", "keys"), opened again when
        # the view is switched back to (a switch resets the model: Qt forgets them).
        self._opened_nodes: dict[int, TreeNode] = {}  # open in the tree shown, by id
        self._all_open = False  # a filter's few matches shown with every group open
        self._opened_by_view: dict[str, tuple[tuple, list[TreeNode]]] = {}  # with the filter then

        self.view = QTreeView()
        self.view.setModel(self.model)
        self._fetching_keys = FetchingKeys(self.view)  # End and Page Down fetch the batches they need
        self.view.setUniformRowHeights(True)  # lets the view skip measuring 100,000 rows
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAllColumnsShowFocus(True)
        names_first(self.view)
        self.columns = TreeColumns(self.view)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.dtype_box)
        filters.addWidget(self.nan_box)
        views = QHBoxLayout()
        views.addWidget(QLabel("View:"))
        views.addWidget(self.objects_button)
        views.addWidget(self.keys_button)
        views.addStretch(1)
        self.subtree_chip = QPushButton()  # says which subtree the tree is limited to; a click lifts it
        self.subtree_chip.setFlat(True)
        self.subtree_chip.setToolTip("Showing one subtree only: click (or Escape) to show all")
        self.subtree_chip.hide()
        self.subtree_chip.clicked.connect(lambda: self.filter_to(None))
        views.addWidget(self.subtree_chip)
        views.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addLayout(views)
        layout.addWidget(self.view, 1)

        self._accept = None  # the filter on (None: none), for Down from the filter box
        self.filtering = BackgroundFilter(self, self._filter_in_background)
        self.filtering.matched.connect(self._on_matched)
        self._filtering = False  # typed text not shown filtered yet
        self.search.textChanged.connect(self._on_text)
        self.dtype_box.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.nan_box.toggled.connect(lambda _on: self.apply_filter())
        self.objects_button.toggled.connect(lambda _on: self._switch_view())
        self._connect_selection()
        # What was done to the tree shown (expanded, collapsed, selected, filtered), so
        # that a tree replacing it can tell whether the user has worked in this one.
        self.changes = 0
        for signal in (self.view.expanded, self.view.collapsed, self.view.selectionModel().currentChanged,
                       self.search.textChanged):  # fmt: skip
            signal.connect(self._count_change)
        self.view.expanded.connect(self._on_opened)
        self.view.collapsed.connect(self._on_closed)
        refit_on_expand(self.view, self.fit_columns)
        self.fetching = BatchedFetch(self.view, self.model)  # large groups' rows in batches
        for widget in (self.search, self.view):  # Escape clears the filter, from the field or the tree
            escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), widget, self.clear_filter)
            escape.setContext(Qt.ShortcutContext.WidgetShortcut)
            escape.setWhatsThis("Clear the filter")  # the shortcuts dialog's text for it
        self._connect_row_actions()  # after Escape: the shortcuts dialog lists them in this order

    # -- content ----------------------------------------------------------------------

    def set_trees(
        self,
        trees: dict[str, VariableTree],
        keep_key: str | None = None,
        objects_pending: bool = False,
        show_objects: bool = False,
    ) -> None:
        """Show new trees ("objects" and "keys"); reselect ``keep_key`` if it exists.
        ``objects_pending``: only the key view for now, the object graph being read;
        ``show_objects``: switch to the object view (if there is one)."""
        self.trees = trees
        self._opened_by_view.clear()  # nodes of the trees shown before
        self.nonfinite = None
        self.statuses = None
        self.view.setColumnHidden(RESTORE, True)
        self.nan_box.setEnabled(False)
        self.nan_box.setChecked(False)
        has_objects = self._enable_views(objects_pending)
        if has_objects and (show_objects or self._keys_forced) and not self.objects_button.isChecked():
            self.objects_button.blockSignals(True)  # one tree shown below, not the old one first
            self.objects_button.setChecked(True)
            self.objects_button.blockSignals(False)
            self._keys_forced = False
        self._fill_dtypes()
        self._show_current_tree(keep_key)
        self._prepare_search(objects_pending)

    def adopt_trees(self, trees: dict[str, VariableTree]) -> None:
        """The object graph is read: ``trees`` has the key view shown (the same tree,
        left as it is, expanded rows, filter and selection) and now the object view."""
        self.trees = trees
        self._opened_by_view.pop("objects", None)
        self._enable_views(False)
        self._prepare_search()

    def _enable_views(self, objects_pending: bool) -> bool:
        trees = self.trees
        has_objects = not objects_pending and ("keys" not in trees or trees["objects"] is not trees["keys"])
        self.objects_button.setEnabled(has_objects)
        self.objects_button.setToolTip(_objects_tooltip(trees, objects_pending, has_objects))
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

    def set_nonfinite(self, keys: set[str], badges: dict[str, str]) -> None:
        """The variables a statistics scan found NaN/Inf in: badge them, enable the filter."""
        self.nonfinite = keys
        self.nan_box.setEnabled(True)
        self.nan_box.setText(f"NaN/Inf only ({len(keys)})")
        self.model.set_badges(badges)
        if self.nan_box.isChecked():
            self.apply_filter()

    def show_report(self, entries: Iterable[TreeFinding] | None) -> None:
        """Colour every variable by its restore status and add the model-only rows
        (None: take the diagnosis away)."""
        keep = self._selected_key()
        for tree in {id(t): t for t in self.trees.values()}.values():
            if entries is None:
                tree.clear_report()
            else:
                tree.apply_report(entries)
        self.statuses = None
        self.view.setColumnHidden(RESTORE, entries is None)
        self.model.set_tree(self.tree)
        self.apply_filter()
        self.fit_columns()
        if keep is not None:
            self.select_key(keep)

    def set_status_filter(self, statuses: set[str] | None) -> None:
        self.statuses = statuses
        self.apply_filter()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def filter_to(self, node: TreeNode | None) -> None:
        """Show only what is under ``node`` (None: everything again)."""
        self.subtree = node if node is not None and self.tree is not None and node is not self.tree.root else None
        self.subtree_chip.setVisible(self.subtree is not None)
        if self.subtree is not None:
            self.subtree_chip.setText(f"Under {self.subtree.path}  \u2715")
        self.apply_filter()

    @property
    def run_in_background(self):
        """How a large tree's filter runs off the GUI thread (given by the controller:
        widgets start no threads); None: it filters at once."""
        return self.filtering.run_in_background

    @run_in_background.setter
    def run_in_background(self, run) -> None:
        self.filtering.run_in_background = run

    @property
    def accept(self):
        """The filter on (a test of a node), None when every variable is shown."""
        return self._accept

    def clear_filter(self) -> None:
        """Show every variable again (the text, dtype, NaN/Inf and subtree filters off),
        the selection kept and in view."""
        self.subtree = None
        self.subtree_chip.hide()
        for widget in (self.search, self.dtype_box, self.nan_box):
            widget.blockSignals(True)
        self.search.clear()
        self.dtype_box.setCurrentIndex(0)
        self.nan_box.setChecked(False)
        for widget in (self.search, self.dtype_box, self.nan_box):
            widget.blockSignals(False)
        self.apply_filter()
        if self.view.currentIndex().isValid():
            self.view.scrollTo(self.view.currentIndex())

    def fit_columns(self) -> None:
        """Columns beside the name to their contents (tree_columns.TreeColumns.fit)."""
        self.columns.fit()

    # -- filtering ----------------------------------------------------------------------

    def apply_filter(self) -> int:
        """Filter now, on this thread (a change of dtype, status, subtree...); typing in
        a large tree filters on a worker instead (:meth:`_filter_in_background`)."""
        self.filtering.drop()  # a worker's result for older text is not shown after this
        if self.tree is None:
            return 0
        words, accept = self._filter_parts()
        chosen = self.tree.matching(words, accept) if words or accept is not None else None
        return self._show_matches(chosen)

    def _filter_parts(self):
        """The filter asked for: the words typed (lower case) and a test for the rest
        (dtype, NaN/Inf, statuses, subtree), None when there is none."""
        dtype = self.dtype_box.currentText()
        accept = variable_filter(
            "",
            {dtype} if dtype and dtype != ALL_DTYPES else None,
            self.nonfinite if self.nan_box.isChecked() and self.nonfinite is not None else None,
            self.statuses,
        )
        accept = under(self.subtree, accept) if self.subtree is not None else accept
        return self.search.text().lower().split(), accept

    def _filter_in_background(self) -> None:
        """Match the words typed on a worker thread (200,000 search texts: made once,
        then scanned in tens of ms), the result shown when it comes, unless more was
        typed meanwhile. The GUI thread only shows what matched."""
        tree = self.tree
        words, accept = self._filter_parts()
        if tree is None or (not words and accept is None) or not self.filtering.start(tree, words, accept):
            self.apply_filter()
            return
        self._say_filtering()

    def _on_matched(self, generation: int, result) -> None:
        tree, chosen, view = result
        if generation == self.filtering.generation and tree is self.tree:
            self._show_matches(chosen, view)

    def _say_filtering(self) -> None:
        self.count_label.setText("filtering...")
        self.busy.setVisible(True)

    def _prepare_search(self, objects_pending: bool = False) -> None:
        """The shown tree's search texts made ahead first; none while the object graph is read."""
        self.filtering.prepare([] if objects_pending else [self.tree, *self.trees.values()])

    def _show_matches(self, chosen, view=None) -> int:
        """Show the nodes a filter ``chosen`` (None: every one); ``view``: what that
        shows (``VariableTree.filtered_view``), if worked out already."""
        self._filtering = False
        self.busy.setVisible(False)
        keep = self._selected_key()
        group = self.selected_node() if keep is None else None
        tree = self.tree
        # A filter taking every row (the first letter typed, often) shows the tree
        # unfiltered: the same rows, without making every level of 200,000 variables.
        if chosen is not None and view is None and not every_row(tree, chosen):
            view = tree.filtered_view(chosen)
        count = self.model.show_matches(view)
        self._accept = among(chosen, view) if chosen is not None else None
        total = tree.variable_total + len(tree.model_only)
        # The checkpoint's variables, and a report's model-only rows apart: they are not in it.
        only = f" + {len(tree.model_only):,} model only" if tree.model_only else ""
        self.count_label.setText(f"{count:,} of {total:,}" if chosen is not None else
                                 f"{tree.variable_total:,} variables{only}")  # fmt: skip
        self._forget_opened()
        self._all_open = chosen is not None and count <= EXPAND_MATCHES
        if self._all_open:
            self.view.expandAll()
        else:
            self.expand_default()
        if keep is not None:
            self.select_key(keep)
        elif group is not None and group.variable is None and self.model.is_shown(group):
            # Selected again (the reset lost it): its histogram is then made again, over
            # what the filter shows now, as when a group is selected after filtering.
            self.select_node(group)
        return count

    def expand_default(self) -> None:
        """Open level after level while the tree stays short (core's ``default_open``)."""
        self.view.collapseAll()
        if self.tree is None:
            return
        for node in default_open(self.tree, EXPAND_ROWS):
            self.view.expand(self.model.index_of(node))

    # -- internals ---------------------------------------------------------------------

    def _on_text(self, _text: str) -> None:
        if is_large(self.tree):
            self.filtering.typed()  # what a worker finds for the text before is not shown
            self._filtering = True
            self._say_filtering()
        else:
            self.apply_filter()

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

    def _fill_dtypes(self) -> None:
        self.dtype_box.blockSignals(True)
        self.dtype_box.clear()
        self.dtype_box.addItem(ALL_DTYPES)
        tree = self.trees.get("objects")  # the same variables as the key view, which may not be built yet
        if tree is not None:
            self.dtype_box.addItems(tree.dtype_names)
        self.dtype_box.blockSignals(False)


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
