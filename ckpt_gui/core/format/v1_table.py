"""V1 (pre-0.12) checkpoints: TensorSlice tables with the values inline.

``tf.compat.v1.train.Saver(write_version=V1)`` (the default before TensorFlow 0.12)
writes one table file per shard (``model.ckpt``, or ``model.ckpt-00000-of-00002``)
in the same SSTable format as a V2 index (table.py). Key ``""`` holds a
``SavedTensorSlices{meta}``: every tensor's name, shape, dtype and slices. Every other
key is ``EncodeTensorNameSlice(name, slice)`` (slices.py) and holds a
``SavedTensorSlices{data}`` whose ``TensorProto`` carries the values in its typed
repeated fields (float_val, int_val...), not as raw bytes
(tensorflow/core/util/saved_tensor_slice.proto, saved_tensor_slice_util.h).

:class:`V1Index` offers what the rest of the reader uses of a BundleIndex (entries,
slices, a header, a path per "shard"), and :class:`V1Values` what it uses of
ShardFiles: each stored slice's values turned into the bytes a V2 data file would
hold for them (raw little-endian elements; the length-prefixed layout for strings),
so values are decoded, assembled and compared exactly as for V2 checkpoints.
TensorFlow reads one slice per tensor and nine dtypes; this reader also assembles
partitioned tensors and reads the other dtypes V1 could hold.
"""

from __future__ import annotations

import glob
import io
import math
import os
import re
import struct
from collections.abc import Iterator
from typing import NamedTuple

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.bundle import MAX_DIMENSIONS, BundleHeader
from ckpt_gui.core.format.bundle_entry import BundleEntry, SlicedEntries
from ckpt_gui.core.format.crc import crc32c, mask
from ckpt_gui.core.format.dtypes import DType, dtype_from_enum
from ckpt_gui.core.format.errors import CorruptCheckpointError, NotACheckpointError, WireFormatError
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.slices import FULL, TensorSlice, decode_slice_key, parse_tensor_slice
from ckpt_gui.core.format.table import SSTable
from ckpt_gui.core.format.wire import (
    FIXED32,
    FIXED64,
    LEN,
    VARINT,
    encode_varint,
    iter_fields,
    read_varint,
    to_signed64,
)

DEFAULT_CHUNK_BYTES = 4 << 20
_GLOB_CHARS = frozenset("*?[")

# dtype enum -> (TensorProto field, how its elements are stored, struct code of one element)
# (saved_tensor_slice_util.h TENSOR_PROTO_EXTRACT_TYPE); "f32"/"f64": fixed-width floats,
# "varint": integers cut to the element's width (two's complement), as TF casts them.
_VALUE_FIELDS: dict[int, tuple[int, str, str]] = {
    1: (5, "f32", "f"),  # float_val
    2: (6, "f64", "d"),  # double_val
    3: (7, "varint", "i"),  # int_val
    4: (7, "varint", "B"),
    5: (7, "varint", "h"),
    6: (7, "varint", "b"),
    11: (7, "varint", "b"),  # qint8
    12: (7, "varint", "B"),  # quint8
    13: (7, "varint", "i"),  # qint32
    15: (7, "varint", "h"),  # qint16
    16: (7, "varint", "H"),  # quint16
    17: (7, "varint", "H"),  # uint16
    9: (10, "varint", "q"),  # int64_val
    10: (11, "varint", "?"),  # bool_val
    8: (9, "f32", "f"),  # scomplex_val: real, imaginary, ...
    18: (12, "f64", "d"),  # dcomplex_val
    19: (13, "varint", "H"),  # half_val: the float16 bit pattern
    22: (16, "varint", "I"),  # uint32_val
    23: (17, "varint", "Q"),  # uint64_val
}
_STRING_FIELD = 8  # string_val
_SHARD_NAME = re.compile(r"-\d{5}-of-(\d{5})$")


def is_pattern(path: str) -> bool:
    """TF's V1 reader takes a file pattern (``model.ckpt-?????-of-00002``)."""
    return any(c in _GLOB_CHARS for c in os.path.basename(path))


def v1_files(prefix: str) -> list[str]:
    """The files of a V1 checkpoint: the file itself (a file named ``a[1].ckpt`` too),
    or what its pattern matches (the pattern is in the file name; the folder is literal)."""
    if os.path.isfile(prefix):
        return [prefix]
    if is_pattern(prefix):
        folder, pattern = os.path.split(prefix)
        return sorted(glob.glob(os.path.join(glob.escape(folder), pattern)))
    return []


class V1Entry(NamedTuple):
    """A V1 tensor (or one stored slice of it): a BundleEntry's fields, in its order, and
    ``stored``, the slice its values are stored under (None for a full tensor assembled
    from several slices). (A NamedTuple cannot extend another with a field.)"""

    key: str
    dtype: DType
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int | None
    slices: tuple[TensorSlice, ...] = ()
    stored: TensorSlice | None = None

    is_partitioned = BundleEntry.is_partitioned
    num_elements = BundleEntry.num_elements


class V1Index(SlicedEntries):
    """The tables of one V1 checkpoint, merged as TensorSliceReader merges them."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.files = v1_files(prefix)
        if not self.files:
            raise NotACheckpointError(prefix, "no V1 checkpoint file matches this name")
        self.index_path = self.files[0]
        self.header = BundleHeader(len(self.files), False, 0, 0)
        self.entries: dict[str, V1Entry] = {}
        self.slice_entries: dict[str, dict[TensorSlice, V1Entry]] = {}
        self._values: dict[tuple[int, str, TensorSlice], bytes] = {}  # TensorProto bytes per stored slice
        metas: dict[str, tuple[DType, tuple[int, ...], list[tuple[TensorSlice, int]]]] = {}
        with gc_paused():
            for number, path in enumerate(self.files):
                self._read_table(number, path, metas)
        for name in sorted(metas):
            self._add_tensor(name, *metas[name])

    has_object_graph = False

    @property
    def _one_of_a_set(self) -> bool:
        """Opened by one file of a sharded set (``...-00000-of-00002``), as TF allows."""
        shard = _SHARD_NAME.search(os.path.basename(self.prefix))
        return shard is not None and int(shard.group(1)) > 1

    def data_path(self, shard_id: int) -> str:
        return self.files[shard_id]

    def tensor_proto(self, entry: V1Entry) -> bytes | None:
        """The TensorProto holding the entry's values, None when the table has none."""
        return self._values.get((entry.shard_id, entry.key, entry.stored))

    # -- reading the tables ---------------------------------------------------------

    def _read_table(self, number: int, path: str, metas: dict) -> None:
        try:
            data = storage.read_bytes(path)  # refuses a FIFO or a device first: its read never returns
        except OSError as exc:
            raise CorruptCheckpointError(path, f"cannot read V1 checkpoint ({exc.strerror or exc})") from None
        key = b""
        try:
            for key, value in SSTable(data, path).items():
                if key == b"":
                    self._read_meta(number, bytes(value), metas)
                    continue
                name, tensor_slice = decode_slice_key(key)
                self._values[(number, name, tensor_slice)] = _saved_slice_data(bytes(value))
        except (WireFormatError, IndexError, ValueError, OverflowError) as exc:
            shown = "the table of contents" if key == b"" else repr(key.decode("utf-8", "replace"))
            raise CorruptCheckpointError(path, f"V1 entry {shown} is garbled ({exc or 'unexpected end'})") from None

    def _read_meta(self, number: int, value: bytes, metas: dict) -> None:
        for field, wire_type, meta in iter_fields(value):
            if field != 1 or wire_type != LEN:
                continue
            for f2, wt2, tensor in iter_fields(meta):  # SavedTensorSliceMeta
                if f2 == 1 and wt2 == LEN:
                    name, dtype, shape, slices = _slice_meta(tensor)
                    known = metas.setdefault(name, (dtype, shape, []))
                    if known[:2] != (dtype, shape):
                        raise WireFormatError(f"tensor {name!r} has two shapes or dtypes across the files")
                    known[2].extend((s, number) for s in slices)

    def _add_tensor(self, name: str, dtype: DType, shape: tuple[int, ...], slices: list) -> None:
        problem = _shape_problem(shape)
        if problem:
            raise CorruptCheckpointError(self.index_path, f"tensor {name!r} {problem}")
        parts = {}
        for tensor_slice, number in slices:
            try:
                part_shape = tensor_slice.shape(shape)
            except WireFormatError as exc:
                raise CorruptCheckpointError(self.data_path(number), f"tensor {name!r}: {exc}") from None
            # Every value takes a byte at least: a slice claiming more elements than its
            # data has bytes is impossible, said now rather than allocated when read.
            stored = self._values.get((number, name, tensor_slice))
            if stored is not None and math.prod(part_shape) > len(stored):
                raise CorruptCheckpointError(
                    self.data_path(number),
                    f"tensor {name!r}: slice {tensor_slice.extents} claims {math.prod(part_shape)} elements "
                    f"but holds {len(stored)} bytes of values",
                )
            parts[tensor_slice] = V1Entry(
                name, dtype, part_shape, number, 0, _stored_size(dtype, part_shape), None, (), tensor_slice
            )
        if len(parts) == 1 and _is_full(next(iter(parts)), shape):
            self.entries[name] = next(iter(parts.values()))
            return
        # Partitioned (or with no stored slice at all: then reading it says so). A full
        # shape its slices do not fill (e.g. [2^62, 8]) is impossible: said on opening.
        # (One file of a sharded set may hold only some slices: reading the tensor says so.)
        covered = sum(math.prod(part.shape) for part in parts.values())
        if parts and covered != math.prod(shape) and not (covered < math.prod(shape) and self._one_of_a_set):
            raise CorruptCheckpointError(
                self.index_path,
                f"partitioned tensor {name!r} has shape {list(shape)}, but its slices cover "
                f"{covered} of its {math.prod(shape)} elements",
            )
        size = sum(part.size for part in parts.values())
        self.entries[name] = V1Entry(name, dtype, shape, 0, 0, size, None, tuple(parts))
        self.slice_entries[name] = parts


class V1Values:
    """What ShardFiles offers, for V1 values: each stored slice's values as the bytes a
    V2 data file would hold for them, made when read (the table's block CRCs verified
    them when it was opened; V1 has no per-tensor CRC)."""

    in_memory = True  # no file to read positioned pieces from on several threads

    def __init__(self, index: V1Index) -> None:
        self.index = index

    def path(self, entry: BundleEntry) -> str:
        return self.index.data_path(entry.shard_id)

    def check_all_present(self) -> None:
        """The values are inside the table files, all of which were read on opening."""

    def read(self, entry: BundleEntry, verify: bool = True) -> bytes:
        if entry.is_partitioned:
            raise CorruptCheckpointError(self.path(entry), f"tensor {entry.key!r} is partitioned: read its slices")
        proto = self.index.tensor_proto(entry)
        if proto is None:
            extents = entry.stored.extents if entry.stored else ()
            raise CorruptCheckpointError(
                self.path(entry), f"tensor {entry.key!r}: the table lists slice {extents} but holds no data for it"
            )
        try:
            return _tensor_bytes(entry, proto)
        except (WireFormatError, IndexError, struct.error) as exc:
            raise CorruptCheckpointError(self.path(entry), f"tensor {entry.key!r}: garbled V1 values ({exc})") from None

    def iter_chunks(
        self, entry: BundleEntry, chunk_bytes: int = DEFAULT_CHUNK_BYTES, verify: bool = True
    ) -> Iterator[bytes]:
        data = self.read(entry)
        step = max(1, entry.dtype.itemsize)
        step = max(step, chunk_bytes - chunk_bytes % step)
        for start in range(0, len(data), step):
            yield data[start : start + step]

    def open(self, path: str, entry: BundleEntry) -> io.BytesIO:
        return io.BytesIO(self.read(entry))


# -- decoding ------------------------------------------------------------------------


def _saved_slice_data(value: bytes) -> bytes:
    """SavedTensorSlices.data (2) -> SavedSlice.data (3): the TensorProto's bytes."""
    for field, wire_type, saved_slice in iter_fields(value):
        if field == 2 and wire_type == LEN:
            for f2, wt2, proto in iter_fields(saved_slice):
                if f2 == 3 and wt2 == LEN:
                    return bytes(proto)
            return b""
    raise WireFormatError("entry holds no SavedSlice data")


def _slice_meta(buf: bytes) -> tuple[str, DType, tuple[int, ...], list[TensorSlice]]:
    """SavedSliceMeta { string name = 1; TensorShapeProto shape = 2; DataType type = 3;
    repeated TensorSliceProto slice = 4; }"""
    name, shape, dtype, slices = b"", (), 0, []
    for field, wire_type, value in iter_fields(buf):
        if field == 1 and wire_type == LEN:
            name = bytes(value)
        elif field == 2 and wire_type == LEN:
            shape = _shape(value)
        elif field == 3 and wire_type == VARINT:
            dtype = value
        elif field == 4 and wire_type == LEN:
            slices.append(parse_tensor_slice(value))
    return name.decode("utf-8", "surrogateescape"), dtype_from_enum(dtype), shape, slices


def _shape(buf: bytes) -> tuple[int, ...]:
    dims = []
    for field, wire_type, value in iter_fields(buf):
        if field == 2 and wire_type == LEN:  # Dim { int64 size = 1; string name = 2; }
            size = 0
            for f2, wt2, number in iter_fields(value):
                if f2 == 1 and wt2 == VARINT:
                    size = to_signed64(number)
            if size < 0:
                raise WireFormatError(f"invalid dimension size {size}")
            dims.append(size)
        elif field == 3 and wire_type == VARINT and value:  # unknown_rank
            raise WireFormatError("shape of unknown rank")
    return tuple(dims)


def _shape_problem(shape: tuple[int, ...]) -> str:
    if len(shape) > MAX_DIMENSIONS:
        return f"has {len(shape)} dimensions (TensorFlow allows at most {MAX_DIMENSIONS})"
    if math.prod(shape) >= 1 << 63:
        return f"has shape {list(shape)}: 2^63 elements or more"
    return ""


def _is_full(tensor_slice: TensorSlice, shape: tuple[int, ...]) -> bool:
    return len(tensor_slice.extents) == len(shape) and all(
        length == FULL or (start == 0 and length == dim) for (start, length), dim in zip(tensor_slice.extents, shape)
    )


def _stored_size(dtype: DType, shape: tuple[int, ...]) -> int:
    return math.prod(shape) * dtype.itemsize


def _tensor_bytes(entry: BundleEntry, proto: bytes) -> bytes:
    """The TensorProto's typed values as the bytes a V2 data file holds for them."""
    count = entry.num_elements
    if entry.dtype.is_string:
        strings = [bytes(v) for f, wt, v in iter_fields(proto) if f == _STRING_FIELD and wt == LEN]
        _check_count(entry, len(strings), count)
        return _bundle_strings(strings)
    spec = _VALUE_FIELDS.get(entry.dtype.enum)
    if spec is None:
        raise WireFormatError(f"dtype {entry.dtype.name} cannot be stored in a V1 checkpoint")
    field, kind, code = spec
    per_element = 2 if entry.dtype.is_complex else 1
    raw = _fixed_values(proto, field, kind) if kind != "varint" else _varint_values(proto, field, code)
    width = struct.calcsize(code)
    _check_count(entry, len(raw) // (width * per_element), count)
    if len(raw) != count * width * per_element:
        raise WireFormatError("values do not fill whole elements")
    return raw


def _check_count(entry: BundleEntry, got: int, count: int) -> None:
    if got != count:
        raise WireFormatError(f"holds {got} values for {count} elements of shape {list(entry.shape)}")


def _fixed_values(proto: bytes, field: int, kind: str) -> bytes:
    """Packed (one LEN field of little-endian floats: the bytes themselves) or not."""
    out = bytearray()
    width = 4 if kind == "f32" else 8
    for f, wire_type, value in iter_fields(proto):
        if f != field:
            continue
        if wire_type == LEN:
            if len(value) % width:
                raise WireFormatError(f"packed field {field} of {len(value)} bytes")
            out += value
        elif wire_type == (FIXED32 if width == 4 else FIXED64):
            out += value.to_bytes(width, "little")
        else:
            raise WireFormatError(f"field {field} has wire type {wire_type}")
    return bytes(out)


def _varint_values(proto: bytes, field: int, code: str) -> bytes:
    """Integers, cut to the element's width as TensorFlow's casts do."""
    numbers: list[int] = []
    for f, wire_type, value in iter_fields(proto):
        if f != field:
            continue
        if wire_type == LEN:
            numbers += _unpack_varints(value)
        elif wire_type == VARINT:
            numbers.append(value)
        else:
            raise WireFormatError(f"field {field} has wire type {wire_type}")
    if code == "?":
        return bytes(1 if n else 0 for n in numbers)
    bits = 8 * struct.calcsize(code)
    cut = (1 << bits) - 1
    return struct.pack(f"<{len(numbers)}{code.upper()}", *(n & cut for n in numbers))  # unsigned: the bits


def _unpack_varints(buf: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(buf):
        value, pos = read_varint(buf, pos)
        out.append(value)
    return out


def _bundle_strings(strings: list[bytes]) -> bytes:
    """WriteStringTensor's layout: varint lengths, their masked CRC, the bytes."""
    lengths = b"".join(encode_varint(len(s)) for s in strings)
    crc = 0
    for s in strings:
        crc = crc32c(len(s).to_bytes(4 if len(s) <= 0xFFFFFFFF else 8, "little"), crc)
    return lengths + mask(crc).to_bytes(4, "little") + b"".join(strings)
