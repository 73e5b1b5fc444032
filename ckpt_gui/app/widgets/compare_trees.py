"""The comparison's left half: a summary bar that filters, a filter box, and the
two synchronised trees (A and B) over one comparison model."""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt, Signal
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
    pending_word,
)
from ckpt_gui.app.models.flat_model import FlatPairModel
from ckpt_gui.app.row_menu import copy, pair_key, pair_menu
from ckpt_gui.app.widgets.compare_columns import (
    A_COLUMNS,
    B_COLUMNS,
    NumberFitted,
    SideTree,
    arrange_columns,
)
from ckpt_gui.app.widgets.compare_fitting import CompareFitting
from ckpt_gui.app.widgets.compare_matching import CompareMatching
from ckpt_gui.app.widgets.compare_selecting import OPEN_ROWS, CompareSelecting
from ckpt_gui.app.widgets.compare_summary import SummaryBar
from ckpt_gui.app.widgets.elided_names import names_first
from ckpt_gui.app.widgets.flat_paths import PathDepths, PathElided
from ckpt_gui.app.widgets.focus_ring import FocusRing
from ckpt_gui.app.widgets.keyboard_menu import KeyboardMenu
from ckpt_gui.app.widgets.side_heading import SideHeading
from ckpt_gui.app.widgets.view_note import ViewNote, no_match
from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.pair_tree import PairNode, PairTree


class CompareTrees(CompareSelecting, CompareFitting, CompareMatching, QWidget):
    """The summary bar, a filter (typing in a large comparison filters on a worker:
    compare_matching.py), and the two synchronised trees (the row they select, kept
    across filters, and what they tell the details: compare_selecting.py; their
    columns fitted: compare_fitting.py)."""

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
        self._forget_selected()  # the row kept across filters, and the one told (compare_selecting.py)
        self.touched = False  # the user expanded, collapsed, scrolled or selected since show_tree
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.search = QLineEdit(placeholderText="Filter pairs")
        self.search.setClearButtonEnabled(True)
        self.by_change = QCheckBox("Flat list, largest change first")
        self.summary_bar = SummaryBar()
        self.summary_bar.toggled.connect(lambda: self._on_choice())  # on a worker if large (compare_matching.py)
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
            heading = SideHeading(label)  # the name cut in its middle, never widening the window
            heading.setObjectName(f"side-{label}")
            box_layout.addWidget(heading)
            box_layout.addWidget(view)
            trees.addWidget(box)
        self.heading_a = trees.widget(0).findChild(SideHeading, "side-A")
        self.heading_b = trees.widget(1).findChild(SideHeading, "side-B")
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
        self._keys_into_tree()  # Down from the filter
        self.by_change.toggled.connect(lambda _on: self._on_choice())
        self.view_a.selectionModel().currentChanged.connect(self._on_current)
        # Escape (the filter cleared) is the window's: window_focus.bind_escape.
        for view, side in ((self.view_a, "A"), (self.view_b, "B")):
            self._add_row_menu(view, side)
        self._start_fitting()  # the columns fitted a tree per turn (compare_fitting.py)
        theme.follow(self)  # the muted notes in the views (a filter matching nothing)

    def _make_view(self, columns: tuple[int, ...], tree_column: int) -> QTreeView:
        view = SideTree()
        view.setModel(self.model)
        view.setUniformRowHeights(True)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # the flat model's cells say "editable"
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAllColumnsShowFocus(True)
        FocusRing(view)  # which tree has the keyboard: more than the selected row's shade (review 17, C)
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

    def show_tree(
        self,
        tree: PairTree,
        name_a: str,
        name_b: str,
        roles: tuple[str, str] = ("", ""),
        paths: tuple[str, str] = ("", ""),
    ) -> None:
        """``roles``: what A and B are ("before", "after"), when known; ``paths``: their
        whole paths, the headings' tooltips (the names are cut to fit)."""
        self.heading_a.set_side(roles[0], name_a, paths[0])
        self.heading_b.set_side(roles[1], name_b, paths[1])
        name_a, name_b = html.escape(name_a), html.escape(name_b)  # folder names are text, the title rich text
        self.title.setText(f"Comparing <b>{name_a}</b> with <b>{name_b}</b>")
        self._forget_selected()
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
        self.summary_bar.show_counts(counts, pending, pending_word(tree))
        self.fit_columns()  # the groups' status texts grow as pairs get compared
        title = self.title.text().split(" &mdash; ")[0]
        # Stopped: the count is the chip's below ("15 pairs not compared"), said once (review 15).
        going = "stopped" if tree is not None and tree.stopped else f"comparing, {pending:,} pairs to go"
        self.title.setText(f"{title} &mdash; {going}" if pending else title)

    def stop(self) -> None:
        """The comparison stopped on an error: the pairs compared so far counted, and
        those left called "not compared" in their rows, groups, chips and header."""
        tree = self.model.tree
        if tree is not None:
            tree.stopped = True
            tree.count_compared()
            self.model.refresh()
            self.update_summary()

    def resume(self) -> None:
        """The comparison goes on after a stop (``stop``): the pairs left are "to compare" again."""
        tree = self.model.tree
        if tree is not None and tree.stopped:
            tree.stopped = False
            self.model.refresh()
            self.update_summary()

    def _show_chosen(self, chosen: list[PairNode] | None, ordered: list[PairNode] | None = None, kept=None) -> int:
        """Show the pairs a filter chose (None: every one; apply_filter, or a worker's
        match, compare_matching.py), ``ordered`` as the flat list orders them when
        worked out already, ``kept`` what the tree shows of them (pair_shown's, from the
        worker's match); the row selected kept, or the first shown."""
        keep = self._row_to_keep()
        statuses = self._filter_parts()[1]
        shown = [STYLES[s][1] for s in self.summary if statuses and s in statuses]
        self.showing.setText(f"showing: {', '.join(shown)}" if shown else "")
        flat = self.by_change.isChecked()
        list_opened = flat and self.model is not self.flat_model
        count = self.tree_model.show_chosen(chosen, flat, ordered, kept)
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
        self._select_kept(keep)
        if list_opened:
            # The list just ticked opens at its top, the largest change first: scrolled to
            # the pair kept selected, the largest changes were above the top edge and the
            # first row seen read as the largest (review 17). The pair stays selected.
            for view in (self.view_a, self.view_b):
                view.scrollToTop()
        if flat:
            # In a turn of its own (the refit's real 0 ms timer, the one a resize starts:
            # the list's scroll bar comes with its layout): at 200,000 pairs the sort and
            # the two trees' layouts take 80 ms of this turn, the fit 40 more (issue 11).
            self._refit.start()
        else:
            self.fit_columns()
        return count

    def filtering(self) -> bool:
        """Whether a filter, a status or the flat list is on (rows that follow the values)."""
        statuses = any(button.isChecked() for button in self.summary.values())
        return bool(self.search.text() or self.by_change.isChecked() or statuses)

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


# expand_default opens level after level while the trees show fewer than OPEN_ROWS rows
# (compare_selecting.py's: a row inside a closed group of more is selected unseen)...
OPEN_DEPTH = 3  # and no deeper than this (model > _functional > _operations: each layer a row)
EXPAND_MATCHES = 2000  # a filter with up to this many matches opens every group above them
