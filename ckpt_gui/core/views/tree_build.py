"""Building a checkpoint's variable trees: the object view (from the TF2 object graph),
the key view (raw keys split on ``/``) and a Keras weights file's view. Each makes one
node per variable (a leaf); the levels above are made when first shown (lazy_node.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import compress, count, repeat
from operator import attrgetter, contains, getitem, itemgetter, or_

from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.format.conventions import OPTIMIZER_SLOT, VARIABLE_VALUE, VARIABLE_VALUE_SUFFIX
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.lock_slices import paced
from ckpt_gui.core.format.zero_entries import zeros_at_rest
from ckpt_gui.core.variable_columns import VariableColumns, rows
from ckpt_gui.core.views.key_levels import ROOT_NAME, KeyTree, keras_optimizer_lists, key_kind
from ckpt_gui.core.views.lazy_node import SLOT, VARIABLE, TreeNode, leaf
from ckpt_gui.core.views.tree_hints import Hints, graph_search_text, hint_group, pruned_hints
from ckpt_gui.core.views.variable_tree import VariableTree

PROGRESS_STEP = 10_000  # variables placed between two progress reports (a cancel is noticed there)
Progress = Callable[[int, int], None] | None  # (variables done, of how many); may raise to cancel
_FIRST_CHARACTER = slice(0, 1)


def object_tree(ckpt: Checkpoint, progress: Progress = None) -> VariableTree:
    """The object-graph view (falls back to the key view without an object graph)."""
    with gc_paused():  # a node per path component, no cycles to collect
        return _object_tree(ckpt, progress)


def _object_tree(ckpt: Checkpoint, progress: Progress) -> VariableTree:
    graph = ckpt.object_graph
    if graph is None:
        return key_tree(ckpt.variables, progress)
    leaves: list[TreeNode] = []
    hints: Hints = {}
    node_of_variable_node: dict[int, TreeNode] = {}
    slots: list[tuple[Variable, int, str, int]] = []
    for variable in _reporting(ckpt.variables, progress):
        found = graph.attribute_of_key(variable.key)
        link = graph.slots.get(found[0]) if found is not None else None
        if found is not None and link is not None and variable.object_paths[:1] != ():
            slots.append((variable, link.variable_node, link.slot_name, link.optimizer_node))
            continue
        node = leaf(tuple(_path_names(graph, found) or [variable.key]), variable)
        leaves.append(node)
        if found is not None:
            node_of_variable_node[found[0]] = node
            hint_group(hints, node.names, found[1].full_name)
    hints = pruned_hints(hints)  # before the slots, whose hints are shared on purpose
    placed: dict[str, list[int]] = {}  # an optimizer's path -> its slots placed under their variables
    for variable, owner_node, slot_name, optimizer_node in paced(slots):
        owner = node_of_variable_node.get(owner_node)
        if owner is None:  # the variable it belongs to is not in the checkpoint
            names = _path_names(graph, graph.attribute_of_key(variable.key)) or [variable.key]
            leaves.append(leaf(tuple(names), variable))
            continue
        optimizer = graph.paths(optimizer_node)
        node = leaf((*owner.names, slot_name), variable, SLOT, "/".join(optimizer[0]) if optimizer else "")
        leaves.append(node)
        if optimizer:
            total = placed.setdefault(node.hint, [0, 0])
            total[0] += 1
            total[1] += node.elements
    tree = VariableTree(leaves, hints)
    tree.slots_placed_elsewhere = {path: (count, elements) for path, (count, elements) in placed.items()}
    tree.slots_under_variables = True  # a report's model-only slots too
    return tree


class CheckpointTrees(dict):
    """The two views of one checkpoint, ``"objects"`` and ``"keys"``. With an object
    graph the key view is built on first use: it is half the work of opening a large
    checkpoint, for a view few look at. Built late, it gets the restore report the
    object view has. (Without an object graph both names give the key view.)

    ``keys``: a key view already made (from :attr:`Checkpoint.key_variables`, shown
    while the object graph was decoded): it is kept, its leaves given the variables
    with their object paths."""

    def __init__(self, ckpt: Checkpoint, keys: VariableTree | None = None, progress: Progress = None) -> None:
        if keys is not None:
            keys.use_variables(ckpt.variables)
        if ckpt.keras is not None:  # Keras names in the object view, the HDF5 paths in the key view
            super().__init__(objects=keras_tree(ckpt), **({"keys": keys} if keys is not None else {}))
        elif ckpt.object_graph is None:
            keys = keys or key_tree(ckpt.variables, progress)
            super().__init__(objects=keys, keys=keys)
        elif keys is not None:
            super().__init__(objects=object_tree(ckpt, progress), keys=keys)
            keys.search_also(graph_search_text(ckpt.object_graph))
        else:
            super().__init__(objects=object_tree(ckpt, progress))
        self._variables = ckpt.variables
        self._graph = ckpt.object_graph
        # Their first choice passes over a tensor the index says is all zeros (review 17).
        self._zeros = zeros_at_rest(ckpt.index)
        for tree in self.values():
            tree.passed_over = self._zeros

    def get(self, name, default=None):
        return self[name] if name in ("objects", "keys") else default

    def __missing__(self, name: str) -> VariableTree:
        if name != "keys":
            raise KeyError(name)
        tree = self["keys"] = key_tree(self._variables)
        tree.passed_over = self._zeros
        if self._graph is not None:
            tree.search_also(graph_search_text(self._graph))
        objects = self["objects"]
        findings = [node.finding for node in objects.by_key.values() if node.finding is not None]
        findings += [node.finding for node in objects.model_only]
        if findings:
            tree.apply_report(findings)
        return tree


def keras_tree(ckpt: Checkpoint) -> VariableTree:
    """A Keras weights file by its layers' and variables' names, optimizer slots under
    their variable where core/keras placed them (hinted with the optimizer's name).
    Layers and variables in the model's order (``dense``, ``dense_1``; kernel before
    bias), as the model saved them, not by name; the optimizer's own variables after."""
    leaves = []
    how = "placed by name" if ckpt.format == "keras2-h5" else "placed by order"
    saved = {key: rank for rank, key in enumerate(ckpt.keras.model_order())}
    for variable in ckpt.variables:
        name = ckpt.keras.name(variable.key)
        if name.owner is None:
            leaves.append(leaf(name.path, variable, rank=saved.get(variable.key, len(saved))))
        else:
            rank = saved.get(name.owner, len(saved))  # its variable's: a group of slots sorts as that does
            leaves.append(leaf(name.path, variable, SLOT, f"optimizer slot, {how}", rank))
    tree = VariableTree(leaves)
    tree.readable_model_only = True  # a report's model-only rows named as the file's weights are
    return tree


def key_tree(variables: list[Variable] | VariableColumns, progress: Progress = None) -> VariableTree:
    """The raw-key view: keys split on ``/``, made level by level from the sorted keys
    (key_levels.py: no node per variable before it shows). Keys naming a component
    ``(root)``, the name shown for an empty one, get the tree made whole (both would
    be one child there). ``variables`` may be given as their columns
    (:func:`~ckpt_gui.core.variable_columns.variable_columns`): no Variable is made
    for a leaf not made."""
    fields = variables if isinstance(variables, VariableColumns) else None
    keys = fields.keys if fields is not None else list(map(attrgetter("key"), variables))
    if progress is not None:
        progress(0, len(keys))
    if ROOT_NAME in "\n".join(keys):
        return whole_key_tree(rows(fields, Variable) if fields is not None else variables, progress)
    tree = KeyTree(fields=fields) if fields is not None else KeyTree(variables)
    if progress is not None:
        progress(len(keys), len(keys))
    return tree


def whole_key_tree(variables: list[Variable], progress: Progress = None) -> VariableTree:
    """The raw-key view with a leaf made for every variable up front."""
    with gc_paused():
        return _key_tree(variables, progress)


def _reporting(variables: list[Variable], progress: Progress) -> Iterator[Variable]:
    """``variables``, calling ``progress`` every PROGRESS_STEP of them, the lock let go
    every few hundred (lock_slices.paced: the loop over them is Python's, a second and a
    half at 200,000 variables)."""
    if progress is None or len(variables) <= PROGRESS_STEP:
        yield from paced(variables)
        return
    total = len(variables)
    for start in range(0, total, PROGRESS_STEP):
        progress(start, total)
        yield from paced(variables[start : start + PROGRESS_STEP])
    progress(total, total)


def _key_tree(variables: list[Variable], progress: Progress) -> VariableTree:
    # Column by column, in chunks (a progress report between two), in C where it can
    # (map, compress): 200,000 keys in about a quarter of the time a loop per variable took.
    keys = list(map(str.removesuffix, map(attrgetter("key"), variables), repeat(VARIABLE_VALUE_SUFFIX)))
    paths = set(keys)  # sorted keys put a variable before its TF1 slots: the same as adding them in turn
    leaves: list[TreeNode] = []
    total = len(keys)
    for start in range(0, total, PROGRESS_STEP):
        if progress is not None:
            progress(start, total)
        chunk = keys[start : start + PROGRESS_STEP]
        names = list(map(tuple, map(str.split, chunk, repeat("/"))))
        for i in _with_empty_names(chunk):
            names[i] = _named(names[i])
        kinds = [VARIABLE] * len(names)
        for i in _maybe_slots(chunk, names):
            kinds[i] = key_kind(names[i], paths.__contains__)
        leaves += map(leaf, names, variables[start : start + PROGRESS_STEP], kinds)
    if progress is not None:
        progress(total, total)
    return VariableTree(leaves)


def _with_empty_names(keys: list[str]) -> Iterator[int]:
    """Where a key has an empty name (tested in C: most keys have none)."""
    empty = map(or_, map(str.startswith, keys, repeat("/")), map(contains, keys, repeat("//")))
    return compress(count(), map(or_, empty, map(str.endswith, keys, repeat("/"))))


def _named(names: tuple[str, ...]) -> tuple[str, ...]:
    """A key's names with a readable one for an empty name: the root object's own
    attributes are keyed ``/.ATTRIBUTES/OBJECT_CONFIG_JSON`` (its path is empty)."""
    return tuple(name or ROOT_NAME for name in names)


def _maybe_slots(keys: list[str], names: list[tuple[str, ...]]) -> Iterator[int]:
    """Where a key may be an optimizer slot's (see key_levels.key_kind): it holds OPTIMIZER_SLOT,
    is numbered under an optimizer (Keras 3's lists) or its last name starts with a capital (a TF1 slot)."""
    marked = map(or_, map(contains, keys, repeat(OPTIMIZER_SLOT)), keras_optimizer_lists(keys))
    capital = map(str.isupper, map(getitem, map(itemgetter(-1), names), repeat(_FIRST_CHARACTER)))
    return compress(count(), map(or_, marked, capital))


def _path_names(graph, found) -> list[str]:
    """The preferred path as a list of local names (which may themselves hold a '/')."""
    if found is None:
        return []
    node_id, attribute, extra = found
    paths = graph.paths(node_id)
    if not paths:
        return []
    names = list(paths[0])
    if attribute.name != VARIABLE_VALUE or extra:
        names.append(attribute.name + extra)
    return names
