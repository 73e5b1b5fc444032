"""A V2 checkpoint's index: BundleHeaderProto plus one BundleEntryProto per tensor.

``prefix.index`` maps every tensor key to where its bytes live: the shard
``prefix.data-SSSSS-of-NNNNN``, the offset and size inside it, and a masked CRC32C
(tensorflow/core/protobuf/tensor_bundle.proto).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.bundle_blocks import decode_common_entries, header_entry_end
from ckpt_gui.core.format.bundle_entry import (
    COMMON_ENTRY,
    KNOWN_DTYPES,
    BundleEntry,
    SlicedEntries,
    decode_entry_fields,
    varint_value,
)
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.format.entry_columns import EntryColumns
from ckpt_gui.core.format.errors import (
    CheckpointError,
    CorruptCheckpointError,
    NotACheckpointError,
    UnsupportedCheckpointError,
    WireFormatError,
)
from ckpt_gui.core.format.file_kinds import V1_MESSAGE
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.lock_slices import fold_in_slices
from ckpt_gui.core.format.slices import TensorSlice, decode_slice_key
from ckpt_gui.core.format.table import SSTable, block_spans, entries_end
from ckpt_gui.core.format.wire import LEN, VARINT, iter_fields, to_signed64

MAX_DIMENSIONS = 254  # TensorShape::MaxDimensions()
TENSOR_BUNDLE_VERSION = 1


@dataclass(frozen=True, slots=True)
class BundleHeader:
    num_shards: int
    big_endian: bool
    producer: int
    min_consumer: int


class BundleIndex(SlicedEntries):
    """The parsed ``.index`` of one V2 checkpoint.

    ``entries`` holds the tensors ``tf.train.list_variables`` would list, in key
    order (a mapping kept as columns: see entry_columns.py): the per-slice entries
    of partitioned tensors are kept apart in ``slice_entries``, as TensorFlow's own
    CheckpointReader hides them.
    """

    def __init__(self, prefix: str, progress: Callable[[int, int], None] | None = None) -> None:
        """``progress(done, total)``: the bytes of the index decoded so far, after each
        block (an index of a million entries is 48 MB); it may raise to cancel."""
        self.prefix = prefix
        self.index_path = prefix + ".index"
        data = _read_file(self.index_path)
        table = SSTable(data, self.index_path)
        self.entries = EntryColumns()
        self.slice_entries: dict[str, dict[TensorSlice, BundleEntry]] = {}
        self.header: BundleHeader | None = None
        self._partitioned: list[BundleEntry] = []  # full entries that list slices, in key order
        try:
            with gc_paused():
                self._decode_entries(table, progress)
        except (WireFormatError, IndexError, ValueError, OverflowError) as exc:
            raise CorruptCheckpointError(
                self.index_path, f"bundle entry is garbled ({exc or 'unexpected end of data'})"
            ) from None
        if self.header is None:
            raise CorruptCheckpointError(self.index_path, "index table has no bundle header entry")
        self._check_shapes()
        self._check_partitions()

    def _check_shapes(self) -> None:
        """No shape TensorFlow could not have written: at most 254 dimensions
        (TensorShape::MaxDimensions) and fewer than 2^63 elements. Checked over all
        entries at once, at C speed (a slice at a time: the app reads the index on a worker,
        the GUI thread waiting for the lock); the offender is looked for only when there is one."""
        sliced = [entry for slices in self.slice_entries.values() for entry in slices.values()]
        shapes = [*self.entries.shapes, *(entry.shape for entry in sliced)]
        if not shapes or (
            fold_in_slices(max, len, shapes) <= MAX_DIMENSIONS and fold_in_slices(max, math.prod, shapes) < 1 << 63
        ):
            return
        for entry in [*self.entries.values(), *sliced]:
            if len(entry.shape) > MAX_DIMENSIONS:
                problem = f"has {len(entry.shape)} dimensions (TensorFlow allows at most {MAX_DIMENSIONS})"
            elif entry.num_elements >= 1 << 63:
                problem = f"has shape {list(entry.shape)}: 2^63 elements or more"
            else:
                continue
            raise CorruptCheckpointError(self.index_path, f"tensor {entry.key!r} {problem}")

    def _decode_entries(self, table: SSTable, progress: Callable[[int, int], None] | None) -> None:
        previous = None  # the last key decoded; None before the header entry
        if progress is None:
            for block in table.blocks():
                previous = self._decode_block(block, previous)
            return
        sizes = table.block_sizes
        total = sum(sizes)
        progress(0, total)
        for block, done in zip(table.blocks(), accumulate(sizes)):
            previous = self._decode_block(block, previous)
            progress(done, total)

    def _decode_block(self, block: bytes, previous: bytes | None) -> bytes | None:
        """Decode one data block: all at once when every entry in it is an ordinary
        one (see decode_common_entries), else entry by entry; return its last key."""
        limit = entries_end(block)
        if previous is not None:
            last = decode_common_entries(block, 0, limit, previous, self.entries)
        else:  # the table's first entry: the header, under the empty key
            header_end = header_entry_end(block, limit)
            last = None
            if header_end is not None:
                last = decode_common_entries(block, header_end, limit, b"", self.entries)
            if last is not None:
                self._decode_header(block[3:header_end])
        if last is None:  # also the way every error is reported
            last = self._decode_block_slowly(block, previous)
        return last

    def _decode_block_slowly(self, block: bytes, previous: bytes | None) -> bytes | None:
        """Entry by entry: any key (slice keys too), any layout of BundleEntryProto."""
        # Runs once per entry: globals bound to locals, the common case inlined.
        entries = self.entries
        match = COMMON_ENTRY.fullmatch
        add = entries.append
        entry_type, dtypes, varint, from_bytes = BundleEntry, KNOWN_DTYPES, varint_value, int.from_bytes
        spans = block_spans(block, previous)
        raw_key = None
        try:
            for raw_key, start, end in spans:
                if raw_key and raw_key[0] != 0:
                    try:
                        key = raw_key.decode()
                    except UnicodeDecodeError:  # keep odd bytes round-trippable
                        key = raw_key.decode("utf-8", "surrogateescape")
                        entries.bad_utf8_seen = True
                    # The common entry, matched in place (see COMMON_ENTRY); the
                    # general decoder takes everything else.
                    m = match(block, start, end)
                    if m is not None:
                        dtype, shape_len, dims, shard, offset, size, crc = m.groups()
                        if shape_len[0] == len(dims):
                            add(
                                entry_type(
                                    key,
                                    dtypes[dtype[0]],
                                    tuple(dims[3::4]),
                                    0 if shard is None else varint(shard),
                                    0 if offset is None else varint(offset),
                                    size[0] if len(size) == 1 else varint(size),
                                    from_bytes(crc, "little"),
                                )
                            )
                            continue
                    entry = decode_entry_fields(key, block[start:end])
                    add(entry)
                    if entry.slices:  # only this general decoder sees slices
                        self._partitioned.append(entry)
                elif raw_key:  # slice keys start with a 0 byte
                    name, tensor_slice = decode_slice_key(raw_key)
                    self.slice_entries.setdefault(name, {})[tensor_slice] = decode_entry_fields(name, block[start:end])
                else:
                    self._decode_header(block[start:end])
        except (WireFormatError, IndexError, ValueError, OverflowError) as exc:
            # Name the entry: the block's bytes passed their CRC, so this is what TF wrote
            # (or a crafted file), and the key says where to look.
            shown = "the header" if raw_key == b"" else repr(raw_key.decode("utf-8", "replace"))
            raise WireFormatError(f"entry {shown}: {exc or 'unexpected end of data'}") from None
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

    def _check_partitions(self) -> None:
        for entry in self._partitioned:
            stored = self.slice_entries.get(entry.key, {})
            covered = 0
            for tensor_slice in entry.slices:
                if tensor_slice not in stored:
                    raise CorruptCheckpointError(
                        self.index_path,
                        f"partitioned tensor {entry.key!r} lists a slice {tensor_slice.extents} "
                        "that has no entry in the index",
                    )
                try:
                    covered += math.prod(tensor_slice.shape(entry.shape))
                except WireFormatError as exc:
                    raise CorruptCheckpointError(self.index_path, f"tensor {entry.key!r}: {exc}") from None
            # A full shape its slices do not fill (e.g. [2^62, 8] over a few small slices)
            # is impossible: said when the index is opened, not when the value is read.
            if covered != entry.num_elements:
                raise CorruptCheckpointError(
                    self.index_path,
                    f"partitioned tensor {entry.key!r} has shape {list(entry.shape)}, but its slices "
                    f"cover {covered} of its {entry.num_elements} elements",
                )


def _read_file(path: str) -> bytes:
    try:
        return storage.read_bytes(path)
    except FileNotFoundError:
        raise NotACheckpointError(path, "index file does not exist") from None
    except IsADirectoryError:
        raise NotACheckpointError(path, "is a directory, not an index file") from None
    except OSError as exc:
        raise CorruptCheckpointError(path, f"cannot read index file ({exc.strerror or exc})") from None


def _parse_header(buf: bytes) -> BundleHeader:
    num_shards, endianness, producer, min_consumer = 0, 0, 0, 0
    for field, wire_type, value in iter_fields(buf):
        if field in (1, 2, 3) and wire_type != (LEN if field == 3 else VARINT):
            raise WireFormatError(f"header field {field} has wire type {wire_type}")
        if field == 1:
            num_shards = to_signed64(value)
        elif field == 2:
            endianness = value
        elif field == 3:
            for f2, wire_type2, v2 in iter_fields(value):
                if f2 in (1, 2) and wire_type2 != VARINT:
                    raise WireFormatError(f"version field {f2} has wire type {wire_type2}")
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


def read_num_shards(prefix: str) -> int | None:
    """The data shard count ``prefix.index``'s header names, or None when it cannot be
    read: only its first data block is decoded (a folder listing asks when a prefix has
    data files of two shard counts, one of them left over from another save)."""
    path = prefix + ".index"
    try:
        block = next(SSTable(_read_file(path), path).blocks(), b"")
        spans = block_spans(block) if block else []
        if not spans or spans[0][0] != b"":
            return None
        header = _parse_header(block[spans[0][1] : spans[0][2]])
    except (CheckpointError, OSError, WireFormatError, IndexError, ValueError, struct.error):
        return None  # the listing's own guess stands (folder_listing._shard_count); opening it says what is wrong
    return header.num_shards if header.num_shards >= 1 else None
