"""What the comparison's details show for the row selected in its trees: a pair's
numbers at once and its histograms and heatmaps made on a worker, a group's summary
kept up with the pairs compared below it; and which pair is selected when the user
has not chosen one (the variable browse showed, the largest change once every pair is
compared, the other side of a moved variable)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ckpt_gui.app.job import JobContext
from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.analysis.value_comparison import compare_pair
from ckpt_gui.core.views.opening_pair import opening_pair
from ckpt_gui.core.views.pair_statuses import tree_order
from ckpt_gui.core.views.pair_tree import PairNode
from ckpt_gui.core.views.pair_view import PairView, group_view, pair_view, plane_pictures
from ckpt_gui.core.views.shown_names import renamed_tensors

if TYPE_CHECKING:  # pair_panel imports pyqtgraph: made (and imported) with the first comparison
    from ckpt_gui.core.views.planes import PlaneChoice


class SelectionShown:
    """Mixed into CompareController (its ``trees``, ``pair_panel``, ``diff``, ``moved``,
    ``runner``, ``banner`` and ``_bins``): the details follow the trees' selection."""

    def named(self, message: str, side: str | None = None) -> str:
        """``message`` (a read's error) with each tensor it names by key, A's or B's, named
        as the comparison's trees show its pair (``.../2/_kernel/momentum``, B's name on B's
        side), not by the key (``optimizer/_variables/6/.ATTRIBUTES/VARIABLE_VALUE``) browse's
        banners no longer show (review 21 #8). ``side`` ("A" or "B"): whose key it is first."""
        diff, trees = self.diff, self.trees
        if diff is None or trees is None or "tensor " not in message:
            return message
        tree = trees.model.tree
        sides = ("a", "b") if side is None else (side.lower(), "b" if side.lower() == "a" else "a")

        def name_of(key: str) -> str | None:
            for on in sides:  # one pass a side: only an error's keys are looked for
                pair = next((p for p in diff.pairs if getattr(p, on) is not None and getattr(p, on).key == key), None)
                if pair is not None:
                    return tree.path_of(pair, on)
            return None

        return renamed_tensors(message, name_of)

    # -- which pair is selected --------------------------------------------------------------

    def _select_wanted(self, diff: CheckpointDiff, wanted: str | None) -> None:
        """A comparison just shown opens on the pair of variable ``wanted`` (the one
        selected in browse, or "Compare this variable"'s), if it has one: not on the
        largest change (review 6: conv2's kernel selected, it opened on gamma)."""
        if wanted:
            chosen = next((p for p in diff.pairs if wanted in (p.a and p.a.key, p.b and p.b.key)), None)
            if chosen is not None:
                self._show_anyway(chosen)

    def _select_largest_change(self, diff: CheckpointDiff) -> None:
        """Every pair compared and none selected by the user: the largest change (else
        the first pair that differs)."""
        if self.trees.selected_pair() is not None or self.trees.touched:  # not away from where the user is
            return
        # The largest change of the model's own variables (review 10: not an optimizer's
        # [1] accumulator); ties as the flat list breaks them (the tree's natural order,
        # review 9: blocks/10004 before blocks/8).
        tree = self.trees.model.tree

        def order(pair: Pair):
            return tree_order(tree.leaf_of(pair))

        first = opening_pair(diff.pairs, order)
        if first is None:
            # Nothing changed in values (only shapes, or all the same): the first pair that
            # differs, else the first. `--compare` had opened on no pair at all ("Select a
            # pair...") where "Compare with previous" and a drop open on browse's variable
            # (review 20, G16).
            differing = [p for p in diff.pairs if p.status != "same"] or diff.pairs
            first = min(differing, key=order, default=None)
        if first is not None:
            self.trees.select_pair(first)

    def _jump_to(self, pair: Pair) -> None:
        """The other side of a moved variable, from its details' link or the summary's hint."""
        if self.trees is not None:
            self._show_anyway(pair)

    def _show_anyway(self, pair: Pair) -> None:
        """Select ``pair``, even if the filter (or the last comparison's) hides it: the
        chips and the filter box are cleared then."""
        if not self.trees.select_pair(pair):
            for button in self.trees.summary.values():
                button.setChecked(False)
            self.trees.search.clear()
            self.trees.select_pair(pair)

    def _show_moved(self, diff: CheckpointDiff) -> None:
        """The renames found, in the summary bar and in the details of the pairs they tie."""
        only_a = {p.a.key: p for p in diff.pairs if p.status == "only_a"}
        only_b = {p.b.key: p for p in diff.pairs if p.status == "only_b"}
        moves = [(only_a[r.key_a], only_b[r.key_b]) for r in diff.renames if r.key_a in only_a and r.key_b in only_b]
        self.moved = {id(a): b for a, b in moves} | {id(b): a for a, b in moves}
        self.trees.show_moved(moves)
        selected = self.trees.selected_pair()
        if selected is not None and id(selected) in self.moved:  # its details, with the hint
            self._on_pair_selected(selected)

    # -- what the details show -----------------------------------------------------------------

    def _on_pair_selected(self, pair: Pair | None) -> None:
        diff = self.diff
        self.pair_panel.show_pair(pair)
        if pair is None or diff is None:
            return
        bins = self._bins()
        self.trees.compared_early(pair)  # counted as soon as known, even if this job is replaced

        def build(context: JobContext):
            context.progress(0, 0)
            compare_pair(diff, pair, cancelled=context.cancelled)
            context.report(pair)  # its status, before the histograms and heatmaps are made
            return pair_view(diff, pair, bins, context.cancelled)

        def compared(_pair: Pair) -> None:  # its row, groups, summary and header at once
            if self.diff is diff:
                self.trees.compared_early(pair)

        def show(view) -> None:
            if self.diff is not diff:
                return
            if pair.unreadable:  # a shape change found unreadable as it was plotted: its rows' badge
                self.trees.model.repaint_rows()
            if self.trees.selected_pair() is pair:
                self.pair_panel.show_view(view)

        def failed(message: str, details: str) -> None:
            message = self.named(message) if self.diff is diff else message
            self.banner.show_message(message, "error", details)
            if self.diff is diff and self.trees.selected_pair() is pair:  # not "Computing..." for good
                self.pair_panel.show_failed(pair, message)

        # An already compared pair (its numbers shown already): only its plots are made.
        doing = "Comparing" if pair.needs_values else "Plotting"
        self.runner.submit("pair_view", build, show, failed, label=f"{doing} {pair.path}", on_partial=compared)

    def _on_plane_wanted(self, view: PairView, choice: PlaneChoice) -> None:
        """Another slice of a large pair (memory maps): read on a worker, a band at a
        time, in the selected pair's lane (another selection replaces it)."""

        def build(context: JobContext):
            context.progress(0, 0)
            return plane_pictures(view, choice, context.cancelled)

        def failed(message: str, details: str) -> None:
            message = self.named(message)
            self.banner.show_message(message, "error", details)
            self.pair_panel.plane_failed(view, choice, message)  # not "Reading slice..." for good

        self.runner.submit(
            "pair_view", build, lambda pictures: self.pair_panel.show_plane(view, choice, pictures),
            failed, label=f"Reading a slice of {view.pair.path}",
        )  # fmt: skip

    def _refresh_group(self) -> None:
        """A group's summary shown while pairs below it get compared: made again with
        the counts its row now shows (it kept those of when it was selected)."""
        current = self.trees.view_a.currentIndex()
        group = self.trees.model.node(current) if current.isValid() else None
        if group is not None and group.pair is None:
            self._on_group_selected(group, again=True)

    def _on_group_selected(self, node: PairNode, again: bool = False) -> None:
        """A group row: what changed below it and its largest changes, not plots (the
        values of different variables do not share a histogram). Made in a job: a
        model's root holds every pair. ``again``: made anew with the latest counts
        (the last summary stays meanwhile)."""
        tree = self.trees.model.tree
        if not again:
            self.pair_panel.show_group_pending(node.path)
        if tree is None:
            return
        known = tree.known_below(node)  # the counts its row shows now; the job only reads

        def build(context: JobContext):
            context.progress(0, 0)
            return group_view(tree, node, known)

        def show(view) -> None:
            current = self.trees.view_a.currentIndex()
            if self.trees.model.tree is tree and current.isValid() and self.trees.model.node(current) is node:
                self.pair_panel.show_group(view)

        self.runner.submit(
            "pair_view", build, show, lambda m, d: self.banner.show_message(m, "error", d),
            label="" if again else f"Summing up {node.path}",  # made again: no word in the status bar
        )  # fmt: skip
