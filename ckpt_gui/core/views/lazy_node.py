"""The variable tree's node, whose children are made when first asked for.

A checkpoint of 200,000 variables in nested objects has half a million path
components: making a node for each before the tree is shown took seconds. Here
every variable's node (a leaf) is made up front, since the index from key to node,
the filter and the restore report need them, but a group's children are made only
when something asks for them: the view expanding the group (``children``, ``shown``),
a filter or a selection reaching a variable under it (``parent``). Until then the
group keeps every variable below it in ``pending``, sorted by path, and knows its
totals; a variable not placed yet has ``row`` -1 and the root as its ``parent``.
Making a level is then a bisection of the sorted leaves per child, not a Python loop
with a dict look-up per variable and level. (The key view goes further:
its ``pending`` is a range of sorted keys and its leaves too are made with their
level, see key_levels.py.)
"""

from __future__ import annotations

import re
import threading
import time
from bisect import bisect_right
from functools import lru_cache
from itertools import chain, compress
from math import prod
from operator import attrgetter, itemgetter, not_

from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.lock_slices import Pace, fold_in_slices, map_in_slices, paced, sorted_in_slices
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.restore_finding import TreeFinding

GROUP, VARIABLE, SLOT = "group", "variable", "slot"
MODEL_ONLY = "model-only"  # a variable of the user's model the checkpoint has no value for

_NATURAL = re.compile(r"(\d+)")
WALKS, WALK_AGAIN_S = 200, 0.002  # a worker's walk of leaves a level being made: again, so long at most


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


def natural_key(text: str) -> tuple:
    """Sort key that orders numbers by value: ``momentums/2`` before ``momentums/10``
    (the split alternates text and digits, so the tuples always compare like with like)."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in _NATURAL.split(text))


_cached_natural_key = lru_cache(maxsize=1 << 16)(natural_key)  # names repeat: kernel, bias, 0, 1...
_PARAMS, _NBYTES, _RANK, _NAMES = attrgetter("params"), attrgetter("nbytes"), attrgetter("rank"), attrgetter("names")
_PLACE, _ROW = itemgetter(0), itemgetter(1)  # of a (child_order, row) pair: sorted stably by the first
_ELEMENTS, _VARIABLE, _KIND = attrgetter("elements"), attrgetter("variable"), attrgetter("kind")
_NONE: dict = {}  # an empty default shared by every node (never changed in place): no dict per leaf


class TreeNode(NodePaths):
    """A group, a variable (a leaf, which may hold optimizer slots) or a model-only row."""

    __slots__ = (
        "name",
        "_parent",
        "variable",
        "kind",
        "hint",
        "_children",
        "pending",
        "variable_count",
        "params",
        "elements",
        "nbytes",
        "_shown",
        "row",
        "search_text",
        "status",
        "finding",
        "names",
        "depth",
        "hints",
        "by_name",
        "rank",
        "__weakref__",
    )  # fmt: skip (a weak reference: tests see a tree freed)

    def __init__(self, name: str, parent: TreeNode | None = None, variable=None, kind: str = GROUP, hint: str = "",
                 status: RestoreStatus | None = None, finding: TreeFinding | None = None) -> None:  # fmt: skip
        # Every slot is set here (and in leaf(), which makes leaves without calling this).
        self.name, self._parent, self.variable, self.kind, self.hint = name, parent, variable, kind, hint
        self._children: list[TreeNode] = []
        self.pending: list[TreeNode] | None = None  # leaves below, while the children are not made
        # Totals over the subtree, the node's own variable included (a leaf not yet
        # placed holds its own values only).
        self.variable_count = 0
        self.params = 0  # elements of numeric variables, optimizer slots not counted
        # Elements of every variable, slots and strings included: what the Elements column
        # sums, over the same variables as variable_count and nbytes (issue 11 review: a key
        # view's group counted its parameters only, under a child of slots larger than it;
        # review 3: a group of one scalar string said 0 elements beside its row's 1).
        self.elements = 0
        self.nbytes = 0  # bytes on disk, slots included
        self._shown: list[TreeNode] | None = None  # what the filter shows; None: all children
        self.row = 0  # index among the parent's shown children
        self.search_text = ""  # lower-case path and key, for filtering
        # A restore diagnosis, once one ran: the status and the report's finding.
        self.status, self.finding = status, finding
        self.names: tuple[str, ...] = ()  # a leaf's path, as names
        self.depth = 0  # how many names lie above the node's children
        self.hints: dict[tuple[str, ...], str] = _NONE  # the tree's layer hints by group path, shared
        self.by_name: dict[str, TreeNode] = _NONE  # children by name, once made (for placing a leaf)
        self.rank = 0  # where the file puts it (see leaf()); a group: its first variable's

    # -- the tree as made on demand ----------------------------------------------------

    @property
    def parent(self) -> TreeNode | None:
        if self.row < 0:  # a leaf not placed yet: make the levels above it
            place(self)
        return self._parent

    @property
    def children(self) -> list[TreeNode]:
        if self.row < 0:  # its slots are still above it
            place(self)
        if self.pending is not None:
            _make_children(self)
        return self._children

    @property
    def shown(self) -> list[TreeNode]:
        """The children the current filter shows (all of them without a filter)."""
        shown = self._shown
        if shown is None:
            return self.children
        if shown.__class__ is ShownLater:  # a filter's list for this node, made now it is read
            shown = self._shown = shown.make(self)
        return shown

    @shown.setter
    def shown(self, nodes: list[TreeNode] | None) -> None:
        self._shown = nodes

    def has_children(self) -> bool:
        """Whether the node has children, without making them."""
        if self.row < 0:
            place(self)
        return bool(self._children) or bool(self.pending)

    def has_shown(self) -> bool:
        """Whether the node shows children, without making them."""
        return bool(self.shown) if self._shown is not None else self.has_children()

    def shown_count_up_to(self, limit: int) -> int:
        """How many children the node shows; a level not made yet with more than
        ``limit`` different names answers ``limit + 1`` without being made."""
        if self._shown is None and self.pending is not None:
            if not isinstance(self.pending, list):  # the key view's range (key_levels.KeyRange)
                return self.pending.count_names(limit)
            pending, depth = self.pending, self.depth
            start = count = 0
            while start < len(pending):  # sorted: each next name's run found by bisection
                count += 1
                if count > limit:
                    return limit + 1
                name = pending[start].names[depth]
                start = bisect_right(pending, name, start, key=lambda leaf: leaf.names[depth])
        return len(self.shown)

    @property
    def path(self) -> str:
        return "/".join(self.names) if self.names else NodePaths.path.fget(self)

    def built_nodes(self):
        """This node and the descendants made so far (not making more)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            if node.pending is None:
                stack.extend(node._children)

    def leaves(self):
        """The variables' nodes of the subtree, without making its levels."""
        stack = [self]
        while stack:
            node = stack.pop()
            if node.variable is not None:
                yield node
            if node.pending is not None:
                yield from node.pending
            else:
                stack.extend(reversed(node._children))

    def variables(self):
        for node in self.leaves():
            yield node.variable

    def model_variables(self) -> list:
        """The variables a group's statistics cover: optimizer slots left out, as in
        ``params`` (Adam's moments would swamp the weights' distribution), unless the
        group holds nothing but slots (a ``.OPTIMIZER_SLOT`` folder of the key view).
        A level of the key view not made yet answers from its columns, making no leaf
        (selecting the key view's 200,000-variable ``model/blocks`` made 200,000 leaves,
        twice: 2.6 s of the GUI thread, review 24)."""
        if self._unmade_keys():
            return self.pending.model_variables()  # its slots' leaves not made
        return self.model_variables_and_slots()[0]

    def model_variables_and_slots(self) -> tuple[list, list[TreeNode]]:
        """:meth:`model_variables`, and the optimizer slots' nodes of the subtree, in one
        walk of the leaves (a group's histogram asks for both: two walks of 200,000
        leaves were 130 ms)."""
        pending = self.pending  # (read once: another thread may make the level meanwhile)
        if self.variable is None and pending is not None and not isinstance(pending, list):
            return pending.model_variables(), pending.slot_leaves()
        leaves = self.whole_leaves()
        is_slot = list(map(SLOT.__eq__, map(_KIND, leaves)))
        slots = list(compress(leaves, is_slot))
        own = list(compress(leaves, map(not_, is_slot))) if len(slots) < len(leaves) else []
        return list(map(_VARIABLE, own or slots)), slots

    def whole_leaves(self) -> list[TreeNode]:
        """:meth:`leaves` in a list: the levels not made taken as the lists they are, the
        rest in C (a loop in Python over 200,000 leaves was 75 ms of the GUI thread).
        Whole on a worker too (a large group's histogram is planned there): the GUI
        thread making a level meanwhile hands its leaves to the level's groups one by
        one, letting the interpreter lock go between two, so a walk then can miss some;
        it is walked again until it has the group's count (variable_count)."""
        for _ in range(WALKS):
            leaves = self._listed_leaves()
            if len(leaves) >= self.variable_count or threading.current_thread() is threading.main_thread():
                break
            time.sleep(WALK_AGAIN_S)  # the level's making ends within the GUI thread's turn
        return leaves

    def _listed_leaves(self) -> list[TreeNode]:
        runs: list = []
        stack = [self]
        while stack:
            node = stack.pop()
            if node.variable is not None:
                runs.append((node,))
            pending = node.pending
            if pending is not None:
                runs.append(pending)
            else:
                stack.extend(reversed(node._children))
        return list(chain.from_iterable(runs))

    def _unmade_keys(self) -> bool:
        """Whether the subtree is a level of the key view not made yet (key_levels.KeyRange)."""
        return self.variable is None and self.pending is not None and not isinstance(self.pending, list)


class ShownLater:
    """Stands for the ``shown`` lists of a level's rows until each is read: ``make(node)``
    makes it then (tree_filter.LazyShown: a filter's level of 20,000 kept rows was given
    20,000 lists in one GUI turn, two Python calls each, the rows on screen being a few)."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


def leaf(
    names: tuple[str, ...], variable, kind: str = VARIABLE, hint: str = "", rank: int = 0,
    node_class: type[TreeNode] = TreeNode,
) -> TreeNode:  # fmt: skip
    """A variable's node, to be placed at ``names`` when the levels above it are made.

    ``rank``: its place in the order the file gives (a Keras model's layers and
    variables in the model's order); siblings of equal rank (every variable of a
    TensorFlow checkpoint: 0) sort by name. ``node_class``: TreeNode or a subclass (the
    comparison's PairNode), whose own slots the subclass then sets.

    Made for every variable when a checkpoint opens (200,000 of them before its key
    view shows): each slot set once here, as ``TreeNode.__init__`` would leave it,
    without calling it (a third of the time). The one place that does: a slot added
    to TreeNode is added here, for every tree's leaves."""
    node = _new_node(node_class)
    node.name, node._parent, node.variable, node.kind, node.hint = names[-1], None, variable, kind, hint
    node._children, node.pending, node._shown, node.row = [], None, None, -1
    node.variable_count, node.nbytes = 1, variable.size_bytes
    node.elements = prod(variable.shape)  # a string's too, as its row says (num_elements)
    node.params = node.elements if kind != SLOT and variable.dtype.is_numeric else 0
    node.search_text, node.status, node.finding = "", None, None
    node.names, node.depth, node.hints, node.by_name = names, len(names), _NONE, _NONE
    node.rank = rank
    return node


_new_node = object.__new__


def root_of(leaves: list[TreeNode], hints: dict[tuple[str, ...], str], root: TreeNode | None = None) -> TreeNode:
    """The root of a tree of ``leaves`` (the root's children not made yet); ``root``:
    an empty node of a subclass (the comparison's), whose groups are then of its class."""
    root = TreeNode("") if root is None else root
    root.hints = hints
    if leaves:  # a slice at a time: one sort of 200,000 held the interpreter lock 40 to 250 ms (lock_slices.py)
        root.pending = sorted_in_slices(leaves, _NAMES)
    for node in paced(leaves):
        node._parent = root
        root.variable_count += node.variable_count
        root.params += node.params
        root.elements += node.elements
        root.nbytes += node.nbytes
    return root


def place(node: TreeNode) -> None:
    """Make the levels above a leaf, from the root down, until it has its place (and its ``row``)."""
    if node.row >= 0:
        return
    group = node._parent  # the root, until placed
    for name in node.names[:-1]:
        if group.pending is not None:
            _make_children(group)
        group = group.by_name[name]
    if group.pending is not None:
        _make_children(group)


def _make_children(node: TreeNode) -> None:
    with gc_paused():  # thousands of new nodes: no collections walking the whole tree meanwhile
        if isinstance(node.pending, list):
            _make_level(node)
        else:  # the key view's range of sorted keys (key_levels.KeyRange)
            node.pending.make_level(node)


def _make_level(node: TreeNode) -> None:
    """Make a group's children from the leaves below it (sorted by path): each run of
    one next name is a child, the leaf at that path itself if there is one (two keys on
    one path, rare: both, side by side), else a new group, and the rest of the run its
    pending leaves and totals. Children are sorted by rank (a group: its first
    variable's), then naturally by name, optimizer slots last."""
    pending, node.pending = node.pending, None
    depth, hints, children = node.depth, node.hints, node._children
    by_name = node.by_name = {}
    start = 0
    pace = Pace()  # a loop in Python over the level's runs: the lock let go now and then (lock_slices.paced)
    while start < len(pending):
        pace.step()
        name = pending[start].names[depth]
        end = _run_end(pending, start, depth)
        split = start
        while split < end and pending[split].depth == depth + 1:  # a path sorts before what is under it
            below = pending[split]
            below._parent, below.hints = node, hints
            if not below.hint:
                below.hint = hints.get(below.names, "")
            children.append(below)
            split += 1
        if split < end:
            below = pending[split:end]
            if split > start:
                child = pending[start]
            else:
                child = type(node)(name, node, hint=hints.get(below[0].names[: depth + 1], ""))
                child.depth, child.hints = depth + 1, hints
                child.rank = fold_in_slices(min, _RANK, below)  # a variable holding slots keeps its own
                children.append(child)
            child.pending = below
            child.variable_count += len(below)
            child.params += fold_in_slices(sum, _PARAMS, below)  # leaves not placed hold their own values
            child.elements += fold_in_slices(sum, _ELEMENTS, below)
            child.nbytes += fold_in_slices(sum, _NBYTES, below)
        by_name[name] = pending[start] if split > start else child
        start = end
    if len(children) > 1:  # (a level of 20,000 groups: a slice at a time, see lock_slices.py)
        # Each child's place worked out first, in Python, the lock let go now and then;
        # sorted by it in C (a Python key in the sort ran 10,000 times per slice).
        places = [(child_order(child), row) for row, child in enumerate(paced(children))]  # (ties: in order)
        children[:] = map_in_slices(children.__getitem__, map_in_slices(_ROW, sorted_in_slices(places, _PLACE)))
    for row, child in enumerate(children):
        child.row = row


def child_order(child: TreeNode) -> tuple:
    """Where a child sorts among its siblings: optimizer slots last, then by rank, then naturally by name."""
    return child.kind == SLOT, child.rank, _cached_natural_key(child.name)


def _run_end(pending: list[TreeNode], start: int, depth: int) -> int:
    """Where the run of leaves sharing ``pending[start]``'s name at ``depth`` ends
    (``pending`` sorted by path): found by galloping, then bisection, in steps about
    twice the log of the run's length, not a look at every leaf (a level made from
    200,000 leaves was one pass over all of them, in C, holding the interpreter lock)."""

    def name_at(leaf: TreeNode) -> str:
        return leaf.names[depth]

    name, total = pending[start].names[depth], len(pending)
    known, step = start, 1  # every leaf up to ``known`` has the name
    while start + step < total and name_at(pending[start + step]) == name:
        known, step = start + step, step * 2
    return bisect_right(pending, name, known + 1, min(start + step, total), key=name_at)
