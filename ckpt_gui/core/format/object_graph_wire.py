"""TrackableObjectGraph bytes -> columns: the two decoders of the object graph.

A model with 200,000 variables has an object graph of about 240,000 nodes (20 MB).
Walking its fields one by one in Python (``decode_exactly``) costs seconds, and so
does reading it through protobuf's Python objects (upb parses it in milliseconds, but
every field read afterwards builds a wrapper object). Nearly every node TensorFlow
writes is one of two kinds, so the bulk decoder (``decode_in_bulk``) reads those with
one regex ``split`` per piece of the graph (512 kB, so that no single C call holds
the interpreter lock long: the app decodes in a worker thread) and checks them a
whole column at a time with C-level calls (map, zip, join):

- a variable: one SerializedTensor (name, full_name, checkpoint_key), nothing else;
- a group: child references only (node_id, local_name), nothing else.

Both may end in ``has_checkpoint_values`` (field 5), which the reader ignores.
Every length the bulk decoder relies on is checked against the bytes it matched, so
what it keeps is exactly what the protobuf layout says; a node that does not check
out (another kind: children and attributes together, slot variables, a registered
saver, an omitted field, or a name holding a byte the regex stops at) is decoded
alone by the exact decoder, and a graph whose layout does not check out is decoded
whole by it, which is also what reports every error.

Both run only without the optional C decoder (``_graph_decoder``, built when the
package is installed with a C compiler), or when it declines a graph: it decodes the
whole graph in one call, accepting only what the exact decoder accepts and making the
same columns, and says None on anything else (an error included), so that these
decoders run and report it.
"""

from __future__ import annotations

import itertools
import re
import struct
from bisect import bisect_left, bisect_right
from functools import cached_property
from itertools import accumulate, compress, repeat
from operator import add, ne, not_, sub

from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.lock_slices import fold_in_slices, map_in_slices, positions_in_slices, slices, zip_in_slices
from ckpt_gui.core.format.wire import read_varint

try:
    from ckpt_gui.core.format import _graph_decoder
except ImportError:  # built without a C compiler: the Python decoders do it all
    _graph_decoder = None

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
        return [_full_name(field) for field in self.full_fields]

    @cached_property
    def attributes(self) -> list[tuple[int, str, str, str]]:
        """(node id, attribute name, full_name, checkpoint_key), in node order (a slice at a time)."""
        return zip_in_slices(self.attribute_nodes, self.attribute_names, self.full_names, self.keys)


def _full_name(field: str | bytes) -> str:
    return field if isinstance(field, str) else field.decode("utf-8", "surrogateescape")


def decode_graph(blob: bytes, progress=None) -> GraphColumns:
    """Decode a TrackableObjectGraph: in bulk when its layout allows, else exactly.
    ``progress(done, total)`` (bytes) is called between the bulk decoder's pieces."""
    columns = decode_in_c(blob)
    if columns is not None and progress is not None:
        progress(len(blob), len(blob))
    if columns is None:
        columns = decode_in_bulk(blob, progress)
    if columns is None:
        columns = decode_exactly(blob)
    _check_references(columns)
    return columns


def decode_in_c(blob: bytes) -> GraphColumns | None:
    """The columns from the C decoder, or None without it or when it declines the bytes."""
    if _graph_decoder is None:
        return None
    found = _graph_decoder.decode(blob)
    if found is None:
        return None
    columns = GraphColumns()
    (
        columns.node_count,
        columns.parents,
        columns.child_ids,
        columns.child_names,
        columns.attribute_nodes,
        columns.attribute_names,
        columns.full_fields,
        columns.keys,
        columns.slot_variables,
        columns.node_paths,
        columns.paths_by_key,
    ) = found
    return columns


def align_by_key(keys: list[str], sorted_keys: list[str], values: list) -> list | None:
    """The value of each of ``keys`` (None for one not in ``sorted_keys``), in one C merge
    of the two ascending lists; None without the C decoder or when either does not ascend.
    A slice of ``keys`` at a time, each with the run of ``sorted_keys`` it may meet
    (lock_slices.py: one merge of 200,000 keys held the lock 40 to 110 ms)."""
    if _graph_decoder is None:
        return None
    found: list = []
    for start, stop in slices(len(keys)):
        part = keys[start:stop]
        if start and keys[start - 1] > part[0]:
            return None
        low, high = bisect_left(sorted_keys, part[0]), bisect_right(sorted_keys, part[-1])
        aligned = _graph_decoder.align(part, sorted_keys[low:high], values[low:high])
        if aligned is None:
            return None
        found += aligned
    return found


# -- the bulk decoder --------------------------------------------------------------

# One node (field 1 of the graph: tag, group 1: length, group 2: content), as a
# variable (group 3: the SerializedTensor's length, 4: the SerializedTensor, holding
# 5 to 10: name, full_name and checkpoint_key, each a length and its bytes) or as a
# group (11: its child references), then has_checkpoint_values as TensorFlow writes it
# (true, present but false, or absent); or (group 12) all the rest of the piece. Each
# payload runs to the next field's tag (possessive: linear time); every length is
# checked afterwards, so a payload holding that byte just makes its node take the
# exact path.
_NODE = re.compile(
    rb"\x0a([\x80-\xff]{0,3}[\x00-\x7f])("  # 1: the node's length, 2: the node
    rb"(?:\x12([\x80-\xff]?[\x00-\x7f])("  # 3: attributes' length, 4: attributes {
    rb"\x0a([\x00-\x7f])([^\x12]*+)"  # 5, 6: name,
    rb"\x12([\x80-\xff]?[\x00-\x7f])([^\x1a]*+)"  # 7, 8: full_name,
    rb"\x1a([\x80-\xff]?[\x00-\x7f])([^\x0a*]*+))"  # 9, 10: checkpoint_key }
    rb"|((?:\x0a[\x00-\x7f]\x08[\x80-\xff]{0,4}[\x00-\x7f]\x12[\x00-\x7f][^\x0a*]*+)*+))"  # 11: children
    rb"(?:\*\x02\x08\x01|\*\x00|))"  # has_checkpoint_values
    rb"|(.+)",  # 12: not such a node
    re.DOTALL,
)
_STEP = _NODE.groups + 1  # split() gives the bytes before each match, then its groups
# One child reference: { node_id (a varint), local_name (under 128 bytes) }; the name
# follows the match (split() gives it as the piece after the groups).
_CHILD = re.compile(rb"\x0a([\x00-\x7f])\x08([\x80-\xff]{0,4}[\x00-\x7f])\x12([\x00-\x7f])")
# Bytes per split: about 10 ms of C at a time (a megabyte took 15 to 35 ms on a loaded
# machine). After a node that takes the exact path, the next piece starts small and
# doubles (a graph of odd nodes is not scanned a whole piece per node).
_PIECE = 1 << 19
_FIRST_PIECE = 4096
_TAIL = 4
_LARGEST_BULK_NODE = 4 << 20  # a larger node (a list of millions) is decoded exactly


def decode_in_bulk(blob: bytes, progress=None) -> GraphColumns | None:
    """The columns of a graph whose nodes are all whole nodes (variable and group nodes
    decoded in bulk, any others one by one), or None when the bytes do not check out."""
    columns = GraphColumns()
    pos, end, piece = 0, len(blob), _PIECE
    try:
        while pos < end:
            stop = min(pos + piece, end)
            taken, odd = _decode_piece(blob, pos, stop, columns)
            pos += taken
            piece = min(2 * piece, _PIECE) if taken else piece
            if odd:  # the node at pos is not a whole variable or group node, or runs past stop
                node_start = pos
                _tag, content = read_varint(blob, pos)  # 0x0a: checked by the regex or below
                length, content = read_varint(blob, content)
                pos = content + length
                if blob[node_start] != 0x0A or pos > end:
                    return None
                if pos > stop and (taken or pos - node_start <= _LARGEST_BULK_NODE):
                    # Cut by the piece's end: the next piece starts with it (and holds it whole).
                    piece = max(piece, pos - node_start)
                    pos = node_start
                    continue
                columns.add_node(*_decode_node(blob, content, pos))
                piece = _FIRST_PIECE
            if progress is not None:
                progress(pos, end)
    except (WireFormatError, IndexError):
        return None  # the exact decoder says what is wrong, as it would anyway
    return columns


class _Varints(dict):
    """Varint bytes -> value, each distinct one decoded once (most lengths repeat); the
    empty bytes of a group that did not match -> -1."""

    def __missing__(self, raw: bytes) -> int:
        value = self[raw] = read_varint(raw, 0)[0] if raw else -1
        return value


def _decode_piece(blob: bytes, pos: int, stop: int, columns: GraphColumns) -> tuple[int, bool]:
    """Decode the whole variable and group nodes from ``pos`` on (up to ``stop``) into
    ``columns``; return the bytes they take, and whether a node that does not check out
    (or runs past ``stop``) follows them."""
    parts = _NODE.split(blob[pos:stop])  # the pattern matches everywhere: parts[0::_STEP] are empty
    tokens = len(parts) // _STEP
    fields = [parts[i::_STEP] for i in range(1, _STEP)]
    nodes = tokens - (parts[-2] is not None)  # the rest of the piece (group 12) comes last, if at all
    # A node cut by the piece's end can leave a few odd matches behind it: the last
    # ones are checked one by one.
    bulk = max(nodes - _TAIL, 0) if stop < len(blob) else nodes
    count = bulk if _check_out(fields, 0, bulk) else _first_bad(fields, bulk)
    while count == bulk < nodes and _check_out(fields, bulk, bulk + 1):
        count = bulk = bulk + 1
    lengths, contents, attribute_lengths, _, _, names, _, full_names, _, keys, references, _ = fields
    groups = list(compress(range(count), map(not_, attribute_lengths[:count])))
    good_groups, found = _good_groups(groups, references)
    if good_groups < len(groups):  # only the groups before it, and the nodes before it
        count = groups[good_groups]
        groups = groups[:good_groups]
    base = columns.node_count
    is_variable = attribute_lengths[:count]
    columns.attribute_nodes += compress(range(base, base + count), is_variable)
    columns.attribute_names += map(_Texts().__getitem__, compress(names, is_variable))
    columns.full_fields += compress(full_names, is_variable)  # decoded when asked for (see full_names)
    columns.keys += _texts(list(compress(keys, is_variable)))
    _add_groups(columns, list(map(add, groups, repeat(base))), found)
    columns.node_count += count
    taken = count + sum(map(len, lengths[:count])) + sum(map(len, contents[:count]))  # tag, length, node
    return taken, count < tokens


def _check_out(fields: list[list], start: int, stop: int) -> bool:
    """Whether every length of the nodes ``start`` to ``stop`` is the length of what the
    regex matched for it (the references of groups are checked apart)."""
    lengths, contents, attribute_lengths, attributes, name_lengths, names, full_lengths, full_names = (
        column[start:stop] for column in fields[:8]
    )
    key_lengths, keys = fields[8][start:stop], fields[9][start:stop]
    is_variable = attribute_lengths
    return (
        _lengths_match(lengths, contents)
        and _lengths_match(list(compress(attribute_lengths, is_variable)), list(compress(attributes, is_variable)))
        and _lengths_match(list(compress(name_lengths, is_variable)), list(compress(names, is_variable)))
        and _lengths_match(list(compress(full_lengths, is_variable)), list(compress(full_names, is_variable)))
        and _lengths_match(list(compress(key_lengths, is_variable)), list(compress(keys, is_variable)))
    )


def _lengths_match(raw_lengths: list[bytes], values: list[bytes]) -> bool:
    """Whether each varint of ``raw_lengths`` is the length of its value: in the usual
    case (every length one byte) the joined lengths are compared with the lengths
    made bytes, in two C calls."""
    joined = b"".join(raw_lengths)
    if len(joined) == len(raw_lengths):
        try:
            return joined == bytes(map(len, values))
        except ValueError:  # a value of 256 bytes or more under a one-byte length
            return False
    return list(map(_Varints().__getitem__, raw_lengths)) == list(map(len, values))


def _first_bad(fields: list[list], stop: int) -> int:
    """The first of the nodes before ``stop`` whose lengths do not check out (one by one:
    only a piece holding such a node comes here)."""
    low, high = 0, stop  # the nodes before low check out; those before high do not
    while high - low > 1:
        middle = (low + high) // 2
        if _check_out(fields, low, middle):
            low = middle
        else:
            high = middle
    return low


def _good_groups(groups: list[int], references: list) -> tuple[int, tuple | None]:
    """How many of ``groups`` (from the first) hold references that check out, and
    those groups' references (see _references): all at once, and if they do not check
    out, the first bad group found by bisection of the prefixes."""
    found = _references([references[i] for i in groups])
    if found is not None:
        return len(groups), found
    low, high = 0, len(groups) - 1  # the first low groups are good, the first high + 1 are not
    found = None
    while low <= high:
        middle = (low + high) // 2
        prefix = _references([references[i] for i in groups[: middle + 1]])
        if prefix is None:
            high = middle - 1
        else:
            low, found = middle + 1, prefix
    return low, found


def _add_groups(columns: GraphColumns, groups: list[int], found: tuple | None) -> None:
    if not found or not groups:
        return
    counts, names, ids = found
    columns.parents += itertools.chain.from_iterable(map(repeat, groups, counts))
    columns.child_names += names
    columns.child_ids += ids


def _references(groups: list[bytes]) -> tuple[list[int], list[str], tuple[int, ...]] | None:
    """Each group's number of child references, and every reference's local name and
    node id, in order; None unless every reference checks out and each group holds
    whole references."""
    if not groups:
        return [], [], ()
    parts = _CHILD.split(b"".join(groups))
    if parts[0] or (len(parts) - 1) % 4:
        return None
    lengths, ids, name_lengths, names = parts[1::4], parts[2::4], parts[3::4], parts[4::4]
    # Each one-byte length against what it covers, as bytes compared whole (bytes() of
    # a length over 255 or under 0 raises: a mismatch). A reference's length covers
    # 08 <id> 12 <name length> <name>.
    try:
        if b"".join(name_lengths) != bytes(map(len, names)):
            return None
        if bytes(map(sub, b"".join(lengths), repeat(3))) != bytes(map(add, map(len, ids), map(len, names))):
            return None
    except ValueError:
        return None
    # Node boundaries fall between references: each node's end is a reference's end.
    reference_ends = list(accumulate(map(add, map(ord, lengths), repeat(2)), initial=0))
    node_ends = list(accumulate(map(len, groups), initial=0))
    bounds = list(map(bisect_left, repeat(reference_ends), node_ends))
    if bounds[-1] >= len(reference_ends) or list(map(reference_ends.__getitem__, bounds)) != node_ends:
        return None
    return list(map(sub, bounds[1:], bounds)), _texts(names), _varints_in_bulk(ids)


class _Texts(dict):
    """Bytes -> str, each distinct value decoded once (attribute names repeat)."""

    def __missing__(self, raw: bytes) -> str:
        text = self[raw] = raw.decode("utf-8", "surrogateescape")
        return text


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
            columns.add_node(*_decode_node(b, pos, node_end))
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
