"""Running chunk summaries on all cores, in order, with a bounded number in flight.

numpy releases the GIL in sorting and reductions, so threads give real
parallelism here; reading stays in the calling thread, which bounds memory to
the chunks in flight.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.format.reads_in_flight import on_behalf_of

T = TypeVar("T")
R = TypeVar("R")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_running = 0  # chunk tasks running on the pool now (see busy_workers)
_go = threading.Event()  # cleared while a caller asked the workers to hold (see hold)
_go.set()
HOLD_LIMIT = 0.15  # seconds a chunk task waits at most for resume(): never a deadlock
# Told of every hold() (True) and resume() (False): the app's pass process (its chunk
# tasks hold too, core/analysis/pass_process.py) hears of them through here.
_hold_listeners: list[Callable[[bool], None]] = []
# How often a caller waiting for a chunk looks whether the pool's workers are stuck in a
# read that never returns (a stuck NFS or FUSE mount): then the pool is replaced, and
# the chunks not started yet go to the new one (see _first_result).
STUCK_POLL_S = 0.5

# The workers run at the process's own priority. They once ran at nice +10 to leave
# the GUI thread first in line on two cores, but then any other busy process on the
# machine starved them (6 to 9 times slower under load). The GUI stays responsive
# without it: numpy releases the GIL in every reduction, chunks are small (4 MB, a
# few milliseconds each), and progress reaches the GUI thread throttled.


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:  # (_pool_lock held)
        _pool = ThreadPoolExecutor(max_workers=worker_count(), thread_name_prefix="ckpt-gui-chunks")
    return _pool


def ordered_map(fn: Callable[[T], R], items: Iterable[T], parallel: bool = True) -> Iterator[R]:
    """``map(fn, items)`` on the shared pool, results in input order, at most one
    more item in flight than there are workers. When the caller stops early (or an
    item fails), items not started are dropped and the running ones waited for, so
    that nothing still uses the caller's resources (an open file, buffers) after."""
    workers = worker_count()
    if not parallel or workers == 1:
        yield from map(fn, items)
        return
    pending: deque[tuple[Future[R], T, ThreadPoolExecutor]] = deque()  # a chunk, its item, the pool it waits in
    caller = threading.get_ident()  # a worker's read that does not return is the caller's
    try:
        for item in items:
            pending.append(_submit(fn, item, caller))
            if len(pending) > workers:
                yield _first_result(pending, fn, caller)
        while pending:
            yield _first_result(pending, fn, caller)
    finally:
        futures = [future for future, _item, _in in pending]
        for future in futures:  # cancelled or failed: drop what has not started...
            future.cancel()
        wait(futures)  # ...and let the rest finish


def _first_result(pending: deque, fn: Callable[[T], R], caller: int) -> R:
    """The first pending chunk's result. While it waits, a pool whose workers are stuck
    in a read is replaced and the chunks not started yet resubmitted to the new one: they
    waited behind the stuck ones for good (another job's read, on a mount gone away)."""
    while True:
        future, _item, pool = pending[0]
        try:
            result = future.result(timeout=STUCK_POLL_S)
        except FutureTimeout:
            if future.done():  # the chunk's own error
                raise
            if _replaced_if_stuck(pool):
                for i, (waiting, item, _in) in enumerate(pending):
                    if waiting.cancel():
                        pending[i] = _submit(fn, item, caller)
            continue
        pending.popleft()
        return result


def _submit(fn: Callable[[T], R], item: T, caller: int) -> tuple[Future[R], T, ThreadPoolExecutor]:
    """``item``'s chunk queued on the shared pool: (its future, the item, that pool)."""
    with _pool_lock:  # not to a pool another caller is replacing
        pool = _shared_pool()
        return pool.submit(_in_background, fn, item, caller), item, pool


def _replaced_if_stuck(pool: ThreadPoolExecutor) -> bool:
    """Whether ``pool``, where a caller's chunk waits, is no longer the shared one: replaced
    now because one of its workers is stuck in a read (its threads are left to end when
    their reads do, if ever), or already, by another caller (whose chunks it moved: the
    ones queued here by this caller wait behind the stuck workers until they move too)."""
    global _pool
    stuck = reads_in_flight.stuck_threads()
    with _pool_lock:
        if _pool is not pool:
            return True
        if not stuck & {thread.ident for thread in list(pool._threads)}:
            return False
        pool.shutdown(wait=False)
        _pool = None
    return True


def busy_workers() -> int:
    """How many chunk tasks are running on the shared pool right now (read-only: for
    checks that a computation left nothing behind)."""
    return _running


def hold() -> None:
    """Ask the workers to start no new chunk until ``resume()`` (at most HOLD_LIMIT):
    the app's GUI thread, when it shows results, gets the cores instead of sharing
    them with the workers (on two busy cores its 30 ms of work took 100 ms or more)."""
    _go.clear()
    for listener in _hold_listeners:
        listener(True)


def resume() -> None:
    _go.set()
    for listener in _hold_listeners:
        listener(False)


def tell_holds(listener: Callable[[bool], None]) -> None:
    """Call ``listener(True)`` on each hold() and ``listener(False)`` on each resume()."""
    _hold_listeners.append(listener)


def hold_by(go) -> None:
    """Chunk tasks wait on ``go`` (anything with ``wait(timeout)``) instead: in a pass
    process, the parent's holds (see :func:`tell_holds`)."""
    global _go
    _go = go


def held() -> bool:
    """Whether the workers are asked to hold now (for checks that nothing left them so)."""
    return not _go.is_set()


def _in_background(fn: Callable[[T], R], item: T, caller: int) -> R:
    global _running
    _go.wait(HOLD_LIMIT)
    with _pool_lock:
        _running += 1
    try:
        with on_behalf_of(caller):
            return fn(item)
    finally:
        with _pool_lock:
            _running -= 1
