"""A mutation fuzzer for ``.index`` files: only CheckpointError (or success) may come out.

    python tools/fuzz_index.py CHECKPOINT [CHECKPOINT...] [--count N] [--seed S] [--jobs J]

CHECKPOINT is a prefix, an ``.index`` file or a folder (all its checkpoints).

Mutates real indexes (written by TensorFlow) and opens each mutant as ``inspect``
and ``export`` would: list the variables, build the JSON report, read the values.
Mutations: bit flips, byte insertions and deletions, splices between two indexes,
length and number fields set to edge values (0, 127, 128, 2^31, 2^32, 2^62, 2^64-1,
10^5, 10^6...), dims repeated 10^5 times, and whole tables rebuilt with valid CRCs,
so that most mutants get past the checksums and reach the decoders.

Every input runs in a long-lived worker process (one per core by default; the
mutant is written over a copy of its source's index, in /dev/shm where there is one,
and opened in the worker), with a limit of 5 s of CPU time (a timer in the worker;
a C call the timer cannot interrupt hits the worker's CPU-time limit, which kills
it) and the worker's data segment limited to 1 GB more than at start. Any exception
but CheckpointError, a hang, memory over the limit or a killed worker is a finding:
its input is saved in ``--findings`` (KIND-HASH.index, and the traceback in .txt).
Prints the counts (inputs, clean errors, successes, findings by kind) and inputs per
second, and exits 1 if anything unexpected came out. ``--count 0`` runs until
interrupted. The suite runs a few thousand in process (tests/test_fuzz_index.py).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import multiprocessing
import os
import queue
import random
import resource
import shutil
import signal
import struct
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ckpt_gui.cli.documents import inspect_report  # noqa: E402
from ckpt_gui.core.checkpoint import Checkpoint  # noqa: E402
from ckpt_gui.core.format.crc import crc32c, mask  # noqa: E402
from ckpt_gui.core.format.errors import CheckpointError  # noqa: E402
from ckpt_gui.core.format.table import TABLE_MAGIC, SSTable  # noqa: E402
from ckpt_gui.core.format.wire import encode_varint  # noqa: E402
from tools import fuzz_mutations  # noqa: E402

try:  # Snappy blocks are fuzzed when the optional decoder is installed
    import cramjam
except ImportError:
    cramjam = None

HANG_SECONDS = 5
MEMORY_BYTES = 1 << 30
READ_LIMIT = 1 << 20  # values larger than this are not read (their bytes are real, not fuzzed)
EDGE_NUMBERS = [0, 1, 2, 7, 33, 34, 127, 128, 255, 16383, 16384, 2**31 - 1, 2**31, 2**32 - 1, 2**32]
EDGE_NUMBERS += [10**5, 10**6, 2**53, 2**62, 2**63 - 1, 2**63, 2**64 - 1]
INDEX_ODD_BYTES = (0, 1, 0x7F, 0x80, 0xFF, 0x08, 0x12, 0x35, 0x3A)


class Hang(Exception):  # noqa: N818 - an outcome
    pass


# -- building tables (tsl/lib/io/table_builder.cc) ---------------------------------------


def build_block(entries: list[tuple[bytes, bytes]], restart_interval: int = 16) -> bytes:
    out = bytearray()
    restarts = []
    previous = b""
    for i, (key, value) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(key), len(previous)) and key[shared] == previous[shared]:
                shared += 1
        out += encode_varint(shared) + encode_varint(len(key) - shared) + encode_varint(len(value))
        out += key[shared:] + value
        previous = key
    for r in restarts or [0]:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts or [0]))
    return bytes(out)


def append_block(file: bytearray, contents: bytes, block_type: int = 0) -> bytes:
    handle = encode_varint(len(file)) + encode_varint(len(contents))
    trailer = bytes([block_type])
    file += contents + trailer + mask(crc32c(contents + trailer)).to_bytes(4, "little")
    return handle


def build_table(blocks: list[tuple[bytes, bytes]], snappy: set[int] = frozenset()) -> bytes:
    """A table of already-built data blocks ``(last_key, contents)``, CRCs valid; the
    blocks numbered in ``snappy`` are given as Snappy-compressed (block type 1)."""
    file = bytearray()
    index_entries = [
        (last_key, append_block(file, contents, 1 if i in snappy else 0))
        for i, (last_key, contents) in enumerate(blocks)
    ]
    meta = append_block(file, build_block([], 1))
    index = append_block(file, build_block(index_entries, 1))
    return bytes(file + (meta + index).ljust(40, b"\x00") + TABLE_MAGIC)


# -- mutations -------------------------------------------------------------------------


def mutate_bytes(rng: random.Random, data: bytes, other: bytes) -> bytes:
    """Raw byte mutations (tools/fuzz_mutations.py), with an index's odd bytes: tags of
    BundleEntryProto's fields, varint edges."""
    return fuzz_mutations.mutate_bytes(
        rng, data, other, odd_bytes=INDEX_ODD_BYTES, edge_numbers=EDGE_NUMBERS, splice_max=32
    )


def mutate_value(rng: random.Random, value: bytes, other: bytes) -> bytes:
    """A BundleEntryProto (or the header) made odd in a way the decoders must catch."""
    choice = rng.randrange(8)
    if choice == 0:  # many dims: 10^5 or 10^6 of them
        dims = b"\x12\x02\x08\x01" * rng.choice((10**3, 10**5, 10**6 // 4))
        return b"\x08\x01\x12" + encode_varint(len(dims)) + dims + value[value.find(b"\x28") :]
    if choice == 1:  # a huge dim
        dim = b"\x12" + bytes([1 + len(encode_varint(n := rng.choice(EDGE_NUMBERS)))]) + b"\x08" + encode_varint(n)
        return b"\x08" + bytes([rng.randrange(1, 40)]) + b"\x12" + encode_varint(len(dim) * 2) + dim * 2 + value[-10:]
    if choice == 2:  # slices with edge extents
        extent = b"\x08" + encode_varint(rng.choice(EDGE_NUMBERS)) + b"\x10" + encode_varint(rng.choice(EDGE_NUMBERS))
        piece = b"\x0a" + encode_varint(len(extent)) + extent
        return value + b"\x3a" + encode_varint(len(piece)) + piece
    if choice == 3:  # a field of another type under a known tag
        tag = rng.choice((0x08, 0x12, 0x18, 0x20, 0x28, 0x35, 0x3A, 0x0A, 0x10))
        return value + bytes([tag ^ rng.choice((0, 1, 2, 5, 7))]) + encode_varint(rng.choice(EDGE_NUMBERS))
    return mutate_bytes(rng, value, other)


def mutate_items(rng: random.Random, items: list[tuple[bytes, bytes]], other_items) -> list[tuple[bytes, bytes]]:
    items = list(items)
    for _ in range(rng.choice((1, 1, 2, 3))):
        i = rng.randrange(len(items))
        key, value = items[i]
        choice = rng.randrange(10)
        if choice < 6:
            items[i] = (key, mutate_value(rng, value, rng.choice(other_items)[1]))
        elif choice == 6 and key:  # a key edited (order may break: the decoder must say so)
            items[i] = (mutate_bytes(rng, key, b""), value)
        elif choice == 7:  # an entry of the other index
            items.insert(i, rng.choice(other_items))
        elif choice == 8 and len(items) > 1:
            del items[i]
        else:  # a slice key (starts with 0)
            items.insert(1, (b"\x00" + mutate_bytes(rng, key or b"x", b""), value))
    return items


def mutant(rng: random.Random, data: bytes, other: bytes, items=None, other_items=None) -> bytes:
    """One mutated index: raw (stops at a CRC, mostly) or rebuilt with valid CRCs.
    ``items``/``other_items``: the tables' entries, when the caller has them already."""
    if rng.random() < 0.15:
        return mutate_bytes(rng, data, other)
    items = items if items is not None else SSTable(data, "original").items()
    other_items = other_items if other_items is not None else SSTable(other, "other").items()
    if rng.random() < 0.7:
        items = mutate_items(rng, items, other_items)
    per_block = rng.choice((1, 3, 16, 1000))
    blocks = []
    snappy = set()
    for start in range(0, len(items), per_block):
        chunk = items[start : start + per_block]
        contents = build_block(chunk, rng.choice((1, 16)))
        if cramjam is not None and rng.random() < 0.05:  # Snappy: the decompressor's input is fuzzed too
            contents = bytes(cramjam.snappy.compress_raw(contents))
            snappy.add(len(blocks))
        if rng.random() < 0.2:  # the block's own structure: lengths, restart array
            contents = mutate_bytes(rng, contents, b"")
        blocks.append((chunk[-1][0], contents))
    return build_table(blocks, snappy)


# -- running ---------------------------------------------------------------------------


def exercise(prefix: str) -> None:
    """What ``inspect --json`` and ``export`` do with a checkpoint."""
    ckpt = Checkpoint.open(prefix)
    _ = ckpt.graph_error
    inspect_report(ckpt)
    for variable in ckpt.variables:
        if ckpt.index.stored_size(ckpt.index.entries[variable.key]) <= READ_LIMIT:
            ckpt.read(variable.key)


class Fuzzer:
    """Mutants of the sources, each written over a copy of its source's index and
    opened in this process. ``findings``: a folder where every input that gave
    anything but CheckpointError (or success) is saved, with its traceback."""

    def __init__(self, prefixes: list[str], work: str, seed: int, findings: str | None = None) -> None:
        self.rng = random.Random(seed)
        self.findings = findings
        self.sources = []
        for i, prefix in enumerate(prefixes):
            prefix = prefix.removesuffix(".index")
            folder = os.path.join(work, str(i))
            os.makedirs(folder)
            for name in os.listdir(os.path.dirname(prefix)):
                if name.startswith(os.path.basename(prefix) + "."):
                    shutil.copy(os.path.join(os.path.dirname(prefix), name), folder)
            target = os.path.join(folder, os.path.basename(prefix))
            data = Path(prefix + ".index").read_bytes()
            # The entries are parsed once: every mutant rebuilds a table from them.
            self.sources.append((target, data, SSTable(data, prefix).items()))
        self.counts: collections.Counter = collections.Counter()
        self.unexpected: dict[str, str] = {}  # exception type -> first traceback

    def run(self, count: int, report_every: float = 0.0, report=None) -> None:
        """``count`` inputs (0: until interrupted); every ``report_every`` seconds,
        ``report(self)`` (default: the summary on stderr)."""
        last = time.monotonic()
        n = 0
        while count <= 0 or n < count:
            self.one()
            n += 1
            if report_every and time.monotonic() - last > report_every:
                last = time.monotonic()
                if report is None:
                    print(self.summary(), file=sys.stderr, flush=True)
                else:
                    report(self)

    def one(self) -> None:
        i = self.rng.randrange(len(self.sources))
        target, data, items = self.sources[i]
        _other_target, other, other_items = self.rng.choice(self.sources)
        mutated = mutant(self.rng, data, other, items, other_items)
        self.before_input(i)
        Path(target + ".index").write_bytes(mutated)
        self.counts["inputs"] += 1
        # CPU time, not wall time: a busy machine (a training job, CI) must not look like a hang.
        signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)
        try:
            exercise(target)
            self.counts["ok"] += 1
        except CheckpointError as exc:
            self.counts["checkpoint_error"] += 1
            if "\n" in str(exc):
                self._unexpected("CheckpointError with a newline", mutated)
        except Hang:
            self._unexpected("hang over 5 s", mutated)
        except MemoryError:
            self._unexpected("memory over 1 GB", mutated)
        except Exception as exc:  # noqa: BLE001 - the point: any other type is a finding
            self._unexpected(type(exc).__name__, mutated)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)

    def before_input(self, source: int) -> None:
        """Called with the source whose index is about to hold the next input."""

    def _unexpected(self, kind: str, mutated: bytes) -> None:
        self.counts["unexpected"] += 1
        self.counts[kind] += 1
        trace = traceback.format_exc(limit=8)
        self.unexpected.setdefault(kind, trace + f"input: {mutated[:400].hex()}\n")
        save_finding(self.findings, kind, mutated, trace)

    def summary(self) -> str:
        return summary(self.counts)


def summary(counts: collections.Counter) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


def save_finding(findings: str | None, kind: str, mutated: bytes, trace: str) -> str | None:
    """Keep an input that gave a finding: ``KIND-SHA1.index`` and its ``.txt``."""
    if not findings:
        return None
    os.makedirs(findings, exist_ok=True)
    name = "".join(c if c.isalnum() else "_" for c in kind) + "-" + hashlib.sha1(mutated).hexdigest()[:16]
    path = os.path.join(findings, name)
    Path(path + ".index").write_bytes(mutated)
    Path(path + ".txt").write_text(f"{kind}\n{trace}")
    return path + ".index"


def limit_memory() -> None:
    def on_alarm(_signum, _frame):
        raise Hang

    signal.signal(signal.SIGPROF, on_alarm)
    used = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (used + MEMORY_BYTES + (256 << 20), hard))


# -- a pool of workers ----------------------------------------------------------------------
#
# One process per core, each a Fuzzer with its own seed and copies of the sources; the
# parent adds up their counts. What the in-process timer cannot catch (a C call that
# never returns to the interpreter, a crash) ends the worker: its CPU-time limit
# (RLIMIT_CPU, moved on before each input to 5 s past what it has used, plus a margin)
# kills it with SIGXCPU; the parent saves the input it was running as a finding and
# starts another worker in its place.

REPORT_SECONDS = 1.0
KILL_MARGIN_SECONDS = 2  # RLIMIT_CPU counts whole seconds


class _WorkerFuzzer(Fuzzer):
    """A pool's worker: tells the parent which file holds the input it runs, and moves
    its CPU-time limit on before each input."""

    def __init__(self, *args, current) -> None:
        super().__init__(*args)
        self.current = current  # a shared int the parent reads when the worker is killed
        self.hard_cpu_limit = resource.getrlimit(resource.RLIMIT_CPU)[1]

    def before_input(self, source: int) -> None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        limit = int(used.ru_utime + used.ru_stime) + HANG_SECONDS + KILL_MARGIN_SECONDS
        resource.setrlimit(resource.RLIMIT_CPU, (limit, self.hard_cpu_limit))
        self.current.value = source


def _worker(prefixes, work, seed, findings, count, current, reports) -> None:
    limit_memory()
    fuzzer = _WorkerFuzzer(prefixes, work, seed, findings, current=current)

    def report(f: Fuzzer) -> None:
        reports.put((seed, dict(f.counts), dict(f.unexpected)))

    with contextlib.suppress(KeyboardInterrupt):
        fuzzer.run(count, REPORT_SECONDS, report)
    report(fuzzer)


class Pool:
    """Worker processes, each a Fuzzer; the parent adds up what they report."""

    def __init__(self, prefixes: list[str], work: str, seed: int, findings: str) -> None:
        self.prefixes, self.work, self.seed, self.findings = prefixes, work, seed, findings
        self.context = multiprocessing.get_context("fork")
        self.reports = self.context.Queue()
        self.workers: dict[int, tuple] = {}  # worker seed -> (process, folder, current source, share)
        self.live: dict[int, dict] = {}  # worker seed -> its last counts
        self.finished: collections.Counter = collections.Counter()  # of workers that ended
        self.unexpected: dict[str, str] = {}  # kind -> first traceback
        self.started = 0

    def run(self, jobs: int, count: int) -> collections.Counter:
        """``count`` inputs (0: until interrupted) over ``jobs`` workers; the counts."""
        for j in range(jobs):
            self._start(count // jobs + (j < count % jobs) if count else 0)
        last_print = time.monotonic()
        try:
            while self.workers:
                self._collect(0.2)
                self._reap()
                if time.monotonic() - last_print > 30:
                    last_print = time.monotonic()
                    print(summary(self.totals()), file=sys.stderr, flush=True)
        except KeyboardInterrupt:  # Ctrl-C reaches the workers too: they send their last counts
            for process, *_rest in self.workers.values():
                process.join(10)
            self._collect(0.5)
        return self.totals()

    def totals(self) -> collections.Counter:
        total = collections.Counter(self.finished)
        for counts in self.live.values():
            total.update(counts)
        return total

    def _start(self, share: int) -> None:
        worker_seed = self.seed + 7919 * self.started
        folder = os.path.join(self.work, f"w{self.started}")
        current = self.context.Value("i", -1)
        args = (self.prefixes, folder, worker_seed, self.findings, share, current, self.reports)
        process = self.context.Process(target=_worker, args=args, daemon=True)
        process.start()
        self.workers[worker_seed] = (process, folder, current, share)
        self.started += 1

    def _collect(self, timeout: float) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                worker_seed, counts, unexpected = self.reports.get(timeout=timeout)
                if worker_seed in self.workers:
                    self.live[worker_seed] = counts
                for kind, trace in unexpected.items():
                    self.unexpected.setdefault(kind, trace)

    def _reap(self) -> None:
        ended = [seed for seed, (process, *_rest) in self.workers.items() if not process.is_alive()]
        if ended:
            self._collect(0.01)  # their last reports are in the pipe once they have exited
        for worker_seed in ended:
            process, folder, current, share = self.workers.pop(worker_seed)
            process.join()
            counts = collections.Counter(self.live.pop(worker_seed, {}))
            if process.exitcode != 0:  # killed: the input it ran is the finding
                kind = _death(process.exitcode)
                saved = _save_killed_input(self.findings, kind, self.prefixes, folder, current.value)
                counts.update({"unexpected": 1, kind: 1, "inputs": 1})
                self.unexpected.setdefault(kind, f"{kind}: input saved as {saved}\n")
                if not share or share > counts["inputs"]:  # another worker runs the rest
                    self._start(share - counts["inputs"] if share else 0)
            self.finished.update(counts)


def _death(exitcode: int) -> str:
    if exitcode == -signal.SIGXCPU:
        return "hang over 5 s (worker killed)"
    if exitcode < 0:
        return f"worker died ({signal.Signals(-exitcode).name})"
    return f"worker exited with {exitcode}"


def _save_killed_input(findings, kind, prefixes, folder, source) -> str | None:
    if source < 0:
        return None
    prefix = prefixes[source].removesuffix(".index")
    path = os.path.join(folder, str(source), os.path.basename(prefix) + ".index")
    try:
        mutated = Path(path).read_bytes()
    except OSError:
        return None
    return save_finding(findings, kind, mutated, f"the worker ended while running this input ({kind})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="+", help="checkpoints (prefixes, .index files, folders) to mutate")
    parser.add_argument("--count", type=int, default=100_000, help="inputs to run (0: until interrupted)")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per core)"
    )
    parser.add_argument("--findings", default="fuzz-findings", help="where inputs that gave a finding are saved")
    args = parser.parse_args()
    prefixes = []
    for path in args.prefixes:
        if os.path.isdir(path):
            prefixes += [ref.prefix for ref in Checkpoint.open(path).checkpoints]
        else:
            prefixes.append(path.removesuffix(".index"))
    print(f"seed {args.seed}, {len(prefixes)} indexes, {args.jobs} workers", file=sys.stderr)
    start = time.monotonic()
    # The mutants are written to memory-backed files where there are some (/dev/shm).
    scratch = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=scratch, prefix="ckpt-gui-fuzz-") as work:
        pool = Pool(prefixes, work, args.seed, os.path.abspath(args.findings))
        counts = pool.run(args.jobs, args.count)
    seconds = time.monotonic() - start
    print(f"{summary(counts)}; {seconds:.0f} s, {counts['inputs'] / max(seconds, 1e-9):.0f} inputs/s")
    for kind, trace in pool.unexpected.items():
        print(f"--- {kind}\n{trace}")
    return 1 if counts["unexpected"] else 0


if __name__ == "__main__":
    sys.exit(main())
