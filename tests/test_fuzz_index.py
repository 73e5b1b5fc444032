"""Indexes with valid CRCs but impossible content: one CheckpointError, never a traceback.

A mutation fuzzer (tools/fuzz_index.py, open-ended there) runs a few thousand
mutants of real indexes written by TensorFlow in this session; the crafted cases
below are the ones that gave tracebacks before, each pinned down.
"""

from __future__ import annotations

import importlib.util
import shutil
import time

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.table import TABLE_MAGIC, SSTable
from ckpt_gui.core.format.wire import encode_varint
from tests.conftest import REPO, run_cli

_spec = importlib.util.spec_from_file_location("fuzz_index", REPO / "tools" / "fuzz_index.py")
fuzz_index = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_index)

SOURCES = ["tf1/model.ckpt-1000", "keras_seq/ckpt-4", "dtypes/ckpt", "sharded/ckpt-1", "legacy_slots/ckpt", "bare"]


def test_mutated_indexes_give_only_checkpoint_errors(checkpoints, tmp_path):
    prefixes = []
    for source in SOURCES:
        path = checkpoints / source
        prefixes.append(str(path) if not path.is_dir() else Checkpoint.open(path).prefix)
    fuzzer = fuzz_index.Fuzzer(prefixes, str(tmp_path), seed=20261128)
    start = time.monotonic()
    fuzzer.run(3000)
    assert fuzzer.counts["inputs"] == 3000
    assert fuzzer.counts["unexpected"] == 0, "\n".join(fuzzer.unexpected.values())
    # The mutants reach the decoders: most get past the CRCs, some even open.
    assert fuzzer.counts["ok"] > 100
    assert time.monotonic() - start < 120


# -- crafted cases ----------------------------------------------------------------------


@pytest.fixture()
def rewrite(scratch_copy):
    """Rebuild tf1's newest index with one entry's value replaced, CRCs valid."""
    folder = scratch_copy("tf1")
    prefix = folder / "model.ckpt-1000"
    items = SSTable((folder / "model.ckpt-1000.index").read_bytes(), "x").items()

    def write(key: bytes, value: bytes | None = None, extra: list[tuple[bytes, bytes]] = ()) -> str:
        edited = [(k, value if k == key and value is not None else v) for k, v in items]
        edited = sorted(edited + list(extra))
        block = fuzz_index.build_block(edited)
        (folder / "model.ckpt-1000.index").write_bytes(fuzz_index.build_table([(edited[-1][0], block)]))
        return str(prefix)

    write.items = dict(items)
    return write


def entry(dtype: int, dims: list[int], tail: bytes = b"\x28\x00\x35\x00\x00\x00\x00") -> bytes:
    shape = b"".join(b"\x12" + encode_varint(len(d := b"\x08" + encode_varint(n))) + d for n in dims)
    return b"\x08" + encode_varint(dtype) + b"\x12" + encode_varint(len(shape)) + shape + tail


def assert_one_line_error(prefix: str, *words: str, cli: tuple[str, ...] = ("--stats",)) -> None:
    with pytest.raises(CheckpointError) as info:
        fuzz_index.exercise(prefix)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(prefix).rsplit("/", 1)[0]), message
    for word in words:
        assert word in message, message
    command = ("export", prefix, *cli[1:]) if cli[0] == "export" else ("inspect", prefix, *cli)
    result = run_cli(*command)
    assert "Traceback" not in result.stderr, result.stderr
    if command[0] == "inspect" and result.returncode == 1:
        # --stats lists a tensor it cannot read without statistics (review 12): a warning
        # of one line, and only warnings.
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("ckpt-gui: warning: ") for line in lines), result.stderr
        return
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_a_block_too_short_for_its_restart_count(scratch_copy):
    folder = scratch_copy("tf1")
    (folder / "model.ckpt-1000.index").write_bytes(fuzz_index.build_table([(b"z", b"\x00\x01")]))
    assert_one_line_error(str(folder / "model.ckpt-1000"), "restart count")


def test_a_header_field_of_the_wrong_type(rewrite):
    assert_one_line_error(rewrite(b"", b"\x08\x01\x1a\x05"), "header")  # version is a varint, not a message


def test_a_string_length_over_64_bits():
    # In the data file, not the index: a 10-byte varint of 70 bits gave OverflowError.
    from ckpt_gui.core.format.bundle_entry import KNOWN_DTYPES, BundleEntry
    from ckpt_gui.core.format.strings import decode_strings

    string_entry = BundleEntry("s", KNOWN_DTYPES[7], (1,), 0, 0, 14, None)
    with pytest.raises(CheckpointError, match="64 bits"):
        decode_strings(string_entry, b"\xff" * 9 + b"\x7f" + b"\x00" * 4, "s.data-00000-of-00001")


@pytest.mark.parametrize("rank", [100, 10**5, 10**6 // 4])
def test_too_many_dimensions(rewrite, rank):
    assert_one_line_error(rewrite(b"global_step", entry(1, [1] * rank)), "dimensions", "global_step")


def test_rank_numpy_cannot_hold_is_refused_when_read(rewrite):
    value = rewrite.items[b"global_step"]
    assert value[2:4] == b"\x12\x00"  # a scalar: the rest is shard, offset, size and CRC
    prefix = rewrite(b"global_step", entry(9, [1] * 65, value[4:]))
    ckpt = Checkpoint.open(prefix)  # TensorFlow allows 254 dimensions: listed...
    assert len(ckpt.variable("global_step").shape) == 65
    with pytest.raises(CheckpointError, match="at most 64"):  # ...but not read into numpy
        ckpt.read("global_step")


def test_more_than_2_to_the_63_elements(rewrite):
    assert_one_line_error(rewrite(b"global_step", entry(1, [2**62, 8])), "2^63", "global_step")


def test_a_string_tensor_claiming_more_elements_than_bytes(rewrite):
    # 2^40 strings in a few bytes: refused before an array of 2^40 objects is made.
    key = b"layer1/weights"
    prefix = rewrite(key, entry(7, [2**40], rewrite.items[key][rewrite.items[key].find(b"\x28") :]))
    assert_one_line_error(prefix, "cannot hold", "layer1/weights", cli=("export", "layer1/weights", "-o", "/tmp/x"))


@pytest.mark.parametrize("full_shape", [[2**62, 8], [2**40, 8], [2**62]])
def test_a_partitioned_tensor_larger_than_its_slices(rewrite, full_shape):
    key = b"embedding/table"
    value = rewrite.items[key]
    slices_at = value.find(b"\x3a")
    assert slices_at > 0, "tf1's embedding/table is partitioned"
    prefix = rewrite(key, entry(1, full_shape, value[slices_at:]))
    assert_one_line_error(prefix, "embedding/table")  # inspect exits 2, said when opened


def test_the_fuzzer_runs_from_the_command_line(checkpoints, tmp_path):
    import subprocess
    import sys

    source = tmp_path / "tf1"
    shutil.copytree(checkpoints / "tf1", source)
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "fuzz_index.py"), str(source / "model.ckpt-1000"), "--count", "50"]
        + ["--jobs", "2", "--findings", str(tmp_path / "findings")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inputs=50" in result.stdout


def test_a_garbled_entry_is_named(rewrite):
    assert_one_line_error(rewrite(b"global_step", b"\x08\x09\x35\x00"), "'global_step'", "truncated crc32c")


def test_a_snappy_block_claiming_4_gb_is_refused_before_decompressing(scratch_copy):
    from ckpt_gui.core.format.crc import crc32c, mask

    folder = scratch_copy("tf1")
    contents = encode_varint(2**32) + b"\x00" * 16  # "4 GB follow", in 21 bytes
    file = bytearray()
    handle = encode_varint(0) + encode_varint(len(contents))
    file += contents + b"\x01" + mask(crc32c(contents + b"\x01")).to_bytes(4, "little")
    meta = fuzz_index.append_block(file, fuzz_index.build_block([], 1))
    index = fuzz_index.append_block(file, fuzz_index.build_block([(b"z", handle)], 1))
    (folder / "model.ckpt-1000.index").write_bytes(bytes(file) + (meta + index).ljust(40, b"\x00") + TABLE_MAGIC)
    assert_one_line_error(str(folder / "model.ckpt-1000"), "Snappy", "4294967296")


# -- the fuzzer's own guarantees ------------------------------------------------------------


def test_an_unexpected_exception_is_a_finding_with_its_input_saved(checkpoints, tmp_path, monkeypatch):
    def broken(prefix):
        raise KeyError("a bug in the reader")

    monkeypatch.setattr(fuzz_index, "exercise", broken)
    fuzzer = fuzz_index.Fuzzer([str(checkpoints / "dtypes" / "ckpt")], str(tmp_path / "work"), 1, str(tmp_path / "f"))
    fuzzer.run(3)
    assert fuzzer.counts["KeyError"] == 3 and fuzzer.counts["unexpected"] == 3
    saved = sorted((tmp_path / "f").glob("KeyError-*.index"))
    assert saved and all(path.with_suffix(".txt").read_text().startswith("KeyError\n") for path in saved)
    assert all(path.read_bytes() for path in saved)


def test_a_worker_stuck_in_c_code_is_killed_and_its_input_saved(checkpoints, tmp_path, monkeypatch):
    """The in-process timer cannot interrupt a C call; the worker's CPU-time limit can."""
    import itertools

    def stuck_in_c(prefix):
        sum(itertools.repeat(1, 10**13))  # one C call: no Python signal handler runs in it

    monkeypatch.setattr(fuzz_index, "exercise", stuck_in_c)
    monkeypatch.setattr(fuzz_index, "HANG_SECONDS", 1)
    monkeypatch.setattr(fuzz_index, "KILL_MARGIN_SECONDS", 1)
    pool = fuzz_index.Pool([str(checkpoints / "dtypes" / "ckpt")], str(tmp_path / "work"), 1, str(tmp_path / "f"))
    counts = pool.run(jobs=1, count=1)
    assert counts["hang over 5 s (worker killed)"] == 1 and counts["unexpected"] == 1, counts
    (saved,) = (tmp_path / "f").glob("hang*.index")
    source = (checkpoints / "dtypes" / "ckpt.index").read_bytes()
    assert saved.read_bytes() != source and saved.read_bytes()  # the mutant, not the source


def test_a_pool_of_workers_adds_up_its_counts(checkpoints, tmp_path):
    pool = fuzz_index.Pool([str(checkpoints / "dtypes" / "ckpt")], str(tmp_path / "work"), 5, str(tmp_path / "f"))
    counts = pool.run(jobs=2, count=101)
    assert counts["inputs"] == 101 and counts["unexpected"] == 0, pool.unexpected
    assert counts["inputs"] == counts["ok"] + counts["checkpoint_error"]
