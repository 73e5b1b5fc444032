"""The bulk decoder of a TrackableObjectGraph (``decode_in_bulk``): the two kinds of
node TensorFlow nearly always writes, read with one regex ``split`` per piece of the
graph and checked a whole column at a time with C-level calls (object_graph_wire.py
says why and when it runs); any other node is handed to the exact decoder
(object_graph_exact.py), and a graph whose bytes do not check out gives None."""

from __future__ import annotations

import itertools
import re
import struct
from bisect import bisect_left
from itertools import accumulate, compress, repeat
from operator import add, not_, sub

from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.object_graph_columns import GraphColumns
from ckpt_gui.core.format.object_graph_exact import decode_node
from ckpt_gui.core.format.wire import read_varint

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
                columns.add_node(*decode_node(blob, content, pos))
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
