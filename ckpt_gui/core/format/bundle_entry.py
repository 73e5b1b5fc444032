"""One BundleEntryProto: where a tensor (or one slice of a partitioned tensor) lives,
and the general decoder that reads any entry, field by field.

The index decodes most entries faster (bundle_blocks.py, and COMMON_ENTRY in place);
whatever those do not recognise comes here.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from ckpt_gui.core.format.dtypes import DType, dtype_from_enum
from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.slices import TensorSlice, parse_tensor_slice
from ckpt_gui.core.format.wire import read_varint, to_signed64


class BundleEntry(NamedTuple):
    """Where one tensor (or one slice of a partitioned tensor) lives. (A tuple: an
    index of a million entries makes them in bulk, at C speed.)"""

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


class SlicedEntries:
    """What an index of entries knows of partitioned tensors, given ``slice_entries``
    (a tensor's key -> its stored slices' entries): shared by the V2 bundle and V1 tables."""

    slice_entries: dict[str, dict[TensorSlice, BundleEntry]]

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


KNOWN_DTYPES = {n: dtype_from_enum(n) for n in range(1, 34)}

# The shape every ordinary entry has on the wire: dtype and shape with one-byte
# values, optional shard_id and offset, then size and crc32c. Matching it in C, in
# place in the block, and slicing the dims out of the match ("12 02 08 <dim>"
# repeated, so every 4th byte) costs a third less than walking the fields in
# Python; anything else (big dims, slices, unknown fields) takes the general decoder.
COMMON_ENTRY = re.compile(
    rb"\x08([\x01-\x21])"  # dtype, a known one (1..33)
    rb"\x12([\x00-\x7f])((?:\x12\x02\x08[\x00-\x7f])*)"  # shape, dims < 128
    rb"(?:\x18([\x80-\xff]{0,8}[\x00-\x7f]))?"  # shard_id
    rb"(?:\x20([\x80-\xff]{0,9}[\x00-\x7f]))?"  # offset
    rb"\x28([\x80-\xff]{0,9}[\x00-\x7f])"  # size
    rb"\x35(.{4})",  # crc32c
    re.DOTALL,
)


def varint_value(raw: bytes) -> int:
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


# Varint fields of BundleEntryProto, by tag byte: dtype, shard_id, offset, size.
_VARINT_TAGS = (0x08, 0x18, 0x20, 0x28)


def decode_entry_fields(key: str, b: bytes) -> BundleEntry:
    """The general BundleEntryProto decoder: any field order, unknown fields, slices."""
    numbers = dict.fromkeys(_VARINT_TAGS, 0)
    dims: tuple[int, ...] = ()
    crc = None
    slices: list[TensorSlice] = []
    pos = 0
    end = len(b)
    while pos < end:
        tag = b[pos]
        if tag in numbers:
            numbers[tag], pos = read_varint(b, pos + 1)
        elif tag == 0x12:  # shape: TensorShapeProto { repeated Dim dim = 2; }
            dims, pos = _decode_shape(b, pos + 1, end)
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
    dtype, shard, offset, size = (numbers[tag] for tag in _VARINT_TAGS)
    dt = KNOWN_DTYPES.get(dtype) or dtype_from_enum(dtype)
    return BundleEntry(key, dt, dims, shard, offset, size, crc, tuple(slices))


# A TensorShapeProto whose dims are all "12 02 08 <size under 128>" (every 4th byte a
# size): what TensorFlow writes for small dims, and what a crafted entry of 10^5 or 10^6
# dims (refused later, by count) is made of.
_SMALL_DIMS = re.compile(rb"(?:\x12\x02\x08[\x00-\x7f])*+")


def _decode_shape(b: bytes, pos: int, end: int) -> tuple[tuple[int, ...], int]:
    """The dims of the TensorShapeProto whose length is at ``pos``, and where it ends."""
    length, pos = read_varint(b, pos)
    shape_end = pos + length
    if shape_end > end:
        raise WireFormatError("shape runs past the end of the entry")
    if _SMALL_DIMS.fullmatch(b, pos, shape_end):  # every dim under 128: in C, however many
        return tuple(b[pos + 3 : shape_end : 4]), shape_end
    dims: list[int] = []
    while pos < shape_end:
        pos = _decode_dim(b, pos, dims)
    if pos != shape_end:
        raise WireFormatError("shape runs past its length")
    return tuple(dims), pos


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
