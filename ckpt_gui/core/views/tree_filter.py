"""Filtering a variable tree: which nodes are shown (``node.shown`` children,
``node.row``), so that a Qt model presents the filtered tree without a proxy model.
For a tree made on demand only the levels above what is shown are made.

A filter of a large tree is worked out off the GUI thread (:func:`filtered_view`:
the paths it keeps, how many children each shows, their totals), and shown level by
level as the view reaches it (:class:`LazyShown`): a filter matching 11,000 of
200,000 variables made 22,000 levels and their shown lists on the GUI thread
(0.5 to 1 s); now it makes the few levels on screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ckpt_gui.core.views.lazy_node import SLOT, NodePaths, ShownLater, TreeNode

Path = tuple[str, ...]


def show_all_made(root: TreeNode) -> None:
    """No filter: every node made so far shows all its children (the ones made later do too)."""
    for node in root.built_nodes():
        node.shown = None
        for row, child in enumerate(node._children):
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


def show_all_touched(touched: dict[int, TreeNode]) -> None:
    """No filter again: the nodes :func:`show_view` gave ``shown`` lists show all their
    children (the only ones whose ``shown`` or children's ``row`` changed)."""
    for node in touched.values():
        node.shown = None
        for row, child in enumerate(node._children):
            child.row = row
    touched.clear()


def matching_nodes(
    nodes: list[TreeNode], words: list[str], accept: Callable[[TreeNode], bool] | None
) -> list[TreeNode]:
    """The ``nodes`` whose search text holds every word and that ``accept`` takes:
    plain ``in`` tests over a list of strings, one word at a time over what is left
    (a tenth of the time of a predicate per node). Reads the nodes only: safe on a
    worker thread once their search texts are made."""
    if words:
        texts = [node.search_text for node in nodes]
        picked = range(len(nodes))
        for word in words:
            picked = [i for i in picked if word in texts[i]]
        nodes = [nodes[i] for i in picked]
    return nodes if accept is None else [node for node in nodes if accept(node)]


class FilteredView:
    """What a filter shows, by path: the paths kept (the chosen nodes' and those of
    the groups and variables above them), how many children each kept path shows,
    each kept path's totals over what it shows (variables, parameters, bytes, optimizer
    slots' elements), the model-only rows (a report's) it shows below each kept path,
    the chosen nodes (by id) and how many variables they are, and how many variables
    are shown besides because an optimizer slot under them was chosen (``holders``)."""

    __slots__ = ("keep", "counts", "totals", "model_only", "chosen", "count", "holders", "touched")

    def __init__(self) -> None:
        self.keep: set[Path] = {()}
        self.counts: dict[Path, int] = {}
        self.totals: dict[Path, list[int]] = {}
        self.model_only: dict[Path, int] = {}
        self.chosen: set[int] = set()
        self.count = 0
        self.holders = 0
        self.touched: dict[int, TreeNode] = {}  # the nodes given a LazyShown (set when shown)


def node_names(node: TreeNode) -> Path:
    """A node's path as names: a leaf's own (its levels need not be made), a row a
    report added (a model-only variable) from its parents."""
    return node.names or tuple(node.path.split("/"))


def filtered_view(chosen: list[TreeNode], leaf_by_names: dict[Path, TreeNode]) -> FilteredView:
    """The :class:`FilteredView` of the ``chosen`` nodes (:func:`matching_nodes`).
    Reads the nodes' names and variables only, never their levels: safe on a worker
    thread while the GUI thread shows (and makes levels of) the same tree.
    ``leaf_by_names``: every variable's node by its names (a variable shown because an
    optimizer slot under it was chosen counts as shown, as in the tree)."""
    view = FilteredView()
    keep, counts = view.keep, view.counts
    view.chosen = set(map(id, chosen))
    variables = []
    for node in chosen:
        variable = node.variable
        if variable is not None:
            variables.append(node)
        view.count += variable is None or not variable.is_object_graph  # a model-only row counts
        names = node_names(node)
        if variable is None:  # a model-only row: counted in each group above it, as a variable's totals are
            for end in range(len(names)):
                view.model_only[names[:end]] = view.model_only.get(names[:end], 0) + 1
        for end in range(len(names), 0, -1):  # up to the first path kept already
            path = names[:end]
            if path in keep:
                break
            keep.add(path)
            counts[names[: end - 1]] = counts.get(names[: end - 1], 0) + 1
            if end < len(names) and path in leaf_by_names and id(leaf_by_names[path]) not in view.chosen:
                variables.append(leaf_by_names[path])  # a variable above a chosen slot (counted once: kept once)
                view.holders += 1
    _add_totals(view.totals, variables)
    return view


def _add_totals(totals: dict[Path, list[int]], nodes: Iterable[TreeNode]) -> None:
    """Each variable's count, parameters, bytes and slot elements, added to every path
    above it and its own (as the tree counts a group's totals)."""
    for node in nodes:
        variable = node.variable
        numeric = variable.dtype.is_numeric
        slot = node.kind == SLOT
        params = variable.num_elements if numeric and not slot else 0
        slots = variable.num_elements - params  # the rest: slots' elements, and strings' (as the tree counts)
        names = node_names(node)
        for end in range(len(names) + 1):
            total = totals.get(names[:end])
            if total is None:
                totals[names[:end]] = [1, params, variable.size_bytes, slots]
            else:
                total[0] += 1
                total[1] += params
                total[2] += variable.size_bytes
                total[3] += slots


class LazyShown:
    """A node's shown children under a :class:`FilteredView`, made when first read
    (the node's level made then, its kept children given theirs): how many there are
    is known without making anything (a view's ``rowCount``, ``hasChildren``)."""

    __slots__ = ("view", "node", "path", "_rows")

    def __init__(self, view: FilteredView, node: TreeNode, path: Path) -> None:
        self.view, self.node, self.path, self._rows = view, node, path, None
        view.touched[id(node)] = node

    def made(self) -> list[TreeNode]:
        rows = self._rows
        if rows is None:
            rows = self._rows = []
            count = self.view.counts.get(self.path)
            if count:  # else no level to make
                keep, path = self.view.keep, self.path
                children = self.node.children
                if count == len(children):  # every child kept (a chip choosing most pairs): no test per child
                    rows += children  # (a level of 20,000 blocks tested so: 7 ms of the turn showing it)
                else:
                    rows += [child for child in children if (*path, child.name) in keep]
                view, touched = self.view, self.view.touched
                # Each row's own list when first read: a loop without a Python call per
                # row (the rows of a level of 20,000 blocks, most never on screen).
                later = ShownLater(lambda child: LazyShown(view, child, (*path, child.name)))
                for row, child in enumerate(rows):
                    child.row = row
                    child._shown = later  # noqa: SLF001 - lazy_node's own stand-in (its setter is a call per row)
                    touched[id(child)] = child  # as LazyShown would: show_all_touched resets it
        return rows

    def __len__(self) -> int:
        return len(self._rows) if self._rows is not None else self.view.counts.get(self.path, 0)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self):
        return iter(self.made())

    def __getitem__(self, row):
        return self.made()[row]

    def __contains__(self, node) -> bool:
        return node in self.made()

    def __eq__(self, other) -> bool:  # compares as the list of rows it stands for
        return self.made() == (other.made() if isinstance(other, LazyShown) else other)

    __hash__ = None  # type: ignore[assignment] (a list's stand-in: not hashable)

    def __repr__(self) -> str:
        return f"LazyShown({self.made()!r})"

    @property
    def totals(self) -> tuple[int, int, int, int] | None:
        found = self.view.totals.get(self.path)
        return tuple(found) if found is not None else (0, 0, 0, 0)


def show_view(root: TreeNode, view: FilteredView, touched: dict[int, TreeNode]) -> None:
    """Show ``view`` in the tree of ``root``: its levels are made as they are read.
    ``touched`` gets every node given a ``shown`` list, for :func:`show_all_touched`."""
    view.touched = touched
    root.shown = LazyShown(view, root, ())


def rows_made(node: TreeNode | None) -> None:
    """Make the shown children of ``node`` (and their ``row``), if a filter left them
    to be made: before a child's ``row`` is read."""
    if node is not None:
        shown = node.shown
        if isinstance(shown, LazyShown):
            shown.made()


def reach(node: TreeNode) -> None:
    """Make a filter's rows from the root down to ``node`` (as far as the filter shows
    the way): a node's ``shown`` is the filter's only once its parent's rows are made,
    so whatever reads it from below (is ``node`` shown?) reaches it first."""
    chain = [node]  # the node, its parent, ..., the root
    while (walker := chain[-1].parent) is not None:
        chain.append(walker)
    for depth in range(len(chain) - 1, 0, -1):
        upper, below = chain[depth], chain[depth - 1]
        shown = upper.shown
        if not isinstance(shown, LazyShown):
            return
        rows = shown.made()
        if not (0 <= below.row < len(rows) and rows[below.row] is below):
            return  # the filter does not show the way further down


def shown_totals(node: TreeNode) -> tuple[int, int, int, int] | None:
    """What ``node`` shows under the filter on (variables, parameters, bytes, slot
    elements); None without a filter."""
    shown = node.shown
    return shown.totals if isinstance(shown, LazyShown) else None


def shown_model_only(node: TreeNode) -> int | None:
    """How many model-only rows (a report's) ``node`` shows below it under the filter
    on; None without a filter."""
    shown = node.shown
    return shown.view.model_only.get(shown.path, 0) if isinstance(shown, LazyShown) else None
