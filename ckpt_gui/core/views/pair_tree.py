"""The comparison as a tree: the union of both checkpoints' paths, one row per pair.

Both sides of the side-by-side view show this one tree, so their rows line up by
construction: a variable present on one side only leaves a blank row on the other.

Its levels are made when first shown, as the browse tree's are
(core/views/lazy_node.py): building it makes one node per pair and the root; a
group's children are made when the view expands it, or a filter or a selection
reaches a pair under it. What a group row says is never a walk over the pairs below
it (200,000 under a large model's root): the pairs are numbered in path order, so a
group's pairs are one run of numbers, and its counts by status are a ``bincount``
of that run of an array the comparison fills as pairs get compared.

That array is what every row, group, count and filter of the comparison goes by (a
pair's status as the tree has counted it, ``status_of``), never the pair's own
``status``, which the comparing jobs set on their threads at any moment: so a group's
counts and the rows below it, the summary and the header agree at every moment
(review, issue 11: a group said "3 changed" while the rows under it said otherwise).

The codes, counting, filter and flat order are in pair_statuses.py; where a pair is
placed (slots under their variable, B's names, a Keras model's order) in pair_paths.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.statuses import NONFINITE, DiffStatus
from ckpt_gui.core.views.lazy_node import GROUP, SLOT, VARIABLE, TreeNode, place, root_of
from ckpt_gui.core.views.lazy_node import leaf as variable_leaf
from ckpt_gui.core.views.pair_flat import FlatList
from ckpt_gui.core.views.pair_paths import PairPaths, b_side_names, rank_by_model
from ckpt_gui.core.views.pair_search import PairSearch
from ckpt_gui.core.views.pair_shown import PairShown, chosen_mask, pair_shown
from ckpt_gui.core.views.pair_statuses import (
    STATUS_CODES,
    change_of,
    status_from_code,
    statuses_of,
    tree_ranks,
)
from ckpt_gui.core.views.tree import hint_group, pruned_hints
from ckpt_gui.core.views.tree_filter import LazyShown


class PairNode(TreeNode):
    """A group, or a pair's row (a leaf, which may hold the pair's optimizer slots)."""

    __slots__ = ("pair", "tree_path", "name_b", "tree_path_b", "order", "span")

    def __init__(
        self,
        name: str,
        parent: PairNode | None = None,
        variable=None,
        kind: str = GROUP,
        hint: str = "",
        status=None,
        finding=None,
    ) -> None:  # fmt: skip (TreeNode's: lazy_node makes groups of this class)
        super().__init__(name, parent, variable, kind, hint, status, finding)
        self._set_pair_slots(None, "")

    def _set_pair_slots(self, pair: Pair | None, tree_path: str) -> None:
        """PairNode's own slots (TreeNode's are set by TreeNode.__init__ or lazy_node.leaf)."""
        self.pair = pair
        self.tree_path = tree_path  # a pair's place in the tree, which the filter matches too
        # B's own names where they differ from A's (a renamed layer): each side shows its own.
        self.name_b = ""
        self.tree_path_b = ""
        self.order = -1  # a pair's number in path order (a group's pairs are a run of them)
        self.span: tuple[int, int] | None = None  # the run of pair numbers below a node, once asked

    def side_path(self, side: str) -> str:
        """The pair's path as side "a" or "b" has it (the flat list shows it)."""
        return (self.tree_path_b or self.tree_path) if side == "b" else self.tree_path

    def pairs(self) -> Iterator[Pair]:
        for node in self.leaves():
            yield node.pair


class PairTree:
    def __init__(self, diff: CheckpointDiff, progress: Callable[[int, int], None] | None = None) -> None:
        """``progress(done, total)``: the pairs given their place so far (seconds at 200,000)."""
        self.diff = diff
        self.flat = False
        # The comparison stopped on an error before every pair was compared: those left
        # are "not compared", no longer "comparing" (review 14: they said so for good).
        self.stopped = False
        with gc_paused():  # a node per pair, no cycles to collect
            self.leaves, hints = _leaves(diff, progress)
            rank_by_model(self.leaves, diff)  # Keras files: layers in the model's order, as the browse tree
            self.root = root_of(self.leaves, pruned_hints(hints), PairNode(""))
        # The pairs in path order: a group's pairs are the run of numbers its span gives.
        ordered = self.ordered = self.root.pending or []  # never changed: read by the group summaries' jobs
        for order, leaf in enumerate(ordered):
            leaf.order = order
        self.root.span = (0, len(ordered))
        self._leaf_of = {id(leaf.pair): leaf for leaf in self.leaves}
        self._orders = [leaf.order for leaf in self.leaves]  # diff.pairs' order -> path order
        self._codes = np.zeros(len(ordered), dtype=np.int8)  # each pair's status code, 0 until known
        self._changes = np.zeros(len(ordered))  # and its change as the flat list sorts by (change_of)
        # Each pair's place in the tree's natural order, where the flat list's ties go: made
        # here, off the GUI thread, so that a flat list is a sort of numbers (change_ranks).
        self._ranks = np.empty(len(ordered), dtype=np.int64)
        self._order_array = np.array(self._orders, dtype=np.intp)
        self._ranks[self._order_array] = tree_ranks(self.leaves)
        self._counted = 0  # the pairs before this one (in diff.pairs' order) are in the codes
        self._early: set[PairNode] = set()  # pairs compared out of turn, not in the codes yet
        for leaf in self.leaves:  # statuses known from the index (only in A, shape changed)
            if leaf.pair.status is not None:
                self._take(leaf.order, leaf.pair)
        # Prefix sums of "has a variable of this side": whether a group exists on a side.
        self._sides = {
            side: np.concatenate(([0], np.cumsum([getattr(leaf.pair, side) is not None for leaf in ordered])))
            for side in ("a", "b")
        }
        self._names_b, self._hints_b = b_side_names(self.leaves, PairPaths(diff), self.root.hints)
        # What a filter chooses, and the flat list's order: worked out on a worker for a large comparison.
        self.search = PairSearch(self.leaves, self._order_array, self._codes, self._changes, self._ranks)
        self.flat_list: FlatList | None = None  # the flat list shown (while ``flat``): its rows' nodes and numbers
        self.count_compared()
        self.apply_filter(None)

    def apply_filter(
        self,
        accept: Callable[[Pair, str], bool] | list[PairNode] | None,
        flat: bool = False,
        ordered: FlatList | None = None,
        shown: PairShown | None = None,
    ) -> int:
        """Show the pairs ``accept`` takes (or the pairs chosen already: ``search``'s
        ``matching``, on a worker for a large comparison; None: every pair), in the
        tree or (``flat``) as one list with the largest changes first (``ordered``:
        ``search.flat_order``'s, when worked out already); returns how many pairs are
        shown. ``shown``: pair_shown's of the chosen pairs, when worked out already (on
        the worker). No level is made here: the tree's rows are made as the view reads
        them (a broad filter made 20,000 levels in one GUI turn, issue 11)."""
        self.flat = flat
        if callable(accept):
            status_of = self.status_of
            accept = [leaf for leaf in self.leaves if accept(leaf.pair, leaf.tree_path, status_of(leaf))]
        chosen = accept
        self._chosen = None  # the pairs shown, by number in path order (None: all)
        every = chosen is None or len(chosen) == len(self.leaves)
        if chosen is not None:
            if shown is None and (flat or every):  # no paths kept needed
                shown = PairShown(chosen_mask(chosen, len(self.ordered)), None)
            elif shown is None:
                shown = pair_shown(chosen, len(self.ordered))
            self._chosen = shown.mask
        self.flat_list = None
        if flat:
            # The root's list only: the levels made below it keep theirs, never read while
            # the list is shown (its rows have none), each set anew when the tree is shown
            # again (below). Each pair's row comes with the list, an array (pair_flat.py).
            flat_list = ordered if ordered is not None else self.search.flat_order(chosen, self._chosen)
            self.flat_list, self.root.shown = flat_list, flat_list.nodes
        elif every:
            # Each level made so far shows all, and so will the later ones; a filter
            # choosing every pair (the first letter typed, often) too: the same rows,
            # without making every level of 200,000 pairs (4.5 s of the GUI thread).
            for node in self.root.built_nodes():
                node.shown = None
                for row, child in enumerate(node._children):
                    child.row = row
        else:
            # Only the root's list, made when first read; each kept node's as its
            # parent's rows are made (tree_filter.LazyShown). A node not kept is in no
            # list shown, so its own (an older filter's) is never read.
            self.root.shown = LazyShown(shown.view, self.root, ())
        return len(self.leaves) if chosen is None else len(chosen)

    def count_compared(self) -> bool:
        """Take the statuses of the pairs compared since the last call into the counts;
        whether any was. The comparison goes through the pairs in order (followed
        here without a walk over those counted before); a pair compared out of turn
        (the one selected, see compared_early) is taken as soon as its status is known,
        not when the comparison's turn comes (review, issue 11: its row said
        "comparing" while its details showed the result)."""
        pairs, codes, orders, i = self.diff.pairs, self._codes, self._orders, self._counted
        while i < len(pairs) and pairs[i].status is not None:
            self._take(orders[i], pairs[i])
            i += 1
        taken = i > self._counted
        self._counted = i
        early = [leaf for leaf in self._early if leaf.pair.status is not None]
        for leaf in early:
            self._early.discard(leaf)
            taken = taken or not codes[leaf.order]
            self._take(leaf.order, leaf.pair)
        if taken or early:
            self.search.flat_orders.changed()  # the flat list's order kept is no longer theirs
        return taken

    def _take(self, order: int, pair: Pair) -> None:
        """A pair's status (known) into the counts, and its change into the flat list's order."""
        status = pair.status
        self._codes[order] = STATUS_CODES[status]
        self._changes[order] = change_of(pair, status)

    def compared_early(self, pair: Pair) -> None:
        """``pair`` is being (or was) compared out of turn: counted by the next
        count_compared once its status is known."""
        leaf = self._leaf_of.get(id(pair))
        if leaf is not None and not self._codes[leaf.order]:
            self._early.add(leaf)

    def counted(self, node: PairNode) -> bool:
        """Whether a pair's status is in the counts yet (see count_compared): its row
        shows it then, with its groups' counts and the header's, not before."""
        return node.order >= 0 and bool(self._codes[node.order])

    def status_of(self, node: PairNode) -> DiffStatus | None:
        """A pair's status as counted (None: still to compare, or a group): what its
        row, the filter and the flat list's order go by."""
        return status_from_code(self._codes[node.order]) if node.order >= 0 else None

    def known_below(self, node: PairNode) -> np.ndarray:
        """A copy of the counted statuses below ``node`` (in path order, from
        ``span(node)[0]``): what a job summing the group up reads, while the GUI thread
        goes on counting."""
        start, end = self.span(node)
        return self._codes[start:end].copy()

    def statuses_below(self, node: PairNode, shown: bool = False) -> Counter:
        """The statuses of the pairs below ``node`` known so far (see count_compared);
        ``shown``: of those the filter shows only. The pairs that had NaN/Inf appear or go
        away (change_of's infinite ones) are counted as NONFINITE, not as their status
        ("changed"): a group's row and the chips say it (review 12), and add up to the
        pairs (review 23 #12: "NaN/Inf 1 · same 1 · changed 14" for 15 pairs)."""
        infinite = self._below(self._changes, node, shown) == np.inf
        counts = statuses_of(self._codes_below(node, shown)[~infinite])
        nonfinite = int(np.count_nonzero(infinite))
        if nonfinite:
            counts[NONFINITE] = nonfinite
        return counts

    def pending_below(self, node: PairNode, shown: bool = False) -> int:
        """How many pairs below ``node`` (``shown`` by the filter) are not compared yet."""
        return int(np.count_nonzero(self._codes_below(node, shown) == 0))

    def filtered(self) -> bool:
        """Whether a filter chose the pairs shown."""
        return self._chosen is not None

    def shown_below(self, node: PairNode) -> tuple[int, int]:
        """How many pairs below ``node`` the filter shows, and how many there are."""
        start, end = self.span(node)
        shown = end - start if self._chosen is None else int(np.count_nonzero(self._chosen[start:end]))
        return shown, end - start

    def _codes_below(self, node: PairNode, shown: bool) -> np.ndarray:
        return self._below(self._codes, node, shown)

    def _below(self, values: np.ndarray, node: PairNode, shown: bool) -> np.ndarray:
        """``values`` (by pair number in path order) of the pairs below ``node`` (``shown``: and shown)."""
        start, end = self.span(node)
        below = values[start:end]
        return below[self._chosen[start:end]] if shown and self._chosen is not None else below

    def has_side(self, node: PairNode, side: str) -> bool:
        """Whether anything under ``node`` exists in checkpoint ``side`` ("a" or "b")."""
        start, end = self.span(node)
        return bool(self._sides[side][end] > self._sides[side][start])

    def span(self, node: PairNode) -> tuple[int, int]:
        """The pair numbers below ``node`` (its own included), from its leaves in path
        order: the first and last pending ones, or its children's spans; kept, as the
        pairs below a node never change."""
        if node.span is None:
            if node.row < 0:  # a pair not placed yet: its slots are still above it
                place(node)
            own = [] if node.pair is None else [(node.order, node.order + 1)]
            if node.pending:
                spans = [*own, (node.pending[0].order, node.pending[-1].order + 1)]
            else:
                spans = [*own, *(self.span(child) for child in node._children)]
            node.span = (min(s for s, _ in spans), max(e for _, e in spans)) if spans else (0, 0)
        return node.span

    def pairs_below(self, node: PairNode) -> list[PairNode]:
        """The pairs' nodes below ``node`` (its own included), in path order, from the
        list that never changes: a job may read them while the view makes levels."""
        start, end = self.span(node)
        return self.ordered[start:end]

    def leaf_of(self, pair: Pair) -> PairNode | None:
        return self._leaf_of.get(id(pair))

    def path_of(self, pair: Pair, side: str | None = None) -> str:
        """Where the tree shows ``pair`` (its object path, or under its variable); with
        ``side`` ("a" or "b"), where that side's tree shows it (B's names are A's when B's
        object graph cannot be read): an export of that side is named after it."""
        leaf = self._leaf_of.get(id(pair))
        if leaf is None:
            return pair.path
        return leaf.side_path(side) if side is not None else leaf.tree_path

    def side_paths(self, side: str) -> Iterator[str]:
        """The paths side "a" or "b" has, one per pair it holds (the flat list's rows)."""
        return (leaf.side_path(side) for leaf in self.leaves if getattr(leaf.pair, side) is not None)

    def parent_of(self, node: PairNode) -> PairNode | None:
        """The node's parent as shown (the root in the flat list)."""
        if node is self.root:
            return None
        return self.root if self.flat else node.parent

    def side_name(self, node: PairNode, side: str) -> str:
        """The name side "a" or "b" gives this row (B's own where a layer was renamed)."""
        if side == "a":
            return node.name
        if node.pair is not None or not self._names_b:
            return node.name_b or node.name
        return self._names_b.get(_names_of(node), node.name)

    def side_hint(self, node: PairNode, side: str) -> str:
        if side == "b" and node.hint and self._hints_b:
            return self._hints_b.get(_names_of(node), node.hint)
        return node.hint


def _leaves(
    diff: CheckpointDiff, progress: Callable[[int, int], None] | None = None
) -> tuple[list[PairNode], dict[tuple[str, ...], str]]:
    """A node per pair, in ``diff.pairs``' order, at its place in the tree (not placed
    yet), and the layer hints of the groups above them."""
    paths = PairPaths(diff)
    hints: dict[tuple[str, ...], str] = {}
    leaves = []
    of = paths.of
    total = len(diff.pairs)
    step = max(1, total // 100)  # a hundred reports at most
    for done, pair in enumerate(diff.pairs):
        if progress is not None and done % step == 0:
            progress(done, total)
        path, full_name, slot = of(pair)
        names = tuple(path.split("/"))
        leaves.append(_pair_leaf(pair, path, names, SLOT if slot else VARIABLE))
        if full_name:
            hint_group(hints, names, full_name)
    return leaves, hints


def _pair_leaf(pair: Pair, path: str, names: tuple[str, ...], kind: str) -> PairNode:
    """A pair's node, to be placed at ``names``, made as the browse tree's leaves are
    (lazy_node.leaf, without calling ``__init__``: 200,000 of them): its totals are
    those of the variable it shows (A's, else B's)."""
    node = variable_leaf(names, pair.a if pair.a is not None else pair.b, kind, node_class=PairNode)
    node._set_pair_slots(pair, path)
    return node


def _names_of(node: PairNode) -> tuple[str, ...]:
    """A made node's path as names (a group has none of its own)."""
    if node.names:
        return node.names
    names = []
    while node.parent is not None:
        names.append(node.name)
        node = node.parent
    return tuple(reversed(names))


def taken(tree: PairTree, leaf: PairNode) -> bool:
    """Whether ``tree``'s filter took ``leaf``'s pair: a pair the filter did not take is
    shown only above the slots it took (a changed kernel above its only-A Adagrad slot),
    as a group's row is: context, not a match."""
    return tree._chosen is None or bool(tree._chosen[leaf.order])  # noqa: SLF001 - the tree's own module
