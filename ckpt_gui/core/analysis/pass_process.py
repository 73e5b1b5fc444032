"""A large tensor's passes in a process of their own (the app's side; the child's is
pass_child.py), or in this one: :func:`tensor_passes` chooses.

Which tensors: those of a local TF bundle, unpartitioned, numeric, fixed-size, of
``CHILD_MIN_BYTES`` or more stored. Beside the GUI thread's Python a pass in the app's
interpreter took 4 to 7 times as long as alone; a request to the child costs a pipe's
round trip (a millisecond) once it runs, and starting it 0.2 to 0.45 s (numpy's and
core's imports in a new interpreter), done once, in the background, when the first
such tensor is selected. Smaller tensors' passes take tens of milliseconds in-process,
where waiting for the interpreter lock costs little. Everything else (Keras files,
object storage, partitioned tensors) keeps the in-process path: the child reads one
local data file.

Cancel and the GUI thread's holds reach the child through shared flags; a pass that
does not stop at its next chunk (a read stuck on a dead mount) has its process
killed, and the next request starts another. While the child reads, the waiting job
thread stands in the registry of reads in flight for the data file, from one message
of the child to the next: the status bar's "Still reading FILE" names it when the
child goes quiet for ``reads_in_flight.STUCK_AFTER_S``.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import ckpt_gui
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.analysis.histogram import DEFAULT_BINS, Histogram
from ckpt_gui.core.analysis.overview import FirstPass, first_pass, histogram_pass
from ckpt_gui.core.analysis.pass_child import CANCEL, FLAGS_SIZE, HOLD, PassRequest, rebuilt
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import Cancelled, CheckpointError
from ckpt_gui.core.format.reads_in_flight import reading
from ckpt_gui.core.format.shards import ShardFiles
from ckpt_gui.core.values import parallel
from ckpt_gui.core.values.reader import TensorReader

CHILD_MIN_BYTES = 64 << 20
MAX_SHARDS_LOOKED_AT = 16
CHILD_CODE = "from ckpt_gui.core.analysis.pass_child import main; main()"
POLL_S = 0.05  # how often a waiting job looks whether it was cancelled
STOP_GRACE_S = 0.5  # a cancelled pass stops at its next chunk within this, or its process is killed

Progress = Callable[[int], None] | None
IsCancelled = Callable[[], bool] | None


class PassProcessError(CheckpointError):
    """The pass process ended in the middle of a pass (killed, crashed, out of memory)."""


class CannotStart(PassProcessError):
    """The pass process ended before it was ready (an import failed): the passes run
    in-process from then on."""


class _Stopped(Cancelled):
    """The child stopped the pass it was asked to cancel (and waits for the next)."""


class InProcess:
    """The passes of ``key`` in this interpreter (overview.py)."""

    def __init__(self, ckpt: Checkpoint, key: str) -> None:
        self.ckpt, self.key = ckpt, key

    def first(self, envelope: BlockEnvelope | None, progress: Progress, cancelled: IsCancelled) -> FirstPass:
        return first_pass(self.ckpt, self.key, envelope, progress, cancelled)

    def histogram(self, stats, bins, value_range, progress: Progress, cancelled: IsCancelled) -> Histogram:
        return histogram_pass(self.ckpt, self.key, stats, bins, value_range, progress, cancelled)


class InChild:
    """The passes of one entry of a local data file, in the pass process (in-process,
    as :class:`InProcess`, if that process cannot start)."""

    def __init__(self, ckpt: Checkpoint, key: str, path: str, entry, big_endian: bool) -> None:
        self.ckpt, self.key = ckpt, key
        self.path, self.entry, self.big_endian = path, entry, big_endian

    def first(self, envelope: BlockEnvelope | None, progress: Progress, cancelled: IsCancelled) -> FirstPass:
        spec = None
        if envelope is not None:  # filled there: the one returned is the child's
            spec = (envelope.rows, envelope.cols, envelope.block_rows, envelope.block_cols)
            spec += (envelope.base, envelope.mark_nan)
        request = PassRequest(self.path, self.entry, self.big_endian, "first", envelope=spec)
        try:
            return _process.run(request, progress, cancelled)
        except CannotStart:
            return InProcess(self.ckpt, self.key).first(envelope, progress, cancelled)

    def histogram(
        self, stats: TensorStats, bins: int = DEFAULT_BINS, value_range=None, progress: Progress = None,
        cancelled: IsCancelled = None,
    ) -> Histogram:  # fmt: skip
        request = PassRequest(self.path, self.entry, self.big_endian, "histogram", None, stats, bins, value_range)
        try:
            return _process.run(request, progress, cancelled)
        except CannotStart:
            return InProcess(self.ckpt, self.key).histogram(stats, bins, value_range, progress, cancelled)


def tensor_passes(ckpt: Checkpoint, key: str) -> InProcess | InChild:
    """Where ``key``'s passes run: in the pass process when it is a large tensor the
    child can read on its own (see the module's doc), else here."""
    reader = ckpt.reader
    if ckpt.keras is not None or type(reader) is not TensorReader or type(reader.shards) is not ShardFiles:
        return InProcess(ckpt, key)
    entry = ckpt.entry(key)
    itemsize = entry.dtype.itemsize
    fixed = entry.dtype.is_numeric and itemsize > 0 and entry.size == entry.num_elements * itemsize
    if entry.is_partitioned or not fixed or entry.size < CHILD_MIN_BYTES:
        return InProcess(ckpt, key)
    try:
        path = reader.shards.path(entry)
    except CheckpointError:  # said by the in-process read, as before
        return InProcess(ckpt, key)
    # (the child gets its descriptors as POSIX passes them)
    if storage.is_url(path) or os.name != "posix" or _process.cannot_start:
        return InProcess(ckpt, key)
    return InChild(ckpt, key, path, entry, reader.big_endian)


def warm_up() -> None:
    """Start the pass process now, in the background (never waited for here)."""
    _process.warm_up()


def warm_up_for(ckpt: Checkpoint) -> None:
    """Start the pass process if ``ckpt`` may hold a tensor for it: a local data file of
    CHILD_MIN_BYTES or more (a stat per shard, the first MAX_SHARDS_LOOKED_AT). Called as
    a checkpoint opens, so that the child has started (0.2 to 0.45 s idle, seconds on a
    busy machine) by the time its large tensor is selected."""
    reader = ckpt.reader
    if ckpt.keras is not None or type(reader) is not TensorReader or type(reader.shards) is not ShardFiles:
        return
    if _process.child is not None or _process.cannot_start or os.name != "posix":
        return
    index = reader.index
    for shard in range(min(index.header.num_shards, MAX_SHARDS_LOOKED_AT)):
        path = index.data_path(shard)
        if storage.is_url(path):
            return
        with contextlib.suppress(OSError), reading(path):
            if os.stat(path).st_size >= CHILD_MIN_BYTES:
                warm_up()
                return


def shutdown() -> None:
    """Kill the pass process (the app's Quit; tests)."""
    _process.shutdown()


def child_pid() -> int | None:
    """The pass process's id while it runs (for tests)."""
    child = _process.child
    return child.process.pid if child is not None else None


class _Child:
    """The pass process: ``python -c`` running pass_child.main (not multiprocessing's
    spawn, which runs the parent's main script again in the child, unguarded scripts
    and all), with a socket for requests and answers, the shared flags' file, and its
    standard input as its lifeline (the parent never writes it: it ends when the
    parent does)."""

    def __init__(self, flags_fd: int) -> None:
        parent_end, child_end = socket.socketpair()
        env = _child_environment()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", CHILD_CODE, str(child_end.fileno()), str(flags_fd)],
                stdin=subprocess.PIPE, pass_fds=(child_end.fileno(), flags_fd), env=env, close_fds=True,
            )  # fmt: skip
        finally:
            child_end.close()
        self.conn = Connection(parent_end.detach())
        self.imported: list[str] | None = None  # what of Qt/TF the child has imported, once ready

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.conn.close()
        with contextlib.suppress(OSError):
            self.process.stdin.close()


def _child_environment() -> dict[str, str]:
    """This environment, where the child imports the same ckpt_gui as this process: a
    source tree's (a checkout, a benchmark's copy of other code) first on its path. An
    installed one it finds as this process did (site-packages first would put what is
    installed there before the standard library)."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(ckpt_gui.__file__)))
    if os.path.basename(root) not in ("site-packages", "dist-packages"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return env


class _PassProcess:
    """The one pass process: requests one at a time (a new selection's waits for the
    last one's to stop, at its next chunk)."""

    def __init__(self) -> None:
        self.child: _Child | None = None
        self._start_lock = threading.Lock()
        self._request_lock = threading.Lock()
        self._flags: mmap.mmap | None = None
        self._flags_file = None
        self.imported: list[str] | None = None
        self.cannot_start = False  # a child ended before it was ready: in-process from then on

    def warm_up(self) -> None:
        if self.child is None:
            threading.Thread(target=self._started, daemon=True, name="ckpt-gui-passes-start").start()

    def _started(self) -> _Child:
        with self._start_lock:
            if self.child is None or not self.child.alive():
                if self._flags is None:
                    self._flags_file = tempfile.TemporaryFile()  # noqa: SIM115 - kept open for the app's life
                    self._flags_file.truncate(FLAGS_SIZE)
                    self._flags = mmap.mmap(self._flags_file.fileno(), FLAGS_SIZE)
                    parallel.tell_holds(self._hold)
                    self._flags[HOLD] = int(parallel.held())
                self.child = _Child(self._flags_file.fileno())
            return self.child

    def _hold(self, held: bool) -> None:
        self._flags[HOLD] = int(held)

    def shutdown(self) -> None:
        with self._start_lock:
            if self.child is not None:
                self.child.kill()
                self.child = None

    def run(self, request: PassRequest, progress: Progress, cancelled: IsCancelled):
        while not self._request_lock.acquire(timeout=POLL_S):  # the last request stopping
            if cancelled is not None and cancelled():
                raise Cancelled()
        try:
            child = self._started()
            self._flags[CANCEL] = 0
            with contextlib.suppress(OSError):  # it has just died: said as such by _next
                child.conn.send(request)
            return self._answer(child, request, progress, cancelled)
        finally:
            self._request_lock.release()

    def _answer(self, child: _Child, request: PassRequest, progress: Progress, cancelled: IsCancelled):
        """Wait for the child's answer, relaying its progress; from one message to the
        next this thread is "reading" the data file (a stuck read is seen as one)."""
        bracket = None
        try:
            while True:
                if cancelled is not None and cancelled():
                    raise Cancelled()
                if child.imported is not None and bracket is None:
                    bracket = reading(request.path)
                    bracket.__enter__()
                message = self._next(child, request)
                if message is None:
                    continue
                if bracket is not None:  # heard from it: the read is not stuck
                    bracket.__exit__(None, None, None)
                    bracket = None
                finished, result = self._handled(child, message, progress)
                if finished:
                    return result
        except Cancelled as exc:
            if not isinstance(exc, _Stopped):  # not stopped yet: now
                self._stop(child)
            raise
        finally:
            if bracket is not None:
                bracket.__exit__(None, None, None)

    def _handled(self, child: _Child, message: tuple, progress: Progress) -> tuple[bool, object]:
        """(True, the result) for the child's answer; (False, None) for other news."""
        kind, payload = message
        if kind == "ready":
            child.imported = self.imported = payload[1]
        elif kind == "progress":
            if progress is not None:
                progress(payload)  # (the job's progress raises Cancelled when it was)
        elif kind == "done":
            return True, payload
        elif kind == "cancelled":
            raise _Stopped()
        else:
            raise rebuilt(payload)
        return False, None

    def _next(self, child: _Child, request: PassRequest):
        """The child's next message, None after POLL_S without one; raises when it died."""
        try:
            if not child.conn.poll(POLL_S):
                if child.alive():
                    return None
                raise EOFError
            return child.conn.recv()
        except (EOFError, OSError):
            pass
        self._forget(child)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(1)
        code = child.process.returncode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        if child.imported is None:
            self.cannot_start = True
            raise CannotStart(request.path, f"the pass process could not start ({how})")
        raise PassProcessError(
            request.path,
            f"the process computing {request.entry.key!r} ended unexpectedly ({how}); select it again to retry",
        )

    def _stop(self, child: _Child) -> None:
        """A cancelled pass: the child stops at its next chunk and says so; one that
        does not within STOP_GRACE_S (stuck in a read) is killed."""
        if self._flags is not None:
            self._flags[CANCEL] = 1
        deadline = time.monotonic() + STOP_GRACE_S
        try:
            while time.monotonic() < deadline:
                if child.conn.poll(POLL_S) and child.conn.recv()[0] in ("done", "cancelled", "error"):
                    return
        except (EOFError, OSError):
            pass
        self._forget(child)

    def _forget(self, child: _Child) -> None:
        with self._start_lock:
            if self.child is child:
                self.child = None
        child.kill()


_process = _PassProcess()
