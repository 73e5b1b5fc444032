"""The variable tree the app shows, in two views, with totals and filtering.

- The object view follows the TF2 object graph: each variable sits at its
  preferred object path (model > layer > kernel), optimizer slots (Adam's m/v,
  Keras 3 momentums/velocities) sit under the variable they belong to, and Keras 3
  layers stored as ``_operations/3`` get their layer name as a hint.
- The key view splits the raw checkpoint keys on ``/`` (for TF1 checkpoints it is
  the only view), with the ``.ATTRIBUTES/VARIABLE_VALUE`` tail folded into the leaf.

A tree's levels are made when first shown (core/views/lazy_node.py): opening a
checkpoint makes one node per variable, not per path component. Filtering marks
which nodes are shown (``node.shown`` children, ``node.row``) so a Qt model can
present the filtered tree without a proxy model; it makes only the levels above
what it shows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from itertools import repeat
from operator import attrgetter

from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.format.conventions import (
    CATCH_ALL_LISTS,
    OBJECT_GRAPH_KEY,
    OPTIMIZER_SLOT,
    VARIABLE_VALUE,
    VARIABLE_VALUE_SUFFIX,
    is_tf1_slot,
)
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.lazy_node import (
    GROUP,
    MODEL_ONLY,
    SLOT,
    VARIABLE,
    NodePaths,
    TreeNode,
    leaf,
    natural_key,
    place,
    root_of,
)
from ckpt_gui.core.views.restore_finding import TreeFinding

__all__ = ["GROUP", "MODEL_ONLY", "SLOT", "VARIABLE", "NodePaths", "TreeNode", "natural_key"]

DISMANTLE_STEP = 5_000  # nodes per step of VariableTree.dismantle (a few milliseconds)
DEFAULT_OPEN_ROWS = 40  # a tree shown opens levels while fewer rows than this show (default_open)
PROGRESS_STEP = 10_000  # variables placed between two progress reports (a cancel is noticed there)
Progress = Callable[[int, int], None] | None  # (variables done, of how many); may raise to cancel
_KEY, _VARIABLE = attrgetter("key"), attrgetter("variable")
Hints = dict[tuple[str, ...], str]  # a group's path -> the layer name shown beside it
ROOT_NAME = "(root)"  # the key view's name for the empty path of the root object's own attributes


class VariableTree:
    """A built tree plus the index from checkpoint key to node."""

    def __init__(self, leaves: list[TreeNode], hints: Hints | None = None) -> None:
        """The tree of ``leaves`` (made by :func:`~ckpt_gui.core.views.lazy_node.leaf`),
        its levels made when first shown."""
        self.root = root_of(leaves, hints or {})
        self._hints = self.root.hints
        self.by_key: dict[str, TreeNode] = dict(zip(map(_KEY, map(_VARIABLE, leaves)), leaves))
        # What "N variables" counts: every checkpoint value but the object graph, which
        # has a row (it is an entry of the index) but is metadata, not a variable. The
        # status bar and `inspect` count the same way. (Keys are unique: one such row at most.)
        self.variable_total = len(leaves) - (OBJECT_GRAPH_KEY in self.by_key)
        self.model_only: list[TreeNode] = []  # rows a diagnosis added for model-only variables
        self._added: list[TreeNode] = []  # every node it added (groups too), to take them out again
        self._searchable = False  # search texts are made by the first filter, not at open
        self._reported = False  # whether a report's statuses are on the nodes
        self.first_choice: TreeNode | None | bool = False  # not worked out yet (see first_to_show)
        self._filtered = True  # whether a filter may have left nodes' ``shown`` lists set
        self.match_count = self.apply_filter(None)

    @cached_property
    def dtype_names(self) -> list[str]:
        """The dtypes of its variables, by name, sorted. (A walk over every variable:
        asked once off the GUI thread when a checkpoint opens, see app/opening.py.)"""
        return sorted({node.variable.dtype.name for node in self.by_key.values()})

    @cached_property
    def variable_bytes(self) -> int:
        """The bytes of its variables in the data files, the object graph's not counted
        (as ``variable_total``); worked out when :attr:`dtype_names` is."""
        return sum(node.variable.size_bytes for node in self.by_key.values() if not node.variable.is_object_graph)

    def apply_report(self, findings: Iterable[TreeFinding]) -> None:
        """Mark every variable with its restore status, and add rows for the model's
        variables the checkpoint has no value for (at their model path)."""
        self.clear_report()
        self._reported = self._filtered = True  # rows it adds get their row numbers from the next filter
        for finding in findings:
            node = self.by_key.get(finding.checkpoint_key or "")
            if node is not None:
                node.status, node.finding = finding.status, finding
            elif finding.status == RestoreStatus.MISSING and finding.model_path:
                self.model_only.append(self._add_model_only(finding))

    def clear_report(self) -> None:
        if self._reported or self._added:
            self._filtered = True  # the rows taken out leave gaps in their siblings' row numbers
        if self._reported:  # not a loop over every variable of a tree never reported on (at open)
            for node in self.by_key.values():
                node.status = node.finding = None
            self._reported = False
        for node in reversed(self._added):
            if node.parent is not None and node in node.parent.children:
                node.parent.children.remove(node)
        self.model_only, self._added = [], []

    def _add_model_only(self, finding: TreeFinding) -> TreeNode:
        model_path = finding.model_path or ""
        names = model_path.split("/")
        node = self.root
        for name in names[:-1]:
            child = next((c for c in node.children if c.name == name and c.kind != MODEL_ONLY), None)
            if child is None:
                child = TreeNode(name, node, hint="model only")
                node.children.append(child)
                self._added.append(child)
            node = child
        leaf = TreeNode(names[-1], node, kind=MODEL_ONLY, status=RestoreStatus.MISSING, finding=finding)
        leaf.search_text = "\n".join([model_path, RestoreStatus.MISSING]).lower()
        node.children.append(leaf)
        self._added.append(leaf)
        return leaf

    def dismantle(self) -> Iterator[None]:
        """Cut every node's links, so that reference counting frees the tree as it goes:
        no collection has to walk it (the app freezes a checkpoint's objects, see
        app/gui_gc.py). A generator, a step per few thousand nodes: 200,000 variables
        take 0.3 s to cut and 0.3 s to free. Only for a tree nobody shows or uses any
        more; it is empty from the first step on."""
        stack = [self.root, *self.model_only]
        self.by_key, self.model_only, self._added, self.first_choice = {}, [], [], False
        self.root = root_of([], self._hints)
        while stack:
            for _ in range(min(len(stack), DISMANTLE_STEP)):
                node = stack.pop()  # freed once its children have cut their links to it
                node._parent = None
                if node.pending is not None:
                    stack.extend(node.pending)
                stack.extend(node._children)
            yield

    def apply_filter(self, accept: Callable[[TreeNode], bool] | None) -> int:
        """Show the variables ``accept`` takes (all when None), with their ancestors and
        the slots under them; return how many variables are shown (the object graph's
        row not counted, as in ``variable_total``)."""
        if accept is None:
            if self._filtered:  # else every node made shows all its children already
                _show_all_made(self.root)
                self._filtered = False
            self.match_count = self.variable_total + len(self.model_only)
            return self.match_count
        self._filtered = True
        if not self._searchable:
            for node in self.by_key.values():
                node.search_text = _search_text(node, self._hints)
            self._searchable = True
        chosen = [node for node in [*self.by_key.values(), *self.model_only] if accept(node)]
        _show_made_with_ancestors(self.root, chosen)
        self.match_count = sum(1 for node in chosen if node.variable is None or not node.variable.is_object_graph)
        return self.match_count


def _show_all_made(root: TreeNode) -> None:
    """No filter: every node made so far shows all its children (the ones made later do too)."""
    for node in root.built_nodes():
        node.shown = None
        for row, child in enumerate(node._children):
            child.row = row


def _show_made_with_ancestors(root: TreeNode, chosen: list[TreeNode]) -> None:
    """:func:`show_with_ancestors` for a tree made on demand: the levels above the
    chosen nodes are made, nothing else."""
    keep: set[int] = set()
    for node in chosen:
        place(node)
        walker = node
        while walker is not None and id(walker) not in keep:
            keep.add(id(walker))
            walker = walker.parent
    for node in root.built_nodes():
        node.shown = [child for child in node._children if id(child) in keep] if node.pending is None else []
        for row, child in enumerate(node.shown):
            child.row = row


def show_with_ancestors(root: NodePaths, chosen) -> None:
    """Set every node's ``shown`` children (and their ``row``) to the ``chosen`` nodes
    and their ancestors: what a filtered tree shows."""
    keep: set[int] = set()
    for node in chosen:
        walker = node
        while walker is not None and id(walker) not in keep:
            keep.add(id(walker))
            walker = walker.parent
    for node in root.walk():
        node.shown = [child for child in node.children if id(child) in keep]
        for row, child in enumerate(node.shown):
            child.row = row


def variable_filter(
    query: str = "",
    dtypes: set[str] | None = None,
    only_keys: set[str] | None = None,
    statuses: set[str] | None = None,
) -> Callable[[TreeNode], bool] | None:
    """A filter for :meth:`VariableTree.apply_filter`, or None when it would accept all.

    ``query``: every space-separated word must occur in the variable's path, key or
    layer names (case-insensitive); ``dtypes``: dtype names to keep; ``only_keys``:
    keep only these keys (e.g. the variables found to hold NaN or Inf); ``statuses``:
    keep only these restore statuses (after a diagnosis).
    """
    words = query.lower().split()
    tests: list[Callable[[TreeNode], bool]] = []
    if words:
        tests.append(lambda node: all(word in node.search_text for word in words))
    if dtypes:
        tests.append(lambda node: _dtype_name(node) in dtypes)
    if only_keys is not None:
        tests.append(lambda node: node.variable is not None and node.variable.key in only_keys)
    if statuses is not None:
        tests.append(lambda node: node.status in statuses)
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda node: all(test(node) for test in tests)


def _dtype_name(node: TreeNode) -> str:
    if node.variable is not None:
        return node.variable.dtype.name
    return (node.finding.model_dtype if node.finding is not None else None) or ""


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
            _hint_group(hints, node.names, found[1].full_name)
    hints = _pruned(hints)  # before the slots, whose hints are shared on purpose
    for variable, owner_node, slot_name, optimizer_node in slots:
        owner = node_of_variable_node.get(owner_node)
        if owner is None:  # the variable it belongs to is not in the checkpoint
            names = _path_names(graph, graph.attribute_of_key(variable.key)) or [variable.key]
            leaves.append(leaf(tuple(names), variable))
            continue
        optimizer = graph.paths(optimizer_node)
        leaves.append(leaf((*owner.names, slot_name), variable, SLOT, "/".join(optimizer[0]) if optimizer else ""))
    return VariableTree(leaves, hints)


def _hint_group(hints: Hints, names: tuple[str, ...], full_name: str) -> None:
    """:func:`hint_layer` for a variable at ``names`` not placed yet: its group's hint."""
    parts = full_name.split("/")
    if len(parts) >= 2 and len(names) >= 2:
        group, layer = names[:-1], parts[-2]
        if layer == group[-1] or group[-1] in CATCH_ALL_LISTS:
            return
        known = hints.get(group)
        if known is None:
            hints[group] = layer
        elif known != layer:
            # Variables of several layers (a Keras 3 export's ``variables`` list): a list,
            # not a layer; the first variable's layer would name it wrongly.
            hints[group] = ""


def _pruned(hints: Hints) -> Hints:
    """:func:`prune_hints` for hints by path: those several sibling groups share are dropped everywhere."""
    siblings: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path, hint in hints.items():
        siblings[path[:-1]].append(hint)
    shared: set[str] = {""}  # "": a group of several layers' variables (see _hint_group)
    for names in siblings.values():
        if len(names) > 1 and len(set(names)) < len(names):
            shared.update(hint for hint, n in Counter(names).items() if n > 1)
    return {path: hint for path, hint in hints.items() if hint not in shared}


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
            variables = {v.key: v for v in ckpt.variables}
            for node in keys.by_key.values():  # the same key, dtype and shape: one reference swapped each
                node.variable = variables[node.variable.key]
        if ckpt.keras is not None:  # Keras names in the object view, the HDF5 paths in the key view
            super().__init__(objects=keras_tree(ckpt), **({"keys": keys} if keys is not None else {}))
        elif ckpt.object_graph is None:
            keys = keys or key_tree(ckpt.variables, progress)
            super().__init__(objects=keys, keys=keys)
        elif keys is not None:
            super().__init__(objects=object_tree(ckpt, progress), keys=keys)
        else:
            super().__init__(objects=object_tree(ckpt, progress))
        self._variables = ckpt.variables

    def get(self, name, default=None):
        return self[name] if name in ("objects", "keys") else default

    def __missing__(self, name: str) -> VariableTree:
        if name != "keys":
            raise KeyError(name)
        tree = self["keys"] = key_tree(self._variables)
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
    return VariableTree(leaves)


def key_tree(variables: list[Variable], progress: Progress = None) -> VariableTree:
    """The raw-key view: keys split on ``/``."""
    with gc_paused():
        return _key_tree(variables, progress)


def _reporting(variables: list[Variable], progress: Progress) -> Iterator[Variable]:
    """``variables``, calling ``progress`` every PROGRESS_STEP of them."""
    if progress is None or len(variables) <= PROGRESS_STEP:
        yield from variables
        return
    total = len(variables)
    for start in range(0, total, PROGRESS_STEP):
        progress(start, total)
        yield from variables[start : start + PROGRESS_STEP]
    progress(total, total)


def _key_tree(variables: list[Variable], progress: Progress) -> VariableTree:
    # Column by column, in chunks (a progress report between two): 200,000 keys in
    # about a third of the time a loop per variable took.
    keys = list(map(str.removesuffix, map(attrgetter("key"), variables), repeat(VARIABLE_VALUE_SUFFIX)))
    paths = set(keys)  # sorted keys put a variable before its TF1 slots: the same as adding them in turn
    leaves: list[TreeNode] = []
    total = len(keys)
    for start in range(0, total, PROGRESS_STEP):
        if progress is not None:
            progress(start, total)
        names = [tuple(key.split("/")) for key in keys[start : start + PROGRESS_STEP]]
        names = [n if "" not in n else _named(n) for n in names]
        kinds = [_key_kind(n, paths) for n in names]
        leaves += map(leaf, names, variables[start : start + PROGRESS_STEP], kinds)
    if progress is not None:
        progress(total, total)
    return VariableTree(leaves)


def _named(names: tuple[str, ...]) -> tuple[str, ...]:
    """A key's names with a readable one for an empty name: the root object's own
    attributes are keyed ``/.ATTRIBUTES/OBJECT_CONFIG_JSON`` (its path is empty)."""
    return tuple(name or ROOT_NAME for name in names)


def _key_kind(names: tuple[str, ...], paths: set[str]) -> str:
    if OPTIMIZER_SLOT in names:
        return SLOT
    # TF1 optimizers save slots as <variable>/Adam, <variable>/Momentum... (capitalised)
    if len(names) > 1 and names[-1][:1].isupper() and is_tf1_slot(names[-1]) and "/".join(names[:-1]) in paths:
        return SLOT
    return VARIABLE


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


def hint_layer(node, full_name: str) -> None:
    """Keras 3 keeps layers in lists (``_operations/3/_kernel``); the variable's
    ``full_name`` (``digits/conv2/kernel``) gives the layer's own name.

    A catch-all list (``optimizer/_trainable_variables``) holds variables of many
    layers: the first one's layer would be a wrong name for it, so it gets none.
    Call :func:`prune_hints` once the tree is built."""
    parts = full_name.split("/")
    group = node.parent
    if len(parts) >= 2 and group is not None and group.parent is not None and not group.hint:
        layer = parts[-2]
        if layer != group.name and group.name not in CATCH_ALL_LISTS:
            group.hint = layer


def prune_hints(root) -> None:
    """Keep only the layer hints that tell siblings apart.

    A subclassed Keras model names its variables ``<model>/<variable>`` (``net/kernel``),
    so every layer of it would be hinted with the model's name (``bn · net``,
    ``d1 · net``). A hint that several sibling groups share is such a scope name,
    not a layer name: it is dropped there and everywhere else in the tree (``head``,
    alone in its parent, got the same ``net``). Run before slots are attached (their
    hint is the optimizer's path, shared by design)."""
    shared: set[str] = set()
    for node in root.walk():
        hints = [child.hint for child in node.children if child.hint]
        if len(hints) > 1 and len(set(hints)) < len(hints):  # most nodes: no hint twice, no counting
            shared.update(hint for hint, n in Counter(hints).items() if n > 1)
    if shared:
        for node in root.walk():
            if node.hint in shared:
                node.hint = ""


def _search_text(node: TreeNode, hints: Hints) -> str:
    """A variable's path, key and the layer hints above it and its own, lower case
    (from its names: its levels need not be made)."""
    names = node.names
    above = [hints.get(names[:end], "") for end in range(len(names) - 1, 0, -1)]
    return "\n".join([node.path, node.variable.key, *[h for h in above if h], node.hint]).lower()


def default_open(tree: VariableTree, rows: int = DEFAULT_OPEN_ROWS) -> list[TreeNode]:
    """The groups a view opens when it shows ``tree`` (as filtered), parents first: level
    after level while fewer than ``rows`` rows show, so that a Keras model's chain of
    single groups (model > _functional > _operations) opens on its own. Their levels are
    made here: called off the GUI thread when a checkpoint opens (the level under
    ``model`` of 200,000 variables took 0.3 to 0.5 s), then again by the view, at no
    cost. A level of thousands (model/blocks) is counted without being made."""
    opened: list[TreeNode] = []
    level = [tree.root]
    visible = len(tree.root.shown)
    while level:
        following = [child for node in level for child in node.shown if child.has_shown()]
        added = sum(node.shown_count_up_to(rows) for node in following)
        if not following or visible + added > rows and visible > 0:
            break
        opened += following
        for node in following:
            _ = node.shown  # its level made
        visible += added
        level = following
    return opened


def first_to_show(tree: VariableTree) -> TreeNode | None:
    """The variable to select when a checkpoint opens: the largest floating-point
    weight matrix (or, without one, the largest floating-point tensor), so that its
    details, histogram and heatmap show something meaningful straight away. Optimizer
    slots are not candidates; None when no variable is floating point."""
    if tree.first_choice is not False:  # worked out once (off the GUI thread when opening)
        return tree.first_choice
    candidates = [n for n in tree.by_key.values() if n.kind == VARIABLE and n.variable.dtype.is_floating]
    largest = max(candidates, key=lambda n: (len(n.variable.shape) >= 2, n.variable.num_elements), default=None)
    tree.first_choice = largest
    return tree.first_choice


# The comparison's tree (views/pair_tree.py) hints its groups by the same rules, and
# shows a filter's matches the same way.
hint_group, pruned_hints, show_made_with_ancestors = _hint_group, _pruned, _show_made_with_ancestors
