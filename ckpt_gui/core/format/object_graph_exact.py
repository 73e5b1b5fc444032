"""The exact decoder of a TrackableObjectGraph: field by field, any layout protobuf
allows, every error raised as WireFormatError (the bulk decoder, object_graph_bulk.py,
hands it the nodes it does not read itself, and a graph whose layout does not check
out); and the check that every reference points at a node."""

from __future__ import annotations

from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.lock_slices import fold_in_slices
from ckpt_gui.core.format.object_graph_columns import Children, GraphColumns
from ckpt_gui.core.format.wire import read_varint


def decode_exactly(b: bytes) -> GraphColumns:
    """Decode TrackableObjectGraph { repeated TrackableObject nodes = 1; } field by
    field: any layout protobuf allows; every error raised as WireFormatError."""
    columns = GraphColumns()
    pos = 0
    end = len(b)
    try:
        while pos < end:
            if b[pos] != 0x0A:  # not a node: skip the field
                pos = _skip_field(b, pos, b[pos] & 7)
                continue
            length, pos = read_varint(b, pos + 1)
            node_end = pos + length
            if node_end > end:
                raise WireFormatError("object graph node runs past the end of the graph")
            columns.add_node(*decode_node(b, pos, node_end))
            pos = node_end
    except IndexError:
        raise WireFormatError("object graph is truncated") from None
    return columns


def decode_node(b: bytes, pos: int, node_end: int) -> tuple[Children, list, list]:
    """One TrackableObject: its children, attributes and slot variables."""
    children: Children = []
    attributes: list[tuple[str, str, str]] = []
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
            children.append((_string(values, 2), _number(values, 1)))
        elif field_tag == 0x12:  # SerializedTensor {name = 1; full_name = 2; checkpoint_key = 3;}
            attributes.append((_string(values, 1), _string(values, 2), _string(values, 3)))
        else:  # SlotVariableReference {original = 1; slot_name = 2; slot = 3;}
            slots.append((_number(values, 1), _string(values, 2), _number(values, 3)))
        pos = field_end
    return children, attributes, slots


def check_references(columns: GraphColumns) -> None:
    count = columns.node_count
    if not count:
        raise WireFormatError("object graph has no root node")
    largest = fold_in_slices(max, int, columns.child_ids) if columns.child_ids else 0  # (the lock let go)
    largest = max([largest, *(max(s[1], s[3]) for s in columns.slot_variables)])
    if largest < count:
        return
    slots_of: dict[int, list] = {}
    for slot in columns.slot_variables:
        slots_of.setdefault(slot[0], []).append(slot)
    for node_id, children in enumerate(columns.children):  # the first bad reference, in node order
        for name, child in children:
            if not 0 <= child < count:
                raise WireFormatError(f"object graph edge {name!r} points at missing node {child}")
        for _owner, original, _slot_name, slot_node in slots_of.get(node_id, ()):
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


def _number(values: dict, number: int) -> int:
    value = values.get(number, 0)
    if not isinstance(value, int):
        raise WireFormatError(f"object graph field {number} should be a number, not a string")
    return value


def _string(values: dict, number: int) -> str:
    value = values.get(number, b"")
    if not isinstance(value, bytes):
        raise WireFormatError(f"object graph field {number} should be a string, not a number")
    return value.decode("utf-8", "surrogateescape")


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
