"""The variable tree's filter applied: the words typed (on a worker for a large
tree), the dtype, NaN/Inf, restore-status and subtree filters, the rows that match
shown (all open when few), and the default expansion."""

from __future__ import annotations

from ckpt_gui.app.widgets.tree_filtering import among, every_row, is_large, under
from ckpt_gui.app.widgets.view_note import no_match
from ckpt_gui.core.formatting import OBJECT_GRAPH_NOTE
from ckpt_gui.core.views.tree import DEFAULT_OPEN_ROWS, TreeNode, default_open, variable_filter

ALL_DTYPES = "All dtypes"
EXPAND_ROWS = DEFAULT_OPEN_ROWS  # default expansion opens levels while fewer rows than this show
EXPAND_MATCHES = 400  # a filtered tree with at most this many matches opens fully


class TreeMatches:
    """Mixed into TreePanel: filters its ``tree`` into its ``model``; the controls
    (``search``, ``dtype_box``, ``nan_box``, ``subtree_chip``) and ``filtering`` (the
    background filter) are the panel's."""

    def set_status_filter(self, statuses: set[str] | None) -> None:
        self.statuses = statuses
        self.refilter()

    def filter_to(self, node: TreeNode | None) -> None:
        """Show only what is under ``node`` (None: everything again)."""
        self.lifted_subtree = None  # the user's own choice: none comes back with a view
        self.subtree = node if node is not None and self.tree is not None and node is not self.tree.root else None
        self.subtree_chip.setVisible(self.subtree is not None)
        if self.subtree is not None:
            self.subtree_chip.set_path(self.subtree.path)
        self.refilter()

    def refilter(self) -> None:
        """A filter changed (a subtree, the dtype, NaN/Inf, the statuses): a large tree is
        filtered on a worker as typing is (a subtree of 200,000 variables held the GUI
        thread 1.5 to 2.5 s under its menu, review 25), a small one at once."""
        if is_large(self.tree):
            self._filtering = True  # Down from the filter box waits for it (see _into_results)
            self._filter_in_background()
        else:
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
        self.subtree = self.lifted_subtree = None
        self.subtree_chip.hide()
        for widget in (self.dtype_box, self.nan_box):
            widget.blockSignals(True)
        # The field's signals not blocked: its clear button hides on its textChanged, and
        # stayed shown after Escape emptied it (review 8); _on_text leaves this to the filter below.
        self._clearing_text = True
        try:
            self.search.clear()
        finally:
            self._clearing_text = False
        self.dtype_box.setCurrentIndex(0)
        self.nan_box.setChecked(False)
        for widget in (self.dtype_box, self.nan_box):
            widget.blockSignals(False)
        self.apply_filter()
        if self.view.currentIndex().isValid():
            self.view.scrollTo(self.view.currentIndex())

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

    def _other_filters(self) -> tuple[str, ...]:
        """The filters on beside the words typed, as the empty tree's note names them."""
        dtype = self.dtype_box.currentText()
        return tuple(
            part
            for part, on in (
                # Typed for the checkpoint open before: "velo" over another checkpoint's
                # empty tree read as this one's answer (review 24).
                ("the text kept from the checkpoint before", self.text_kept),
                (f"dtype {dtype}", bool(dtype) and dtype != ALL_DTYPES),
                ("NaN/Inf only", self.nan_box.isChecked()),
                (f"under {self.subtree.path}" if self.subtree is not None else "", self.subtree is not None),
            )
            if on
        )

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
        # Nothing matched: said in the rows' place, not only by "0 of 5" above an empty tree.
        # Not by the count of variables: the object graph's row (a string, dtype string) is
        # no variable and showed above "No variables match" (review 26 #12).
        nothing = chosen is not None and not chosen
        self.empty_note.say(no_match(self.search.text(), "variables", self._other_filters()) if nothing else "")
        if chosen is not None:
            # A variable holding a matched optimizer slot is shown with it, and its groups count
            # it ("dnn 20 of 20" for 10 matched slots): said beside the matches, the rows agree.
            holders = view.holders if view is not None else 0
            more = f" ({count + holders:,} shown)" if holders else ""
            self.count_label.setText(f"{count:,} of {total:,}{more}", f"{count:,} of {total:,}", f"{count:,}")
        else:  # narrow, it says less rather than losing its start ("bles + 2 model only")
            # The object graph's row named, not counted: "27 variables" over 28 rows read
            # as a miscount beside inspect's 28 tensors (review 17); inspect says it alike.
            # Narrow, "variables" is shortened first: at 1024 px about 150 px are left, the
            # whole (167 px) did not fit and the note went (review 22 #25); "vars + object
            # graph" fits. Not "+ graph": the Graph tab is the model's graph (review 19 F8).
            # Narrower still the note goes, then the word (the tooltip says the whole).
            graph = OBJECT_GRAPH_NOTE if tree.has_object_graph else ""
            variables = f"{tree.variable_total:,}"
            short = f"{variables} vars{graph}{only}" if graph else ""
            forms = dict.fromkeys(f for f in (f"{variables} variables{graph}{only}", short,
                                              f"{variables} variables{only}") if f)  # fmt: skip
            self.count_label.setText(*forms, f"{variables}{only}", variables)
        self._forget_opened()
        self._all_open = chosen is not None and count <= EXPAND_MATCHES
        if self._all_open:
            self.view.expandAll()
        else:
            self.expand_default()
            self._open_subtree()
        self._automatic = True  # not the user's pick: the row they picked stays the one to come back to
        try:
            self._reselect(keep, group, chosen is not None)
        finally:
            self._automatic = False
        return count

    def _open_subtree(self) -> None:
        """The subtree filtered to, opened: what it holds is what the user asked to see
        (an open, selected group filtered to came back closed, review 26 #10)."""
        subtree = self.subtree
        if subtree is None or not self.model.is_shown(subtree) or not subtree.has_children():
            return
        self.model.reveal(subtree)
        chain = []  # it and the groups above it, opened from the top
        node = subtree
        while node is not None and node.parent is not None:
            chain.append(node)
            node = node.parent
        for node in reversed(chain):
            self.view.expand(self.model.index_of(node))

    def _reselect(self, keep: str | None, group: TreeNode | None, filtered: bool) -> None:
        """After a filter: the row the user picked last, when shown (Escape brings back
        the one selected before the filter), else the row selected, else, the filter
        hiding it, the first match; with none, the panels are told nothing is selected
        (review: the row of '4 · norm' gone, Details still described it)."""
        picked = self._picked if self._in_tree(self._picked) else None
        if picked is not None and self.model.is_shown(picked) and self.select_node(picked):
            return
        if keep is not None and self.select_key(keep):
            return
        if group is not None and group.variable is None and self.model.is_shown(group):
            # Selected again (the reset lost it): its histogram is then made again, over
            # what the filter shows now, as when a group is selected after filtering.
            self.select_node(group)
            return
        if keep is None and group is None:
            return  # nothing was selected: nothing to move (and no level made to find a match)
        first = self._first_match() if filtered else None
        if first is not None:
            self.view.setCurrentIndex(first)
        else:  # the reset said nothing: it was selected
            self.node_selected.emit(None)

    def _in_tree(self, node: TreeNode | None) -> bool:
        """Whether ``node`` is one of the tree shown (not of one shown before)."""
        tree = self.tree
        while node is not None and node.parent is not None:
            node = node.parent
        return node is not None and tree is not None and node is tree.root

    def expand_default(self) -> None:
        """Open level after level while the tree stays short (core's ``default_open``)."""
        self.view.collapseAll()
        if self.tree is None:
            return
        for node in default_open(self.tree, EXPAND_ROWS):
            self.view.expand(self.model.index_of(node))

    def _on_text(self, _text: str) -> None:
        self.text_kept = False
        if getattr(self, "_clearing_text", False):  # clear_filter filters once, for all it cleared
            return
        if is_large(self.tree):
            self.filtering.typed()  # what a worker finds for the text before is not shown
            self._filtering = True
            self._say_filtering()
        else:
            self.apply_filter()

    def _fill_dtypes(self) -> None:
        self.dtype_box.blockSignals(True)
        self.dtype_box.clear()
        self.dtype_box.addItem(ALL_DTYPES)
        tree = self.trees.get("objects")  # the same variables as the key view, which may not be built yet
        if tree is not None:
            self.dtype_box.addItems(tree.dtype_names)
        self.dtype_box.blockSignals(False)
