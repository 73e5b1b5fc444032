"""Snappy-compressed index blocks.

TensorFlow has not compressed index blocks since 1.2, so no current TF can write
one; the reader must still accept them (the table format allows it, and ~1.1-era
merged indexes used it). These tests rebuild a real index, written by TensorFlow,
with its blocks Snappy-compressed, following tsl/lib/io/table_builder.cc.
"""

from __future__ import annotations

import shutil
import struct

import cramjam
import numpy as np

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.bundle import BundleIndex
from ckpt_gui.core.format.crc import crc32c, mask
from ckpt_gui.core.format.table import TABLE_MAGIC, SSTable
from ckpt_gui.core.format.wire import encode_varint


def _block(entries: list[tuple[bytes, bytes]], restart_interval: int) -> bytes:
    out = bytearray()
    restarts = []
    previous = b""
    for i, (key, value) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
                shared += 1
        out += encode_varint(shared) + encode_varint(len(key) - shared) + encode_varint(len(value))
        out += key[shared:] + value
        previous = key
    restarts = restarts or [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def _append_block(file: bytearray, contents: bytes, compress: bool) -> bytes:
    block_type = 0
    if compress:
        contents = bytes(cramjam.snappy.compress_raw(contents))
        block_type = 1
    handle = encode_varint(len(file)) + encode_varint(len(contents))
    file += contents + bytes([block_type])
    file += mask(crc32c(contents + bytes([block_type]))).to_bytes(4, "little")
    return handle


def write_table(entries: list[tuple[bytes, bytes]], entries_per_block: int, compress: bool) -> bytes:
    file = bytearray()
    index_entries = []
    for start in range(0, len(entries), entries_per_block):
        chunk = entries[start : start + entries_per_block]
        handle = _append_block(file, _block(chunk, 16), compress)
        index_entries.append((chunk[-1][0], handle))
    meta_handle = _append_block(file, _block([], 1), compress=False)
    index_handle = _append_block(file, _block(index_entries, 1), compress)
    footer = (meta_handle + index_handle).ljust(40, b"\x00") + TABLE_MAGIC
    return bytes(file + footer)


def test_snappy_compressed_multi_block_index_reads_the_same(checkpoints, tmp_path, tf):
    source = checkpoints / "tf1"
    target = tmp_path / "tf1"
    shutil.copytree(source, target)
    original = BundleIndex(str(source / "model.ckpt-1000"))
    items = SSTable((source / "model.ckpt-1000.index").read_bytes(), "x").items()

    compressed = write_table(items, entries_per_block=5, compress=True)
    (target / "model.ckpt-1000.index").write_bytes(compressed)
    assert compressed[-48 + 40 :] == TABLE_MAGIC

    rebuilt = BundleIndex(str(target / "model.ckpt-1000"))
    assert rebuilt.entries == original.entries
    assert rebuilt.slice_entries == original.slice_entries
    ckpt = Checkpoint.open(target / "model.ckpt-1000")
    reader = tf.train.load_checkpoint(str(source / "model.ckpt-1000"))
    for v in ckpt.variables:
        np.testing.assert_array_equal(ckpt.read(v.key), reader.get_tensor(v.key))


def test_uncompressed_rewrite_round_trips(checkpoints):
    data = (checkpoints / "keras_seq" / "ckpt-4.index").read_bytes()
    items = SSTable(data, "x").items()
    assert SSTable(write_table(items, entries_per_block=3, compress=False), "y").items() == items
