"""DT_STRING payloads (tensor_bundle.cc WriteStringTensor), decoded without numpy.

Layout: one varint length per element, a masked CRC32C of the lengths (each taken
as a little-endian uint32, or uint64 when it does not fit), then the bytes of all
elements back to back. The entry's own CRC runs over the lengths CRC, the four
stored CRC bytes and the element bytes. Opening a checkpoint decodes its object
graph this way, so listing variables never needs numpy.
"""

from __future__ import annotations

from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.crc import crc32c, mask
from ckpt_gui.core.format.errors import CorruptCheckpointError, WireFormatError
from ckpt_gui.core.format.lock_slices import slices
from ckpt_gui.core.format.wire import read_varint

CRC_SLICE = 1 << 20  # bytes per call of the CRC: one over a 20 MB object graph held the lock 27 ms


def decode_strings(entry: BundleEntry, data: bytes, path: str) -> list[bytes]:
    """The elements of a string tensor, flat, in C order; CRCs verified."""
    n = entry.num_elements
    try:
        pos = 0
        lengths = []
        length_crc = 0
        for _ in range(n):
            length, pos = read_varint(data, pos)
            lengths.append(length)
            width = 4 if length <= 0xFFFFFFFF else 8  # older checkpoints only used uint32s
            length_crc = crc32c(length.to_bytes(width, "little"), length_crc)
        stored = data[pos : pos + 4]
        if len(stored) != 4:
            raise WireFormatError("string tensor ends before its length checksum")
        pos += 4
        if int.from_bytes(stored, "little") != mask(length_crc):
            raise CorruptCheckpointError(path, f"tensor {entry.key!r}: string lengths fail their CRC32C check")
        body = data[pos:]
        if len(body) < sum(lengths):
            raise WireFormatError("string tensor is shorter than its lengths say")
    except WireFormatError as exc:
        raise CorruptCheckpointError(path, f"tensor {entry.key!r}: garbled string data ({exc})") from None
    if entry.crc32c is not None and mask(_crc_in_slices(body, crc32c(stored, length_crc))) != entry.crc32c:
        raise CorruptCheckpointError(path, f"tensor {entry.key!r} fails its CRC32C check: the data file is corrupt")
    out = []
    start = 0
    for length in lengths:
        out.append(body[start : start + length])
        start += length
    return out


def _crc_in_slices(data: bytes, crc: int) -> int:
    """``crc32c(data, crc)``, a CRC_SLICE of bytes at a time, the lock let go between two."""
    if len(data) <= CRC_SLICE:
        return crc32c(data, crc)
    for start, stop in slices(len(data), CRC_SLICE):
        crc = crc32c(data[start:stop], crc)  # (a copy: google-crc32c takes no memoryview)
    return crc
