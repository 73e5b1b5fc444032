"""The variable tree the app shows, in two views, with totals and filtering.

- The object view follows the TF2 object graph: each variable sits at its
  preferred object path (model > layer > kernel), optimizer slots (Adam's m/v,
  Keras 3 momentums/velocities) sit under the variable they belong to, and Keras 3
  layers stored as ``_operations/3`` get their layer name as a hint.
- The key view splits the raw checkpoint keys on ``/`` (for TF1 checkpoints it is
  the only view), with the ``.ATTRIBUTES/VARIABLE_VALUE`` tail folded into the leaf.

Filtering marks which nodes are shown (``node.shown`` children, ``node.row``) so a
Qt model can present the filtered tree without a proxy model; it runs in O(nodes).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.format.conventions import (
    CATCH_ALL_LISTS,
    OPTIMIZER_SLOT,
    VARIABLE_VALUE,
    VARIABLE_VALUE_SUFFIX,
    is_tf1_slot,
)
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.restore_finding import TreeFinding

_NATURAL = re.compile(r"(\d+)")

GROUP, VARIABLE, SLOT = "group", "variable", "slot"
MODEL_ONLY = "model-only"  # a variable of the user's model the checkpoint has no value for


class NodePaths:
    """Paths and walks for tree nodes with ``name``, ``parent`` and ``children``."""

    __slots__ = ()

    @property
    def path(self) -> str:
        names = []
        node = self
        while node is not None and node.parent is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))

    def walk(self):
        """This node and all its descendants, depth first."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


@dataclass(eq=False, slots=True)
class TreeNode(NodePaths):
    name: str
    parent: TreeNode | None = None
    variable: Variable | None = None
    kind: str = GROUP
    hint: str = ""  # a readable name where the path has none (a Keras 3 layer's name)
    children: list[TreeNode] = field(default_factory=list)
    # Totals over the subtree, the node's own variable included.
    variable_count: int = 0
    params: int = 0  # elements of numeric variables, optimizer slots not counted
    nbytes: int = 0  # bytes on disk, slots included
    # What the current filter shows.
    shown: list[TreeNode] = field(default_factory=list)
    row: int = 0  # index among the parent's shown children
    search_text: str = ""  # lower-case path and key, for filtering
    # A restore diagnosis, once one ran: the status and the report's finding.
    status: RestoreStatus | None = None
    finding: TreeFinding | None = None

    def variables(self) -> Iterator[Variable]:
        for node in self.walk():
            if node.variable is not None:
                yield node.variable

    def model_variables(self) -> list[Variable]:
        """The variables a group's statistics cover: optimizer slots left out, as in
        ``params`` (Adam's moments would swamp the weights' distribution), unless the
        group holds nothing but slots (a ``.OPTIMIZER_SLOT`` folder of the key view)."""
        own = [node.variable for node in self.walk() if node.variable is not None and node.kind != SLOT]
        return own or list(self.variables())


class VariableTree:
    """A built tree plus the index from checkpoint key to node."""

    def __init__(self, root: TreeNode) -> None:
        self.root = root
        self.by_key: dict[str, TreeNode] = {}
        nodes = list(root.walk())  # one walk for all that follows: a large tree has 100,000s of nodes
        for node in nodes:
            if node.variable is not None:
                self.by_key[node.variable.key] = node
        # What "N variables" counts: every checkpoint value but the object graph, which
        # has a row (it is an entry of the index) but is metadata, not a variable. The
        # status bar and `inspect` count the same way.
        self.variable_total = sum(1 for node in self.by_key.values() if not node.variable.is_object_graph)
        self.model_only: list[TreeNode] = []  # rows a diagnosis added for model-only variables
        self._added: list[TreeNode] = []  # every node it added (groups too), to take them out again
        _sort(nodes)
        _total(nodes)  # pre-order before the sort: still parents before children
        self._searchable = False  # search texts are made by the first filter, not at open
        self.match_count = self.apply_filter(None)

    def apply_report(self, findings: Iterable[TreeFinding]) -> None:
        """Mark every variable with its restore status, and add rows for the model's
        variables the checkpoint has no value for (at their model path)."""
        self.clear_report()
        for finding in findings:
            node = self.by_key.get(finding.checkpoint_key or "")
            if node is not None:
                node.status, node.finding = finding.status, finding
            elif finding.status == RestoreStatus.MISSING and finding.model_path:
                self.model_only.append(self._add_model_only(finding))

    def clear_report(self) -> None:
        for node in self.by_key.values():
            node.status = node.finding = None
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

    def apply_filter(self, accept: Callable[[TreeNode], bool] | None) -> int:
        """Show the variables ``accept`` takes (all when None), with their ancestors and
        the slots under them; return how many variables are shown (the object graph's
        row not counted, as in ``variable_total``)."""
        if accept is None:
            show_all(self.root)
            self.match_count = self.variable_total + len(self.model_only)
            return self.match_count
        if not self._searchable:
            for node in self.by_key.values():
                node.search_text = _search_text(node)
            self._searchable = True
        chosen = [node for node in [*self.by_key.values(), *self.model_only] if accept(node)]
        show_with_ancestors(self.root, chosen)
        self.match_count = sum(1 for node in chosen if node.variable is None or not node.variable.is_object_graph)
        return self.match_count


def show_all(root: NodePaths) -> None:
    """No filter: every node shows all its children."""
    for node in root.walk():
        node.shown = shown = list(node.children)
        for row, child in enumerate(shown):
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


def object_tree(ckpt: Checkpoint) -> VariableTree:
    """The object-graph view (falls back to the key view without an object graph)."""
    with gc_paused():  # a node per path component, no cycles to collect
        return _object_tree(ckpt)


def _object_tree(ckpt: Checkpoint) -> VariableTree:
    graph = ckpt.object_graph
    if graph is None:
        return key_tree(ckpt.variables)
    builder = _Builder()
    node_of_variable_node: dict[int, TreeNode] = {}
    slots: list[tuple[Variable, int, str, int]] = []
    for variable in ckpt.variables:
        found = graph.attribute_of_key(variable.key)
        link = graph.slots.get(found[0]) if found is not None else None
        if found is not None and link is not None and variable.object_paths[:1] != ():
            slots.append((variable, link.variable_node, link.slot_name, link.optimizer_node))
            continue
        node = builder.place(_path_names(graph, found) or [variable.key], variable)
        if found is not None:
            node_of_variable_node[found[0]] = node
            hint_layer(node, found[1].full_name)
    prune_hints(builder.root)  # before the slots, whose hints are shared on purpose
    for variable, owner_node, slot_name, optimizer_node in slots:
        owner = node_of_variable_node.get(owner_node)
        if owner is None:  # the variable it belongs to is not in the checkpoint
            builder.place(_path_names(graph, graph.attribute_of_key(variable.key)) or [variable.key], variable)
            continue
        optimizer = graph.paths(optimizer_node)
        slot = TreeNode(slot_name, owner, variable, SLOT, hint="/".join(optimizer[0]) if optimizer else "")
        owner.children.append(slot)
    return VariableTree(builder.root)


class CheckpointTrees(dict):
    """The two views of one checkpoint, ``"objects"`` and ``"keys"``. With an object
    graph the key view is built on first use: it is half the work of opening a large
    checkpoint, for a view few look at. Built late, it gets the restore report the
    object view has. (Without an object graph both names give the key view.)"""

    def __init__(self, ckpt: Checkpoint) -> None:
        if ckpt.object_graph is None:
            keys = key_tree(ckpt.variables)
            super().__init__(objects=keys, keys=keys)
        else:
            super().__init__(objects=object_tree(ckpt))
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


def key_tree(variables: list[Variable]) -> VariableTree:
    """The raw-key view: keys split on ``/``."""
    with gc_paused():
        return _key_tree(variables)


def _key_tree(variables: list[Variable]) -> VariableTree:
    builder = _Builder()
    for variable in variables:
        key = variable.key
        if key.endswith(VARIABLE_VALUE_SUFFIX):
            key = key[: -len(VARIABLE_VALUE_SUFFIX)]
        names = key.split("/")
        kind = SLOT if OPTIMIZER_SLOT in names else VARIABLE
        node = builder.place(names, variable, kind)
        parent = node.parent
        if parent is not None and parent.variable is not None and is_tf1_slot(node.name):
            node.kind = SLOT  # TF1 optimizers save slots as <variable>/Adam, <variable>/Momentum...
    return VariableTree(builder.root)


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


class _Builder:
    """Places variables at their paths; finds existing children by name in O(1)
    (a model can have tens of thousands of siblings, e.g. blocks of a list)."""

    def __init__(self) -> None:
        self.root = TreeNode("")
        self._children: dict[tuple[int, str], TreeNode] = {}
        # Variables come in key order, so siblings come together: the last parent
        # found is usually the next one's too.
        self._last_parent: tuple[list[str], TreeNode] = ([], self.root)

    def place(self, names: list[str], variable: Variable, kind: str = VARIABLE) -> TreeNode:
        parent_names = names[:-1]
        if parent_names == self._last_parent[0]:
            node = self._last_parent[1]
        else:
            node = self.root
            for name in parent_names:
                node = self._child(node, name)
            self._last_parent = (parent_names, node)
        node = self._child(node, names[-1])
        if node.variable is not None:  # two keys on one path (rare): keep both, side by side
            node = TreeNode(names[-1], node.parent)
            node.parent.children.append(node)
        node.variable = variable
        node.kind = kind
        return node

    def _child(self, node: TreeNode, name: str) -> TreeNode:
        child = self._children.get((id(node), name))
        if child is None:
            child = TreeNode(name, node)
            node.children.append(child)
            self._children[(id(node), name)] = child
        return child


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


def natural_key(text: str) -> tuple:
    """Sort key that orders numbers by value: ``momentums/2`` before ``momentums/10``
    (the split alternates text and digits, so the tuples always compare like with like)."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in _NATURAL.split(text))


def _sort(nodes: list[TreeNode]) -> None:
    natural: dict[str, tuple] = {}  # names repeat (kernel, bias, 0, 1...): each split once

    def order(child: TreeNode) -> tuple:
        key = natural.get(child.name)
        if key is None:
            key = natural[child.name] = natural_key(child.name)
        return (child.kind == SLOT, key)

    for node in nodes:
        if len(node.children) > 1:
            node.children.sort(key=order)


def _total(nodes: list[TreeNode]) -> None:
    """Variable count, parameter count and bytes of every subtree, bottom-up (``nodes``
    in pre-order)."""
    for node in reversed(nodes):
        variable = node.variable
        count = params = nbytes = 0
        if variable is not None:
            count = 1
            params = variable.num_elements if variable.dtype.is_numeric and node.kind != SLOT else 0
            nbytes = variable.size_bytes
        for child in node.children:
            count += child.variable_count
            params += child.params
            nbytes += child.nbytes
        node.variable_count, node.params, node.nbytes = count, params, nbytes


def _search_text(node: TreeNode) -> str:
    variable = node.variable
    assert variable is not None
    hints = []
    walker = node.parent
    while walker is not None:
        if walker.hint:
            hints.append(walker.hint)
        walker = walker.parent
    return "\n".join([node.path, variable.key, *hints, node.hint]).lower()


def first_to_show(tree: VariableTree) -> TreeNode | None:
    """The variable to select when a checkpoint opens: the largest floating-point
    weight matrix (or, without one, the largest floating-point tensor), so that its
    details, histogram and heatmap show something meaningful straight away. Optimizer
    slots are not candidates; None when no variable is floating point."""
    candidates = [n for n in tree.by_key.values() if n.kind == VARIABLE and n.variable.dtype.is_floating]
    if not candidates:
        return None
    return max(candidates, key=lambda n: (len(n.variable.shape) >= 2, n.variable.num_elements))
