"""Protobuf wire-format decoding for the few small messages a checkpoint holds.

The messages in an index (BundleEntryProto, TensorShapeProto, TensorSliceProto) and
the object graph are tiny and fixed; decoding them by hand is faster than building
protobuf message objects (measured in benchmarks/) and needs no generated code.
"""

from __future__ import annotations

from collections.abc import Iterator

from ckpt_gui.core.format.errors import WireFormatError

VARINT = 0
FIXED64 = 1
LEN = 2
FIXED32 = 5


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode a base-128 varint at ``pos``; return ``(value, next_pos)``."""
    try:
        byte = buf[pos]
        if byte < 0x80:
            return byte, pos + 1
        result = byte & 0x7F
        shift = 7
        while True:
            pos += 1
            byte = buf[pos]
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                if result >> 64:  # a 10th byte over 1: no 64-bit field holds it
                    raise WireFormatError("varint over 64 bits")
                return result, pos + 1
            shift += 7
            if shift > 63:
                raise WireFormatError("varint longer than 10 bytes")
    except IndexError:
        raise WireFormatError("truncated varint") from None


def to_signed64(value: int) -> int:
    """Reinterpret an unsigned varint as a two's complement int64 (proto int64 fields)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def iter_fields(buf: bytes, pos: int = 0, end: int | None = None) -> Iterator[tuple[int, int, object]]:
    """Yield ``(field_number, wire_type, value)`` for each field of one message.

    ``value`` is an int for VARINT/FIXED32/FIXED64 and ``bytes`` for LEN fields.
    """
    if end is None:
        end = len(buf)
    while pos < end:
        tag, pos = read_varint(buf, pos)
        field, wire_type = tag >> 3, tag & 7
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
        elif wire_type == LEN:
            length, pos = read_varint(buf, pos)
            if pos + length > end:
                raise WireFormatError(f"field {field} runs past the end of its message")
            value = buf[pos : pos + length]
            pos += length
        elif wire_type == FIXED32:
            if pos + 4 > end:
                raise WireFormatError(f"field {field} runs past the end of its message")
            value = int.from_bytes(buf[pos : pos + 4], "little")
            pos += 4
        elif wire_type == FIXED64:
            if pos + 8 > end:
                raise WireFormatError(f"field {field} runs past the end of its message")
            value = int.from_bytes(buf[pos : pos + 8], "little")
            pos += 8
        else:
            raise WireFormatError(f"unsupported wire type {wire_type} for field {field}")
        if field == 0:
            raise WireFormatError("field number 0")
        yield field, wire_type, value


def encode_varint(value: int) -> bytes:
    """Encode a non-negative int as a varint (used by tests and slice-key encoding)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
