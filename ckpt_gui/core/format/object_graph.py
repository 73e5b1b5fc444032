"""The TF2 object graph (``_CHECKPOINTABLE_OBJECT_GRAPH``): which object owns which value.

A TrackableObjectGraph (trackable_object_graph.proto) lists objects; node 0 is the
root (the ``tf.train.Checkpoint`` or the saved model), children are named edges,
attributes map an object's values to checkpoint keys, and optimizers list their slot
variables. An object can be reached by several paths: with Keras 3 a Dense kernel
sits at ``model/_functional/_operations/1/_kernel`` and at
``optimizer/_trainable_variables/0``; the key TensorFlow stored uses one of them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ckpt_gui.core.format.conventions import (
    CATCH_ALL_LISTS,
    KERAS_OPTIMIZER_LISTS,
    OPTIMIZER_SLOT,
    OPTIMIZER_TRAINABLE_LIST,
    VARIABLE_VALUE,
    is_optimizer_name,
    is_optimizer_object,
)
from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.wire import read_varint

MAX_PATHS_PER_NODE = 16  # enough for every real alias; bounds the walk on pathological graphs


@dataclass(frozen=True, slots=True)
class Attribute:
    """A value an object saves: ``name`` is usually VARIABLE_VALUE."""

    name: str
    full_name: str  # the TF1-style variable name, e.g. "sequential/dense/kernel"
    checkpoint_key: str


@dataclass(frozen=True, slots=True)
class SlotLink:
    """An optimizer slot (Adam's m/v, momentum...) and the variable it belongs to."""

    variable_node: int
    slot_name: str
    optimizer_node: int


@dataclass(slots=True)
class TrackableNode:
    node_id: int
    children: list[tuple[str, int]]  # (local name, node id), in stored order
    attributes: list[Attribute]
    slot_variables: list[tuple[int, str, int]]  # (original variable node, slot name, slot node)


class ObjectGraph:
    """The decoded object graph, with every path to each object and the slot links."""

    def __init__(self, nodes: list[TrackableNode]) -> None:
        if not nodes:
            raise WireFormatError("object graph has no root node")
        self.nodes = nodes
        self.optimizer_nodes = self._find_optimizers()
        self.slots: dict[int, SlotLink] = self._link_slots()
        self._paths = self._walk_paths()
        self.node_of_key: dict[str, tuple[int, Attribute]] = {}
        for node in nodes:
            for attribute in node.attributes:
                self.node_of_key[attribute.checkpoint_key] = (node.node_id, attribute)

    @classmethod
    def parse(cls, blob: bytes) -> ObjectGraph:
        try:
            with gc_paused():  # objects per node, edge and path; no cycles among them
                return cls(_decode_nodes(blob))
        except IndexError:
            raise WireFormatError("object graph is truncated") from None

    def summary(self) -> str:
        """What the graph holds, in one line (the Details of its checkpoint entry: the
        entry itself is a serialized proto, unreadable as a value)."""
        values = sum(len(node.attributes) for node in self.nodes)
        return (
            f"TF2 object graph: {len(self.nodes):,} objects, {values:,} saved values, "
            f"{len(self.slots):,} optimizer slot variables"
        )

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

    def attribute_of_key(self, checkpoint_key: str) -> tuple[int, Attribute, str] | None:
        """The node and attribute that saved a key, and the key's extra suffix.

        Usually the key is the attribute's ``checkpoint_key``; a saveable with several
        tensors stores them under that key plus a suffix (a tf.data iterator saves
        ``.../.ATTRIBUTES/ITERATOR`` as ``.../.ATTRIBUTES/ITERATOR_STATE``, lookup
        tables add ``-keys``/``-values``).
        """
        found = self.node_of_key.get(checkpoint_key)
        if found is not None:
            return found[0], found[1], ""
        for end in range(len(checkpoint_key) - 1, 0, -1):
            found = self.node_of_key.get(checkpoint_key[:end])
            if found is not None and "/" not in checkpoint_key[end:]:
                return found[0], found[1], checkpoint_key[end:]
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
        for child_name, child_id in self.nodes[node_id].children:
            if child_name == name:
                return child_id
        return None

    def _walk_paths(self) -> dict[int, list[tuple[str, ...]]]:
        nodes = self.nodes
        found: dict[int, list[tuple[tuple[str, ...], bool]]] = {0: [((), False)]}
        # Breadth-first, so shorter paths come first; a path never revisits a node.
        queue = deque([(0, (), (0,), False)])
        optimizers = self.optimizer_nodes
        while queue:
            node_id, path, visited, via_optimizer = queue.popleft()
            for name, child in nodes[node_id].children:
                if child in visited:
                    continue
                known = found.setdefault(child, [])
                if len(known) >= MAX_PATHS_PER_NODE:
                    continue
                child_path = path + (name,)
                child_via = via_optimizer or child in optimizers
                known.append((child_path, child_via))
                if nodes[child].children:  # most nodes are leaves (variables): nothing to expand
                    queue.append((child, child_path, visited + (child,), child_via))
        ranked = {node_id: _rank(paths) for node_id, paths in found.items()}
        for slot_node, link in self.slots.items():
            if slot_node in ranked:
                continue
            variable_paths = ranked.get(link.variable_node)
            optimizer_paths = ranked.get(link.optimizer_node)
            if variable_paths and optimizer_paths:
                ranked[slot_node] = [variable_paths[0] + (OPTIMIZER_SLOT,) + optimizer_paths[0] + (link.slot_name,)]
        return ranked

    # -- optimizers and slots -------------------------------------------------------

    def _find_optimizers(self) -> set[int]:
        optimizers = set()
        for node in self.nodes:
            if is_optimizer_object([name for name, _child in node.children], bool(node.slot_variables)):
                optimizers.add(node.node_id)
            optimizers.update(child for name, child in node.children if is_optimizer_name(name))
        return optimizers

    def _link_slots(self) -> dict[int, SlotLink]:
        links: dict[int, SlotLink] = {}
        for node in self.nodes:
            for original, slot_name, slot_node in node.slot_variables:
                links[slot_node] = SlotLink(original, slot_name, node.node_id)
        for optimizer in self.optimizer_nodes:
            links.update(self._keras_slots(optimizer))
        return links

    def _keras_slots(self, optimizer: int) -> dict[int, SlotLink]:
        """Keras 3 optimizers keep no slot_variables; their per-variable state lives in
        lists (``_momentums[i]`` belongs to ``_trainable_variables[i]``)."""
        children = dict(self.nodes[optimizer].children)
        trainable = children.get(OPTIMIZER_TRAINABLE_LIST)
        if trainable is None:
            return {}
        variables = dict(self.nodes[trainable].children)
        links = {}
        for list_name, list_node in children.items():
            if list_name in KERAS_OPTIMIZER_LISTS or list_node == trainable:
                continue
            elements = self.nodes[list_node].children
            if not elements or not all(name.isdigit() for name, _ in elements):
                continue
            slot_name = _singular(list_name.lstrip("_"))
            for index, slot_node in elements:
                variable = variables.get(index)
                if variable is not None and slot_node != variable:
                    links.setdefault(slot_node, SlotLink(variable, slot_name, optimizer))
        return links


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


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def _decode_nodes(b: bytes) -> list[TrackableNode]:
    """Decode TrackableObjectGraph { repeated TrackableObject nodes = 1; }.

    Specialised loops rather than a generic field iterator: a large model has tens
    of thousands of nodes and this is on the path of opening a checkpoint.
    """
    nodes: list[TrackableNode] = []
    pos = 0
    end = len(b)
    while pos < end:
        if b[pos] != 0x0A:  # not a node: skip the field
            pos = _skip_field(b, pos, b[pos] & 7)
            continue
        length, pos = read_varint(b, pos + 1)
        node_end = pos + length
        if node_end > end:
            raise WireFormatError("object graph node runs past the end of the graph")
        nodes.append(_decode_node(b, pos, node_end, len(nodes)))
        pos = node_end
    _check_references(nodes)
    return nodes


def _decode_node(b: bytes, pos: int, node_end: int, node_id: int) -> TrackableNode:
    """One TrackableObject: its children, attributes and slot variables."""
    children: list[tuple[str, int]] = []
    attributes: list[Attribute] = []
    slots: list[tuple[int, str, int]] = []
    while pos < node_end:
        field_tag = b[pos]
        if field_tag not in (0x0A, 0x12, 0x1A):  # registered_saver, has_checkpoint_values...
            pos = _skip_field(b, pos, field_tag & 7)
            continue
        length, pos = read_varint(b, pos + 1)
        field_end = pos + length
        if field_end > node_end:
            raise WireFormatError("object graph field runs past the end of its node")
        values = _small_message(b, pos, field_end)
        if field_tag == 0x0A:  # ObjectReference {int32 node_id = 1; string local_name = 2;}
            children.append((_text(values.get(2, b"")), values.get(1, 0)))
        elif field_tag == 0x12:  # SerializedTensor {name = 1; full_name = 2; checkpoint_key = 3;}
            attributes.append(
                Attribute(_text(values.get(1, b"")), _text(values.get(2, b"")), _text(values.get(3, b"")))
            )
        else:  # SlotVariableReference {original = 1; slot_name = 2; slot = 3;}
            slots.append((values.get(1, 0), _text(values.get(2, b"")), values.get(3, 0)))
        pos = field_end
    return TrackableNode(node_id, children, attributes, slots)


def _check_references(nodes: list[TrackableNode]) -> None:
    count = len(nodes)
    for node in nodes:
        for name, child in node.children:
            if not 0 <= child < count:
                raise WireFormatError(f"object graph edge {name!r} points at missing node {child}")
        for original, _slot_name, slot_node in node.slot_variables:
            if not (0 <= original < count and 0 <= slot_node < count):
                raise WireFormatError("object graph slot variable points at a missing node")


def _small_message(b: bytes, pos: int, end: int) -> dict[int, int | bytes]:
    """Fields 1..15 of a flat message of varints and strings, by field number."""
    values: dict[int, int | bytes] = {}
    while pos < end:
        tag = b[pos]
        wire_type = tag & 7
        if tag >= 0x80:  # a field number above 15: none of ours, skip it
            pos = _skip_field(b, pos, wire_type)
        elif wire_type == 0:
            values[tag >> 3], pos = _varint_after_tag(b, pos)
        elif wire_type == 2:
            length, pos = _varint_after_tag(b, pos)
            if pos + length > end:
                raise WireFormatError("string runs past the end of its message")
            values[tag >> 3] = b[pos : pos + length]
            pos += length
        else:
            pos = _skip_field(b, pos, wire_type)
    if pos != end:
        raise WireFormatError("field runs past the end of its message")
    return values


def _varint_after_tag(b: bytes, pos: int) -> tuple[int, int]:
    """The varint after a one-byte tag at ``pos`` (one-byte values inline: most are)."""
    value = b[pos + 1]
    if value < 0x80:
        return value, pos + 2
    return read_varint(b, pos + 1)


def _skip_field(b: bytes, pos: int, wire_type: int) -> int:
    """Offset just past the field whose tag starts at ``pos`` (any wire type)."""
    _tag, pos = read_varint(b, pos)
    if wire_type == 0:
        return read_varint(b, pos)[1]
    if wire_type == 5:
        return pos + 4
    if wire_type == 1:
        return pos + 8
    if wire_type == 2:
        length, pos = read_varint(b, pos)
        return pos + length
    raise WireFormatError(f"unsupported wire type {wire_type} in the object graph")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")
