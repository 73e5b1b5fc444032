"""Mutation fuzzer of the optional C decoders (object graph, index blocks): they must
never crash, and whatever they accept must come out exactly as from the Python decoders.

    python tools/fuzz_c_decoders.py CHECKPOINT [CHECKPOINT...] [--decoder graph|index|histogram]
        [--count N] [--seed S] [--jobs J] [--sanitize] [--findings DIR]

CHECKPOINT is a prefix or a folder (all its checkpoints), written by TensorFlow: their
object graphs (``--decoder graph``) or their ``.index`` files (``--decoder index``)
are the seeds.

graph: bit flips, odd bytes, insertions, deletions, truncations, varints set to edge
values (0, 127, 128, 2^31, 2^63, 2^64-1...), splices between graphs, and graphs rebuilt
field by field with a value changed (node ids, lengths, names with invalid UTF-8 or a
"/", nodes duplicated, dropped or swapped, unknown fields added), so that many mutants
are valid protobuf and reach the comparison. For each mutant the C decoder
(``_graph_decoder.decode``) and the exact Python decoder (``decode_exactly``) run:
when the C decoder accepts it, the Python decoder must accept it too, with the same
columns, and the C decoder's node paths and sorted listing must be what object_graph
makes from those columns. It may decline what Python accepts (the Python decoders
then run in the app).

index: the mutants of tools/fuzz_index.py (tables rebuilt with valid CRCs, entries
edited, odd values, keys out of order, slice keys, raw byte mutations), each opened as
a ``BundleIndex`` twice, with the C block decoder and without it: the same entries,
header and slices, or the same error, word for word.

histogram: not a decoder of checkpoint bytes but the histogram kernel, on random
chunks and edges (HistogramTarget; the CHECKPOINT arguments are not used): it must
decline exactly the chunks it should, and count the others as np.histogram does.

The mutants run in worker processes (``--jobs``, one per core by default), so that a
crash is a finding, not the end of the run: the worker says which input it is on
before each one, the parent saves the input that killed it (``--findings``) and
starts a new worker. ``--sanitize`` builds the decoder with
``-fsanitize=address,undefined`` (gcc, any error fatal) into a temporary folder and
runs the workers with it (and with PYTHONMALLOC=malloc, so that ASan sees every
allocation). Prints the counts and exits 1 on any finding. ``--count 0`` runs until
interrupted. The suite runs a few thousand of each (tests/test_c_decoders.py).
"""

from __future__ import annotations

import argparse
import atexit
import collections
import contextlib
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ckpt_gui.core.format import (  # noqa: E402
    bundle_blocks,
    object_graph,
    object_graph_columns,
    object_graph_exact,
    object_graph_wire,  # noqa: E402
)
from ckpt_gui.core.format.bundle import BundleIndex  # noqa: E402
from ckpt_gui.core.format.errors import CheckpointError, WireFormatError  # noqa: E402
from ckpt_gui.core.format.wire import encode_varint, iter_fields  # noqa: E402
from tools import fuzz_mutations  # noqa: E402

FORMAT = REPO / "ckpt_gui" / "core" / "format"
EDGE_NUMBERS = [0, 1, 2, 3, 127, 128, 255, 16383, 16384, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63, 2**64 - 1]
GRAPH_ODD_BYTES = (0, 1, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12, 0x1A, 0x2A)
ODD_NAMES = [b"", b"/", b"a/b", b"\xff", b"\xe2\x82", b"\x00", b"x" * 200, "é".encode(), b"\xed\xa0\x80"]
BATCH = 2000  # inputs per worker request


# -- the seeds -------------------------------------------------------------------------


def graph_blobs(paths: list[str]) -> list[bytes]:
    """The object graph of every TF2 checkpoint at ``paths`` (prefixes or folders)."""
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
    from ckpt_gui.core.format.strings import decode_strings

    prefixes = []
    for path in map(Path, paths):
        if path.is_dir():
            prefixes += sorted(str(p)[: -len(".index")] for p in path.rglob("*.index"))
        else:
            prefixes.append(str(path))
    blobs = []
    for prefix in prefixes:
        ckpt = Checkpoint.open(prefix)
        entry = ckpt.index.entries.get(OBJECT_GRAPH_KEY)
        if entry is not None:
            elements = decode_strings(entry, ckpt.shards.read(entry), prefix)
            if elements and elements[0] not in blobs:
                blobs.append(elements[0])
    return blobs


# -- mutations -------------------------------------------------------------------------


def mutate_bytes(rng: random.Random, data: bytes, other: bytes) -> bytes:
    """Raw byte mutations (tools/fuzz_mutations.py), truncations too, with a graph's odd
    bytes: tags of its fields, varint edges."""
    return fuzz_mutations.mutate_bytes(
        rng, data, other, odd_bytes=GRAPH_ODD_BYTES, edge_numbers=EDGE_NUMBERS, splice_max=64, truncate=True
    )


def parse_message(data: bytes, depth: int) -> list:
    """A message as [field, wire type, value] rows (LEN values parsed as messages down to
    ``depth`` when they parse, else kept as bytes)."""
    rows = []
    for field, wire_type, value in iter_fields(data):
        if wire_type == 2 and depth > 0:
            with contextlib.suppress(WireFormatError, IndexError, ValueError):  # not a message: bytes
                value = parse_message(value, depth - 1)
        rows.append([field, wire_type, value])
    return rows


def encode_message(rows: list) -> bytes:
    out = bytearray()
    for field, wire_type, value in rows:
        out += encode_varint(field << 3 | wire_type)
        if wire_type == 0:
            out += encode_varint(value)
        elif wire_type == 2:
            payload = encode_message(value) if isinstance(value, list) else value
            out += encode_varint(len(payload)) + payload
        elif wire_type == 5:
            out += int(value).to_bytes(4, "little")
        else:
            out += int(value).to_bytes(8, "little")
    return bytes(out)


def _leaves(rows: list, found: list) -> list:
    for row in rows:
        if isinstance(row[2], list):
            _leaves(row[2], found)
        found.append(row)
    return found


def mutate_fields(rng: random.Random, graph: list) -> None:
    """Change the graph (parsed by parse_message) in place, keeping it valid protobuf."""
    choice = rng.randrange(6)
    nodes = [row for row in graph if row[0] == 1]
    if choice == 0 and nodes:  # a node duplicated, dropped or moved
        node = rng.choice(nodes)
        what = rng.randrange(3)
        if what == 0:
            graph.insert(rng.randrange(len(graph) + 1), [1, node[1], node[2]])
        elif what == 1:
            graph.remove(node)
        else:
            graph.remove(node)
            graph.insert(rng.randrange(len(graph) + 1), node)
        return
    leaves = _leaves(graph, [])
    if not leaves:
        return
    row = rng.choice(leaves)
    if choice == 1 and row[1] == 0:  # a number (node id, has_checkpoint_values...)
        row[2] = rng.choice([*EDGE_NUMBERS, rng.randrange(64), len(nodes), len(nodes) - 1])
    elif choice == 2 and row[1] == 2 and not isinstance(row[2], list):  # a name, full_name or key
        row[2] = rng.choice([*ODD_NAMES, row[2] + rng.choice(ODD_NAMES)])
    elif choice == 3:  # a field of another wire type under the same number
        row[1], row[2] = rng.choice([(0, rng.choice(EDGE_NUMBERS)), (2, rng.choice(ODD_NAMES)), (5, 7), (1, 9)])
    elif choice == 4:  # an unknown field, or a known number again
        rows = row[2] if isinstance(row[2], list) else graph
        number = rng.choice((1, 2, 3, 4, 5, 6, 7, 15, 16, 2047, 2**20))
        field = rng.choice(([number, 0, rng.choice((0, 1, 300))], [number, 2, rng.choice((b"x", b""))]))
        rows.insert(rng.randrange(len(rows) + 1), field)
    else:  # a sub-message's field dropped
        rows = row[2] if isinstance(row[2], list) else graph
        if rows:
            del rows[rng.randrange(len(rows))]


def mutant(rng: random.Random, blob: bytes, parsed: list, other: bytes) -> bytes:
    if rng.random() < 0.5:
        return mutate_bytes(rng, blob, other)
    graph = json.loads(parsed)  # a deep copy (bytes kept as latin-1 text)
    graph = _from_json(graph)
    for _ in range(rng.choice((1, 1, 2, 3))):
        mutate_fields(rng, graph)
    data = encode_message(graph)
    return mutate_bytes(rng, data, other) if rng.random() < 0.2 else data


def _to_json(rows: list) -> list:
    return [[f, w, _to_json(v) if isinstance(v, list) else v.decode("latin-1") if isinstance(v, bytes) else v]
            for f, w, v in rows]  # fmt: skip


def _from_json(rows: list) -> list:
    return [[f, w, _from_json(v) if isinstance(v, list) else v.encode("latin-1") if isinstance(v, str) else v]
            for f, w, v in rows]  # fmt: skip


# -- checking one input ------------------------------------------------------------------


def compare_graph(decoder, data: bytes) -> str:
    """'accepted' (both decoders, same columns), 'declined' (C declines, Python
    accepts), 'rejected' (both refuse); raises AssertionError on a disagreement."""
    found = decoder.decode(data)
    try:
        exact = object_graph_wire.decode_exactly(data)
    except WireFormatError:
        exact = None
    if found is None:
        return "declined" if exact is not None else "rejected"
    assert exact is not None, "the C decoder accepts a graph the Python decoder rejects"
    (count, parents, ids, names, attribute_nodes, attribute_names, full_fields, keys, slots, paths, by_key) = found
    assert count == exact.node_count, (count, exact.node_count)
    assert (parents, ids, names) == (exact.parents, exact.child_ids, exact.child_names), "child references differ"
    assert (attribute_nodes, attribute_names, keys) == (exact.attribute_nodes, exact.attribute_names, exact.keys)
    assert [object_graph_columns.full_name(f) for f in full_fields] == exact.full_names, "full names differ"
    assert slots == exact.slot_variables, "slot variables differ"
    try:
        object_graph_exact.check_references(exact)
    except WireFormatError:  # refused after decoding, before any path is made: the C decoder made none
        assert paths is None and by_key is None, "node paths of a graph with missing nodes"
        return "accepted"
    assert paths == object_graph._tree_paths(exact), "node paths differ"
    if by_key is not None:  # the usual listing, sorted: what _tree_object_paths gives, in key order
        sorted_keys, values = by_key
        assert sorted_keys == sorted(set(sorted_keys)), "the listing's keys do not ascend"
        assert dict(zip(sorted_keys, values)) == object_graph._tree_object_paths(exact), "the sorted listing differs"
    return "accepted"


def index_outcome(prefix: str) -> tuple:
    """What opening an index gives: its columns, header and slices, or the error."""
    try:
        index = BundleIndex(prefix)
    except CheckpointError as exc:
        return ("error", type(exc).__name__, str(exc))
    entries = index.entries
    columns = (entries.keys_in_order, entries.dtypes, entries.shapes, entries.shard_ids, entries.offsets)
    columns += (entries.sizes, entries.crcs, entries.slices, entries.bad_utf8_seen)
    return ("ok", columns, index.header, index.slice_entries)


class GraphTarget:
    """The object-graph decoder, on mutants of the seeds' object graphs."""

    name = "graph"
    module = "_graph_decoder"

    def __init__(self, paths: list[str], decoder) -> None:
        self.decoder = decoder
        self.blobs = graph_blobs(paths)
        self.parsed = [json.dumps(_to_json(parse_message(blob, 3))) for blob in self.blobs]

    def make(self, seed: int, i: int) -> bytes:
        rng = random.Random(f"{seed}-{i}")
        k = rng.randrange(len(self.blobs))
        return mutant(rng, self.blobs[k], self.parsed[k], rng.choice(self.blobs))

    def compare(self, data: bytes) -> str:
        return compare_graph(self.decoder, data)


class IndexTarget:
    """The index block decoder, on tools/fuzz_index.py's mutants of the seeds' indexes:
    each mutant opened with the C decoder and without it."""

    name = "index"
    module = "_index_decoder"

    def __init__(self, paths: list[str], decoder) -> None:
        from ckpt_gui.core.format.table import SSTable

        self.fuzz_index = _load_tool("fuzz_index")
        self.decoder = decoder
        self.sources = [(data, SSTable(data, "seed").items()) for data in index_files(paths)]
        self.work = tempfile.mkdtemp(prefix="fuzz-c-index-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        atexit.register(shutil.rmtree, self.work, True)
        self.prefix = os.path.join(self.work, "ckpt")

    def make(self, seed: int, i: int) -> bytes:
        rng = random.Random(f"{seed}-{i}")
        data, items = rng.choice(self.sources)
        other, other_items = rng.choice(self.sources)
        return self.fuzz_index.mutant(rng, data, other, items, other_items)

    def compare(self, data: bytes) -> str:
        Path(self.prefix + ".index").write_bytes(data)
        taken = 0

        def counted(*args):
            nonlocal taken
            found = self.decoder.decode_block(*args)
            taken += found is not None
            return found

        bundle_blocks._index_decoder = SimpleNamespace(decode_block=counted)
        try:
            with_c = index_outcome(self.prefix)
        finally:
            bundle_blocks._index_decoder = None
        without = index_outcome(self.prefix)
        assert with_c == without, f"with the C decoder: {str(with_c)[:300]}; without: {str(without)[:300]}"
        if not taken:
            return "declined" if with_c[0] == "ok" else "rejected"
        return "accepted"


class HistogramTarget:
    """The histogram kernel (core/analysis/_histogram_counts.c), on random chunks and
    edges: numpy's edges over random ranges (a few adjacent floats, subnormals, the
    whole float range, integers) or random ones with repeats, values on, beside and
    between the edges, sometimes a NaN, an Inf or a value outside. It must decline
    exactly the chunks with such a value (counts untouched) and count every other one
    as np.histogram does, with the chunk's min, max and zeros."""

    name = "histogram"
    module = "_histogram_counts"
    package = "ckpt_gui.core.analysis"

    def __init__(self, paths: list[str], decoder) -> None:
        self.decoder = decoder

    def make(self, seed: int, i: int) -> bytes:
        import numpy as np

        from ckpt_gui.core.analysis.histogram import HistogramAccumulator

        rng = np.random.default_rng([seed, i])
        vtype, etype = (rng.choice([np.float32, np.float64]) for _ in range(2))
        if rng.random() < 0.7:
            etype = vtype
        info = np.finfo(vtype)
        bins = int(rng.choice([1, 2, 3, 7, 100, 127, 1000, int(rng.integers(1, 3000))]))
        kind = rng.integers(5)
        if kind == 0:  # a few adjacent floats
            low = vtype(rng.standard_normal())
            high = low
            for _ in range(rng.integers(0, 4)):
                high = np.nextafter(high, vtype(np.inf))
        elif kind == 1:  # subnormals
            low, high = sorted(rng.integers(-50, 50, 2) * info.smallest_subnormal)
        elif kind == 2:  # up to the whole float range
            low, high = info.min * rng.random(), info.max * rng.random()
        else:
            low, high = sorted(rng.standard_normal(2) * 10.0 ** rng.integers(-30, 30))
        low, high = vtype(low), vtype(high)
        with np.errstate(all="ignore"):
            edges = HistogramAccumulator(bins, low, high).edges_for(np.dtype(vtype)).astype(etype)
            if rng.random() < 0.15:  # any spacing, repeats
                inner = np.sort(rng.choice(edges, edges.size - 2) if edges.size > 2 else edges[:0])
                edges = np.concatenate([edges[:1], inner, edges[-1:]]).astype(etype)
            n = int(rng.integers(0, 5000))
            on = rng.choice(edges, n).astype(vtype)
            beside = np.nextafter(on, np.where(rng.random(n) < 0.5, -np.inf, np.inf).astype(vtype))
            between = (low + (high - low) * rng.random(n)).astype(vtype)
            if kind == 4:
                between = np.round(between)
            values = np.choose(rng.integers(0, 3, n), [on, beside, between]).astype(vtype)
            values = np.clip(values, edges[0], edges[-1]).astype(vtype) if rng.random() < 0.8 else values
        if n and rng.random() < 0.15:
            odd = [np.nan, np.inf, -np.inf, float(high) * 2 + 1, -abs(float(low)) * 2 - 1]
            values[rng.integers(n)] = rng.choice(odd)
        header = json.dumps({"values": np.dtype(vtype).str, "edges": np.dtype(etype).str, "n": n}).encode()
        return header + b"\n" + values.tobytes() + edges.tobytes()

    def compare(self, data: bytes) -> str:
        import numpy as np

        header, raw = data.split(b"\n", 1)
        meta = json.loads(header)
        values = np.frombuffer(raw, meta["values"], meta["n"])
        edges = np.frombuffer(raw, meta["edges"], offset=values.nbytes)
        before = np.arange(edges.size - 1, dtype=np.int64)
        counts = before.copy()
        found = self.decoder.count(values, edges, counts)
        with np.errstate(all="ignore"):
            usable = bool(
                values.size
                and values.flags.aligned
                and np.isfinite(edges).all()
                and np.all(edges[:-1] <= edges[1:])
                and np.all((values >= edges[0]) & (values <= edges[-1]))  # False for NaN
            )
        if found is None:
            assert not usable, "declined values it should count"
            assert np.array_equal(counts, before), "declined, but the counts changed"
            return "declined"
        assert usable, "counted values it should decline"
        expected = np.histogram(values, bins=edges)[0]
        differ = np.flatnonzero(counts - before != expected)
        assert not differ.size, f"counts differ in bins {differ[:10]}"
        summary = (float(values.min()), float(values.max()), int(np.count_nonzero(values == 0)))
        assert found == summary, f"{found} against {summary}"
        return "accepted"


TARGETS = {"graph": GraphTarget, "index": IndexTarget, "histogram": HistogramTarget}


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def index_files(paths: list[str]) -> list[bytes]:
    """The bytes of every ``.index`` at ``paths`` (prefixes or folders), each once."""
    found: list[bytes] = []
    for path in map(Path, paths):
        indexes = sorted(path.rglob("*.index")) if path.is_dir() else [Path(str(path) + ".index")]
        for index in indexes:
            data = index.read_bytes()
            if data not in found:
                found.append(data)
    return found


def load_decoder(name: str, path: str | None, package: str = "ckpt_gui.core.format"):
    """The decoder module: the package's, or the shared library (or a stand-in .py) at ``path``."""
    if path is None:
        return importlib.import_module(f"{package}.{name}")
    spec = importlib.util.spec_from_file_location(f"{package}.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worker(args: argparse.Namespace) -> int:
    """Read "start count" lines; for each, say "at i" before input i, then the counts."""
    target_type = TARGETS[args.decoder]
    package = getattr(target_type, "package", "ckpt_gui.core.format")
    target = target_type(args.paths, load_decoder(target_type.module, args.extension, package))
    for line in sys.stdin:
        start, count = map(int, line.split())
        counts = collections.Counter()
        failures = []
        for i in range(start, start + count):
            print("at", i, flush=True)
            try:
                counts[target.compare(target.make(args.seed, i))] += 1
            except AssertionError as exc:
                counts["different"] += 1
                failures.append((i, str(exc)))
            except Exception as exc:  # noqa: BLE001 - a bug of a decoder (or of this tool): a finding too
                counts["different"] += 1
                failures.append((i, f"{type(exc).__name__}: {exc}"))
        print("done", json.dumps({"counts": counts, "failures": failures}), flush=True)
    return 0


# -- the parent: workers, crashes, findings --------------------------------------------


def sanitized_build(module: str, into: str, folder: Path = FORMAT) -> tuple[str, dict]:
    """The decoder built with ASan and UBSan, and the environment to load it in Python."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    target = os.path.join(into, module + suffix)
    include = sysconfig.get_paths()["include"]
    flags = ["-shared", "-fPIC", "-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined"]
    command = ["gcc", *flags, "-fno-sanitize-recover=all", f"-I{include}", str(folder / f"{module}.c"), "-o", target]
    subprocess.run(command, check=True)
    libasan = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    env = {
        "LD_PRELOAD": libasan,
        "PYTHONMALLOC": "malloc",
        "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
        "UBSAN_OPTIONS": "halt_on_error=1",
    }
    return target, env


class Pool:
    """Worker processes fed batches of input numbers; a dead worker's input is a finding."""

    def __init__(self, args: argparse.Namespace, extension: str | None, env: dict) -> None:
        self.command = [sys.executable, __file__, "--worker", "--decoder", args.decoder, "--seed", str(args.seed)]
        self.command += args.paths
        if extension:
            self.command += ["--extension", extension]
        self.env = {**os.environ, **env}
        self.findings = Path(args.findings)
        self.seed = args.seed
        self.target = (args.decoder, args.paths)
        self.counts = collections.Counter()
        self.reports: list[str] = []

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env)  # fmt: skip

    def run_batch(self, proc: subprocess.Popen, start: int, count: int) -> subprocess.Popen:
        """Run inputs start..start+count on ``proc``; return the worker to use next."""
        proc.stdin.write(f"{start} {count}\n")
        proc.stdin.flush()
        at = None
        for line in proc.stdout:
            if line.startswith("at "):
                at = int(line.split()[1])
            elif line.startswith("done "):
                result = json.loads(line[5:])
                self.counts.update(result["counts"])
                for i, message in result["failures"]:
                    self._save("different", i, message)
                return proc
        # the worker died on input `at`: a crash (or a sanitizer's report)
        proc.wait()
        stderr = proc.stderr.read()
        if at is None:
            raise RuntimeError(f"a fuzzing worker failed before its first input:\n{stderr[-4000:]}")
        self.counts["crashed"] += 1
        self._save("crash", at, f"exit {proc.returncode}\n{stderr[-4000:]}")
        self.counts["inputs_after_crash"] += start + count - at - 1
        return self._start()

    def _save(self, kind: str, i: int, message: str) -> None:
        decoder, paths = self.target
        data = TARGETS[decoder](paths, None).make(self.seed, i)
        self.findings.mkdir(parents=True, exist_ok=True)
        name = f"{decoder}-{kind}-{hashlib.sha1(data).hexdigest()[:12]}"
        (self.findings / f"{name}.bin").write_bytes(data)
        (self.findings / f"{name}.txt").write_text(f"input {i} of seed {self.seed}\n{message}\n")
        self.reports.append(f"{kind}: input {i} -> {self.findings / name}.bin: {message.splitlines()[0]}")


def run(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory(prefix="fuzz-graph-") as scratch:
        target = TARGETS[args.decoder]
        folder = REPO.joinpath(*getattr(target, "package", "ckpt_gui.core.format").split("."))
        extension, env = sanitized_build(target.module, scratch, folder) if args.sanitize else (args.extension, {})
        pool = Pool(args, extension, env)
        jobs = args.jobs or os.cpu_count() or 1
        workers = [pool._start() for _ in range(jobs)]
        started = time.monotonic()
        batch = min(BATCH, max(1, args.count // jobs)) if args.count else BATCH
        next_input = 0
        try:
            with ThreadPoolExecutor(jobs) as threads:
                while not args.count or next_input < args.count:
                    sizes = []
                    for _ in range(jobs):
                        size = batch if not args.count else min(batch, args.count - next_input - sum(sizes))
                        if size > 0:
                            sizes.append(size)
                    starts = [next_input + sum(sizes[:k]) for k in range(len(sizes))]
                    done = list(threads.map(pool.run_batch, workers, starts, sizes))
                    workers[: len(done)] = done
                    next_input += sum(sizes)
                    if not args.count:
                        print(_summary(pool, next_input, started), flush=True)
        except KeyboardInterrupt:
            pass
        finally:
            for proc in workers:
                proc.stdin.close()
                proc.wait()
    print(_summary(pool, next_input, started))
    for report in pool.reports:
        print(report)
    return 1 if pool.counts["different"] or pool.counts["crashed"] else 0


def _summary(pool: Pool, inputs: int, started: float) -> str:
    c = pool.counts
    seconds = time.monotonic() - started
    return (
        f"{pool.target[0]}: inputs {inputs}: accepted by both with the same columns {c['accepted']}, declined by C "
        f"(Python accepts) {c['declined']}, rejected by both {c['rejected']}, different {c['different']}, "
        f"crashed {c['crashed']} ({inputs / max(seconds, 1e-9):.0f}/s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="checkpoint prefixes or folders (their object graphs are the seeds)")
    parser.add_argument("--decoder", choices=sorted(TARGETS), default="graph")
    parser.add_argument("--count", type=int, default=10_000, help="inputs to run (0: until interrupted)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    parser.add_argument("--sanitize", action="store_true", help="build the decoder with ASan and UBSan first")
    parser.add_argument("--extension", help="the decoder's shared library to load (default: the package's)")
    parser.add_argument("--findings", default="fuzz-findings/c-decoders")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
