"""Filtering a variable tree: which nodes are shown (``node.shown`` children,
``node.row``), so that a Qt model presents the filtered tree without a proxy model.
For a tree made on demand only the levels above what is shown are made."""

from __future__ import annotations

from collections.abc import Callable

from ckpt_gui.core.views.lazy_node import NodePaths, TreeNode, place


def show_all_made(root: TreeNode) -> None:
    """No filter: every node made so far shows all its children (the ones made later do too)."""
    for node in root.built_nodes():
        node.shown = None
        for row, child in enumerate(node._children):
            child.row = row


def show_made_with_ancestors(root: TreeNode, chosen: list[TreeNode]) -> None:
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


def show_kept(root: TreeNode, chosen: list[TreeNode], touched: dict[int, TreeNode]) -> None:
    """:func:`show_made_with_ancestors` touching only the chosen nodes and their
    ancestors (the other nodes made are then unreachable from the root): a filter
    matching a few rows of a tree of 200,000 costs a few rows. ``touched`` gets every
    node given a ``shown`` list, for :func:`show_all_touched`."""
    keep: dict[int, TreeNode] = {id(root): root}
    for node in chosen:
        place(node)
        walker = node
        while walker is not None and id(walker) not in keep:
            keep[id(walker)] = walker
            walker = walker.parent
    for node in keep.values():
        node.shown = [child for child in node._children if id(child) in keep] if node.pending is None else []
        for row, child in enumerate(node.shown):
            child.row = row
    touched.update(keep)


def show_all_touched(touched: dict[int, TreeNode]) -> None:
    """No filter again: the nodes :func:`show_kept` gave ``shown`` lists show all their
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
