"""A V2 checkpoint's index: BundleHeaderProto plus one BundleEntryProto per tensor.

``prefix.index`` maps every tensor key to where its bytes live: the shard
``prefix.data-SSSSS-of-NNNNN``, the offset and size inside it, and a masked CRC32C
(tensorflow/core/protobuf/tensor_bundle.proto).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from operator import lt

from ckpt_gui.core.format.dtypes import DType, dtype_from_enum
from ckpt_gui.core.format.errors import (
    CorruptCheckpointError,
    NotACheckpointError,
    UnsupportedCheckpointError,
    WireFormatError,
)
from ckpt_gui.core.format.file_kinds import V1_MESSAGE
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.slices import TensorSlice, decode_slice_key, parse_tensor_slice
from ckpt_gui.core.format.table import SSTable, block_spans, entries_end
from ckpt_gui.core.format.wire import iter_fields, read_varint, to_signed64

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
TENSOR_BUNDLE_VERSION = 1


@dataclass(slots=True)  # not frozen: frozen __init__ is 2x slower, and there is one per variable
class BundleEntry:
    """Where one tensor (or one slice of a partitioned tensor) lives. Treat as read-only."""

    key: str
    dtype: DType
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int | None  # masked, as stored; None when the entry has none
    slices: tuple[TensorSlice, ...] = ()

    @property
    def is_partitioned(self) -> bool:
        """The value is spread over slice entries; offset/size/crc of this entry are unused."""
        return bool(self.slices)

    @property
    def num_elements(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True, slots=True)
class BundleHeader:
    num_shards: int
    big_endian: bool
    producer: int
    min_consumer: int


class BundleIndex:
    """The parsed ``.index`` of one V2 checkpoint.

    ``entries`` holds the tensors ``tf.train.list_variables`` would list, in key
    order: the per-slice entries of partitioned tensors are kept apart in
    ``slice_entries``, as TensorFlow's own CheckpointReader hides them.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.index_path = prefix + ".index"
        data = _read_file(self.index_path)
        table = SSTable(data, self.index_path)
        self.entries: dict[str, BundleEntry] = {}
        self.slice_entries: dict[str, dict[TensorSlice, BundleEntry]] = {}
        self.header: BundleHeader | None = None
        self._partitioned: list[BundleEntry] = []  # full entries that list slices, in key order
        try:
            with gc_paused():
                self._decode_entries(table)
        except (WireFormatError, IndexError, ValueError) as exc:
            raise CorruptCheckpointError(
                self.index_path, f"bundle entry is garbled ({exc or 'unexpected end of data'})"
            ) from None
        if self.header is None:
            raise CorruptCheckpointError(self.index_path, "index table has no bundle header entry")
        self._check_partitions()

    def _decode_entries(self, table: SSTable) -> None:
        previous = None  # the last key decoded; None before the header entry
        for block in table.blocks():
            previous = self._decode_block(block, previous)

    def _decode_block(self, block: bytes, previous: bytes | None) -> bytes | None:
        """Decode one data block: all at once when every entry in it is an ordinary
        one (see _decode_common_entries), else entry by entry; return its last key."""
        limit = entries_end(block)
        if previous is not None:
            last = _decode_common_entries(block, 0, limit, previous, self.entries)
        else:  # the table's first entry: the header, under the empty key
            header_end = _header_end(block, limit)
            last = None
            if header_end is not None:
                last = _decode_common_entries(block, header_end, limit, b"", self.entries)
            if last is not None:
                self._decode_header(block[3:header_end])
        if last is None:  # also the way every error is reported
            last = self._decode_block_slowly(block, previous)
        return last

    def _decode_block_slowly(self, block: bytes, previous: bytes | None) -> bytes | None:
        """Entry by entry: any key (slice keys too), any layout of BundleEntryProto."""
        # Runs once per entry: globals bound to locals, the common case inlined.
        entries = self.entries
        match = _COMMON_ENTRY.fullmatch
        entry_type, dtypes, varint_value, from_bytes = BundleEntry, _DTYPES, _varint_value, int.from_bytes
        spans = block_spans(block, previous)
        for raw_key, start, end in spans:
            if raw_key and raw_key[0] != 0:
                try:
                    key = raw_key.decode()
                except UnicodeDecodeError:  # keep odd bytes round-trippable
                    key = raw_key.decode("utf-8", "surrogateescape")
                # The common entry, matched in place (see _COMMON_ENTRY); the
                # general decoder takes everything else.
                m = match(block, start, end)
                if m is not None:
                    dtype, shape_len, dims, shard, offset, size, crc = m.groups()
                    if shape_len[0] == len(dims):
                        entries[key] = entry_type(
                            key,
                            dtypes[dtype[0]],
                            tuple(dims[3::4]),
                            0 if shard is None else varint_value(shard),
                            0 if offset is None else varint_value(offset),
                            size[0] if len(size) == 1 else varint_value(size),
                            from_bytes(crc, "little"),
                        )
                        continue
                entry = entries[key] = _decode_entry_fields(key, block[start:end])
                if entry.slices:  # only this general decoder sees slices
                    self._partitioned.append(entry)
            elif raw_key:  # slice keys start with a 0 byte
                name, tensor_slice = decode_slice_key(raw_key)
                self.slice_entries.setdefault(name, {})[tensor_slice] = _decode_entry_fields(name, block[start:end])
            else:
                self._decode_header(block[start:end])
        return spans[-1][0] if spans else previous

    def _decode_header(self, value: bytes) -> None:
        if value[:1] == b"\x0a":
            # SavedTensorSlices.meta (field 1, length-delimited): a V1 table, not a bundle.
            raise UnsupportedCheckpointError(self.index_path, V1_MESSAGE)
        try:
            self.header = _parse_header(value)
        except WireFormatError as exc:
            raise CorruptCheckpointError(self.index_path, f"bundle header is garbled ({exc})") from None
        _check_version(self.header, self.index_path)

    @property
    def has_object_graph(self) -> bool:
        return OBJECT_GRAPH_KEY in self.entries

    def data_path(self, shard_id: int) -> str:
        return f"{self.prefix}.data-{shard_id:05d}-of-{self.header.num_shards:05d}"

    def slice_parts(self, entry: BundleEntry) -> list[tuple[TensorSlice, BundleEntry]]:
        """The stored pieces of a partitioned tensor, in the order its entry lists them."""
        stored = self.slice_entries.get(entry.key, {})
        return [(s, stored[s]) for s in entry.slices]

    def stored_size(self, entry: BundleEntry) -> int:
        """Bytes the tensor takes in its data shards (all slices for a partitioned one)."""
        if entry.is_partitioned:
            return sum(part.size for _s, part in self.slice_parts(entry))
        return entry.size

    def stored_shard(self, entry: BundleEntry) -> int:
        if entry.is_partitioned:
            parts = self.slice_parts(entry)
            return parts[0][1].shard_id if parts else 0
        return entry.shard_id

    def _check_partitions(self) -> None:
        for entry in self._partitioned:
            stored = self.slice_entries.get(entry.key, {})
            for tensor_slice in entry.slices:
                if tensor_slice not in stored:
                    raise CorruptCheckpointError(
                        self.index_path,
                        f"partitioned tensor {entry.key!r} lists a slice {tensor_slice.extents} "
                        "that has no entry in the index",
                    )
                try:
                    tensor_slice.bounds(entry.shape)
                except WireFormatError as exc:
                    raise CorruptCheckpointError(self.index_path, f"tensor {entry.key!r}: {exc}") from None


def _header_end(block: bytes, limit: int) -> int | None:
    """Where the first block's first entry ends if it is a header entry as TensorFlow
    writes it (empty key, value shorter than 128 bytes), else None. A V1 table's
    header (SavedTensorSlices, starting 0a) is left to the slow path to report."""
    if block[:2] != b"\x00\x00" or block[2] >= 0x80 or 3 + block[2] > limit or block[3:4] == b"\x0a":
        return None
    return 3 + block[2]


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise NotACheckpointError(path, "index file does not exist") from None
    except IsADirectoryError:
        raise NotACheckpointError(path, "is a directory, not an index file") from None
    except OSError as exc:
        raise CorruptCheckpointError(path, f"cannot read index file ({exc.strerror or exc})") from None


def _parse_header(buf: bytes) -> BundleHeader:
    num_shards, endianness, producer, min_consumer = 0, 0, 0, 0
    for field, _wt, value in iter_fields(buf):
        if field == 1:
            num_shards = to_signed64(value)
        elif field == 2:
            endianness = value
        elif field == 3:
            for f2, _wt2, v2 in iter_fields(value):
                if f2 == 1:
                    producer = to_signed64(v2)
                elif f2 == 2:
                    min_consumer = to_signed64(v2)
    return BundleHeader(num_shards, endianness == 1, producer, min_consumer)


def _check_version(header: BundleHeader, path: str) -> None:
    if header.num_shards < 1:
        raise CorruptCheckpointError(path, f"bundle header says {header.num_shards} data shards")
    if header.producer < 0 or header.min_consumer > TENSOR_BUNDLE_VERSION:
        raise UnsupportedCheckpointError(
            path,
            f"bundle version (producer {header.producer}, min consumer {header.min_consumer}) "
            "is newer than this reader understands",
        )


_DTYPES = {n: dtype_from_enum(n) for n in range(1, 34)}

# The shape every ordinary entry has on the wire: dtype and shape with one-byte
# values, optional shard_id and offset, then size and crc32c. Matching it in C, in
# place in the block, and slicing the dims out of the match ("12 02 08 <dim>"
# repeated, so every 4th byte) costs a third less than walking the fields in
# Python; anything else (big dims, slices, unknown fields) takes the general decoder.
_COMMON_ENTRY = re.compile(
    rb"\x08([\x01-\x21])"  # dtype, a known one (1..33)
    rb"\x12([\x00-\x7f])((?:\x12\x02\x08[\x00-\x7f])*)"  # shape, dims < 128
    rb"(?:\x18([\x80-\xff]{0,8}[\x00-\x7f]))?"  # shard_id
    rb"(?:\x20([\x80-\xff]{0,9}[\x00-\x7f]))?"  # offset
    rb"\x28([\x80-\xff]{0,9}[\x00-\x7f])"  # size
    rb"\x35(.{4})",  # crc32c
    re.DOTALL,
)


def _varint_value(raw: bytes) -> int:
    """Value of a varint whose bytes the regex matched (so its last byte is < 0x80)."""
    n = len(raw)
    if n == 1:
        return raw[0]
    if n == 2:
        return (raw[0] & 0x7F) | (raw[1] << 7)
    if n == 3:
        return (raw[0] & 0x7F) | ((raw[1] & 0x7F) << 7) | (raw[2] << 14)
    value = 0
    for i, byte in enumerate(raw):
        value |= (byte & 0x7F) << (7 * i)
    return value


def _decode_entry_fields(key: str, b: bytes) -> BundleEntry:
    """The general BundleEntryProto decoder: any field order, unknown fields, slices."""
    dtype = 0
    dims: list[int] = []
    shard = offset = size = 0
    crc = None
    slices: list[TensorSlice] = []
    pos = 0
    end = len(b)
    while pos < end:
        tag = b[pos]
        if tag == 0x08:  # dtype
            dtype, pos = read_varint(b, pos + 1)
        elif tag == 0x12:  # shape: TensorShapeProto { repeated Dim dim = 2; }
            length, pos = read_varint(b, pos + 1)
            shape_end = pos + length
            if shape_end > end:
                raise WireFormatError("shape runs past the end of the entry")
            dims = []
            while pos < shape_end:
                pos = _decode_dim(b, pos, dims)
            if pos != shape_end:
                raise WireFormatError("shape runs past its length")
        elif tag == 0x18:  # shard_id
            shard, pos = read_varint(b, pos + 1)
        elif tag == 0x20:  # offset
            offset, pos = read_varint(b, pos + 1)
        elif tag == 0x28:  # size
            size, pos = read_varint(b, pos + 1)
        elif tag == 0x35:  # crc32c, fixed32
            pos += 5
            if pos > end:
                raise WireFormatError("truncated crc32c")
            crc = int.from_bytes(b[pos - 4 : pos], "little")
        elif tag == 0x3A:  # slices: repeated TensorSliceProto
            length, pos = read_varint(b, pos + 1)
            slices.append(parse_tensor_slice(b[pos : pos + length]))
            pos += length
        else:  # a field this reader does not know (or a multi-byte tag): skip it
            pos = _field_end(b, pos)
    if pos != end:
        raise WireFormatError("field runs past the end of the entry")
    dt = _DTYPES.get(dtype) or dtype_from_enum(dtype)
    return BundleEntry(key, dt, tuple(dims), shard, offset, size, crc, tuple(slices))


def _decode_dim(b: bytes, pos: int, dims: list[int]) -> int:
    """Decode one TensorShapeProto field at ``pos`` (the general, slow path)."""
    if b[pos] != 0x12:  # unknown_rank or an unknown field
        return _field_end(b, pos)
    length, pos = read_varint(b, pos + 1)
    dim_end = pos + length
    size = 0
    while pos < dim_end:
        if b[pos] == 0x08:
            size, pos = read_varint(b, pos + 1)
        else:  # Dim.name or unknown: skip
            pos = _field_end(b, pos)
    size = to_signed64(size)
    if size < 0:
        raise WireFormatError(f"invalid dimension size {size}")
    dims.append(size)
    return pos


def _field_end(b: bytes, pos: int) -> int:
    """Offset just past the single field starting at ``pos``."""
    tag, pos = read_varint(b, pos)
    wire_type = tag & 7
    if wire_type == 0:
        return read_varint(b, pos)[1]
    if wire_type == 2:
        length, pos = read_varint(b, pos)
        return pos + length
    if wire_type == 5:
        return pos + 4
    if wire_type == 1:
        return pos + 8
    raise WireFormatError(f"unsupported wire type {wire_type}")


# -- Decoding a whole block of ordinary entries at once --------------------------------
#
# Entry by entry, each variable costs a few dozen Python operations: for 20,000
# variables that was most of the time. Nearly every block TensorFlow writes holds only
# ordinary entries (values under 128 bytes laid out like _COMMON_ENTRY), so a
# block is first tried whole: one regex split walks it in C, and every later step,
# checks included, works on whole columns with C-level map/zip/join/struct calls. The
# one Python loop left per entry rebuilds the prefix-compressed keys. A block that does
# not fit exactly goes to the entry-by-entry decoder, which also reports every error.

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


def _decode_common_entries(
    block: bytes, start: int, limit: int, previous: bytes, entries: dict[str, BundleEntry]
) -> bytes | None:
    """Decode the entries in ``block[start:limit]`` into ``entries`` if every one is
    an ordinary entry; return the last key, or None (adding nothing) otherwise."""
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
    entries.update(zip(names, map(BundleEntry, names, dtypes, shapes, shard_ids, numbers[:n], numbers[n:], crcs)))
    return keys[-1]


def _rebuild_keys(previous: bytes, shared: bytes, unshared: bytes, deltas: list[bytes]) -> list[bytes] | None:
    """Undo the prefix compression; None unless the keys are valid and increasing."""
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
    entry = _decode_entry_fields("", prefix)
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
