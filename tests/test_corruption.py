"""Damaged files, each built from a real checkpoint: a clear one-line error, exit code 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.crc import crc32c, mask
from ckpt_gui.core.format.errors import CheckpointError, CorruptCheckpointError
from ckpt_gui.core.format.wire import read_varint
from tests.conftest import run_cli


def assert_clean_error(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ckpt-gui: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def first_data_block(index_bytes: bytes) -> tuple[int, int]:
    footer = index_bytes[-48:]
    _mo, pos = read_varint(footer, 0)
    _ms, pos = read_varint(footer, pos)
    index_offset, pos = read_varint(footer, pos)
    # The index block's first entry: shared=0, unshared=n, value_length=m, key, handle.
    pos = index_offset
    _shared, pos = read_varint(index_bytes, pos)
    unshared, pos = read_varint(index_bytes, pos)
    _value_length, pos = read_varint(index_bytes, pos)
    pos += unshared
    offset, pos = read_varint(index_bytes, pos)
    size, _ = read_varint(index_bytes, pos)
    return offset, size


def rewrite_block(index_path: Path, edit) -> None:
    """Apply ``edit(bytearray)`` to the first data block and give it a valid CRC again."""
    data = bytearray(index_path.read_bytes())
    offset, size = first_data_block(bytes(data))
    block = bytearray(data[offset : offset + size])
    edit(block)
    assert len(block) == size
    data[offset : offset + size] = block
    crc = mask(crc32c(bytes(data[offset : offset + size + 1])))
    data[offset + size + 1 : offset + size + 5] = crc.to_bytes(4, "little")
    index_path.write_bytes(bytes(data))


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_truncated_index(scratch_copy):
    index = scratch_copy("tf1") / "model.ckpt-1000.index"
    index.write_bytes(index.read_bytes()[:300])
    assert_clean_error(run_cli("inspect", str(index)), str(index), "truncated")
    index.write_bytes(index.read_bytes()[:20])
    assert_clean_error(run_cli("inspect", str(index)), str(index), "truncated")


def test_garbage_index(scratch_copy):
    index = scratch_copy("tf1") / "model.ckpt-1000.index"
    index.write_bytes(os.urandom(4096))
    assert_clean_error(run_cli("inspect", str(index)), str(index), "not a TensorFlow index")


def test_bad_magic(scratch_copy):
    index = scratch_copy("keras_seq") / "ckpt-4.index"
    flip_byte(index, index.stat().st_size - 1)
    assert_clean_error(run_cli("inspect", str(index)), str(index), "magic")


def test_block_crc_mismatch(scratch_copy):
    index = scratch_copy("keras_seq") / "ckpt-4.index"
    offset, _size = first_data_block(index.read_bytes())
    flip_byte(index, offset + 10)
    assert_clean_error(run_cli("inspect", str(index)), str(index), "CRC32C")


def test_garbled_entry_with_a_valid_block_crc(scratch_copy):
    index = scratch_copy("tf1") / "model.ckpt-1000.index"

    def garble(block: bytearray) -> None:
        block[3:40] = b"\xff" * 37  # the first entry's key and value bytes

    rewrite_block(index, garble)
    assert_clean_error(run_cli("inspect", str(index)), str(index), "garbled")


def test_unknown_dtype_is_listed_not_a_crash(scratch_copy):
    folder = scratch_copy("tf1")
    index = folder / "model.ckpt-1000.index"

    def set_dtype(block: bytearray) -> None:
        # Entry values start "08 <dtype> 12": make every float32 (1) a dtype no TF has (99).
        position = block.find(b"\x08\x01\x12")
        assert position > 0
        while position >= 0:
            block[position + 1] = 99
            position = block.find(b"\x08\x01\x12", position)

    rewrite_block(index, set_dtype)
    result = run_cli("inspect", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    assert '"unknown(99)"' in result.stdout


def test_data_crc_mismatch(scratch_copy):
    folder = scratch_copy("tf1")
    ckpt = Checkpoint.open(folder)
    entry = ckpt.entry("layer1/weights")
    data_file = Path(ckpt.index.data_path(entry.shard_id))
    flip_byte(data_file, entry.offset + 100)
    assert run_cli("inspect", str(folder)).returncode == 0  # the listing reads only the index
    # --stats lists every tensor, that one without statistics (exit 1: not whole; review 12).
    stats = run_cli("inspect", str(folder), "--stats")
    assert stats.returncode == 1 and "Traceback" not in stats.stderr, stats.stderr
    assert "layer1/weights" in stats.stderr and "CRC32C" in stats.stderr and str(data_file) in stats.stderr
    out = folder.parent / "w.npy"
    assert_clean_error(run_cli("export", str(folder), "layer1/weights", "-o", str(out)), "CRC32C")
    assert not out.exists()
    with pytest.raises(CorruptCheckpointError):
        Checkpoint.open(folder).read("layer1/weights")
    Checkpoint.open(folder).read("layer1/biases")  # the rest stays readable


@pytest.mark.parametrize("damage", ["graph bytes flipped", "data file cut short"])
def test_a_damaged_object_graph_lists_the_keys_like_tensorflow(scratch_copy, tf, damage):
    """A TF2 object graph that cannot be read (its CRC fails; the data file cut short, and
    TF2 writes the graph last) made `inspect` an error (exit 2) while the app showed the
    keys and `diff` paired by key (review 15): now listed as tf.train.list_variables lists
    them, the graph's error said once as a warning, exit 1 (no object paths)."""
    folder = scratch_copy("keras_seq")
    ckpt = Checkpoint.open(folder / "ckpt-4")
    entry = ckpt.entry("_CHECKPOINTABLE_OBJECT_GRAPH")
    data = Path(ckpt.index.data_path(0))
    if damage == "graph bytes flipped":
        flip_byte(data, entry.offset + entry.size // 2)
    else:
        data.write_bytes(data.read_bytes()[: entry.offset + entry.size // 2])
    expected = [(key, list(shape)) for key, shape in tf.train.list_variables(str(folder / "ckpt-4"))]
    result = run_cli("inspect", str(folder / "ckpt-4"), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [(v["key"], v["shape"]) for v in report["variables"]] == expected
    (warning,) = [w for w in report["warnings"] if "_CHECKPOINTABLE_OBJECT_GRAPH" in w]
    assert str(data) in warning and ("CRC32C" in warning or "truncated" in warning), warning
    assert result.stderr.splitlines() == [f"ckpt-gui: warning: {w}" for w in report["warnings"]]
    table = run_cli("inspect", str(folder / "ckpt-4"))
    assert table.returncode == 1 and "Traceback" not in table.stderr
    assert all(key in table.stdout for key, _shape in expected if key != "_CHECKPOINTABLE_OBJECT_GRAPH")


def test_missing_shard(scratch_copy):
    folder = scratch_copy("sharded")
    os.remove(folder / "ckpt-1.data-00003-of-00007")
    result = run_cli("inspect", str(folder), "--stats")  # listed, without the statistics it cannot read
    assert result.returncode == 1 and "ckpt-1.data-00003-of-00007 is missing" in result.stderr, result.stderr
    with pytest.raises(CheckpointError, match="missing"):
        Checkpoint.open(folder).read("v1/.ATTRIBUTES/VARIABLE_VALUE")


def test_entry_past_the_end_of_its_shard(scratch_copy):
    folder = scratch_copy("tf1")
    data_file = folder / "model.ckpt-1000.data-00000-of-00001"
    data_file.write_bytes(data_file.read_bytes()[:1000])
    # Named by its prefix (the folder itself opens its newest complete checkpoint now,
    # saying why: review 20 G5, tests/test_review20_state_file.py).
    prefix = str(folder / "model.ckpt-1000")
    result = run_cli("inspect", prefix, "--stats")  # the tensors past its end without statistics
    assert result.returncode == 1 and str(data_file) in result.stderr and "truncated" in result.stderr, result.stderr
    assert_clean_error(run_cli("export", prefix, "layer1/weights", "-o", str(folder.parent / "w.npy")), "truncated")


def test_no_checkpoint_found(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert_clean_error(run_cli("inspect", str(tmp_path)), str(tmp_path), "no checkpoint found", "notes.txt")
    (tmp_path / "weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))  # found as Keras weights: said broken
    assert_clean_error(run_cli("inspect", str(tmp_path)), str(tmp_path / "weights.h5"), "not a readable HDF5 file")
    assert_clean_error(run_cli("inspect", str(tmp_path / "nope")), "no such")


def test_unreadable_state_file_is_only_a_warning(scratch_copy):
    folder = scratch_copy("keras_seq")
    (folder / "checkpoint").write_text("this is not a checkpoint state\n")
    result = run_cli("inspect", str(folder))
    assert result.returncode == 0
    assert "warning" in result.stderr and "garbled" in result.stderr


def test_slice_extent_with_the_wrong_wire_type(scratch_copy):
    """A partitioned variable's slices field whose extent is a varint, not a message."""
    folder = scratch_copy("tf1")
    index = folder / "model.ckpt-1000.index"

    def garble(block: bytearray) -> None:
        # BundleEntryProto field 7 (slices, "3a <len>") holds TensorSliceProto, whose
        # extents are field 1 messages ("0a <len>"): make the first extent a varint.
        position = block.find(b"embedding/table\x08")  # the full entry, not a slice key
        position = block.find(b"\x3a", position)
        assert position > 0 and block[position + 2] == 0x0A
        block[position + 2] = 0x08

    rewrite_block(index, garble)
    assert_clean_error(run_cli("inspect", str(index)), str(index))


def test_missing_object_graph_shard_lists_keys_like_tensorflow(scratch_copy, tf):
    """TF lists the keys of a TF2 checkpoint whose data shard is gone; so does inspect,
    with a warning naming the missing file and exit code 1 (no object paths)."""
    folder = scratch_copy("keras_seq")
    data_file = folder / "ckpt-4.data-00000-of-00001"
    data_file.unlink()
    expected = [(key, list(shape)) for key, shape in tf.train.list_variables(str(folder / "ckpt-4"))]
    result = run_cli("inspect", str(folder / "ckpt-4"), "--json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [(v["key"], v["shape"]) for v in report["variables"]] == expected
    assert any(str(data_file) in w and "missing" in w for w in report["warnings"])
    assert all(line.startswith("ckpt-gui: warning: ") for line in result.stderr.splitlines())


@pytest.mark.parametrize("name", ["run\n1", "run\r\x1b[2J\t1", "run\u20281"])
def test_a_path_with_control_characters_keeps_the_error_on_one_line(scratch_copy, tmp_path, name):
    """Newlines, escape sequences and line separators are legal in Linux file names:
    such paths are quoted with escapes, and the error stays one line naming the file."""
    folder = scratch_copy("tf1").rename(tmp_path / name)
    data_file = folder / "model.ckpt-1000.data-00000-of-00001"
    data_file.write_bytes(data_file.read_bytes()[:1000])
    quoted = repr(str(data_file))
    stats = run_cli("inspect", str(folder / "model.ckpt-1000"), "--stats")  # a warning per reason, each one line
    assert stats.returncode == 1 and quoted in stats.stderr and "truncated" in stats.stderr, stats.stderr
    assert all(line.startswith("ckpt-gui: warning: ") for line in stats.stderr.splitlines()), stats.stderr
    empty = tmp_path / f"empty{name}"
    empty.mkdir()
    assert_clean_error(run_cli("inspect", str(empty)), repr(str(empty)), "empty")
    output = folder / f"out{name}.npy"  # refused: inside the checkpoint folder
    assert_clean_error(
        run_cli("export", str(folder / "model.ckpt-500"), "global_step", "-o", str(output)), repr(str(output))
    )
    assert not output.exists()
    with pytest.raises(CheckpointError) as raised:
        Checkpoint.open(folder / "missing")
    assert "\n" not in str(raised.value) and "\u2028" not in str(raised.value)
