"""A V2 checkpoint's index: BundleHeaderProto plus one BundleEntryProto per tensor.

``prefix.index`` maps every tensor key to where its bytes live: the shard
``prefix.data-SSSSS-of-NNNNN``, the offset and size inside it, and a masked CRC32C
(tensorflow/core/protobuf/tensor_bundle.proto).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .dtypes import DType, dtype_from_enum
from .errors import CorruptCheckpointError, NotACheckpointError, UnsupportedCheckpointError, WireFormatError
from .file_kinds import V1_MESSAGE
from .gc_pause import gc_paused
from .slices import TensorSlice, decode_slice_key, parse_tensor_slice
from .table import SSTable, block_spans
from .wire import iter_fields, read_varint, to_signed64

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
        # Runs once per variable: globals bound to locals, the common case inlined.
        entries = self.entries
        match = _COMMON_ENTRY.fullmatch
        entry_type, dtypes, varint_value, from_bytes = BundleEntry, _DTYPES, _varint_value, int.from_bytes
        previous = None
        for block in table.blocks():
            spans = block_spans(block, previous)
            if not spans:
                continue
            previous = spans[-1][0]
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
                    entries[key] = _decode_entry_fields(key, block[start:end])
                elif raw_key:  # slice keys start with a 0 byte
                    name, tensor_slice = decode_slice_key(raw_key)
                    self.slice_entries.setdefault(name, {})[tensor_slice] = _decode_entry_fields(name, block[start:end])
                else:
                    self._decode_header(block[start:end])

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

    def data_paths(self) -> list[str]:
        return [self.data_path(i) for i in range(self.header.num_shards)]

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
        for entry in self.entries.values():
            if not entry.is_partitioned:
                continue
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
