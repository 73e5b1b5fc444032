"""Layer hints beside a tree's groups, and the text a filter searches.

Keras 3 keeps layers in lists (``_operations/3``): the variables' full names give the
layer's own name, shown beside the group. The object view works them out by group path
before its levels are made (:func:`hint_group`, :func:`pruned_hints`); trees made node
by node use :func:`hint_layer` and :func:`prune_hints`. The comparison's tree hints its
groups by the same rules.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from ckpt_gui.core.format.conventions import CATCH_ALL_LISTS
from ckpt_gui.core.format.object_graph import ObjectGraph
from ckpt_gui.core.views.lazy_node import TreeNode

Hints = dict[tuple[str, ...], str]  # a group's path -> the layer name shown beside it


def hint_group(hints: Hints, names: tuple[str, ...], full_name: str) -> None:
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


def pruned_hints(hints: Hints) -> Hints:
    """:func:`prune_hints` for hints by path: those several sibling groups share are dropped everywhere."""
    siblings: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path, hint in hints.items():
        siblings[path[:-1]].append(hint)
    shared: set[str] = {""}  # "": a group of several layers' variables (see hint_group)
    for names in siblings.values():
        if len(names) > 1 and len(set(names)) < len(names):
            shared.update(hint for hint, n in Counter(names).items() if n > 1)
    return {path: hint for path, hint in hints.items() if hint not in shared}


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


def search_text(node: TreeNode, hints: Hints, more: Callable[[str], str] | None = None) -> str:
    """A variable's path, key, object paths and the layer hints above it and its own,
    lower case (from its names: its levels need not be made). ``more``: further text
    by checkpoint key (see :func:`graph_search_text`).

    The object paths make the key view findable by what the object view shows: a
    Keras 3 checkpoint keys its weights ``optimizer/_trainable_variables/N``, where
    neither key nor path says ``bias``; its object path ``model/.../1/bias`` does."""
    names = node.names
    above = [hints.get(names[:end], "") for end in range(len(names) - 1, 0, -1)]
    variable = node.variable
    texts = [node.path, variable.key, *variable.object_paths, *[h for h in above if h], node.hint]
    if more is not None:
        texts.append(more(variable.key))
    return "\n".join(texts).lower()


def graph_search_text(graph: ObjectGraph) -> Callable[[str], str]:
    """For a key view: a key's layer name (the variable's TF name, ``dense_1/bias``)
    and, for an optimizer slot, its variable's object paths, the slot's name and the
    two joined, as the object view, which places the slot under its variable, finds it."""
    slots = graph.slots

    def more(key: str) -> str:
        found = graph.attribute_of_key(key)
        if found is None:
            return ""
        node_id, attribute, _extra = found
        texts = [attribute.full_name]
        link = slots.get(node_id)
        if link is not None:
            texts += ["/".join(path) for path in graph.paths(link.variable_node)]
            texts.append(link.slot_name)
            # Its whole name too, as the object view, inspect and diff print it: pasted into
            # the filter, ``…/1/_kernel/momentum`` found nothing here (review 21 #8).
            texts.append(graph.slot_names.get(key, ""))
        return "\n".join(texts)

    return more
