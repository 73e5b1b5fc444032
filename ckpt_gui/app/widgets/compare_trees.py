"""The comparison's left half: a summary bar that filters, a filter box, and the
two synchronised trees (A and B) over one comparison model."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import theme
from ckpt_gui.app.models.compare_model import (
    NAME_A,
    NAME_B,
    REL,
    STYLES,
    CompareModel,
)
from ckpt_gui.app.models.flat_model import FlatPairModel
from ckpt_gui.app.row_menu import copy, pair_key, pair_menu
from ckpt_gui.app.widgets.column_widths import (
    columns_giving_way,
    fit_columns,
    hide_columns,
    measure_columns,
    names_then_room,
    refit_on_expand,
    repainted_once,
    stretch_names,
)
from ckpt_gui.app.widgets.compare_columns import (
    A_COLUMNS,
    A_GIVE_WAY,
    A_LIMITS,
    B_COLUMNS,
    B_GIVE_WAY,
    B_LIMITS,
    NumberFitted,
    SideTree,
    arrange_columns,
)
from ckpt_gui.app.widgets.compare_matching import CompareMatching
from ckpt_gui.app.widgets.compare_summary import SummaryBar
from ckpt_gui.app.widgets.elided_names import names_first
from ckpt_gui.app.widgets.flat_paths import PathDepths, PathElided
from ckpt_gui.app.widgets.keyboard_menu import KeyboardMenu
from ckpt_gui.app.widgets.view_note import ViewNote, no_match
from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.pair_tree import PairNode, PairTree, taken


class CompareTrees(CompareMatching, QWidget):
    """The summary bar, a filter (typing in a large comparison filters on a worker:
    compare_matching.py), and the two synchronised trees."""

    pair_selected = Signal(object)  # Pair or None
    group_selected = Signal(object)  # the PairNode of a group row made current
    said = Signal(str)  # what a copy put on the clipboard, for the status bar
    export_requested = Signal(object, str)  # a Pair and the side ("A" or "B") whose value to export
    moved_chosen = Signal(object)  # the only-A pair of a rename, from the summary's hint

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # The tree's model, and the flat list's (Qt's own rows: laid out without a Python
        # call per row, flat_model.py); ``model`` is the one the trees show.
        self.tree_model = CompareModel(self)
        self.flat_model = FlatPairModel(self.tree_model, self)
        self.model: CompareModel | FlatPairModel = self.tree_model
        self.setAccessibleName("Comparison")  # also how the shortcuts dialog names it
        # The row last selected (a pair, or a group's node), kept across filters.
        self._remembered: Pair | PairNode | None = None
        self.touched = False  # the user expanded, collapsed, scrolled or selected since show_tree
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.search = QLineEdit(placeholderText="Filter pairs")
        self.search.setClearButtonEnabled(True)
        self.by_change = QCheckBox("Flat list, largest change first")
        self.summary_bar = SummaryBar()
        self.summary_bar.toggled.connect(lambda: self.apply_filter())
        self.summary_bar.moved_chosen.connect(self.moved_chosen)
        bar = self.summary_bar  # its parts, as the controller and the tests read them
        self.summary, self.showing, self.so_far, self.moved_note = bar.chips, bar.showing, bar.so_far, bar.moved_note
        # The parts each flat list row keeps, counted a slice per turn for a large
        # side; the rows shown again in their short form when they come.
        self.path_depths = PathDepths(self)
        self.view_a = self._make_view(A_COLUMNS, NAME_A)
        self.view_b = self._make_view(B_COLUMNS, NAME_B)
        self.path_depths.ready.connect(self._repaint_names)
        self.view_b.setSelectionModel(self.view_a.selectionModel())
        self.empty_notes = (ViewNote(self.view_a), ViewNote(self.view_b))  # a filter that matches nothing
        self._link(self.view_a, self.view_b)
        self._link(self.view_b, self.view_a)
        trees = QSplitter(Qt.Orientation.Horizontal)
        for label, view in (("A", self.view_a), ("B", self.view_b)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            heading = QLabel(label)
            heading.setObjectName(f"side-{label}")
            box_layout.addWidget(heading)
            box_layout.addWidget(view)
            trees.addWidget(box)
        self.heading_a = trees.widget(0).findChild(QLabel, "side-A")
        self.heading_b = trees.widget(1).findChild(QLabel, "side-B")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.by_change)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary_bar)
        layout.addLayout(filters)
        layout.addWidget(trees, 1)
        self._start_matching()  # typing filters (on a worker in a large comparison)
        self.by_change.toggled.connect(lambda _on: self.apply_filter())
        self.view_a.selectionModel().currentChanged.connect(self._on_current)
        # Escape (the filter cleared) is the window's: window_focus.bind_escape.
        for view, side in ((self.view_a, "A"), (self.view_b, "B")):
            self._add_row_menu(view, side)
        # One timer: both trees resize together (the flat list's scroll bar), and each fit
        # is both trees' (twice 80 ms at 200,000 pairs in the turn after the flat list's click).
        # A tree per turn, and not in a turn with a step of the flat list's path depths.
        fit = self._fit_in_a_turn
        self._refit = refit_on_expand(self.view_b, fit, refit_on_expand(self.view_a, fit))
        self._to_fit: list = []  # the trees the refit's turns have still to fit (_fit_in_a_turn)
        # The pair (or group node) last told to the details (pair_selected, group_selected),
        # or None: a list shown anew (the flat list's click, a filter) selecting it again
        # does not tell it again.
        self._told: Pair | PairNode | None = None
        theme.follow(self)  # the muted notes in the views (a filter matching nothing)

    def _make_view(self, columns: tuple[int, ...], tree_column: int) -> QTreeView:
        view = SideTree()
        view.setModel(self.model)
        view.setUniformRowHeights(True)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # the flat model's cells say "editable"
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAllColumnsShowFocus(True)
        view.setTreePosition(tree_column)
        names_first(view)
        view.setItemDelegateForColumn(tree_column, PathElided(view, self.path_depths))
        view.setItemDelegateForColumn(REL, NumberFitted(view))
        view.header().setStretchLastSection(False)
        arrange_columns(view, columns)
        return view

    def _show_model(self, model: CompareModel | FlatPairModel) -> None:
        """Both trees show ``model``, with one selection as before."""
        if self.model is model:
            return
        self.model = model
        previous = {self.view_a.selectionModel(), self.view_b.selectionModel()}
        for view, columns in ((self.view_a, A_COLUMNS), (self.view_b, B_COLUMNS)):
            view.setModel(model)  # the header forgets its hidden columns and stretch
            arrange_columns(view, columns)
        previous.add(self.view_b.selectionModel())
        self.view_b.setSelectionModel(self.view_a.selectionModel())
        self.view_a.selectionModel().currentChanged.connect(self._on_current)
        for selection in previous:  # a view does not delete the selection model it replaces
            selection.deleteLater()

    def _add_row_menu(self, view: QTreeView, side: str) -> None:
        """A row's context menu, and Ctrl+C copying its key (this side's), not its name."""
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda position: self._on_menu(view, position))
        KeyboardMenu(view, lambda position: self._on_menu(view, position))  # the Menu key: the current row's
        action = QAction(f"Copy {side}'s key", view, shortcut=QKeySequence.StandardKey.Copy)  # listed once per side
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.setProperty("applies", f"in tree {side}")  # F1 lists three Ctrl+C: each says where it applies
        action.triggered.connect(lambda: self.copy_key(side))
        view.addAction(action)

    def copy_key(self, side: str = "A") -> None:
        """The current row's key on ``side`` (a group's path) to the clipboard."""
        index = self.view_a.currentIndex()
        node = self.model.node(index) if index.isValid() else None
        if node is None:
            return
        copy(pair_key(node.pair, side) if node.pair is not None else node.path)
        # Said as the row menu's Copy says it: Ctrl+C said nothing (review 6).
        if node.pair is not None:  # the other side's key when the variable is only there (pair_key)
            held = side if (node.pair.a if side == "A" else node.pair.b) is not None else {"A": "B", "B": "A"}[side]
            self.said.emit(f"Copied {held}'s key of {self.model.tree.path_of(node.pair)} to the clipboard")
        else:
            self.said.emit(f"Copied the path {node.path} to the clipboard")

    def _on_menu(self, view: QTreeView, position: QPoint) -> None:
        menu = self.row_menu(view, position)
        if menu is not None:
            menu.exec(view.viewport().mapToGlobal(position))

    def row_menu(self, view: QTreeView, position: QPoint) -> QMenu | None:
        """The menu of the row at ``position`` in ``view`` (made current), if any."""
        index = view.indexAt(position)
        node = self.model.node(index) if index.isValid() else None
        if node is None:
            return None
        view.setCurrentIndex(index)
        path = self.model.tree.path_of(node.pair) if node.pair is not None else node.path
        pair = node.pair
        export = (lambda side: self.export_requested.emit(pair, side)) if pair is not None else None
        return pair_menu(view, pair, path, self.said.emit, export)

    def focus_search(self) -> None:
        """Find (Ctrl+F) while the comparison is shown: its filter."""
        self.search.setFocus()
        self.search.selectAll()

    def _link(self, source: QTreeView, target: QTreeView) -> None:
        source.expanded.connect(target.expand)
        source.collapsed.connect(target.collapse)
        source.verticalScrollBar().valueChanged.connect(target.verticalScrollBar().setValue)
        # What the user did to the trees since they were shown (actionTriggered: a user's
        # scroll, never a programme's): the end of a long comparison then leaves them be.
        for signal in (source.expanded, source.collapsed, source.verticalScrollBar().actionTriggered):
            signal.connect(self._touch)

    def _touch(self, *_args) -> None:
        self.touched = True

    def _repaint_names(self) -> None:
        for view in (self.view_a, self.view_b):
            view.viewport().update()

    # -- content ---------------------------------------------------------------------------

    def show_tree(self, tree: PairTree, name_a: str, name_b: str, roles: tuple[str, str] = ("", "")) -> None:
        """``roles``: what A and B are ("before", "after"), when known."""
        name_a, name_b = html.escape(name_a), html.escape(name_b)  # folder names are text, the labels rich text
        role_a, role_b = (f" ({role})" if role else "" for role in roles)
        self.heading_a.setText(f"<b>A</b>{role_a}: {name_a}")
        self.heading_b.setText(f"<b>B</b>{role_b}: {name_b}")
        self.title.setText(f"Comparing <b>{name_a}</b> with <b>{name_b}</b>")
        self._remembered = None
        self._told = None
        self.path_depths.forget()
        self.tree_model.set_tree(tree)
        self.typing.prepare([tree.search])  # a large comparison's search texts made ahead of the first filter
        tree.count_compared()
        self.update_summary()
        self.apply_filter()
        self.touched = False  # the groups it opened on its own are not the user's

    def refresh(self) -> bool:
        """Take the pairs compared since the last refresh into the counts, and show them
        in the rows, the groups, the summary and the header at once: the one place the
        counts move (review, issue 11: the header and the chips lagged behind the groups
        after a selected pair's values came). Whether any pair was taken."""
        tree = self.model.tree
        if tree is None or not tree.count_compared():
            return False
        self.model.refresh()
        self.update_summary()
        return True

    def compared_early(self, pair: Pair) -> None:
        """``pair``'s values are compared out of turn (it was selected): its row shows
        its status as soon as it is known, not when the comparison's turn comes."""
        tree = self.model.tree
        if tree is not None:
            tree.compared_early(pair)
            self.refresh()

    def show_moved(self, moves: list[tuple[Pair, Pair]]) -> None:
        """The (only-A, only-B) pairs that look like one variable moved: a hint beside the chips."""
        path_of = self.model.tree.path_of if self.model.tree is not None else (lambda pair: pair.path)
        self.summary_bar.show_moved(moves, path_of)

    def update_summary(self) -> None:
        """The chips and the header from the tree's counts (its root's: what its groups sum)."""
        tree = self.model.tree
        counts = {status: 0 for status in DiffStatus}
        pending = 0
        if tree is not None:  # the tree's running counts, not a loop over 200,000 pairs per refresh
            counts.update(tree.statuses_below(tree.root))
            pending = tree.pending_below(tree.root)
        self.summary_bar.show_counts(counts, pending)
        self.fit_columns()  # the groups' status texts grow as pairs get compared
        title = self.title.text().split(" &mdash; ")[0]
        self.title.setText(f"{title} &mdash; comparing, {pending:,} pairs to go" if pending else title)

    def _show_chosen(self, chosen: list[PairNode] | None, ordered: list[PairNode] | None = None) -> int:
        """Show the pairs a filter chose (None: every one; apply_filter, or a worker's
        match, compare_matching.py), ``ordered`` as the flat list orders them when
        worked out already; the row selected kept, or the first shown."""
        # A filter may hide it for a while (the first pair listed is selected meanwhile).
        keep = self._remembered if self._remembered is not None else self._selected_row()
        statuses = self._filter_parts()[1]
        shown = [STYLES[s][1] for s in self.summary if statuses and s in statuses]
        self.showing.setText(f"showing: {', '.join(shown)}" if shown else "")
        flat = self.by_change.isChecked()
        count = self.tree_model.show_chosen(chosen, flat, ordered)
        if flat:
            self.flat_model.show_rows()
        self._show_model(self.flat_model if flat else self.tree_model)
        filtered = bool(self.search.text().strip() or statuses)
        nothing = no_match(self.search.text(), "variables") if filtered and not count else ""
        for note in self.empty_notes:
            note.say(nothing)
        if self.by_change.isChecked():
            pass  # a list: nothing to open
        elif (self.search.text() or statuses) and count <= EXPAND_MATCHES:
            self.view_a.expandAll()
        else:
            self.expand_default()
        # The reset moved the current index without telling (no currentChanged): the row
        # kept is selected again, or the first shown, and the details told either way (a
        # hidden group's summary stayed in them, review 9).
        if keep is not None and not (self._select_taken(keep) if isinstance(keep, Pair) else self._select_node(keep)):
            self._select_first_shown(keep)
        if flat:
            # In a turn of its own (the refit's real 0 ms timer, the one a resize starts:
            # the list's scroll bar comes with its layout): at 200,000 pairs the sort and
            # the two trees' layouts take 80 ms of this turn, the fit 40 more (issue 11).
            self._refit.start()
        else:
            self.fit_columns()
        return count

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

    def filtering(self) -> bool:
        """Whether a filter, a status or the flat list is on (rows that follow the values)."""
        statuses = any(button.isChecked() for button in self.summary.values())
        return bool(self.search.text() or self.by_change.isChecked() or statuses)

    def _sides(self) -> list[tuple[QTreeView, dict[int, int], tuple[int, ...]]]:
        """Each tree with its columns' limits and the order they give way in."""
        return [(self.view_a, A_LIMITS, A_GIVE_WAY), (self.view_b, B_LIMITS, B_GIVE_WAY)]

    def _fit_in_a_turn(self) -> None:
        """The refit timer's turn: one tree's columns, the other's in the next turn
        (both in one turn took 60 ms of GUI CPU at 200,000 pairs, the busiest turn after
        the flat list's click), and neither in a turn with a step of the flat list's
        path depths (PathDepths.in_a_turn)."""
        if not self._to_fit:
            self._to_fit = self._sides()
        self.path_depths.in_a_turn(self._fit_next)

    def _fit_next(self) -> None:
        if not self._to_fit:  # fitted meanwhile (fit_columns)
            return
        view, limits, order = self._to_fit.pop(0)
        with repainted_once(view):
            self._fit(view, limits, order)
        if self._to_fit:
            self._refit.start()  # the other tree in the next turn

    def fit_columns(self) -> None:
        """Each tree's columns beside the names whole, or hidden; in a wide tree the
        names what they need and the rest empty after the last column (as the browse
        tree's). Each tree repainted once, only if a column changed (``repainted_once``)."""
        self._to_fit = []
        for view, limits, order in self._sides():
            with repainted_once(view):
                self._fit(view, limits, order)

    @staticmethod
    def _fit(view, limits: dict[int, int], order: tuple[int, ...]) -> None:
        stretch_names(view, True)  # measured as the name column usually is: stretching
        for column in limits:  # measured again at the width the tree has now
            view.setColumnHidden(column, False)
        measured = measure_columns(view, limits)  # once for what gives way and the widths
        shown = dict(limits)
        gave_way = columns_giving_way(view, limits, order, measured=measured)
        hide_columns(view, gave_way)  # not view.setColumnHidden: see hide_columns
        for column in gave_way:
            del shown[column]
        fit_columns(view, shown, spare_outliers=True, measured=measured)
        names_then_room(view, sum(view.columnWidth(c) for c in shown), measured.widest_name)

    def expand_default(self) -> None:
        """Open up to OPEN_DEPTH levels while the trees stay short (up to OPEN_ROWS
        rows): a Keras model's chain of single groups opens on its own, a list of
        20,000 blocks stays closed (counted without making its level)."""
        tree = self.model.tree
        if tree is None or tree.flat:
            return
        level, visible = [tree.root], len(tree.root.shown)
        for _depth in range(OPEN_DEPTH):
            following = [child for node in level for child in node.shown if child.has_shown()]
            added = sum(node.shown_count_up_to(OPEN_ROWS) for node in following)
            if not following or visible + added > OPEN_ROWS:
                return
            for node in following:
                self.view_a.expand(self.model.index_of(node))  # B's view follows (see _link)
            visible += added
            level = following

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
        # the groups above it (and A's follows, see _link).
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


OPEN_ROWS = 2000  # a comparison opens level after level while it shows fewer rows than this
OPEN_DEPTH = 3  # and no deeper than this (model > _functional > _operations: each layer a row)
EXPAND_MATCHES = 2000  # a filter with up to this many matches opens every group above them
