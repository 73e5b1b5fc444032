"""Turning the bytes of one bundle entry into a numpy array.

Fixed-size types are a raw C-order memcpy (tensor_bundle.cc WriteTensor); strings
and variants have their own framing and checksums (WriteStringTensor,
WriteVariantTensor), verified here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.crc import crc32c, mask
from ckpt_gui.core.format.dtypes import SUB_BYTE_BITS, DType
from ckpt_gui.core.format.errors import CorruptCheckpointError, UnsupportedCheckpointError, WireFormatError
from ckpt_gui.core.format.strings import decode_strings
from ckpt_gui.core.format.wire import iter_fields, read_varint
from ckpt_gui.core.formatting import counted
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype

MAX_NUMPY_DIMENSIONS = 64


@dataclass(frozen=True, slots=True)
class VariantValue:
    """One element of a DT_VARIANT tensor (e.g. a tf.data iterator state), undecoded."""

    type_name: str
    num_tensors: int
    size: int

    def __str__(self) -> str:
        return f"<variant {self.type_name or '?'}: {counted(self.num_tensors, 'tensor')}, {self.size} bytes>"


def numeric_array(entry: BundleEntry, data: bytes, big_endian: bool, path: str) -> np.ndarray:
    """A fixed-size-type payload as an array of the entry's shape (read-only view)."""
    check_rank(entry, path)
    dtype = entry.dtype
    n = entry.num_elements
    flat = numeric_elements(dtype, data, n, big_endian, path, entry.key)
    return flat.reshape(entry.shape)


def numeric_elements(dtype: DType, data: bytes, count: int, big_endian: bool, path: str, key: str) -> np.ndarray:
    """``count`` elements of ``dtype`` from ``data`` as a flat array."""
    np_dtype = numpy_dtype(dtype)
    expected = count * np_dtype.itemsize
    if len(data) != expected:
        bits = SUB_BYTE_BITS.get(dtype.enum)
        if bits and len(data) == (count * bits + 7) // 8:
            return _unpack_sub_byte(data, count, bits, np_dtype)
        raise CorruptCheckpointError(
            path, f"tensor {key!r}: {len(data)} bytes for {count} {dtype.name} elements (expected {expected})"
        )
    flat = np.frombuffer(data, dtype=np_dtype, count=count)
    if big_endian and np_dtype.itemsize > 1:
        flat = _from_big_endian(flat)
    return flat


def check_rank(entry: BundleEntry, path: str) -> None:
    """numpy arrays have at most 64 dimensions; TensorFlow allows 254 (see BundleIndex)."""
    if len(entry.shape) > MAX_NUMPY_DIMENSIONS:
        raise UnsupportedCheckpointError(
            path, f"tensor {entry.key!r} has {len(entry.shape)} dimensions; numpy arrays have at most 64"
        )


def check_count(entry: BundleEntry, data: bytes, path: str) -> None:
    """Strings and variants take at least a byte each (their length): checked before
    an array is allocated for the number of elements the (untrusted) shape claims."""
    check_rank(entry, path)
    if entry.num_elements > len(data):
        raise CorruptCheckpointError(
            path,
            f"tensor {entry.key!r}: {len(data)} bytes cannot hold {entry.num_elements} {entry.dtype.name} elements",
        )


def string_array(entry: BundleEntry, data: bytes, path: str) -> np.ndarray:
    """A DT_STRING payload as an object array of ``bytes``."""
    check_count(entry, data, path)
    out = np.empty(entry.num_elements, dtype=object)
    out[:] = decode_strings(entry, data, path)
    return out.reshape(entry.shape)


def variant_array(entry: BundleEntry, data: bytes, path: str) -> np.ndarray:
    """Decode a DT_VARIANT payload into :class:`VariantValue` summaries."""
    check_count(entry, data, path)
    n = entry.num_elements
    out = np.empty(n, dtype=object)
    crc = 0
    pos = 0
    try:
        for i in range(n):
            length, pos = read_varint(data, pos)
            crc = crc32c(length.to_bytes(8, "little"), crc)
            proto = data[pos : pos + length]
            if len(proto) != length:
                raise WireFormatError("variant element runs past the end of the data")
            crc = crc32c(proto, crc)
            pos += length
            stored = data[pos : pos + 4]
            if len(stored) != 4 or int.from_bytes(stored, "little") != mask(crc):
                raise CorruptCheckpointError(path, f"tensor {entry.key!r}: variant element {i} fails its CRC32C check")
            crc = crc32c(stored, crc)
            pos += 4
            out[i] = _variant_summary(proto)
    except WireFormatError as exc:
        raise CorruptCheckpointError(path, f"tensor {entry.key!r}: garbled variant data ({exc})") from None
    if entry.crc32c is not None and mask(crc) != entry.crc32c:
        raise CorruptCheckpointError(path, f"tensor {entry.key!r} fails its CRC32C check: the data file is corrupt")
    return out.reshape(entry.shape)


def decode(entry: BundleEntry, data: bytes, big_endian: bool, path: str) -> np.ndarray:
    """The value of one unpartitioned entry."""
    dtype = entry.dtype
    if dtype.is_numeric:
        return numeric_array(entry, data, big_endian, path)
    if dtype.is_string:
        return string_array(entry, data, path)
    if dtype.is_variant:
        return variant_array(entry, data, path)
    raise UnsupportedCheckpointError(path, f"tensor {entry.key!r} has dtype {dtype.name}, which cannot be decoded")


def _variant_summary(proto: bytes) -> VariantValue:
    # VariantTensorDataProto { string type_name = 1; bytes metadata = 2; repeated TensorProto tensors = 3; }
    type_name = ""
    tensors = 0
    for field, _wt, value in iter_fields(proto):
        if field == 1:
            type_name = bytes(value).decode("utf-8", "replace")
        elif field == 3:
            tensors += 1
    return VariantValue(type_name, tensors, len(proto))


def _from_big_endian(flat: np.ndarray) -> np.ndarray:
    """Swap bytes of each element (per component for complex); works for ml_dtypes too."""
    if flat.dtype.kind == "c":
        return flat.byteswap()
    unsigned = np.dtype(f"u{flat.dtype.itemsize}")
    return flat.view(unsigned).byteswap().view(flat.dtype)


def _unpack_sub_byte(data: bytes, count: int, bits: int, np_dtype: np.dtype) -> np.ndarray:
    """Unpack elements packed several to a byte, low bits first (as ml_dtypes packs).

    TensorFlow has been seen to store int4 & co. one element per byte; this path is
    only taken when an entry's size says the elements are packed.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    per_byte = 8 // bits
    shifts = np.arange(per_byte, dtype=np.uint8) * bits
    codes = ((raw[:, None] >> shifts) & ((1 << bits) - 1)).reshape(-1)[:count]
    if np_dtype.name.startswith("int"):  # two's complement: sign-extend, then convert by value
        signed = codes.astype(np.int8)
        signed[signed >= 1 << (bits - 1)] -= 1 << bits
        return signed.astype(np_dtype)
    return codes.astype(np.uint8).view(np_dtype)
