"""Where the comparison's tree shows a pair: its place (an optimizer slot under the
variable it belongs to, not in the optimizer's numbered lists), the names B gives a
place where a layer was renamed, and a Keras file's pairs in the model's order.
``ckpt-gui diff`` names pairs by the same places (:func:`shown_path_of`) and says which are slots.
"""

from __future__ import annotations

from collections.abc import Callable

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.format.conventions import OPTIMIZER_SLOT, VARIABLE_VALUE_SUFFIX
from ckpt_gui.core.views.key_levels import key_kind, key_names
from ckpt_gui.core.views.lazy_node import SLOT


class PairPaths:
    """Where the tree shows a pair: at its object path, except optimizer slots, which
    sit under the variable they belong to (``.../conv2/_kernel/momentum``) as in the
    single-checkpoint tree, rather than in the optimizer's numbered lists."""

    def __init__(self, diff: CheckpointDiff) -> None:
        self.graphs = {"a": diff.a.object_graph, "b": diff.b.object_graph}
        # A side's object graph cannot be read: the pairs were matched by key (review 15 M2),
        # and are named by the other side's graph when it reads (CheckpointDiff.names_from): A's
        # object paths for A's keys, on both sides, as the normal comparison of the same
        # files names them (review 16 #3: `optimizer > _trainable_variables > 0`, where the
        # user could not tell which layer changed). A pair the naming graph does not hold
        # (only in the unreadable side), or with neither graph readable, is laid out by its
        # key's own hierarchy, as browse shows such a checkpoint.
        self.by_key = bool(diff.graph_errors)
        self.named_by = diff.names_from
        # Each key's node and attribute in one dict look-up, made in bulk (attribute_of_key
        # makes an Attribute per call: 400,000 calls for 200,000 pairs); a key with a
        # suffix (a saveable's extra tensors) is not in it and takes attribute_of_key.
        self.nodes = {side: graph.node_of_key if graph is not None else {} for side, graph in self.graphs.items()}
        # Without an object graph (TF1), a slot is known by its key as the key view knows
        # it: each side's keys' paths, made when a key first may be a slot's.
        self.keyed = {"a": diff.a.keras is None, "b": diff.b.keras is None}
        self.sides = {"a": diff.a, "b": diff.b}
        self.key_paths: dict[str, set[str]] = {}

    def of(self, pair: Pair, side: str | None = None) -> tuple[str, str, bool]:
        """The pair's path in the tree (A's, or ``side``'s), its variable's TF1-style
        full name (for the layer hint; empty for slots and without an object graph),
        and whether it is an optimizer slot placed under its variable."""
        if side is None:
            side = "a" if pair.a is not None else "b"
        variable = pair.a if side == "a" else pair.b
        if self.by_key:
            named = self.named_by and (pair.a if self.named_by == "a" else pair.b)
            if not named or (pair.a is not None and pair.b is not None and pair.a.key != pair.b.key):
                return variable.key.removesuffix(VARIABLE_VALUE_SUFFIX), "", False
            side, variable = self.named_by, named  # the same key on both sides: one name
        graph = self.graphs[side]
        if graph is None:
            return variable.display_path, "", self.keyed[side] and self.is_key_slot(side, variable.key)
        found = self.nodes[side].get(variable.key) or graph.attribute_of_key(variable.key)
        if found is None:
            return variable.display_path, "", False
        link = graph.slots.get(found[0])
        owner = graph.paths(link.variable_node) if link is not None else None
        if not owner:
            return variable.display_path, found[1].full_name if link is None else "", False
        return "/".join((*owner[0], link.slot_name)), "", True

    def is_key_slot(self, side: str, key: str) -> bool:
        """Whether ``key`` of side "a" or "b" (a checkpoint without an object graph) is an
        optimizer slot's, as browse's key view tells (key_levels.key_kind): TF1's
        ``kernel/Adam_1`` under its variable's key, ``weights/part_0/Ftrl`` under one of
        its parts (older TensorFlow), a key under ``.OPTIMIZER_SLOT``. Without this the
        comparison took them for the model's parameters (its group totals counted them)."""
        path = key.removesuffix(VARIABLE_VALUE_SUFFIX)
        if not path.rpartition("/")[2][:1].isupper() and OPTIMIZER_SLOT not in path:
            return False  # most keys: a TF1 slot's name is capitalised (Adam_1, Ftrl)
        paths = self.key_paths.get(side)
        if paths is None:
            variables = self.sides[side].variables
            paths = self.key_paths[side] = {v.key.removesuffix(VARIABLE_VALUE_SUFFIX) for v in variables}
        return key_kind(key_names(path), paths.__contains__) == SLOT


def shown_path_of(diff: CheckpointDiff) -> Callable[[Pair], str]:
    """Where the app's comparison shows a pair: its object path, an optimizer slot
    under its variable (``.../4/gamma/velocity``, not ``optimizer/_velocities/4``);
    for ``ckpt-gui diff``, which names pairs as the app does."""
    of = PairPaths(diff).of
    return lambda pair: of(pair)[0]


def b_side_names(
    leaves: list, paths: PairPaths, hints: dict[tuple[str, ...], str]
) -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str]]:
    """B's own names where its paths differ from A's (the tree, of ``leaves``, the
    pairs' nodes, is laid out by A's paths): a renamed layer reads ``fc2`` on B's side, not ``dense2``. Leaves get
    theirs; groups' come back by their A path, with B's layer hints where B's
    variables name another layer.

    A group takes the name its B leaves give it at its depth; a leaf whose B path is
    not as deep as A's shows B's whole path instead. Most pairs have the same path
    on both sides: groups with one below keep their own name among the others."""
    votes: dict[tuple[str, ...], set[str]] = {}
    hints_b: dict[tuple[str, ...], str] = {}
    same: list = []
    of = paths.of
    for leaf in leaves:
        pair = leaf.pair
        if pair.a is None or pair.b is None:
            continue
        path_b, full_b, _slot = of(pair, "b")
        if hints and "/" in full_b:  # without layer hints (most TF2 checkpoints), nothing to do
            group = leaf.names[:-1]
            if hints.get(group) and (layer_b := full_b.split("/")[-2]) != hints[group]:
                hints_b[group] = layer_b
        if path_b == leaf.tree_path:
            same.append(leaf)
            continue
        names_b = path_b.split("/")
        if len(names_b) != len(leaf.names):
            leaf.name_b = leaf.tree_path_b = path_b
            continue
        leaf.name_b, leaf.tree_path_b = names_b[-1], path_b
        for depth in range(1, len(names_b)):
            votes.setdefault(leaf.names[:depth], set()).add(names_b[depth - 1])
    if votes:  # rare (renames): which voted groups also hold a pair whose B path is A's
        for leaf in same:
            for depth in range(1, len(leaf.names)):
                if leaf.names[:depth] in votes:
                    votes[leaf.names[:depth]].add(leaf.names[depth - 1])
    names = {group: " | ".join(sorted(b)) for group, b in votes.items() if b != {group[-1]}}
    return names, hints_b


def rank_by_model(leaves: list, diff: CheckpointDiff) -> None:
    """A Keras file's pairs (``leaves``, their nodes, each given a ``rank``) in the
    model's order (``hidden``, ``bn``, ``out``; kernel before bias; the optimizer's own
    variables after), as the browse tree shows it (tree_build.keras_tree), not by
    name (review: ``adam``, ``bn``, ``hidden``, ``out``).
    A's order; B's for a pair only in B when B is a Keras file too."""
    orders = {}
    for side in ("a", "b"):
        keras = getattr(diff, side).keras
        if keras is not None:
            orders[side] = (keras, {key: rank for rank, key in enumerate(keras.model_order())})
    if not orders:
        return
    for leaf in leaves:
        side = next((s for s in orders if getattr(leaf.pair, s) is not None), None)
        if side is None:
            leaf.rank = 1 << 30  # after every ranked one
            continue
        keras, ranks = orders[side]
        key = getattr(leaf.pair, side).key
        owner = keras.name(key).owner  # an optimizer slot sorts as its variable does
        leaf.rank = ranks.get(owner if owner is not None else key, len(ranks))
