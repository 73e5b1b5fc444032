"""The optional C decoders (core/format/_graph_decoder.c: the object graph;
_index_decoder.c: the index's blocks) give what the Python decoders give: on every
checkpoint TensorFlow writes here, on every checkpoint of the real corpus, and on a few
thousand mutants of each (run in worker processes by tools/fuzz_c_decoders.py, so that
a crash fails a test instead of ending pytest). Without them (no compiler at install)
the Python decoders give the same listing."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import bundle_blocks, object_graph_wire
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.format.entry_columns import EntryColumns
from ckpt_gui.core.format.errors import WireFormatError
from ckpt_gui.core.format.object_graph import ObjectGraph
from ckpt_gui.core.format.strings import decode_strings
from ckpt_gui.core.format.table import block_spans
from tests.conftest import REPO

decoder = object_graph_wire._graph_decoder
index_decoder = bundle_blocks._index_decoder
if decoder is None or index_decoder is None:
    pytest.skip(
        "the C decoders are not built (no C compiler when the package was installed; "
        "`pip install -e .` builds them in place)",
        allow_module_level=True,
    )

FUZZER = REPO / "tools" / "fuzz_c_decoders.py"
CORPUS = REPO.parent / "shared" / "realworld" / "corpus"
TF2_SCENARIOS = ("keras_seq", "subclassed", "keras_list", "bare", "legacy_slots", "sharded", "savedmodel", "many")


def graph_bytes(prefix: str) -> bytes | None:
    ckpt = Checkpoint.open(prefix)
    entry = ckpt.index.entries.get(OBJECT_GRAPH_KEY)
    if entry is None:
        return None
    elements = decode_strings(entry, ckpt.shards.read(entry), prefix)
    return elements[0] if elements else b""


def prefixes(folder: Path) -> list[str]:
    return sorted(str(p)[: -len(".index")] for p in folder.rglob("*.index"))


def assert_same_as_python(blob: bytes) -> None:
    """Columns, node paths and every key's object paths: C against the exact and the bulk decoder."""
    assert fuzz.compare_graph(decoder, blob) == "accepted"
    in_c = object_graph_wire.decode_in_c(blob)
    assert in_c is not None
    exact, bulk = object_graph_wire.decode_exactly(blob), object_graph_wire.decode_in_bulk(blob)
    assert bulk is not None
    expected = ObjectGraph(exact).all_object_paths()
    assert ObjectGraph(in_c).all_object_paths() == expected == ObjectGraph(bulk).all_object_paths()
    assert ObjectGraph(in_c).children == ObjectGraph(exact).children


def _load_fuzzer():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_c_decoders", FUZZER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzzer()


def assert_same_index(prefix: str) -> bool:
    """The index opened with the C block decoder and without it: the same entries,
    header and slices, or the same error; whether the C decoder took a block."""
    taken = []

    def counted(*args):
        found = index_decoder.decode_block(*args)
        taken.append(found is not None)
        return found

    try:
        bundle_blocks._index_decoder = SimpleNamespace(decode_block=counted)
        with_c = fuzz.index_outcome(prefix)
        bundle_blocks._index_decoder = None
        without = fuzz.index_outcome(prefix)
    finally:
        bundle_blocks._index_decoder = index_decoder
    assert with_c == without
    return any(taken)


def test_the_c_decoder_gives_the_python_columns_on_graphs_tensorflow_wrote(checkpoints):
    compared = 0
    for scenario in TF2_SCENARIOS:
        for prefix in prefixes(checkpoints / scenario):
            blob = graph_bytes(prefix)
            if blob is not None:
                assert_same_as_python(blob)
                compared += 1
    assert compared >= len(TF2_SCENARIOS)


def test_the_c_index_decoder_gives_the_python_entries_on_indexes_tensorflow_wrote(checkpoints):
    indexes = [prefix for prefix in prefixes(checkpoints) if "/v1/" not in prefix]  # V1 tables: no bundle
    assert len(indexes) >= 15
    taken = [assert_same_index(prefix) for prefix in indexes]
    assert sum(taken) >= len(indexes) - 3  # the C decoder takes the blocks of nearly every index


def test_the_c_decoder_gives_the_python_columns_on_the_real_corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"the real-world corpus is not at {CORPUS} (a clone without ../shared/realworld)")
    compared = 0
    for prefix in prefixes(CORPUS):
        try:
            blob = graph_bytes(prefix)
        except Exception:  # noqa: BLE001 - V1 tables, damaged on purpose: not this test's subject
            continue
        if blob is not None:
            assert_same_as_python(blob)
            compared += 1
    assert compared >= 10  # the corpus holds dozens of TF2 checkpoints


def test_the_c_index_decoder_gives_the_python_entries_on_the_real_corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"the real-world corpus is not at {CORPUS} (a clone without ../shared/realworld)")
    taken = [assert_same_index(prefix) for prefix in prefixes(CORPUS)]  # V1 tables: the same error both ways
    assert sum(taken) >= 20


def _run_fuzzer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(FUZZER), *args], capture_output=True, text=True, timeout=600, cwd=REPO)


def _counts(stdout: str) -> dict[str, int]:
    line = stdout.splitlines()[0]
    found = re.search(
        r"\w+: inputs (\d+): accepted by both with the same columns (\d+), declined by C \(Python accepts\) (\d+), "
        r"rejected by both (\d+), different (\d+), crashed (\d+)",
        line,
    )
    assert found, stdout
    return dict(zip(("inputs", "accepted", "declined", "rejected", "different", "crashed"), map(int, found.groups())))


@pytest.mark.parametrize("target", ["graph", "index"])
def test_mutants_agree_and_never_crash(target, checkpoints, tmp_path):
    seeds = [str(checkpoints / name) for name in ("keras_seq", "subclassed", "legacy_slots", "bare", "tf1")]
    command = ["--decoder", target, "--count", "3000", "--jobs", "2", "--seed", "20261129", "--findings", str(tmp_path)]
    result = _run_fuzzer(*seeds, *command)
    counts = _counts(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert counts["inputs"] == 3000 and counts["different"] == counts["crashed"] == 0
    # the mutants reach the comparison: many are valid ones both decoders accept
    assert counts["accepted"] > 600 and counts["rejected"] > 300


def test_a_decoder_that_differs_is_a_finding(checkpoints, tmp_path):
    """The comparison can fail: a stand-in index decoder that moves one offset."""
    differing = tmp_path / "differing_decoder.py"
    differing.write_text(
        "from ckpt_gui.core.format import _index_decoder\n"
        "def decode_block(*args):\n"
        "    found = _index_decoder.decode_block(*args)\n"
        "    if found is not None:\n"
        "        found[5][0] += 1\n"
        "    return found\n"
    )
    seeds = [str(checkpoints / "keras_seq")]
    command = ["--decoder", "index", "--count", "40", "--jobs", "1", "--extension", str(differing)]
    result = _run_fuzzer(*seeds, *command, "--findings", str(tmp_path / "findings"))
    assert result.returncode == 1 and _counts(result.stdout)["different"] > 0, result.stdout


def test_a_crashing_decoder_is_a_finding_not_the_end_of_the_run(checkpoints, tmp_path):
    """The fuzzer's workers are what crash: a decoder that segfaults on some inputs
    gives findings and exit 1, and the run goes on to its last input."""
    crashing = tmp_path / "crashing_decoder.py"
    crashing.write_text(
        "import ctypes\n"
        "from ckpt_gui.core.format import _graph_decoder\n"
        "def decode(data):\n"
        "    if len(data) % 5 == 0:\n"
        "        ctypes.string_at(0)  # a segfault\n"
        "    return _graph_decoder.decode(data)\n"
    )
    findings = tmp_path / "findings"
    seeds = [str(checkpoints / "keras_seq")]
    result = _run_fuzzer(
        *seeds, "--count", "60", "--jobs", "1", "--extension", str(crashing), "--findings", str(findings)
    )
    counts = _counts(result.stdout)
    assert result.returncode == 1
    assert counts["crashed"] > 0 and counts["inputs"] == 60
    saved = list(findings.glob("graph-crash-*.bin"))
    assert saved and all(len(p.read_bytes()) % 5 == 0 for p in saved)


def test_without_the_c_decoder_the_listing_is_the_same(checkpoints):
    """The Python decoders alone (the package installed without a compiler): the same
    `inspect --json`, byte for byte."""
    blocked = (
        "import sys, runpy; sys.modules['ckpt_gui.core.format._graph_decoder'] = None; "
        "sys.modules['ckpt_gui.core.format._index_decoder'] = None; "
        "sys.argv = ['ckpt-gui', *sys.argv[1:]]; runpy.run_module('ckpt_gui', run_name='__main__')"
    )
    for scenario in ("keras_seq", "legacy_slots", "many"):
        command = ["inspect", "--json", str(checkpoints / scenario)]
        with_c = subprocess.run([sys.executable, "-m", "ckpt_gui", *command], capture_output=True, text=True, cwd=REPO)
        without = subprocess.run([sys.executable, "-c", blocked, *command], capture_output=True, text=True, cwd=REPO)
        assert with_c.returncode == without.returncode == 0, without.stderr
        assert with_c.stdout == without.stdout and with_c.stderr == without.stderr
        assert json.loads(with_c.stdout)["variables"]


@pytest.mark.parametrize("decoder", ["c", "python"])
def test_a_blocks_first_entry_shares_no_bytes_with_the_block_before(decoder, monkeypatch):
    """Found by the sanitized differential fuzzer (seed 29, input 167,630): both fast
    paths took a block whose first entry shared bytes with the previous block's last
    key; TensorFlow starts each block from an empty key and calls that corrupt, as
    table.block_spans does ("shares more bytes than the previous key has")."""
    monkeypatch.setattr(bundle_blocks, "_index_decoder", index_decoder if decoder == "c" else None)
    value = b"\x08\x01\x12\x00\x35" + bytes(4)  # float32, scalar, crc32c

    def block(shared: int, delta: bytes) -> bytes:
        return bytes([shared, len(delta), len(value)]) + delta + value + struct.pack("<II", 0, 1)

    whole, sharing = block(0, b"ab"), block(1, b"b")  # the same key "ab" after "a"
    assert bundle_blocks.decode_common_entries(whole, 0, len(whole) - 8, b"a", EntryColumns()) == b"ab"
    assert bundle_blocks.decode_common_entries(sharing, 0, len(sharing) - 8, b"a", EntryColumns()) is None
    with pytest.raises(WireFormatError, match="shares more bytes than the previous key has"):
        block_spans(sharing, b"a")


def test_the_graph_decoder_calls_between_as_it_makes_the_objects(checkpoints):
    """``between`` (the app's step aside: lock_slices.let_go) is called every ``every``
    objects made, and gives the same columns as letting the lock go plainly; what it
    raises ends the decoding with that error (a worker cancelled)."""
    blob = graph_bytes(str(checkpoints / "many" / "ckpt"))
    calls = []
    found = decoder.decode(blob, lambda: calls.append(1), 64)
    assert found == decoder.decode(blob)
    keys = found[7]
    assert len(calls) >= 4 * (len(keys) // 64)  # parents, ids, names, nodes, names, fields, keys: each list

    class Stop(Exception):
        pass

    def stop():
        raise Stop

    with pytest.raises(Stop):
        decoder.decode(blob, stop, 64)
    with pytest.raises(TypeError):
        decoder.decode(blob, 3)
    with pytest.raises(ValueError):
        decoder.decode(blob, None, 0)


def test_the_apps_decoding_lets_go_through_let_go(checkpoints, monkeypatch):
    """decode_in_c hands the decoder lock_slices.let_go, where the app's worker steps aside."""
    from ckpt_gui.core.format import lock_slices

    blob = graph_bytes(str(checkpoints / "many" / "ckpt"))
    calls = []
    monkeypatch.setattr(lock_slices, "between_slices", lambda: calls.append(1))
    real = decoder.decode
    monkeypatch.setattr(decoder, "decode", lambda data, between: real(data, between, 64), raising=True)
    assert object_graph_wire.decode_in_c(blob) is not None
    assert calls
