"""The left panel: search, filters, the object/key view switch and the variable tree."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import theme
from ckpt_gui.app.models.tree_model import NAN_RED, RESTORE, VariableTreeModel
from ckpt_gui.app.widgets.column_widths import refit_on_expand
from ckpt_gui.app.widgets.elided_names import names_first
from ckpt_gui.app.widgets.fitting_label import FittingLabel
from ckpt_gui.app.widgets.focus_ring import FocusRing
from ckpt_gui.app.widgets.lock_keeping import LockKeepingTreeView
from ckpt_gui.app.widgets.subtree_chip import SubtreeChip
from ckpt_gui.app.widgets.tree_columns import TreeColumns
from ckpt_gui.app.widgets.tree_fetching import BatchedFetch
from ckpt_gui.app.widgets.tree_filtering import BackgroundFilter
from ckpt_gui.app.widgets.tree_keys import FetchingKeys
from ckpt_gui.app.widgets.tree_matches import ALL_DTYPES, TreeMatches
from ckpt_gui.app.widgets.tree_selection import TreeSelection
from ckpt_gui.app.widgets.tree_views import TreeViews
from ckpt_gui.app.widgets.view_note import ViewNote
from ckpt_gui.core.views.restore_finding import TreeFinding
from ckpt_gui.core.views.tree import TreeNode, VariableTree

NAN_BOX_TIP = "Show only variables holding NaN or Inf"
# Until then: the statistics of one variable (the selection's) do not make the filter.
NAN_BOX_WAITING = f"{NAN_BOX_TIP} (available once every variable's statistics are known)"


class TreePanel(TreeSelection, TreeMatches, TreeViews, QWidget):
    """The variable tree, its filters and view switch (the selection: tree_selection.py;
    the filter applied: tree_matches.py; the two views: tree_views.py)."""

    node_selected = Signal(object)  # TreeNode or None
    menu_requested = Signal(object, QPoint)  # a right click on a row: its TreeNode, where (global)
    said = Signal(str)  # what Ctrl+C put on the clipboard, for the status bar (as the row menu's copies)
    # Whether the object graph view can be shown, and why not: the View menu's Ctrl+1 follows it.
    objects_view_available = Signal(bool, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.trees: dict[str, VariableTree] = {}
        self.nonfinite: set[str] | None = None  # keys with NaN/Inf, once the scan is done
        self.statuses: set[str] | None = None  # restore statuses the legend asks for
        self.subtree: TreeNode | None = None  # "Filter to this subtree": only what is under it
        # A subtree the view switched to had no node for: (the view it is of, the node), back with it.
        self.lifted_subtree: tuple[str, TreeNode] | None = None
        self.text_kept = False  # the filter's text typed for the checkpoint before (the empty tree's note)
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
        self.dtype_box.addItem(ALL_DTYPES)  # from the first frame: empty, it grew once opened, the filter shrank
        self.nan_box = QCheckBox("NaN/Inf only")
        # Room for the count the scan adds ("NaN/Inf only (0)"): the filter beside it shrank when it came.
        self.nan_box.setMinimumWidth(QCheckBox("NaN/Inf only (00)").sizeHint().width())
        self.nan_box.setToolTip(NAN_BOX_WAITING)
        self.nan_box.setEnabled(False)
        self._nan_found = False  # the box drawn in the badges' red (mark_nan_found)
        self.count_label = FittingLabel()  # "35 variables + 2 model only", or less when narrow
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count_label.set_about(
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

        self.view = LockKeepingTreeView()
        self.view.setModel(self.model)
        self._fetching_keys = FetchingKeys(self.view)  # End and Page Down fetch the batches they need
        self.view.setUniformRowHeights(True)  # lets the view skip measuring 100,000 rows
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAllColumnsShowFocus(True)
        FocusRing(self.view)  # the keyboard's place, as in the comparison's trees (review 17, C)
        names_first(self.view)
        self.columns = TreeColumns(self.view)
        self.empty_note = ViewNote(self.view)  # "No variables match 'xyz'" in the rows' place

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.dtype_box)
        filters.addWidget(self.nan_box)
        views = QHBoxLayout()
        views.addWidget(QLabel("View:"))
        views.addWidget(self.objects_button)
        views.addWidget(self.keys_button)
        views.addStretch(1)
        views.addWidget(self.count_label)
        self.subtree_chip = SubtreeChip()  # which subtree the tree is limited to, on a line of its own
        self.subtree_chip.clicked.connect(lambda: self.filter_to(None))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addLayout(views)
        layout.addWidget(self.subtree_chip, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.view, 1)

        self._accept = None  # the filter on (None: none), for Down from the filter box
        self.filtering = BackgroundFilter(self, self._filter_in_background)
        self.filtering.matched.connect(self._on_matched)
        self._filtering = False  # typed text not shown filtered yet
        self.search.textChanged.connect(self._on_text)
        self.dtype_box.currentIndexChanged.connect(lambda _i: self.refilter())
        self.nan_box.toggled.connect(lambda _on: self.refilter())
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
        self.refit = refit_on_expand(self.view, self.fit_columns)  # select_node stops it when it has fitted
        self.fetching = BatchedFetch(self.view, self.model)  # large groups' rows in batches
        # Escape (clear_filter) is the window's: window_focus.bind_escape.
        self._connect_row_actions()
        theme.follow(self)  # the 'NaN/Inf only' box's red (follow_palette)

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
        self.text_kept = bool(self.search.text().strip())
        self._opened_by_view.clear()  # nodes of the trees shown before
        self._picked = self.lifted_subtree = None  # the same: they would keep their tree alive
        self.nonfinite = None
        self.statuses = None
        self.view.setColumnHidden(RESTORE, True)
        self.nan_box.setEnabled(False)
        self.nan_box.setChecked(False)
        self.nan_box.setToolTip(NAN_BOX_WAITING)
        self.mark_nan_found(False)
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

    def set_nonfinite(self, keys: set[str], badges: dict[str, str]) -> None:
        """The variables a statistics scan found NaN/Inf in: badge them, enable the filter."""
        self.nonfinite = keys
        self.nan_box.setEnabled(True)
        self.nan_box.setText(f"NaN/Inf only ({len(keys):,})")
        self.nan_box.setToolTip(NAN_BOX_TIP)
        self.badge(badges)

    def mark_nan_found(self, found: bool) -> None:
        """The 'NaN/Inf only' box in the red of the badges it would list, while the scan's
        findings wait to be listed (nan_scan.py): where the user is told to tick, in a
        row that does not move. The late banner that said it had pushed the tree down
        under the pointer, a click landing on another row (review 19, F6)."""
        self._nan_found = found
        self.follow_palette()

    def follow_palette(self) -> None:
        """The box's red readable on the palette (theme.follow calls this)."""
        palette = QPalette()  # the application's: the box's own colour dropped
        if self._nan_found:
            red = theme.readable(NAN_RED, QGuiApplication.palette().color(QPalette.ColorRole.Window))
            palette.setColor(QPalette.ColorRole.WindowText, red)
        self.nan_box.setPalette(palette)

    def badge(self, badges: dict[str, str]) -> None:
        """Badges by key (NaN/Inf counts, a CRC failure), the filter left as it is: those
        the statistics found before every variable's are known (review 16)."""
        self.model.set_badges(badges)
        # A badge lengthens its row's name after the columns were fitted: fitted again (in
        # a turn of its own), Elements and Bytes give way for it as for a long name; the
        # name had been cut to "_k…el   [1 NaN, 1 +Inf]" beside a whole DType and Bytes in
        # a desktop's 10 pt font at 1024x640 (review 13, D1).
        self.refit.start()
        if self.nan_box.isChecked():
            self.apply_filter()

    def show_report(self, entries: Iterable[TreeFinding] | None) -> None:
        """Colour every variable by its restore status and add the model-only rows
        (None: take the diagnosis away)."""
        keep = self._selected_key()
        entries = None if entries is None else list(entries)
        for tree in {id(t): t for t in self.trees.values()}.values():
            if entries is None:
                tree.clear_report()
            else:
                tree.apply_report(entries)
        self.statuses = None
        # Only with statuses to show: an empty Restore column took Bytes' room (review 21 #12).
        self.view.setColumnHidden(RESTORE, not entries)
        self.model.set_tree(self.tree)
        self.apply_filter()
        self.fit_columns()
        if keep is not None:
            self.select_key(keep)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def fit_columns(self) -> None:
        """Columns beside the name to their contents (tree_columns.TreeColumns.fit)."""
        self.columns.fit()
