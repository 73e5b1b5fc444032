"""The index's fast path: a whole block of ordinary entries decoded at once.

Entry by entry, each variable costs a few dozen Python operations: for 20,000
variables that is most of the time. Nearly every block TensorFlow writes holds only
ordinary entries (values under 128 bytes laid out like bundle_entry.COMMON_ENTRY), so
a block is first tried whole: one regex split walks it in C, and every later step,
checks included, works on whole columns with C-level map/zip/join/struct calls. The
one Python loop left per entry rebuilds the prefix-compressed keys. A block that does
not fit exactly goes to the entry-by-entry decoder (BundleIndex), which also reports
every error.

Before all that, the optional C decoder (``_index_decoder``, built when the package
is installed with a C compiler) tries the block: it accepts only ordinary entries laid
out as TensorFlow writes them and decodes them as this module would, and says None on
anything else, so that the decoders here run (and report any error).
"""

from __future__ import annotations

import re
import struct
from operator import lt

from ckpt_gui.core.format.bundle_entry import KNOWN_DTYPES, decode_entry_fields
from ckpt_gui.core.format.dtypes import DType
from ckpt_gui.core.format.entry_columns import EntryColumns
from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.wire import read_varint

try:
    from ckpt_gui.core.format import _index_decoder
except ImportError:  # built without a C compiler: the regex decoder below does it all
    _index_decoder = None


def header_entry_end(block: bytes, limit: int) -> int | None:
    """Where the first block's first entry ends if it is a header entry as TensorFlow
    writes it (empty key, value shorter than 128 bytes), else None. A V1 table's
    header (SavedTensorSlices, starting 0a) is left to the slow path to report."""
    if block[:2] != b"\x00\x00" or block[2] >= 0x80 or 3 + block[2] > limit or block[3:4] == b"\x0a":
        return None
    return 3 + block[2]


# One table entry (block.cc) holding an ordinary BundleEntryProto, as groups 1 to 6,
# or else (group 7) all the rest of the block: split() then never searches, so it
# stays linear however unusual the block is. ("(?:x|)" rather than "(?:x)?" and the
# unrolled group 1 are measurably faster in the re engine.)
_BLOCK_ENTRY = re.compile(
    # 1: shared and unshared key lengths (varints under 16384), value length (one byte)
    rb"([\x80-\xff]?[\x00-\x7f][\x80-\xff]?[\x00-\x7f][\x00-\x7f])"
    rb"([^\x08]*+)"  # 2: the key's unshared bytes, up to the dtype tag (length checked later)
    rb"("  # 3: the whole value, ...
    rb"(\x08[\x01-\x21]"  # 4: ... starting with dtype (a known one, 1..33),
    rb"(?:\x12[\x00-\x7f]"  # shape (dims of one byte first: the common case),
    rb"(?:\x12\x02\x08[\x00-\x7f]|\x12[\x03-\x0b]\x08[\x80-\xff]{1,9}[\x00-\x7f]|\x12\x00)*+|)"
    rb"(?:\x18[\x80-\xff]{0,4}[\x00-\x7f]|))"  # and shard_id: a prefix many entries share;
    rb"(\x20[\x80-\xff]{0,6}[\x00-\x7f]|)"  # 5: offset, with its tag, or empty for 0;
    rb"(\x28[\x80-\xff]{0,6}[\x00-\x7f]|)"  # 6: size, the same;
    rb"\x35....)"  # then crc32c: the value's last 4 bytes
    rb"|(.+)",  # 7: not an ordinary entry
    re.DOTALL,
)
_STEP = _BLOCK_ENTRY.groups + 1  # split() gives the bytes before each match, then its groups
# struct formats that pick the crc32c out of values laid end to end, by value length
_CRC_AT_END = {n: f"{n - 4}xI" for n in range(5, 128)}


def decode_common_entries(block: bytes, start: int, limit: int, previous: bytes, entries: EntryColumns) -> bytes | None:
    """Decode the entries in ``block[start:limit]`` into ``entries`` if every one is
    an ordinary entry; return the last key, or None (adding nothing) otherwise."""
    if _index_decoder is not None:
        found = _index_decoder.decode_block(block, start, limit, previous)
        if found is not None:
            last, names, dtype_enums, shapes, shard_ids, offsets, sizes, crcs = found
            entries.extend(
                names, list(map(KNOWN_DTYPES.__getitem__, dtype_enums)), shapes, shard_ids, offsets, sizes, crcs
            )
            return last
    parts = _BLOCK_ENTRY.split(block[start:limit])
    # Matches cover the block end to end; all of them must be ordinary entries, ...
    if len(parts) == 1 or parts[-2] is not None:
        return None
    headers, deltas, values, prefixes, offsets, sizes = (parts[i::_STEP] for i in range(1, _STEP - 1))
    lengths = b"".join(headers)
    if len(lengths) == 3 * len(headers):  # all one-byte lengths (keys under 128 bytes)
        shared, unshared, value_lengths = lengths[0::3], lengths[1::3], lengths[2::3]
        column = bytes
    else:
        shared, unshared, value_lengths = _DecodeOnce(_table_entry_lengths).columns(headers)
        column = tuple
    # ... and each match is exactly the entry its lengths describe (the regex alone
    # could end a key at an 08 byte inside it, or stop before a field it does not know).
    try:
        if column(map(len, deltas)) != unshared or column(map(len, values)) != value_lengths:
            return None
    except ValueError:  # bytes() of a length over 255
        return None
    keys = _rebuild_keys(previous, shared, unshared, deltas)
    if keys is None or keys[0][0] == 0:  # slice keys (they sort first) take the slow path
        return None
    try:
        names = list(map(bytes.decode, keys))
        dtypes, shapes, shard_ids = _DecodeOnce(_prefix_fields).columns(prefixes)
    except (UnicodeDecodeError, WireFormatError, IndexError, ValueError):
        return None
    n = len(keys)
    numbers = _tagged_varints(offsets + sizes)
    crcs = struct.unpack("<" + "".join(map(_CRC_AT_END.__getitem__, value_lengths)), b"".join(values))
    entries.extend(names, dtypes, shapes, shard_ids, numbers[:n], numbers[n:], crcs)
    return keys[-1]


def _rebuild_keys(previous: bytes, shared: bytes, unshared: bytes, deltas: list[bytes]) -> list[bytes] | None:
    """Undo the prefix compression; None unless the keys are valid and increasing."""
    if shared and shared[0]:  # a block's first key is whole: block_spans says what is wrong
        return None
    key = previous
    keys = [key := key[:n] + delta for n, delta in zip(shared, deltas)]
    # key[:n] silently stops at the end of a shorter previous key, so a key can come
    # out shorter than its lengths say, never longer: comparing totals catches it.
    if sum(map(len, keys)) != sum(shared) + sum(unshared):
        return None
    if not (previous < keys[0] and all(map(lt, keys, keys[1:]))):
        return None
    return keys


class _DecodeOnce(dict):
    """Decodes each distinct piece once; columns() gives the decoded fields of a
    list of pieces, one tuple per field. Within a block, most entries repeat the
    lengths and the value prefix of others (one per kind of variable, typically)."""

    def __init__(self, decode) -> None:
        super().__init__()
        self.decode = decode

    def __missing__(self, piece: bytes) -> tuple:
        decoded = self[piece] = self.decode(piece)
        return decoded

    def columns(self, pieces: list[bytes]) -> tuple[tuple, ...]:
        return tuple(zip(*map(self.__getitem__, pieces)))


def _table_entry_lengths(header: bytes) -> tuple[int, int, int]:
    """shared, unshared and value lengths from group 1 of _BLOCK_ENTRY."""
    shared, pos = read_varint(header, 0)
    unshared, pos = read_varint(header, pos)
    return shared, unshared, header[pos]


def _prefix_fields(prefix: bytes) -> tuple[DType, tuple[int, ...], int]:
    """dtype, shape and shard_id from group 4 of _BLOCK_ENTRY, by the general decoder.
    Fields 1 to 3 never reappear after the prefix, so decoding it alone gives what
    decoding the whole value would; a prefix it rejects sends the block to the slow
    path, which reports the error."""
    entry = decode_entry_fields("", prefix)
    return entry.dtype, entry.shape, entry.shard_id


def _tagged_varints(fields: list[bytes]) -> tuple[int, ...]:
    """The values of varint fields, each its tag byte then up to 7 varint bytes (or
    empty, for 0), decoded all at once: laid out in the 8-byte lanes of one big int,
    the 7 payload bits of each byte are shifted into place in every lane together."""
    n = len(fields)
    lanes = int.from_bytes(struct.pack("8s" * n, *fields), "little")  # "8s" pads with zero bytes
    every_lane = int.from_bytes(b"\x01\x00\x00\x00\x00\x00\x00\x00" * n, "little")
    value = 0
    for i in range(1, 8):  # byte i of a lane holds bits 7*(i-1) .. 7*i-1 of its value
        value |= (lanes >> (8 * i - 7 * (i - 1))) & (every_lane * (0x7F << (7 * (i - 1))))
    return struct.unpack(f"<{n}Q", value.to_bytes(8 * n, "little"))
