"""The comparison as a tree: the union of both checkpoints' paths, one row per pair.

Both sides of the side-by-side view show this one tree, so their rows line up by
construction: a variable present on one side only leaves a blank row on the other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.tree import NodePaths, hint_layer, natural_key, prune_hints, show_with_ancestors

# How much a status says "look here": the flat list sorts by this, then by change.
_URGENCY = {
    DiffStatus.SHAPE_CHANGED: 0,
    DiffStatus.DTYPE_CHANGED: 1,
    DiffStatus.ONLY_A: 2,
    DiffStatus.ONLY_B: 3,
    DiffStatus.CHANGED: 4,
    None: 5,
    DiffStatus.SAME: 6,
}


@dataclass(eq=False, slots=True)
class PairNode(NodePaths):
    name: str
    parent: PairNode | None = None
    pair: Pair | None = None
    children: list[PairNode] = field(default_factory=list)
    shown: list[PairNode] = field(default_factory=list)
    row: int = 0
    tree_path: str = ""  # a pair's place in the tree, which the filter matches too
    hint: str = ""  # a readable name where the path has none (a Keras 3 layer's name)
    # B's own names where they differ from A's (a renamed layer): each side shows its own.
    name_b: str = ""
    hint_b: str = ""
    tree_path_b: str = ""

    def side_name(self, side: str) -> str:
        """The name side "a" or "b" gives this row."""
        return (self.name_b or self.name) if side == "b" else self.name

    def side_hint(self, side: str) -> str:
        return (self.hint_b or self.hint) if side == "b" and self.hint else self.hint

    def side_path(self, side: str) -> str:
        """The pair's path as side "a" or "b" has it (the flat list shows it)."""
        return (self.tree_path_b or self.tree_path) if side == "b" else self.tree_path

    def pairs(self) -> Iterator[Pair]:
        for node in self.walk():
            if node.pair is not None:
                yield node.pair


class PairTree:
    def __init__(self, diff: CheckpointDiff) -> None:
        self.diff = diff
        self.root = PairNode("")
        self.leaves: list[PairNode] = []
        self.flat = False
        # The first node at each path made so far (a group, or a variable, which holds
        # its optimizer slots): most pairs find their parent in one look-up (200,000
        # variables under 20,000 blocks), not one per level.
        nodes: dict[str, PairNode] = {"": self.root}

        def node_at(path: str) -> PairNode:
            found = nodes.get(path)
            if found is None:
                parent_path, _, name = path.rpartition("/")
                parent = node_at(parent_path)
                found = nodes[path] = PairNode(name, parent)
                parent.children.append(found)
            return found

        paths = _TreePaths(diff)
        for pair in diff.pairs:
            path, full_name = paths.of(pair)
            leaf = nodes.get(path)
            if leaf is None or leaf.pair is not None:  # new, or two pairs at one path: keep both rows
                parent_path, _, name = path.rpartition("/")
                parent = node_at(parent_path)
                leaf = PairNode(name, parent)
                parent.children.append(leaf)
                nodes.setdefault(path, leaf)
            leaf.pair, leaf.tree_path = pair, path
            self.leaves.append(leaf)
            if full_name:
                hint_layer(leaf, full_name)
        prune_hints(self.root)
        _name_b_side(self.leaves, paths)
        self._path_of = {id(leaf.pair): leaf.tree_path for leaf in self.leaves}
        # What the group rows say, kept up to date instead of counted on each repaint
        # (a group's texts covered every pair below it: 200,000 for a large model's root).
        self._sides = {"a": _marked_ancestors(self.leaves, "a"), "b": _marked_ancestors(self.leaves, "b")}
        self._counts: dict[int, Counter] = {}
        self._counted = 0  # the leaves before this one are in the counts
        # Statuses known without values (only in A, shape changed) count from the start.
        self._early = {id(leaf) for leaf in self.leaves if leaf.pair.status is not None}
        for leaf in self.leaves:
            if id(leaf) in self._early:
                self._count(leaf)
        self.count_compared()
        for node in nodes.values():
            if len(node.children) > 1:
                node.children.sort(key=_name_order)
        self.apply_filter(None)

    def apply_filter(self, accept: Callable[[Pair, str], bool] | None, flat: bool = False) -> int:
        """Show the pairs ``accept`` takes, in the tree or (``flat``) as one list with
        the largest changes first; returns how many pairs are shown."""
        self.flat = flat
        chosen = self.leaves if accept is None else [leaf for leaf in self.leaves if accept(leaf.pair, leaf.tree_path)]
        if flat:
            for node in self.root.walk():
                node.shown = []
            self.root.shown = sorted(chosen, key=_change_order)
            for row, leaf in enumerate(self.root.shown):
                leaf.row = row
        elif accept is None:  # everything: no set of ancestors to make
            for node in self.root.walk():
                node.shown = node.children
                for row, child in enumerate(node.children):
                    child.row = row
        else:
            show_with_ancestors(self.root, chosen)
        return len(chosen)

    def count_compared(self) -> None:
        """Add the pairs compared since the last call to their groups' counts. The
        comparison goes through the pairs in order; a pair compared out of turn (the
        one selected) or known from the start (only in A) is added when its turn comes."""
        leaves, i = self.leaves, self._counted
        while i < len(leaves) and leaves[i].pair.status is not None:
            if id(leaves[i]) not in self._early:
                self._count(leaves[i])
            i += 1
        self._counted = i

    def _count(self, leaf: PairNode) -> None:
        node, counts, status = leaf.parent, self._counts, leaf.pair.status
        while node is not None:
            found = counts.get(id(node))
            if found is None:
                found = counts[id(node)] = Counter()
            found[status] += 1
            node = node.parent

    def statuses_below(self, node: PairNode) -> Counter:
        """The statuses of the pairs below ``node`` counted so far (see count_compared)."""
        return self._counts.get(id(node), Counter())

    def has_side(self, node: PairNode, side: str) -> bool:
        """Whether anything under ``node`` exists in checkpoint ``side`` ("a" or "b")."""
        return id(node) in self._sides[side]

    def path_of(self, pair: Pair) -> str:
        """Where the tree shows ``pair`` (its object path, or under its variable)."""
        return self._path_of.get(id(pair), pair.path)

    def parent_of(self, node: PairNode) -> PairNode | None:
        """The node's parent as shown (the root in the flat list)."""
        if node.parent is None:
            return None
        return self.root if self.flat else node.parent


_natural_key = lru_cache(maxsize=1 << 16)(natural_key)  # names repeat: kernel, bias, 0, 1...


def _name_order(node: PairNode) -> tuple:
    return _natural_key(node.name)


class _TreePaths:
    """Where the tree shows a pair: at its object path, except optimizer slots, which
    sit under the variable they belong to (``.../conv2/_kernel/momentum``) as in the
    single-checkpoint tree, rather than in the optimizer's numbered lists."""

    def __init__(self, diff: CheckpointDiff) -> None:
        self.graphs = {"a": diff.a.object_graph, "b": diff.b.object_graph}

    def of(self, pair: Pair, side: str | None = None) -> tuple[str, str]:
        """The pair's path in the tree (A's, or ``side``'s), and its variable's
        TF1-style full name (for the layer hint; empty for slots and without an
        object graph)."""
        if side is None:
            side = "a" if pair.a is not None else "b"
        variable = pair.a if side == "a" else pair.b
        graph = self.graphs[side]
        found = graph.attribute_of_key(variable.key) if graph is not None else None
        if found is None:
            return variable.display_path, ""
        link = graph.slots.get(found[0])
        owner = graph.paths(link.variable_node) if link is not None else None
        if not owner:
            return variable.display_path, found[1].full_name if link is None else ""
        return "/".join((*owner[0], link.slot_name)), ""


def _name_b_side(leaves: list[PairNode], paths: _TreePaths) -> None:
    """B's own names on the rows of pairs whose B path differs from A's (the tree is
    laid out by A's paths): a renamed layer reads ``fc2`` on B's side, not ``dense2``.

    A group takes the name its B leaves give it at its depth; a leaf whose B path is
    not as deep as A's shows B's whole path instead. Most pairs have the same path
    on both sides: they only mark their groups as keeping their name there."""
    votes: dict[int, tuple[PairNode, set[str]]] = {}
    same_below: set[int] = set()  # groups with a pair below whose B path is A's
    for leaf in leaves:
        pair = leaf.pair
        if pair.a is None or pair.b is None:
            continue
        path_b, full_b = paths.of(pair, "b")
        node = leaf.parent
        if path_b == leaf.tree_path:
            _hint_b(node, full_b)
            while node is not None and id(node) not in same_below:
                same_below.add(id(node))
                node = node.parent
            continue
        parts_a, parts_b = leaf.tree_path.split("/"), path_b.split("/")
        if len(parts_a) != len(parts_b):
            leaf.name_b = leaf.tree_path_b = path_b
            continue
        leaf.name_b, leaf.tree_path_b = parts_b[-1], path_b
        _hint_b(node, full_b)
        depth = len(parts_b) - 2
        while node is not None and node.parent is not None and depth >= 0:
            votes.setdefault(id(node), (node, set()))[1].add(parts_b[depth])
            node, depth = node.parent, depth - 1
    for node, names in votes.values():
        if id(node) in same_below:
            names.add(node.name)
        if names != {node.name}:
            node.name_b = " | ".join(sorted(names))


def _marked_ancestors(leaves: list[PairNode], side: str) -> set[int]:
    """The nodes with a variable of ``side`` below them (each walk up stops at a node
    already marked)."""
    marked: set[int] = set()
    for leaf in leaves:
        if (leaf.pair.a if side == "a" else leaf.pair.b) is None:
            continue
        node = leaf.parent
        while node is not None and id(node) not in marked:
            marked.add(id(node))
            node = node.parent
    return marked


def _hint_b(group: PairNode | None, full_name_b: str) -> None:
    """B's layer name on a hinted group where B's variable names another layer."""
    if group is not None and group.hint and "/" in full_name_b:
        layer_b = full_name_b.split("/")[-2]
        if layer_b and layer_b != group.hint:
            group.hint_b = layer_b


def pair_filter(query: str = "", statuses: set[str] | None = None) -> Callable[[Pair, str], bool] | None:
    words = query.lower().split()
    if not words and statuses is None:
        return None

    def accept(pair: Pair, tree_path: str = "") -> bool:
        if statuses is not None and pair.status not in statuses:
            return False
        path_b = pair.b.display_path if pair.b is not None else None
        text = "\n".join(filter(None, [tree_path, pair.path, path_b, pair.key, pair.key_b])).lower()
        return all(word in text for word in words)

    return accept


def _change_order(leaf: PairNode) -> tuple:
    pair = leaf.pair
    rel = pair.values.rel_l2 if pair.values is not None and pair.values.rel_l2 is not None else 0.0
    return (_URGENCY.get(pair.status, 5), -rel, pair.path)
