"""The variables a graph file declares: the variable nodes of a GraphDef (TF1 graphs,
and a TF2 SavedModel's graph) and the SavedVariables of a TF2 SavedModel's object
graph, with the small wire helpers meta_graph.py shares (field numbers from
TensorFlow's graph.proto, node_def.proto, attr_value.proto, tensor_shape.proto,
saved_object_graph.proto and variable.proto). Only variable nodes are decoded: the
op of every other node is compared as bytes and its body skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.format.dtypes import DType, dtype_from_enum
from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.wire import FIXED32, FIXED64, LEN, VARINT, iter_fields, read_varint, to_signed64

# Ops whose node is a variable (TF1 ref variables, resource variables).
VARIABLE_OPS = frozenset({"VariableV2", "Variable", "VarHandleOp"})


@dataclass(frozen=True, slots=True)
class GraphVariable:
    """A variable the graph declares: a variable node (TF1 graphs, and a TF2 SavedModel's
    graph) or a SavedVariable of a TF2 SavedModel's object graph."""

    name: str  # readable name: shared_name or node name; the SavedVariable's name
    dtype: DType
    shape: tuple[int, ...] | None  # None: unknown rank
    source: str  # "node" (a VarHandleOp/VariableV2 node) or "object" (SavedObjectGraph)
    node: str | int  # the node's name, or the object's node id (the checkpoint's node id too)
    op: str = ""  # the node's op ("" for objects)
    trainable: bool | None = None  # objects only
    path: tuple[str, ...] | None = None  # objects: child names from the root (None: a slot)
    # An optimizer slot (no path of its own): the optimizer's path, its variable's path, the slot name.
    slot: tuple[tuple[str, ...], tuple[str, ...], str] | None = None


def _text(value: object) -> str:
    if not isinstance(value, (bytes, memoryview)):
        raise WireFormatError("a string field holds a number")
    return bytes(value).decode("utf-8", "backslashreplace")


def _map_entry(buf: memoryview) -> tuple[str, memoryview]:
    """A map<string, Message> entry: (key, value bytes)."""
    key, value = "", memoryview(b"")
    for field, wire_type, item in iter_fields(buf):
        if field == 1 and wire_type == LEN:
            key = _text(item)
        elif field == 2 and wire_type == LEN:
            value = item
    return key, value


def _shape(buf: memoryview) -> tuple[int, ...] | None:
    """TensorShapeProto: dims (-1 unknown), or None for an unknown rank."""
    dims: list[int] = []
    for field, wire_type, value in iter_fields(buf):
        if field == 2 and wire_type == LEN:
            size = 0
            for f2, w2, v2 in iter_fields(value):
                if f2 == 1 and w2 == VARINT:
                    size = to_signed64(v2)
            dims.append(size)
        elif field == 3 and wire_type == VARINT and value:
            return None
    return tuple(dims)


def _variable_nodes(graph_def: memoryview) -> list[GraphVariable]:
    """The variable nodes of a GraphDef. A graph has thousands of nodes and a few dozen
    variables: each node's op is compared as bytes where TensorFlow writes it (right
    after the name), and only a variable's node is decoded."""
    blob = bytes(graph_def)
    found = []
    pos, end = 0, len(blob)
    while pos < end:
        tag = blob[pos]
        if tag == 0x0A:  # a node (field 1, LEN): nearly every field here
            pos += 1
        else:
            tag, pos = read_varint(blob, pos)
        wire_type = tag & 7
        if wire_type != LEN:  # GraphDef has no scalar field TensorFlow writes at this level
            _field, pos = _skip(blob, pos, wire_type, tag >> 3)
            continue
        length, pos = read_varint(blob, pos)
        if pos + length > end:
            raise WireFormatError(f"field {tag >> 3} runs past the end of its message")
        start, pos = pos, pos + length
        if tag >> 3 != 1:
            continue  # the function library, versions: not read
        op = _op_at(blob, start, pos)
        if op is None:  # another field order: read the node the slow way
            node = memoryview(blob)[start:pos]
            name, op = _name_and_op(node)
            if op in VARIABLE_OPS:
                found.append(_variable_node(name, op, node))
        elif op:
            node = memoryview(blob)[start:pos]
            found.append(_variable_node(_name_and_op(node)[0], op, node))
    return found


# The variable ops by length (8, 10, 11 bytes: one each).
_VARIABLE_OP_BYTES = {len(op): op.encode() for op in VARIABLE_OPS}


def _op_at(blob: bytes, start: int, end: int) -> str | None:
    """A node's op if it is a variable op, "" if it is another op, None if the node does
    not start with its name then its op (short lengths, as for every real node name
    under 16 KiB, are read directly)."""
    if start + 1 >= end or blob[start] != 0x0A:
        return None
    name_length = blob[start + 1]
    if name_length < 0x80:
        pos = start + 2 + name_length
    else:
        name_length, pos = read_varint(blob, start + 1)
        pos += name_length
    if pos + 1 >= end or blob[pos] != 0x12 or blob[pos + 1] >= 0x80:
        return None
    length = blob[pos + 1]
    if pos + 2 + length > end:
        return None
    wanted = _VARIABLE_OP_BYTES.get(length)
    if wanted is None or not blob.startswith(wanted, pos + 2):
        return ""
    return wanted.decode()


def _skip(blob: bytes, pos: int, wire_type: int, field: int) -> tuple[int, int]:
    if wire_type == VARINT:
        return read_varint(blob, pos)
    size = {FIXED32: 4, FIXED64: 8}.get(wire_type)
    if size is None or pos + size > len(blob):
        raise WireFormatError(f"unsupported wire type {wire_type} for field {field}")
    return 0, pos + size


def _name_and_op(node: memoryview) -> tuple[str, str]:
    name = op = ""
    for field, wire_type, value in iter_fields(node):
        if field == 1 and wire_type == LEN:
            name = _text(value)
        elif field == 2 and wire_type == LEN:
            op = _text(value)
    return name, op


def _variable_node(name: str, op: str, node: memoryview) -> GraphVariable:
    attrs: dict[str, memoryview] = {}
    for field, wire_type, value in iter_fields(node):
        if field == 5 and wire_type == LEN:
            key, attr = _map_entry(value)
            attrs[key] = attr
    shared_name = _attr_value(attrs.get("shared_name"), 2)
    dtype = _attr_value(attrs.get("dtype"), 6)
    shape = _attr_value(attrs.get("shape"), 7)
    return GraphVariable(
        name=_text(shared_name) if shared_name else name,
        dtype=dtype_from_enum(dtype if isinstance(dtype, int) else 0),
        shape=_shape(shape) if isinstance(shape, memoryview) else None,
        source="node",
        node=name,
        op=op,
    )


def _attr_value(attr: memoryview | None, number: int) -> object:
    """The value of one AttrValue field (s: 2, type: 6, shape: 7), or None."""
    if attr is None:
        return None
    for field, _wire_type, value in iter_fields(attr):
        if field == number:
            return value
    return None


def _object_variables(object_graph: memoryview) -> list[GraphVariable]:
    """SavedObjectGraph: the SavedVariable of each variable object, with its node id and
    its path of child names from the root (how TensorFlow's loader finds the value in
    the checkpoint: it restores by walking the same names in the checkpoint's graph)."""
    found: list[tuple[int, memoryview]] = []
    children: list[list[tuple[str, int]]] = []
    slot_refs: dict[int, tuple[int, int, str]] = {}  # slot node -> (optimizer, variable, slot name)
    for field, wire_type, saved_object in iter_fields(object_graph):
        if field != 1 or wire_type != LEN:
            continue
        edges: list[tuple[str, int]] = []
        for f2, w2, value in iter_fields(saved_object):
            if f2 == 1 and w2 == LEN:
                edges.append(_object_reference(value))
            elif f2 == 3 and w2 == LEN:
                original, name, slot = _slot_reference(value)
                slot_refs[slot] = (len(children), original, name)
            elif f2 == 7 and w2 == LEN:
                found.append((len(children), value))
        children.append(edges)
    paths = _first_paths(children)
    variables = []
    for node_id, value in found:
        slot = None
        if node_id not in paths and node_id in slot_refs:
            owner, original, name = slot_refs[node_id]
            if owner in paths and original in paths:
                slot = (paths[owner], paths[original], name)
        variables.append(_saved_variable(node_id, paths.get(node_id), value, slot))
    return variables


def _slot_reference(buf: memoryview) -> tuple[int, str, int]:
    """SlotVariableReference: (original variable node, slot name, slot variable node)."""
    original, name, slot = -1, "", -1
    for field, wire_type, value in iter_fields(buf):
        if field == 1 and wire_type == VARINT:
            original = value
        elif field == 2 and wire_type == LEN:
            name = _text(value)
        elif field == 3 and wire_type == VARINT:
            slot = value
    return original, name, slot


def _object_reference(buf: memoryview) -> tuple[str, int]:
    node_id, name = -1, ""
    for field, wire_type, value in iter_fields(buf):
        if field == 1 and wire_type == VARINT:
            node_id = value
        elif field == 2 and wire_type == LEN:
            name = _text(value)
    return name, node_id


def _first_paths(children: list[list[tuple[str, int]]]) -> dict[int, tuple[str, ...]]:
    """The shortest path of child names from the root (node 0) to every node, the
    first in stored order among equals (breadth first)."""
    paths: dict[int, tuple[str, ...]] = {0: ()} if children else {}
    level = [0] if children else []
    while level:
        following = []
        for node in level:
            for name, child in children[node]:
                if child not in paths and 0 <= child < len(children):
                    paths[child] = (*paths[node], name)
                    following.append(child)
        level = following
    return paths


def _saved_variable(node_id: int, path: tuple[str, ...] | None, buf: memoryview, slot) -> GraphVariable:
    dtype, shape, trainable, name = 0, None, False, ""
    for field, wire_type, value in iter_fields(buf):
        if field == 1 and wire_type == VARINT:
            dtype = value
        elif field == 2 and wire_type == LEN:
            shape = _shape(value)
        elif field == 3 and wire_type == VARINT:
            trainable = bool(value)
        elif field == 6 and wire_type == LEN:
            name = _text(value)
    dtype_ = dtype_from_enum(dtype)
    return GraphVariable(name, dtype_, shape, "object", node_id, trainable=trainable, path=path, slot=slot)
