"""A built variable tree: its root, the index from checkpoint key to node, the totals
the status bar shows, a restore report's marks and the filter's state."""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import attrgetter

from ckpt_gui.core.format.cached import cached_property
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.format.lock_slices import index_in_slices, paced
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views.lazy_node import MODEL_ONLY, VARIABLE, TreeNode, root_of
from ckpt_gui.core.views.restore_finding import TreeFinding
from ckpt_gui.core.views.tree_filter import (
    FilteredView,
    filtered_view,
    matching_nodes,
    show_all_made,
    show_all_touched,
    show_view,
)
from ckpt_gui.core.views.tree_hints import Hints, search_text

FIRST_TRIES = 16  # the largest candidates first_not_passed looks at before it takes the largest anyway
DISMANTLE_STEP = 5_000  # nodes per step of VariableTree.dismantle (a few milliseconds)
SEARCH_SLICE = 5_000  # search texts made between two looks whether their making was cancelled
_VARIABLE_KEY = attrgetter("variable.key")


def first_not_passed(candidates: list, size, key_of, passed_over: Callable[[str], bool] | None):
    """The largest of ``candidates`` by ``size`` (the first of equals) that ``passed_over``
    does not pass over (by its key, ``key_of``), among the FIRST_TRIES largest; else the
    largest: an all-zero tensor is still a better start than none."""
    largest = max(paced(candidates), key=size, default=None)  # (a key in Python: the lock let go now and then)
    if largest is None or passed_over is None or not passed_over(key_of(largest)):
        return largest
    ranked = heapq.nlargest(FIRST_TRIES, paced(candidates), key=size)  # (stable: equals in their order)
    return next((c for c in ranked if not passed_over(key_of(c))), largest)


class VariableTree:
    """A built tree plus the index from checkpoint key to node."""

    # key -> whether its tensor is known to be all zeros without reading it (the index's
    # CRC: core/format/zero_entries.py): the first choice passes over such a tensor.
    passed_over: Callable[[str], bool] | None = None

    def __init__(self, leaves: list[TreeNode], hints: Hints | None = None) -> None:
        """The tree of ``leaves`` (made by :func:`~ckpt_gui.core.views.lazy_node.leaf`),
        its levels made when first shown."""
        # Indexed a slice at a time: one dict(zip(...)) of 200,000 held the interpreter
        # lock 0.1 to 0.3 s on the open job's worker (see core/format/lock_slices.py).
        self.start(root_of(leaves, hints or {}), index_in_slices(leaves, _VARIABLE_KEY))

    def start(self, root: TreeNode, by_key: Mapping[str, TreeNode]) -> None:
        """The tree of ``root`` and its leaves by key, not filtered (also a key view's,
        whose leaves are made on demand: core/views/key_levels.py)."""
        self.root = root
        self._hints = self.root.hints
        self.by_key = by_key
        # What "N variables" counts: every checkpoint value but the object graph, which
        # has a row (it is an entry of the index) but is metadata, not a variable. The
        # status bar and `inspect` count the same way. (Keys are unique: one such row at most.)
        self.variable_total = len(by_key) - (OBJECT_GRAPH_KEY in self.by_key)
        self.has_object_graph = OBJECT_GRAPH_KEY in self.by_key  # a row, not counted as a variable
        self.model_only: list[TreeNode] = []  # rows a diagnosis added for model-only variables
        # Whether those rows go at their readable path (a Keras file's object view, which
        # names the file's weights ``dense_2/kernel``) rather than their model path (the
        # object view of a checkpoint: its object paths; any key view: its keys).
        self.readable_model_only = False
        # Whether a model-only optimizer slot goes under its variable (the object view of a
        # checkpoint, which places the checkpoint's slots there), by its slot_name.
        self.slots_under_variables = False
        # An optimizer's slots the object view places under their variables, by the
        # optimizer's path: (how many, their elements), for its row's tooltip (its own row
        # counts none of them; see tree_build.object_tree).
        self.slots_placed_elsewhere: dict[str, tuple[int, int]] = {}
        self._added: list[TreeNode] = []  # every node it added (groups too), to take them out again
        self._searchable = False  # search texts are made after open (prepare_search) or by the first filter
        self._search_lock = threading.Lock()  # one thread makes them, the other waits for them
        self._search_version = 0  # what search_also changed since the texts were made
        # Further search text by key (a key view's object paths, see tree_hints.graph_search_text)
        self.search_more: Callable[[str], str] | None = None
        self._reported = False  # whether a report's statuses are on the nodes
        self.first_choice: TreeNode | None | bool = False  # not worked out yet (see first_to_show)
        self._filtered = True  # whether nodes' ``shown`` lists may be set (before the first show_all)
        self._touched: dict[int, TreeNode] = {}  # nodes a filter gave ``shown`` lists (tree_filter.show_view)
        self.match_count = self.apply_filter(None)

    @cached_property
    def dtype_names(self) -> list[str]:
        """The dtypes of its variables, by name, sorted. (A walk over every variable:
        asked once off the GUI thread when a checkpoint opens, see app/opening.py.)"""
        return sorted({node.variable.dtype.name for node in paced(self.by_key.values())})

    @cached_property
    def variable_bytes(self) -> int:
        """The bytes of its variables in the data files, the object graph's not counted
        (as ``variable_total``); worked out when :attr:`dtype_names` is."""
        variables = map(attrgetter("variable"), paced(self.by_key.values()))
        return sum(variable.size_bytes for variable in variables if not variable.is_object_graph)

    def largest_floating(self) -> TreeNode | None:
        """The variable first_to_show chooses (see there); the first of equals in key order."""
        candidates = [n for n in paced(self.by_key.values()) if n.kind == VARIABLE and n.variable.dtype.is_floating]
        return first_not_passed(candidates, lambda n: (len(n.variable.shape) >= 2, n.variable.num_elements),
                                lambda n: n.variable.key, self.passed_over)  # fmt: skip

    def use_variables(self, variables: list) -> None:
        """Its variables again, with their object paths (the graph decoded): the same
        key, dtype and shape, one reference swapped each."""
        by_key = {variable.key: variable for variable in variables}
        for node in self.by_key.values():
            node.variable = by_key[node.variable.key]

    def search_also(self, more: Callable[[str], str] | None) -> None:
        """Filters also search ``more(key)`` (and variables' object paths given since
        the last filter): search texts are made again by the next filter."""
        self.search_more, self._searchable = more, False
        self._search_version += 1  # texts being made meanwhile are made again

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
        """A row at the variable's model path, or in a Keras file's object view at its
        readable one (``dense_3/kernel`` for ``layers/dense_3/vars/0``, as the file's own
        weights read); the model path stays in its tooltip, Details and search text."""
        model_path = finding.model_path or ""
        # A model-only slot under its variable, as the checkpoint's own slots are (review 23
        # #4: ``optimizer > _momentums > 4``, far from the new layer's ``_kernel``), under a
        # model-only variable's own row too (the report lists variables before slots).
        slot = self.slots_under_variables and finding.slot_name
        names = ((self.readable_model_only and finding.readable_name) or slot or model_path).split("/")
        node = self.root
        for name in names[:-1]:
            child = next((c for c in node.children if c.name == name and (c.kind != MODEL_ONLY or slot)), None)
            if child is None:
                child = TreeNode(name, node, hint="model only")
                node.children.append(child)
                self._added.append(child)
            node = child
        leaf = TreeNode(names[-1], node, kind=MODEL_ONLY, status=RestoreStatus.MISSING, finding=finding)
        leaf.search_text = "\n".join(dict.fromkeys([model_path, "/".join(names), RestoreStatus.MISSING])).lower()
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
        self._touched = {}
        self.__dict__.pop("leaf_by_names", None)  # the filter's index of every leaf
        self.root = root_of([], self._hints)
        while stack:
            for _ in range(min(len(stack), DISMANTLE_STEP)):
                node = stack.pop()  # freed once its children have cut their links to it
                node._parent = None
                node._shown = None  # a filter's rows (tree_filter.LazyShown) hold their node: a cycle
                if node.pending is not None:  # a key view's range: only its leaves made
                    stack.extend(node.pending if isinstance(node.pending, list) else node.pending.made_leaves())
                stack.extend(node._children)
            yield

    def apply_filter(self, accept: Callable[[TreeNode], bool] | None) -> int:
        """Show the variables ``accept`` takes (all when None), with their ancestors and
        the slots under them; return how many variables are shown (the object graph's
        row not counted, as in ``variable_total``)."""
        if accept is None:
            return self.show_all()
        return self.show_matches(self.matching([], accept))

    def show_all(self) -> int:
        """No filter: every variable shown; how many."""
        if self._filtered:  # the first time: every node made shows all its children
            show_all_made(self.root)
            self._filtered = False
        show_all_touched(self._touched)
        self.match_count = self.variable_total + len(self.model_only)
        return self.match_count

    def filterable(self) -> list[TreeNode]:
        """What a filter chooses from (a list taken on the GUI thread for :meth:`matching`)."""
        return [*self.by_key.values(), *self.model_only]

    def matching(
        self, words: list[str], accept: Callable[[TreeNode], bool] | None, nodes: list[TreeNode] | None = None
    ) -> list[TreeNode]:
        """The ``nodes`` (:meth:`filterable`) holding every (lower-case) word in their
        search text that ``accept`` takes. Changes nothing shown: runs on a worker
        thread as well (the first call makes the search texts)."""
        self.prepare_search()
        return matching_nodes(self.filterable() if nodes is None else nodes, words, accept)

    @property
    def searchable(self) -> bool:
        """Whether the search texts are made (a filter then only scans them)."""
        return self._searchable

    def prepare_search(self, cancelled: Callable[[], bool] | None = None) -> bool:
        """Make the variables' search texts, if not made yet: on a worker thread once
        a large tree is shown (200,000 variables: 1 to 2.5 s), so that the first filter
        only scans them; a filter meanwhile waits for them, not making them twice.
        Made ahead, it stops once ``cancelled()`` (looked at every SEARCH_SLICE
        variables: the tree was replaced), made by none; whether they are made."""
        with self._search_lock:
            while not self._searchable:
                version = self._search_version
                nodes = list(self.by_key.values())
                for start in range(0, len(nodes), SEARCH_SLICE):
                    if cancelled is not None and cancelled():
                        return False  # the next filter or preparation makes them, all of them
                    for node in nodes[start : start + SEARCH_SLICE]:
                        node.search_text = search_text(node, self._hints, self.search_more)
                self._searchable = version == self._search_version  # else made again, with what came since
        return True

    def show_matches(self, chosen: list[TreeNode]) -> int:
        """Show ``chosen`` (from :meth:`matching`) and their ancestors; how many variables."""
        return self.show_view(self.filtered_view(chosen))

    def filtered_view(self, chosen: list[TreeNode]) -> FilteredView:
        """What showing ``chosen`` shows (tree_filter.filtered_view): worked out on a
        worker thread as well, the tree shown meanwhile."""
        return filtered_view(chosen, self.leaf_by_names)

    def show_view(self, view: FilteredView) -> int:
        """Show a :meth:`filtered_view` (its levels made as the view reaches them); how many variables."""
        show_view(self.root, view, self._touched)
        self.match_count = view.count
        return self.match_count

    @cached_property
    def leaf_by_names(self) -> dict[tuple[str, ...], TreeNode]:
        """Every variable's node by its path's names (made by the first filter, on a worker)."""
        return {node.names: node for node in self.by_key.values()}
