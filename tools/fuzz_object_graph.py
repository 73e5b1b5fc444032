"""Mutation fuzzer of the C object-graph decoder: it must never crash, and every graph
it accepts must give exactly what the Python decoder gives.

    python tools/fuzz_object_graph.py CHECKPOINT [CHECKPOINT...] [--count N] [--seed S]
        [--jobs J] [--sanitize] [--findings DIR]

CHECKPOINT is a prefix or a folder (all its checkpoints); their TF2 object graphs
(written by TensorFlow) are the seeds. Mutations: bit flips, odd bytes, insertions,
deletions, truncations, varints set to edge values (0, 127, 128, 2^31, 2^63, 2^64-1...),
splices between graphs, and graphs rebuilt field by field with a value changed
(node ids, lengths, names with invalid UTF-8 or a "/", nodes duplicated, dropped or
swapped, unknown fields added) so that many mutants are valid protobuf and reach the
comparison. For each mutant, the C decoder (``_graph_decoder.decode``) and the exact
Python decoder (``decode_exactly``) run: when the C decoder accepts it, the Python
decoder must accept it too, with the same columns, and the C decoder's node paths must
be what object_graph makes from those columns. It may decline what Python accepts (the
Python decoders then run in the app).

The mutants run in worker processes (``--jobs``, one per core by default), so that a
crash is a finding, not the end of the run: the worker says which input it is on
before each one, the parent saves the input that killed it (``--findings``) and
starts a new worker. ``--sanitize`` builds the decoder with
``-fsanitize=address,undefined`` (gcc, any error fatal) into a temporary folder and
runs the workers with it. Prints the counts and exits 1 on any finding. ``--count 0``
runs until interrupted. The suite runs a few thousand (tests/test_graph_decoder_c.py).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import random
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ckpt_gui.core.format import object_graph, object_graph_wire  # noqa: E402
from ckpt_gui.core.format.errors import WireFormatError  # noqa: E402
from ckpt_gui.core.format.wire import encode_varint, iter_fields  # noqa: E402

SOURCE = REPO / "ckpt_gui" / "core" / "format" / "_graph_decoder.c"
MODULE = "ckpt_gui.core.format._graph_decoder"
EDGE_NUMBERS = [0, 1, 2, 3, 127, 128, 255, 16383, 16384, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63, 2**64 - 1]
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
    data = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4))):
        choice = rng.randrange(7)
        at = rng.randrange(len(data) + 1) if data else 0
        if choice == 0 and data:  # bit flip
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1 and data:  # an interesting byte (tags of the graph's fields, varint edges)
            data[min(at, len(data) - 1)] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x08, 0x0A, 0x12, 0x1A, 0x2A))
        elif choice == 2:  # insertion
            data[at:at] = rng.randbytes(rng.choice((1, 2, 4, 9)))
        elif choice == 3 and data:  # deletion
            del data[at : at + rng.choice((1, 2, 4, 16))]
        elif choice == 4:  # a varint with an edge value
            data[at : at + rng.choice((0, 1, 2))] = encode_varint(rng.choice(EDGE_NUMBERS))
        elif choice == 5 and other:  # splice from another graph
            start = rng.randrange(len(other))
            data[at : at + rng.randrange(8)] = other[start : start + rng.randrange(1, 64)]
        elif choice == 6:  # truncation
            del data[at:]
    return bytes(data)


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
            graph.insert(rng.randrange(len(graph) + 1), [1, 2, node[2]])
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


def compare(decoder, data: bytes) -> str:
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
    (count, parents, ids, names, attribute_nodes, attribute_names, full_fields, keys, slots, paths) = found
    assert count == exact.node_count, (count, exact.node_count)
    assert (parents, ids, names) == (exact.parents, exact.child_ids, exact.child_names), "child references differ"
    assert (attribute_nodes, attribute_names, keys) == (exact.attribute_nodes, exact.attribute_names, exact.keys)
    assert [object_graph_wire._full_name(f) for f in full_fields] == exact.full_names, "full names differ"
    assert slots == exact.slot_variables, "slot variables differ"
    try:
        object_graph_wire._check_references(exact)
    except WireFormatError:  # refused after decoding, before any path is made: the C decoder made none
        assert paths is None, "node paths of a graph with missing nodes"
    else:
        assert paths == object_graph._tree_paths(exact), "node paths differ"
    return "accepted"


def load_decoder(path: str | None):
    if path is None:
        from ckpt_gui.core.format import _graph_decoder

        return _graph_decoder
    spec = importlib.util.spec_from_file_location(MODULE, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worker(args: argparse.Namespace) -> int:
    """Read "start count" lines; for each, say "at i" before input i, then the counts."""
    decoder = load_decoder(args.extension)
    blobs = graph_blobs(args.paths)
    parsed = [json.dumps(_to_json(parse_message(blob, 3))) for blob in blobs]
    for line in sys.stdin:
        start, count = map(int, line.split())
        counts = collections.Counter()
        failures = []
        for i in range(start, start + count):
            print("at", i, flush=True)
            data = make_input(args.seed, i, blobs, parsed)
            try:
                counts[compare(decoder, data)] += 1
            except AssertionError as exc:
                counts["different"] += 1
                failures.append((i, str(exc)))
        print("done", json.dumps({"counts": counts, "failures": failures}), flush=True)
    return 0


def make_input(seed: int, i: int, blobs: list[bytes], parsed: list[str]) -> bytes:
    rng = random.Random(f"{seed}-{i}")
    k = rng.randrange(len(blobs))
    return mutant(rng, blobs[k], parsed[k], rng.choice(blobs))


# -- the parent: workers, crashes, findings --------------------------------------------


def sanitized_build(into: str) -> tuple[str, dict]:
    """The decoder built with ASan and UBSan, and the environment to load it in Python."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    target = os.path.join(into, "_graph_decoder" + suffix)
    include = sysconfig.get_paths()["include"]
    flags = ["-shared", "-fPIC", "-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined"]
    command = ["gcc", *flags, "-fno-sanitize-recover=all", f"-I{include}", str(SOURCE), "-o", target]
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
        self.command = [sys.executable, __file__, "--worker", "--seed", str(args.seed), *args.paths]
        if extension:
            self.command += ["--extension", extension]
        self.env = {**os.environ, **env}
        self.findings = Path(args.findings)
        self.seed = args.seed
        self.paths = args.paths
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
        blobs = graph_blobs(self.paths)
        parsed = [json.dumps(_to_json(parse_message(blob, 3))) for blob in blobs]
        data = make_input(self.seed, i, blobs, parsed)
        self.findings.mkdir(parents=True, exist_ok=True)
        name = f"{kind}-{hashlib.sha1(data).hexdigest()[:12]}"
        (self.findings / f"{name}.graph").write_bytes(data)
        (self.findings / f"{name}.txt").write_text(f"input {i} of seed {self.seed}\n{message}\n")
        self.reports.append(f"{kind}: input {i} -> {self.findings / name}.graph: {message.splitlines()[0]}")


def run(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory(prefix="fuzz-graph-") as scratch:
        extension, env = sanitized_build(scratch) if args.sanitize else (args.extension, {})
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
        f"inputs {inputs}: accepted by both with the same columns {c['accepted']}, declined by C "
        f"(Python accepts) {c['declined']}, rejected by both {c['rejected']}, different {c['different']}, "
        f"crashed {c['crashed']} ({inputs / max(seconds, 1e-9):.0f}/s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="checkpoint prefixes or folders (their object graphs are the seeds)")
    parser.add_argument("--count", type=int, default=10_000, help="inputs to run (0: until interrupted)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    parser.add_argument("--sanitize", action="store_true", help="build the decoder with ASan and UBSan first")
    parser.add_argument("--extension", help="the decoder's shared library to load (default: the package's)")
    parser.add_argument("--findings", default="fuzz-findings/object-graph")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
