"""The app's pass process: a large tensor's statistics and histogram passes, computed
out of the app's interpreter (its parent side is pass_process.py).

In the app, the chunk workers ran beside Python threads (pyqtgraph's import, the GUI
thread making plots) with a 1 ms switch interval: every numpy call of a worker waited
for the interpreter lock when it returned, and the passes took 4 to 7 times as long
as alone, while the GUI thread waited behind the workers. Here they have an
interpreter of their own, reading the data file with the same code as in the app
(:class:`TensorReader`, the chunk mapper, overview.py's passes).

This module imports numpy and core only (never Qt, never TensorFlow): it is what the
child's interpreter runs. A request (:class:`PassRequest`) names the data file and
the entry; the answers are small (statistics, positions, the histogram: kilobytes; a
heatmap's envelope up to 4 MB) plus progress (elements done, at most every PROGRESS_S).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from types import SimpleNamespace

from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.analysis.histogram import DEFAULT_BINS
from ckpt_gui.core.analysis.overview import TensorChunks, first_pass_over, histogram_pass_over
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.errors import Cancelled, CheckpointError
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES, ShardFiles
from ckpt_gui.core.values import chunk_map, parallel
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.values.reader import TensorReader

CANCEL, HOLD = 0, 1  # the flags the parent sets (a shared mapping of FLAGS_SIZE bytes)
FLAGS_SIZE = 2
PROGRESS_S = 0.1  # between progress messages: the parent takes 3 s without one for a stuck read
HOLD_POLL_S = 0.002


@dataclass(frozen=True, slots=True)
class PassRequest:
    """One pass over one unpartitioned entry of a local data file."""

    path: str  # the data file
    entry: BundleEntry
    big_endian: bool
    kind: str  # "first" or "histogram"
    # first: the envelope to fill, as BlockEnvelope's arguments (rows, cols, block_rows,
    # block_cols, base, mark_nan): an empty heatmap's arrays are megabytes of NaN to send
    envelope: tuple | None = None
    stats: TensorStats | None = None  # histogram: the first pass's
    bins: int = DEFAULT_BINS
    value_range: tuple[float, float] | None = None
    chunk_bytes: int = DEFAULT_CHUNK_BYTES


class _OneDataFile(ShardFiles):
    """The data file of the entries asked for: the shard files' reads, of one file."""

    def __init__(self, path: str) -> None:
        self.index = None
        self._path = path

    def path(self, entry: BundleEntry) -> str:
        return self._path


def tensor_chunks(request: PassRequest) -> TensorChunks:
    """The request's entry, read from its data file as a checkpoint reads it."""
    index = SimpleNamespace(header=SimpleNamespace(big_endian=request.big_endian), index_path=request.path)
    reader = TensorReader(index, _OneDataFile(request.path))
    entry = request.entry

    def mapped(fn, progress, cancelled, chunk_bytes, verify=True, positioned=False):
        return chunk_map.map_chunks(reader, entry, entry.size, fn, progress, cancelled, chunk_bytes, verify, positioned)

    return TensorChunks(tuple(entry.shape), numpy_dtype(entry.dtype), mapped)


def run(request: PassRequest, progress=None, cancelled=None):
    """The pass asked for: a FirstPass or a Histogram (the same code as in the app)."""
    tensor = tensor_chunks(request)
    if request.kind == "first":
        envelope = BlockEnvelope(*request.envelope) if request.envelope is not None else None
        return first_pass_over(tensor, envelope, progress, cancelled, request.chunk_bytes)
    return histogram_pass_over(
        tensor, request.stats, request.bins, request.value_range, progress, cancelled, request.chunk_bytes
    )


class _ParentsHold:
    """parallel's go-flag for the chunk tasks here: the parent's holds (the GUI thread
    showing a result), at most ``parallel.HOLD_LIMIT`` as there."""

    def __init__(self, flags) -> None:
        self._flags = flags

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._flags[HOLD] and time.monotonic() < deadline:
            time.sleep(HOLD_POLL_S)
        return not self._flags[HOLD]

    def is_set(self) -> bool:
        return not self._flags[HOLD]

    def set(self) -> None:
        self._flags[HOLD] = 0

    def clear(self) -> None:
        self._flags[HOLD] = 1


def main() -> None:
    """The child process's entry (``python -c``, not ``-m``: this module is imported
    once, under its own name, as the requests' classes are pickled by it): the
    connection's and the flags' file descriptors are the arguments; its standard input
    is the lifeline (see :func:`_end_with_parent`)."""
    from multiprocessing.connection import Connection  # noqa: PLC0415 - the child only

    conn_fd, flags_fd = (int(arg) for arg in sys.argv[1:3])
    flags = mmap.mmap(flags_fd, FLAGS_SIZE)
    serve(Connection(conn_fd), sys.stdin.fileno(), flags)
    os._exit(0)  # not the interpreter's teardown: the lifeline's thread is still in its read


def serve(conn, lifeline, flags) -> None:
    """The child's loop: a request at a time, until the parent goes away."""
    threading.Thread(target=_end_with_parent, args=(lifeline,), daemon=True, name="parent-watch").start()
    parallel.hold_by(_ParentsHold(flags))
    conn.send(("ready", (os.getpid(), sorted(m for m in ("PySide6", "tensorflow") if m in sys.modules))))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(_answer(conn, request, flags))
        except (OSError, ValueError):
            return


def _answer(conn, request: PassRequest, flags) -> tuple:
    """The request's pass, its progress sent on the way (at most every PROGRESS_S)."""
    sent = [0.0]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - sent[0] >= PROGRESS_S:
            sent[0] = now
            conn.send(("progress", done))

    try:
        return ("done", run(request, progress, lambda: bool(flags[CANCEL])))
    except Cancelled:
        return ("cancelled", None)
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent, as in-process
        return ("error", _transported(exc))


def _end_with_parent(lifeline) -> None:
    """The parent never writes here: the read ends when the parent does (Quit ends the
    app with os._exit, a crash or SIGKILL without any clean-up), and so does this
    process, even in the middle of a pass (no orphan left reading)."""
    with contextlib.suppress(BaseException):  # EOF or anything: the parent is gone
        while os.read(lifeline, 1):
            pass
    os._exit(0)


def _transported(exc: BaseException) -> tuple:
    """``exc`` in a form that crosses the pipe and becomes the same error there
    (:func:`rebuilt`): a CheckpointError does not unpickle (its message is its only arg)."""
    if isinstance(exc, CheckpointError) and type(exc).__init__ is CheckpointError.__init__:
        return ("checkpoint", type(exc), exc.path, exc.problem)
    if isinstance(exc, MemoryError):
        return ("memory",)
    try:
        pickle.loads(pickle.dumps(exc))
        return ("exception", exc, traceback.format_exc())
    except Exception:  # noqa: BLE001 - not picklable: its type and message
        return ("other", f"{type(exc).__name__}: {exc}", traceback.format_exc())


def rebuilt(transported: tuple) -> BaseException:
    """The parent's copy of the child's error (see :func:`_transported`)."""
    kind = transported[0]
    if kind == "checkpoint":
        _kind, cls, path, problem = transported
        return cls(path, problem)
    if kind == "memory":
        return MemoryError()
    if kind == "exception":
        return transported[1]
    return RuntimeError(transported[1])
