"""TrackableObjectGraph bytes -> columns: the two decoders of the object graph.

A model with 200,000 variables has an object graph of about 240,000 nodes. Walking
its fields one by one in Python (``decode_exactly``) costs seconds, and so does
reading it through protobuf's Python objects (upb parses it in milliseconds, but
every field read afterwards builds a wrapper object). Nearly every node TensorFlow
writes is one of two kinds, so the bulk decoder (``decode_in_bulk``) handles those
whole columns at a time with C-level calls (regex fullmatch/split, map, zip):

- a variable: one SerializedTensor (name, full_name, checkpoint_key), nothing else;
- a group: child references only (node_id, local_name), nothing else.

Both may end in ``has_checkpoint_values`` (field 5), which the reader ignores.
Every length the bulk decoder relies on is checked against the bytes it matched, so
what it returns is exactly what the protobuf layout says; a node of another kind
(children and attributes together, slot variables, a registered saver, an omitted
field) is decoded alone by the exact decoder, and a graph whose layout does not
check out is decoded whole by it, which is also what reports every error.
"""

from __future__ import annotations

import itertools
import re
import struct
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from operator import add, ge, itemgetter, sub

from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.wire import read_varint

Children = list[tuple[str, int]]  # (local name, node id), in stored order


@dataclass(slots=True)
class GraphColumns:
    """The decoded graph: per node its children; attributes and slot variables as rows."""

    children: list[Children | tuple[()]]
    # (node id, attribute name, full_name, checkpoint_key), in node order
    attributes: list[tuple[int, str, str, str]] = field(default_factory=list)
    # (owning node, original variable node, slot name, slot variable node), in node order
    slot_variables: list[tuple[int, int, str, int]] = field(default_factory=list)


def decode_graph(blob: bytes) -> GraphColumns:
    """Decode a TrackableObjectGraph: in bulk when its layout allows, else exactly."""
    columns = decode_in_bulk(blob)
    if columns is None:
        columns = decode_exactly(blob)
    _check_references(columns)
    return columns


# -- the bulk decoder --------------------------------------------------------------

# has_checkpoint_values (BoolValue, field 5) as TensorFlow writes it: true, or present but false.
_TRAILERS = (b"*\x02\x08\x01", b"*\x00")
# A variable's node: attributes { name, full_name, checkpoint_key }, nothing else.
# Each payload runs to the next field's tag (possessive: linear time); its length is
# checked afterwards, so a payload holding that tag byte just takes the exact path.
_VARIABLE_NODE = re.compile(
    rb"\x12([\x80-\xff]{0,2}[\x00-\x7f])"  # attributes, length
    rb"\x0a([\x80-\xff]?[\x00-\x7f])([^\x12]*+)"  # name
    rb"\x12([\x80-\xff]?[\x00-\x7f])([^\x1a]*+)"  # full_name
    rb"\x1a([\x80-\xff]?[\x00-\x7f])(.*+)",  # checkpoint_key
    re.DOTALL,
)
# One child reference: { node_id (a varint), local_name (under 128 bytes) }; the name
# follows the match (split() gives it as the piece after the groups).
_CHILD = re.compile(rb"\x0a([\x00-\x7f])\x08([\x80-\xff]{0,4}[\x00-\x7f])\x12([\x00-\x7f])")
_VARIABLE_NODE_MAX = 4096  # longer nodes (huge keys) take the exact path


def decode_in_bulk(blob: bytes) -> GraphColumns | None:
    """The columns of a graph made of variable and group nodes (any others decoded
    one by one), or None when the bytes do not check out."""
    nodes = _split_nodes(blob)
    if nodes is None:
        return None
    for trailer in _TRAILERS:
        nodes = list(map(bytes.removesuffix, nodes, repeat(trailer)))
    children: list = [()] * len(nodes)
    matches = list(map(_VARIABLE_NODE.fullmatch, nodes))
    for i in compress(itertools.count(), map(ge, map(len, nodes), repeat(_VARIABLE_NODE_MAX))):
        matches[i] = None  # the few long nodes (a long list's node): not variables
    variables = list(compress(itertools.count(), matches))
    attributes = _variable_attributes(variables, [matches[i] for i in variables], nodes)
    if attributes is None:
        return None
    groups = [i for i, m in enumerate(matches) if m is None and nodes[i][:1] in (b"\x0a", b"")]
    others = [i for i, m in enumerate(matches) if m is None and nodes[i][:1] not in (b"\x0a", b"")]
    if not _group_children(groups, nodes, children):
        # Some nodes start with children but hold more (a legacy optimizer's slot
        # variables, attributes) or another field order: one by one, and those
        # that are not only child references join the others.
        odd = {i for i in groups if not _group_children([i], nodes, children)}
        others = sorted(odd.union(others))
    slot_variables: list[tuple[int, int, str, int]] = []
    for node_id in others:
        try:
            node_children, node_attributes, node_slots = _decode_node(nodes[node_id], 0, len(nodes[node_id]))
        except (WireFormatError, IndexError):
            return None  # the exact decoder says what is wrong, as it would anyway
        children[node_id] = node_children
        attributes += [(node_id, *a) for a in node_attributes]
        slot_variables += [(node_id, *s) for s in node_slots]
    if others:
        attributes.sort(key=itemgetter(0))  # node order (stable: a node's own order kept)
    return GraphColumns(children, attributes, slot_variables)


def _split_nodes(blob: bytes) -> list[bytes] | None:
    """The serialized TrackableObjects, or None unless the graph is nothing else."""
    nodes = []
    append = nodes.append
    pos, end = 0, len(blob)
    try:
        while pos < end:
            if blob[pos] != 0x0A:
                return None
            length = blob[pos + 1]
            if length < 0x80:
                pos += 2
            else:
                length, pos = read_varint(blob, pos + 1)
            append(blob[pos : pos + length])
            pos += length
    except (IndexError, WireFormatError):
        return None
    return nodes if pos == end else None


class _Varints(dict):
    """Varint bytes -> value, each distinct one decoded once (most lengths repeat)."""

    def __missing__(self, raw: bytes) -> int:
        value = self[raw] = read_varint(raw, 0)[0]
        return value


def _variable_attributes(node_ids: list[int], matches: list, nodes: list[bytes]) -> list | None:
    if not matches:
        return []
    attribute_lengths, lengths, names, full_lengths, full_names, key_lengths, keys = (
        list(column) for column in zip(*map(re.Match.groups, matches))
    )
    varint = _Varints().__getitem__
    if (
        list(map(varint, lengths)) != list(map(len, names))
        or list(map(varint, full_lengths)) != list(map(len, full_names))
        or list(map(varint, key_lengths)) != list(map(len, keys))
    ):
        return None
    # The attribute's own length covers the rest of the node exactly.
    rest = map(sub, map(len, map(nodes.__getitem__, node_ids)), map(len, attribute_lengths))
    if list(map(add, map(varint, attribute_lengths), repeat(1))) != list(rest):
        return None
    return list(zip(node_ids, _texts(names), _texts(full_names), _texts(keys)))


def _group_children(group_ids: list[int], nodes: list[bytes], children: list) -> bool:
    """Fill ``children`` of the nodes that hold only child references; False unless
    every reference checks out and each node holds whole references."""
    groups = [nodes[i] for i in group_ids]
    parts = _CHILD.split(b"".join(groups))
    if parts[0] or (len(parts) - 1) % 4:
        return False
    lengths, ids, name_lengths, names = parts[1::4], parts[2::4], parts[3::4], parts[4::4]
    if list(map(len, names)) != list(map(ord, name_lengths)):
        return False
    # A reference's length covers 08 <id> 12 <name length> <name>.
    if list(map(sub, map(ord, lengths), repeat(3))) != list(map(add, map(len, ids), map(len, names))):
        return False
    # Node boundaries fall between references: each node's end is a reference's end.
    # (Found by bisection in C: a dict of every reference's end cost a third of this.)
    reference_ends = list(accumulate(map(add, map(ord, lengths), repeat(2)), initial=0))
    node_ends = list(accumulate(map(len, groups), initial=0))
    bounds = list(map(bisect_left, repeat(reference_ends), node_ends))
    if bounds[-1] >= len(reference_ends) or list(map(reference_ends.__getitem__, bounds)) != node_ends:
        return False
    pairs = list(zip(_texts(names), _varints_in_bulk(ids)))
    for node_id, first, last in zip(group_ids, bounds, bounds[1:]):
        if first != last:
            children[node_id] = pairs[first:last]
    return True


def _varints_in_bulk(raws: list[bytes]) -> tuple[int, ...]:
    """The values of varints of at most 8 bytes, all at once: laid out in the 8-byte
    lanes of one big int, the 7 payload bits of byte i of every lane are shifted
    into place together (bundle_blocks does the same for the index)."""
    n = len(raws)
    lanes = int.from_bytes(struct.pack("8s" * n, *raws), "little")  # "8s" pads with zero bytes
    every_lane = int.from_bytes(b"\x01\x00\x00\x00\x00\x00\x00\x00" * n, "little")
    value = 0
    for i in range(8):  # byte i of a lane holds bits 7*i .. 7*i+6 of its value
        value |= (lanes >> i) & (every_lane * (0x7F << (7 * i)))
    return struct.unpack(f"<{n}Q", value.to_bytes(8 * n, "little"))


def _texts(raw: list[bytes]) -> list[str]:
    """Decode names (odd bytes kept by surrogateescape): all in one call when no name
    holds a NUL byte to join them with (UTF-8 resynchronises at every NUL, so the
    pieces are what decoding each name alone gives)."""
    joined = b"\x00".join(raw)
    if not raw or joined.count(0) != len(raw) - 1:
        return list(map(str, raw, repeat("utf-8"), repeat("surrogateescape")))
    return joined.decode("utf-8", "surrogateescape").split("\x00")


# -- the exact decoder ---------------------------------------------------------------


def decode_exactly(b: bytes) -> GraphColumns:
    """Decode TrackableObjectGraph { repeated TrackableObject nodes = 1; } field by
    field: any layout protobuf allows; every error raised as WireFormatError."""
    columns = GraphColumns([])
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
            node_id = len(columns.children)
            children, attributes, slots = _decode_node(b, pos, node_end)
            columns.children.append(children)
            columns.attributes += [(node_id, *a) for a in attributes]
            columns.slot_variables += [(node_id, *s) for s in slots]
            pos = node_end
    except IndexError:
        raise WireFormatError("object graph is truncated") from None
    return columns


def _decode_node(b: bytes, pos: int, node_end: int) -> tuple[Children, list, list]:
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


def _check_references(columns: GraphColumns) -> None:
    count = len(columns.children)
    if not count:
        raise WireFormatError("object graph has no root node")
    largest = max(map(itemgetter(1), itertools.chain.from_iterable(columns.children)), default=0)
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
