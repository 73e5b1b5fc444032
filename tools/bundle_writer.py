"""Writes a V2 checkpoint (``.index`` + one ``.data`` shard) without TensorFlow.

    write_bundle(prefix, tensors)   # tensors: (key, dtype name, shape, raw bytes), any order

For the benchmarks' largest inputs (an index of a million entries, which TensorFlow
takes too long to create variables for). It writes what TensorFlow's
BundleWriter writes (tensor_bundle.cc, table_builder.cc): a header entry under the
empty key, one BundleEntryProto per key in sorted order, 256 KB table blocks with a
restart point every 16 keys, a masked CRC32C per tensor and per block.
tests/test_bundle_writer.py checks the result with ``tf.train.load_checkpoint``.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ckpt_gui.core.format.crc import crc32c, mask  # noqa: E402
from ckpt_gui.core.format.dtypes import _TABLE  # noqa: E402
from ckpt_gui.core.format.table import TABLE_MAGIC  # noqa: E402
from ckpt_gui.core.format.wire import encode_varint  # noqa: E402

BLOCK_SIZE = 256 * 1024  # tsl TableOptions.block_size
RESTART_INTERVAL = 16
DTYPE_ENUM = {name: number for number, (name, _numpy, _size) in _TABLE.items()}


def entry_proto(dtype: str, shape: tuple[int, ...], offset: int, size: int, crc: int) -> bytes:
    dims = b"".join(b"\x12" + _length_delimited(b"\x08" + encode_varint(d)) for d in shape)
    out = b"\x08" + encode_varint(DTYPE_ENUM[dtype]) + b"\x12" + _length_delimited(dims)
    if offset:
        out += b"\x20" + encode_varint(offset)
    if size:
        out += b"\x28" + encode_varint(size)
    return out + b"\x35" + struct.pack("<I", crc)


def write_bundle(prefix: str, tensors: Iterable[tuple[str, str, tuple[int, ...], bytes]]) -> None:
    """Write ``prefix.index`` and ``prefix.data-00000-of-00001``."""
    items = sorted(tensors, key=lambda t: t[0].encode())
    crcs: dict[bytes, int] = {}  # benchmark tensors repeat their bytes
    entries = [(b"", b"\x08\x01\x1a\x02\x08\x01")]  # BundleHeaderProto{num_shards: 1, version{producer: 1}}
    offset = 0
    with open(prefix + ".data-00000-of-00001", "wb") as data:
        for key, dtype, shape, raw in items:
            crc = crcs.get(raw)
            if crc is None:
                crc = crcs[raw] = mask(crc32c(raw))
            data.write(raw)
            entries.append((key.encode(), entry_proto(dtype, shape, offset, len(raw), crc)))
            offset += len(raw)
    Path(prefix + ".index").write_bytes(build_table(entries))


class _BlockBuilder:
    def __init__(self) -> None:
        self.out = bytearray()
        self.restarts: list[int] = []
        self.previous = b""
        self.count = 0

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.count % RESTART_INTERVAL == 0:
            self.restarts.append(len(self.out))
        else:
            limit = min(len(key), len(self.previous))
            while shared < limit and key[shared] == self.previous[shared]:
                shared += 1
        self.out += encode_varint(shared) + encode_varint(len(key) - shared) + encode_varint(len(value))
        self.out += key[shared:] + value
        self.previous = key
        self.count += 1

    def finish(self) -> bytes:
        restarts = self.restarts or [0]
        return bytes(self.out + struct.pack(f"<{len(restarts)}I", *restarts) + struct.pack("<I", len(restarts)))


def build_table(entries: list[tuple[bytes, bytes]]) -> bytes:
    file = bytearray()
    index = _BlockBuilder()
    block = _BlockBuilder()
    for key, value in entries:
        block.add(key, value)
        if len(block.out) >= BLOCK_SIZE:
            index.add(block.previous, _append_block(file, block.finish()))
            block = _BlockBuilder()
    if block.count:
        index.add(block.previous, _append_block(file, block.finish()))
    meta_handle = _append_block(file, _BlockBuilder().finish())
    index_handle = _append_block(file, index.finish())
    return bytes(file + (meta_handle + index_handle).ljust(40, b"\x00") + TABLE_MAGIC)


def _append_block(file: bytearray, contents: bytes) -> bytes:
    handle = encode_varint(len(file)) + encode_varint(len(contents))
    trailer = b"\x00"
    file += contents + trailer + mask(crc32c(contents + trailer)).to_bytes(4, "little")
    return handle


def _length_delimited(payload: bytes) -> bytes:
    return encode_varint(len(payload)) + payload
