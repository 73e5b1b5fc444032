"""The TF2 object graph (``_CHECKPOINTABLE_OBJECT_GRAPH``): which object owns which value.

A TrackableObjectGraph (trackable_object_graph.proto) lists objects; node 0 is the
root (the ``tf.train.Checkpoint`` or the saved model), children are named edges,
attributes map an object's values to checkpoint keys, and optimizers list their slot
variables. An object can be reached by several paths: with Keras 3 a Dense kernel
sits at ``model/_functional/_operations/1/_kernel`` and at
``optimizer/_trainable_variables/0``; the key TensorFlow stored uses one of them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, compress, count, repeat
from operator import add, attrgetter, gt, itemgetter
from typing import NamedTuple

from ckpt_gui.core.format.cached import cached_property
from ckpt_gui.core.format.conventions import (
    CATCH_ALL_LISTS,
    KERAS_OPTIMIZER_LISTS,
    OPTIMIZER_SLOT,
    OPTIMIZER_TRAINABLE_LIST,
    VARIABLE_VALUE,
    is_optimizer_name,
    is_optimizer_object,
    keras_slot_name,
)
from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.lock_slices import Pace, index_in_slices, map_in_slices, paced, slices
from ckpt_gui.core.format.object_graph_wire import GraphColumns, align_by_key, decode_graph

MAX_PATHS_PER_NODE = 16  # enough for every real alias; bounds the walk on pathological graphs


class Attribute(NamedTuple):
    """A value an object saves: ``name`` is usually VARIABLE_VALUE. (A tuple: one per
    variable, made in bulk at C speed.)"""

    name: str
    full_name: str  # the TF1-style variable name, e.g. "sequential/dense/kernel"
    checkpoint_key: str


@dataclass(frozen=True, slots=True)
class SlotLink:
    """An optimizer slot (Adam's m/v, momentum...) and the variable it belongs to."""

    variable_node: int
    slot_name: str
    optimizer_node: int


class ObjectGraph:
    """The decoded object graph, with every path to each object and the slot links."""

    def __init__(self, columns: GraphColumns) -> None:
        if not columns.node_count:
            raise WireFormatError("object graph has no root node")
        # Only the columns are kept; what a node's objects, paths and slots need is made
        # when first asked (listing a checkpoint needs only all_object_paths).
        self.columns = columns
        self.slot_variables = columns.slot_variables  # (optimizer node, variable node, slot name, slot node)

    @cached_property
    def children(self) -> list:
        """children[node]: (local name, node id) of each child, in stored order."""
        return self.columns.children

    @cached_property
    def _attributes(self) -> list[tuple[int, str, str, str]]:
        return self.columns.attributes

    @cached_property
    def optimizer_nodes(self) -> set[int]:
        return self._find_optimizers()

    @cached_property
    def slots(self) -> dict[int, SlotLink]:
        return self._link_slots()

    @cached_property
    def _paths(self) -> dict[int, list[tuple[str, ...]]]:
        return self._walk_paths()

    @cached_property
    def _row_of_key(self) -> dict[str, tuple[int, str, str, str]]:
        """The decoded row of each key (the last node saving it), no Attribute made;
        made a slice at a time: one dict(zip(...)) of 200,000 rows held the interpreter
        lock 0.1 to 0.3 s on the app's open job, the GUI thread waiting."""
        return index_in_slices(self._attributes, itemgetter(3))  # in order: the last row of a key wins

    @cached_property
    def node_of_key(self) -> dict[str, tuple[int, Attribute]]:
        columns, found = self.columns, {}
        names, full_names, keys = columns.attribute_names, columns.full_names, columns.keys
        for start, stop in slices(len(keys)):  # the lock let go between two (a comparison's worker)
            part = slice(start, stop)
            values = map(tuple.__new__, repeat(Attribute), zip(names[part], full_names[part], keys[part]))
            # The last node saving a key wins, as when the nodes are read in order.
            found.update(zip(keys[part], zip(columns.attribute_nodes[part], values)))
        return found

    @cached_property
    def slot_names(self) -> dict[str, str]:
        """``{key: name}`` of each optimizer slot's value, named by the variable it belongs
        to and the slot (``model/_functional/_operations/1/_kernel/momentum``), as the
        object view places it, ``diff`` and the doctor name it (the optimizer's own path,
        ``optimizer/_momentums/0``, is only an object path of it: review 21 #8)."""
        columns = self.columns
        # Slots are a legacy optimizer's slot variables or a Keras 3 optimizer's lists beside
        # its ``_trainable_variables``: without either (most graphs), no slot links are looked
        # for (their search walks every node: 1.1 s at 200,000 variables, for a listing).
        if not columns.slot_variables and OPTIMIZER_TRAINABLE_LIST not in columns.child_names:
            return {}
        slots = self.slots
        if not slots:
            return {}
        nodes, keys, row_of_key = columns.attribute_nodes, columns.keys, self._row_of_key
        names: dict[str, str] = {}
        for at in compress(count(), map(slots.__contains__, nodes)):  # in C: most values are no slot's
            key, link = keys[at], slots[nodes[at]]
            owner = self.paths(link.variable_node)
            if owner and row_of_key[key][0] == nodes[at]:  # the last node saving the key (as node_of_key)
                names[key] = "/".join((*owner[0], link.slot_name))
        return names

    def make_lazy_parts(self) -> None:
        """Make now what is otherwise made on first use (slot links, optimizer nodes,
        each key's row, the paths, the slots' names): the app's opening job calls it, so
        that first use (a menu, a comparison, a banner) does not fall on the GUI thread."""
        _made = self.slots, self._row_of_key, self._paths, self.slot_names

    @classmethod
    def parse(cls, blob: bytes, progress: Callable[[int, int], None] | None = None) -> ObjectGraph:
        """``progress(done, total)``: the graph's bytes decoded, between pieces of about
        a megabyte (no single C call holds the interpreter lock long); it may raise."""
        with gc_paused():  # objects per node, edge and path; no cycles among them
            return cls(decode_graph(blob, progress))

    def summary(self) -> str:
        """What the graph holds, in one line (the Details of its checkpoint entry: the
        entry itself is a serialized proto, unreadable as a value)."""
        return (
            f"TF2 object graph: {self.columns.node_count:,} objects, {len(self.columns.keys):,} saved values, "
            f"{len(self.slots):,} optimizer slot variables"
        )

    def all_object_paths(self) -> dict[str, tuple[str, ...]]:
        """:meth:`object_paths` of every key an attribute saves, at once (listing a
        checkpoint asks for all of them)."""
        if "_paths" not in self.__dict__:
            found = _tree_object_paths(self.columns)
            if found is not None:
                return found
        paths = self._paths
        keys = list(self.node_of_key)
        owners = list(self.node_of_key.values())
        found = list(map(paths.get, map(itemgetter(0), owners), repeat(())))
        names = set(map(attrgetter("name"), map(itemgetter(1), owners)))
        if names <= {VARIABLE_VALUE} and set(map(len, found)) == {1}:
            # The usual checkpoint: every key a variable's value with one path. Column
            # by column, in C (zip of one column makes the 1-tuples).
            return dict(zip(keys, zip(map("/".join, map(itemgetter(0), found)))))
        out = {}
        for key, (node_id, attribute) in self.node_of_key.items():
            found = paths.get(node_id, ())
            if attribute.name == VARIABLE_VALUE:
                out[key] = ("/".join(found[0]),) if len(found) == 1 else tuple(map("/".join, found))
            else:
                suffix = (attribute.name,)
                out[key] = tuple("/".join(path + suffix) for path in found)
        return out

    def object_paths_in_order(self, keys: list[str]) -> tuple[list, SortedKeys] | None:
        """``all_object_paths().get(key)`` of each of ``keys`` (ascending), and the keys
        that have paths (for ``in``), in one merge rather than through a dict of every
        key: when the C decoder sorted the usual listing by key. None otherwise."""
        by_key = self.columns.paths_by_key
        if by_key is None:
            return None
        found = align_by_key(keys, *by_key)
        return None if found is None else (found, SortedKeys(by_key[0]))

    # -- paths ----------------------------------------------------------------------

    def paths(self, node_id: int) -> list[tuple[str, ...]]:
        """Every path of local names from the root to a node, the preferred one first.

        Slot variables, which no child edge reaches, get the path of their variable
        followed by ``.OPTIMIZER_SLOT``, the optimizer's path and the slot name,
        mirroring TensorFlow's key for them.
        """
        return self._paths.get(node_id, [])

    def object_paths(self, checkpoint_key: str) -> list[str]:
        """Readable paths of the object owning ``checkpoint_key``, preferred first;
        the ``VARIABLE_VALUE`` attribute is implied, any other attribute is appended."""
        found = self.attribute_of_key(checkpoint_key)
        if found is None:
            return []
        node_id, attribute, extra = found
        suffix = () if attribute.name == VARIABLE_VALUE and not extra else (attribute.name + extra,)
        return ["/".join(path + suffix) for path in self.paths(node_id)]

    def tf_name(self, checkpoint_key: str) -> str:
        """The name TensorFlow gave the variable saved under ``checkpoint_key`` (its
        ``full_name``: ``sequential/dense/kernel``), "" when the graph keeps none."""
        found = self.attribute_of_key(checkpoint_key)
        return found[1].full_name if found is not None else ""

    def attribute_of_key(self, checkpoint_key: str) -> tuple[int, Attribute, str] | None:
        """The node and attribute that saved a key, and the key's extra suffix.

        Usually the key is the attribute's ``checkpoint_key``; a saveable with several
        tensors stores them under that key plus a suffix (a tf.data iterator saves
        ``.../.ATTRIBUTES/ITERATOR`` as ``.../.ATTRIBUTES/ITERATOR_STATE``, lookup
        tables add ``-keys``/``-values``).
        """
        row_of_key = self._row_of_key
        found = row_of_key.get(checkpoint_key)
        if found is not None:
            return found[0], Attribute(*found[1:]), ""
        for end in range(len(checkpoint_key) - 1, 0, -1):
            found = row_of_key.get(checkpoint_key[:end])
            if found is not None and "/" not in checkpoint_key[end:]:
                return found[0], Attribute(*found[1:]), checkpoint_key[end:]
        return None

    def is_optimizer_path(self, path: tuple[str, ...]) -> bool:
        node = 0
        for name in path:
            if name == OPTIMIZER_SLOT:
                return True
            node = self._child(node, name)
            if node is None:
                return False
            if node in self.optimizer_nodes:
                return True
        return False

    def _child(self, node_id: int, name: str) -> int | None:
        for child_name, child_id in self.children[node_id]:
            if child_name == name:
                return child_id
        return None

    def _walk_paths(self) -> dict[int, list[tuple[str, ...]]]:
        children = self.children
        found: dict[int, list[tuple[tuple[str, ...], bool]]] = {0: [((), False)]}
        # Breadth-first, so shorter paths come first; a path never revisits a node.
        queue = deque([(0, (), (0,), False)])
        optimizers = self.optimizer_nodes
        pace = Pace()  # a loop in Python: the lock let go now and then (lock_slices.paced)
        while queue:
            node_id, path, visited, via_optimizer = queue.popleft()
            for name, child in children[node_id]:
                pace.step()  # (per child: one node may hold 20,000)
                if child in visited:
                    continue
                child_path = path + (name,)
                child_via = via_optimizer or child in optimizers
                known = found.get(child)
                if known is None:  # the usual case: the first (often only) path to a node
                    found[child] = [(child_path, child_via)]
                elif len(known) < MAX_PATHS_PER_NODE:
                    known.append((child_path, child_via))
                else:
                    continue
                if children[child]:  # most nodes are leaves (variables): nothing to expand
                    queue.append((child, child_path, visited + (child,), child_via))
        ranked = {}
        for node_id, paths in paced(found.items()):
            ranked[node_id] = [paths[0][0]] if len(paths) == 1 else _rank(paths)
        for slot_node, link in paced(self.slots.items()):
            if slot_node in ranked:
                continue
            variable_paths = ranked.get(link.variable_node)
            optimizer_paths = ranked.get(link.optimizer_node)
            if variable_paths and optimizer_paths:
                ranked[slot_node] = [variable_paths[0] + (OPTIMIZER_SLOT,) + optimizer_paths[0] + (link.slot_name,)]
        return ranked

    # -- optimizers and slots -------------------------------------------------------

    def _find_optimizers(self) -> set[int]:
        optimizers = {owner for owner, *_slot in self.slot_variables}  # legacy optimizers own slot variables
        names: set[str] = set()
        for start, stop in slices(len(self.children)):  # every child's name, the lock let go between two
            names.update(map(itemgetter(0), chain.from_iterable(self.children[start:stop])))
        optimizer_names = {name for name in names if is_optimizer_name(name)}
        if not optimizer_names and not is_optimizer_object(names, False):
            return optimizers  # not even all the graph's names together look like an optimizer's
        for node_id, children in enumerate(self.children):
            if not children:
                continue
            if is_optimizer_object([name for name, _child in children], False):
                optimizers.add(node_id)
            if optimizer_names:
                optimizers.update(child for name, child in children if name in optimizer_names)
        return optimizers

    def _link_slots(self) -> dict[int, SlotLink]:
        links: dict[int, SlotLink] = {}
        for owner, original, slot_name, slot_node in self.slot_variables:
            links[slot_node] = SlotLink(original, slot_name, owner)
        for optimizer in self.optimizer_nodes:
            links.update(self._keras_slots(optimizer))
        return links

    def _keras_slots(self, optimizer: int) -> dict[int, SlotLink]:
        """Keras 3 optimizers keep no slot_variables; their per-variable state lives in
        lists (``_momentums[i]`` belongs to ``_trainable_variables[i]``)."""
        children = dict(self.children[optimizer])
        trainable = children.get(OPTIMIZER_TRAINABLE_LIST)
        if trainable is None:
            return {}
        variables = dict(self.children[trainable])
        links = {}
        for list_name, list_node in children.items():
            if list_name in KERAS_OPTIMIZER_LISTS or list_node == trainable:
                continue
            elements = self.children[list_node]
            if not elements or not all(name.isdigit() for name, _ in elements):
                continue
            slot_name = keras_slot_name(list_name)
            for index, slot_node in elements:
                variable = variables.get(index)
                if variable is not None and slot_node != variable:
                    links.setdefault(slot_node, SlotLink(variable, slot_name, optimizer))
        return links


class SortedKeys:
    """``key in`` an ascending list of keys, by bisection."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def __contains__(self, key: object) -> bool:
        i = bisect_left(self.keys, key)
        return i < len(self.keys) and self.keys[i] == key


def _tree_object_paths(columns: GraphColumns) -> dict[str, tuple[str, ...]] | None:
    """``all_object_paths`` straight from the columns when the graph is a tree whose
    nodes come after their parents (as TensorFlow numbers them, breadth first): no node
    reached twice, none pointing back at the root, every node holding children reached,
    no legacy slot variables. Then every reachable node has one path, so no path tuples,
    ranking or slot links are needed (Keras slots are list elements, reached as
    children already), and each path is its parent's plus its name, made in reference
    order. None otherwise."""
    path_of = columns.node_paths  # made by the C decoder when the graph is such a tree
    if path_of is None:
        path_of = _tree_paths(columns)
        if path_of is None:
            return None
    keys, owners = columns.keys, columns.attribute_nodes
    if not keys:
        return {}
    attribute_names = set(columns.attribute_names)
    owner_paths = map_in_slices(path_of.__getitem__, owners)
    if attribute_names == {VARIABLE_VALUE} and None not in owner_paths:
        found: dict[str, tuple[str, ...]] = {}
        for start, stop in slices(len(keys)):  # the usual checkpoint, in C, a slice at a time
            found.update(zip(keys[start:stop], zip(owner_paths[start:stop])))
        return found
    out = {}
    for key, node_id, name, path in zip(keys, owners, columns.attribute_names, owner_paths):
        if path is None:
            out[key] = ()
        elif name == VARIABLE_VALUE:
            out[key] = (path,)
        else:  # the attribute's name appended ("/".join of the root's path and it: the name)
            out[key] = (f"{path}/{name}" if node_id else name,)
    return out


def _tree_paths(columns: GraphColumns) -> list[str | None] | None:
    """Each node's path (None when unreached) when the graph is such a tree, else None."""
    parents, ids, names = columns.parents, columns.child_ids, columns.child_names
    if columns.slot_variables or not _is_ordered_tree(parents, ids):
        return None
    path_of: list[str | None] = [None] * columns.node_count
    path_of[0] = ""
    roots = bisect_left(parents, 1)  # the root's references come first: no leading "/"
    path_of_set = path_of.__setitem__
    for start, stop in slices(len(ids)):  # a bounded C call at a time
        if start < roots:
            row = min(stop, roots)
            deque(map(path_of_set, ids[start:row], names[start:row]), maxlen=0)
            start = row
        # Each path made from its parent's, made earlier in this same lazy chain.
        slashed = map(add, map(path_of.__getitem__, parents[start:stop]), repeat("/"))
        deque(map(path_of_set, ids[start:stop], map(add, slashed, names[start:stop])), maxlen=0)
    return path_of


def _is_ordered_tree(parents: list[int], ids: list[int]) -> bool:
    """Whether every node is reached once at most, never the root, always from a lower
    node, and every node holding references is reached (or is the root)."""
    seen: set[int] = set()
    for start, stop in slices(len(ids)):
        part = ids[start:stop]
        if not all(map(gt, part, parents[start:stop])):
            return False
        seen.update(part)
    if len(seen) != len(ids) or 0 in seen:
        return False
    return seen.issuperset(set(parents) - {0})


def _rank(paths: list[tuple[tuple[str, ...], bool]]) -> list[tuple[str, ...]]:
    """Model paths before optimizer paths, then paths through fewer catch-all lists
    (``_variables``: ``_momentums/0`` says more), fewer private (``_x``) names,
    shorter, and first found."""
    if len(paths) == 1:
        return [paths[0][0]]

    def key(i: int) -> tuple:
        path, via_optimizer = paths[i]
        return (
            via_optimizer,
            sum(n in CATCH_ALL_LISTS for n in path),
            sum(n.startswith("_") for n in path),
            len(path),
            i,
        )

    return [paths[i][0] for i in sorted(range(len(paths)), key=key)]
