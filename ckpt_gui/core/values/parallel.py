"""Running chunk summaries on all cores, in order, with a bounded number in flight.

numpy releases the GIL in sorting and reductions, so threads give real
parallelism here; reading stays in the calling thread, which bounds memory to
the chunks in flight.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_background_nice = 0  # how much lower than the process the worker threads run
_this_thread = threading.local()
_running = 0  # chunk tasks running on the pool now (see busy_workers)

# On two cores, two busy worker threads plus the GUI thread are three runnable
# threads: the scheduler then lets the GUI thread wait tens of milliseconds at a
# time. Worker threads at a lower priority leave the GUI thread first in line.
BACKGROUND_NICE = 10


def run_workers_in_background(nice: int = BACKGROUND_NICE) -> None:
    """Worker threads started from now on run at lower priority (the app calls this)."""
    global _background_nice
    _background_nice = nice


def lower_this_thread_priority() -> None:
    """Give the calling thread the background priority, where the OS allows it per
    thread (Linux: each thread has its own nice value; elsewhere this does nothing)."""
    if _background_nice and sys.platform.startswith("linux"):
        if getattr(_this_thread, "lowered", False):
            return
        _this_thread.lowered = True
        thread = threading.get_native_id()
        with contextlib.suppress(OSError):  # not allowed here: run at normal priority
            nice = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(nice + _background_nice, 19))


def worker_count() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
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
    pool = _shared_pool()
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(_in_background, fn, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:  # cancelled or failed: drop what has not started...
            future.cancel()
        wait(pending)  # ...and let the rest finish


def busy_workers() -> int:
    """How many chunk tasks are running on the shared pool right now (read-only: for
    checks that a computation left nothing behind)."""
    return _running


def _in_background(fn: Callable[[T], R], item: T) -> R:
    global _running
    lower_this_thread_priority()  # here rather than at thread start: the app may ask later
    with _pool_lock:
        _running += 1
    try:
        return fn(item)
    finally:
        with _pool_lock:
            _running -= 1
