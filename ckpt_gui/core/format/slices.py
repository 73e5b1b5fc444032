"""Partitioned tensors: TensorSliceProto and the OrderedCode-encoded slice keys.

A partitioned variable (TF1 partitioners, MaxShardSizePolicy) is stored as one
full-tensor entry that lists its slices, plus one entry per slice under a binary
key ``EncodeTensorNameSlice(name, slice)`` (saved_tensor_slice_util.cc), which
starts with a zero byte so it sorts before every real name.
"""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.wire import LEN, VARINT, iter_fields, to_signed64

FULL = -1  # kFullExtent: a length of -1 means "the whole dimension"


@dataclass(frozen=True, slots=True)
class TensorSlice:
    """One slice of a tensor: per dimension ``(start, length)``, length -1 meaning all of it."""

    extents: tuple[tuple[int, int], ...]

    def bounds(self, shape: tuple[int, ...]) -> tuple[slice, ...]:
        """numpy index of this slice inside a tensor of the full ``shape``."""
        if len(self.extents) != len(shape):
            raise WireFormatError(f"slice of rank {len(self.extents)} for a tensor of rank {len(shape)}")
        out = []
        for (start, length), dim in zip(self.extents, shape):
            stop = dim if length == FULL else start + length
            if start < 0 or stop > dim or stop < start:
                raise WireFormatError(f"slice extent {start}:{stop} outside dimension of size {dim}")
            out.append(slice(start, stop))
        return tuple(out)

    def shape(self, full_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(s.stop - s.start for s in self.bounds(full_shape))


def parse_tensor_slice(buf: bytes) -> TensorSlice:
    """Decode a TensorSliceProto (repeated Extent {int64 start = 1; int64 length = 2})."""
    extents = []
    for field, wire_type, value in iter_fields(buf):
        if field != 1:
            continue
        if wire_type != LEN:  # a corrupt entry: an extent must be a sub-message
            raise WireFormatError(f"slice extent has wire type {wire_type}, not a message")
        start, length = 0, FULL
        for f2, wire_type2, v2 in iter_fields(value):
            if f2 in (1, 2) and wire_type2 != VARINT:
                raise WireFormatError(f"slice extent field {f2} has wire type {wire_type2}, not a varint")
            if f2 == 1:
                start = to_signed64(v2)
            elif f2 == 2:
                length = to_signed64(v2)
        extents.append((start, length))
    return TensorSlice(tuple(extents))


def decode_slice_key(key: bytes) -> tuple[str, TensorSlice]:
    """Split a slice key into the tensor name and the slice it holds."""
    try:
        pos = 0
        tag, pos = _read_num_increasing(key, pos)
        if tag != 0:
            raise WireFormatError("slice key does not start with 0")
        name, pos = _read_string(key, pos)
        rank, pos = _read_num_increasing(key, pos)
        extents = []
        for _ in range(rank):
            start, pos = _read_signed_num_increasing(key, pos)
            length, pos = _read_signed_num_increasing(key, pos)
            extents.append((start, length))
    except IndexError:
        raise WireFormatError("truncated slice key") from None
    return name.decode("utf-8", "surrogateescape"), TensorSlice(tuple(extents))


# -- OrderedCode (tensorflow/core/lib/strings/ordered_code.cc) ------------------------


def _read_num_increasing(buf: bytes, pos: int) -> tuple[int, int]:
    length = buf[pos]
    end = pos + 1 + length
    if end > len(buf):
        raise IndexError
    return int.from_bytes(buf[pos + 1 : end], "big"), end


def _read_string(buf: bytes, pos: int) -> tuple[bytes, int]:
    out = bytearray()
    while True:
        byte = buf[pos]
        if byte == 0x00:
            nxt = buf[pos + 1]
            if nxt == 0x01:  # terminator
                return bytes(out), pos + 2
            if nxt == 0xFF:  # escaped 0x00
                out.append(0x00)
                pos += 2
                continue
            raise WireFormatError("bad escape in slice key")
        if byte == 0xFF:
            if buf[pos + 1] != 0x00:
                raise WireFormatError("bad escape in slice key")
            out.append(0xFF)
            pos += 2
            continue
        out.append(byte)
        pos += 1


_LENGTH_MASKS = [
    0,
    0x80,
    0xC000,
    0xE00000,
    0xF0000000,
    0xF800000000,
    0xFC0000000000,
    0xFE000000000000,
    0xFF00000000000000,
    0x8000000000000000,
    0,
]


def _read_signed_num_increasing(buf: bytes, pos: int) -> tuple[int, int]:
    xor = 0 if buf[pos] & 0x80 else 0xFF
    first = buf[pos] ^ xor
    if first != 0xFF:
        n = 8 - (first ^ 0xFF).bit_length()
        value = 0xFFFFFFFFFFFFFFFF if xor else 0
        for i in range(n):
            value = ((value << 8) | buf[pos + i]) & 0xFFFFFFFFFFFFFFFF
    else:
        n = 8
        second = buf[pos + 1] ^ xor
        if second >= 0x80:
            if second < 0xC0:
                n = 9
            elif second == 0xC0 and (buf[pos + 2] ^ xor) < 0x80:
                n = 10
            else:
                raise WireFormatError("signed number too long in slice key")
        if pos + n > len(buf):
            raise IndexError
        value = int.from_bytes(buf[pos + n - 8 : pos + n], "big")
    value ^= _LENGTH_MASKS[n]
    return to_signed64(value), pos + n
