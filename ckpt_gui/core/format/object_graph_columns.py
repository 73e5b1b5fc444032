"""The decoded object graph as columns (``GraphColumns``), whichever decoder made it
(object_graph_wire.py says which runs when): every child reference, attribute and slot
variable in node order, per-node lists made only when first asked for."""

from __future__ import annotations

from operator import ne

from ckpt_gui.core.format.cached import cached_property
from ckpt_gui.core.format.lock_slices import map_in_slices, paced, positions_in_slices, zip_in_slices

Children = list[tuple[str, int]]  # (local name, node id), in stored order


class GraphColumns:
    """The decoded graph as columns in node order: every child reference (its node,
    the child's id and local name), every attribute, every slot variable. Per-node
    lists and attribute rows are made when first asked for (listing needs neither)."""

    def __init__(self) -> None:
        self.node_count = 0
        self.parents: list[int] = []  # the node holding each child reference
        self.child_ids: list[int] = []
        self.child_names: list[str] = []
        self.attribute_nodes: list[int] = []
        self.attribute_names: list[str] = []  # usually VARIABLE_VALUE
        # full_name of each: a str, or (from the bulk decoder) its bytes, decoded when
        # first asked for (listing does not need it)
        self.full_fields: list[str | bytes] = []
        self.keys: list[str] = []  # checkpoint keys
        # (owning node, original variable node, slot name, slot variable node), in node order
        self.slot_variables: list[tuple[int, int, str, int]] = []
        # Each node's object path when the graph is a tree (see object_graph's
        # _tree_object_paths), from the C decoder; None when not known
        self.node_paths: list[str | None] | None = None
        # _tree_object_paths's answer as (keys, (path,) of each) sorted by key, from the
        # C decoder when it is the usual listing (see ObjectGraph.object_paths_in_order)
        self.paths_by_key: tuple[list[str], list[tuple[str]]] | None = None

    def add_node(self, children: Children, attributes: list, slots: list) -> None:
        """Append one node decoded by the exact decoder."""
        node_id = self.node_count
        self.node_count += 1
        for name, child in children:
            self.parents.append(node_id)
            self.child_ids.append(child)
            self.child_names.append(name)
        for name, full_name, key in attributes:
            self.attribute_nodes.append(node_id)
            self.attribute_names.append(name)
            self.full_fields.append(full_name)
            self.keys.append(key)
        self.slot_variables += [(node_id, *s) for s in slots]

    @cached_property
    def children(self) -> list[Children | tuple[()]]:
        """Per node: (local name, node id) of each child, in stored order."""
        children: list = [()] * self.node_count
        parents = self.parents
        if not parents:
            return children
        # A slice at a time (lock_slices.py): made on the app's open job, the GUI thread
        # waiting for the lock (200,000 variables: each of these in one call took 40 to 120 ms).
        pairs = zip_in_slices(self.child_names, self.child_ids)
        # Parents come in node order: each node's references are a run, starting where the parent changes.
        firsts = [0, *(at + 1 for at in positions_in_slices(ne, parents[:-1], parents[1:]))]
        holders = map_in_slices(parents.__getitem__, firsts)
        for node, first, last in zip(holders, firsts, [*firsts[1:], len(parents)]):
            children[node] = pairs[first:last]
        return children

    @cached_property
    def full_names(self) -> list[str]:
        return [full_name(field) for field in paced(self.full_fields)]

    @cached_property
    def attributes(self) -> list[tuple[int, str, str, str]]:
        """(node id, attribute name, full_name, checkpoint_key), in node order (a slice at a time)."""
        return zip_in_slices(self.attribute_nodes, self.attribute_names, self.full_names, self.keys)


def full_name(field: str | bytes) -> str:
    return field if isinstance(field, str) else field.decode("utf-8", "surrogateescape")
