"""The app's background work takes turns: one piece at a time, the most urgent first.

Besides the open job, three pieces of Python work run off the GUI thread once a large
checkpoint is shown: pyqtgraph's import (app/plot_import.py), the search texts of the
trees (widgets/tree_filtering.py) and the NaN/Inf scan (app/nan_scan.py). Run at once,
they and the open job were three or four threads wanting the interpreter lock; with more
than one busy thread the lock passes among them, and the GUI thread, asking for it
thousands of times per paint, waited many switch intervals each time (gaps of 0.6 to
4.9 s from usable to loaded on a quiet machine, the GUI thread idle in them). Here each
of them and the open job wait for their turn (:meth:`Turns.turn`): at most one busy
thread beside the GUI thread, in the order that serves the user (:data:`PLOT_IMPORT`,
the open job :data:`OPENING` (app/opening.py), :data:`SEARCH_TEXTS`, :data:`NAN_SCAN`);
a long one hands its turn to more urgent work between two of its slices (``give_way``)
and goes on after it. (Work the user asks for, a filter typed or a selection's values,
does not wait.) Work whose thread waits for a read loses its turn once it is cancelled
or the read has not returned for ``reads_in_flight.STUCK_AFTER_S``: a read of a stuck
mount never returns, and the next open waited for it for good. Should the read return,
the work takes its turn again at its next ``give_way``.

:func:`run_later` runs work on one thread of the app's, started once (:func:`start`, at
launch, before the window shows): a thread started while others compute held the GUI
thread until the new thread first got the lock (a 265 ms gap once per open).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from ckpt_gui.core.format import lock_slices, reads_in_flight
from ckpt_gui.core.format.errors import Cancelled

# The turns' priorities, the lower first. pyqtgraph's import, asked for once a tree is
# shown (app/plot_import.py), goes before the rest of an open (which gives way to it
# between two steps): the GUI thread only paints the key view then, and the plots are
# ready when the checkpoint is loaded.
PLOT_IMPORT, OPENING, SEARCH_TEXTS, NAN_SCAN = range(4)
CANCEL_POLL_S = 0.05  # how often work waiting for its turn looks whether it was cancelled
STUCK_POLL_S = 0.5  # how often other work waiting looks whether the holder is stuck in a read
HISTORY = 1000  # the turns' starts and ends kept (what the tests check)

GiveWay = Callable[[], None]


class Turns:
    """A priority lock for the background extras. ``history`` records ``(event, name,
    time.perf_counter())`` with event "start", "pause", "resume" or "end", in the order
    they happened."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: list[tuple[int, int]] = []  # (priority, ticket) of the work waiting
        self._holder: tuple[int, int] | None = None
        # The holder's thread and its cancelled(): whether it is gone (see _holder_gone).
        self._holder_is: tuple[int, Callable[[], bool] | None] = (0, None)
        self._tickets = itertools.count()
        self.history: deque[tuple[str, str, float]] = deque(maxlen=HISTORY)

    @contextmanager
    def turn(self, name: str, priority: int, cancelled: Callable[[], bool] | None = None) -> Iterator[GiveWay]:
        """Wait for the turn of ``name`` (raises ``Cancelled`` once ``cancelled()``
        while waiting), hold it inside the block; the block gets ``give_way``, to call
        between two slices of its work."""
        ticket = self._acquire(priority, cancelled)
        self._log("start", name)
        try:
            yield lambda: self._give_way(name, priority, cancelled, ticket)
        finally:
            self._log("end", name)
            self._release(ticket)

    def busy(self) -> bool:
        """Whether some work has its turn or waits for one."""
        with self._cond:
            return self._holder is not None or bool(self._queue)

    def _acquire(self, priority: int, cancelled: Callable[[], bool] | None, ticket=None) -> tuple[int, int]:
        ticket = ticket or (priority, next(self._tickets))
        with self._cond:
            heapq.heappush(self._queue, ticket)
            try:
                while self._holder is not None or self._queue[0] != ticket:
                    if cancelled is not None and cancelled():
                        raise Cancelled()
                    if self._holder is not None and self._holder_gone():
                        self.history.append(("abandon", "", time.perf_counter()))
                        self._holder = None  # its release, if it ever comes, finds it is not the holder
                        self._cond.notify_all()  # the first in line may not be this one
                        continue
                    self._cond.wait(CANCEL_POLL_S if cancelled is not None else STUCK_POLL_S)
            except BaseException:
                self._cond.notify_all()  # the next in line may be the first now
                raise
            finally:
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
            self._holder = ticket
            self._holder_is = (threading.get_ident(), cancelled)
        return ticket

    def _holder_gone(self) -> bool:
        """The holder's thread waits for a read, and the holder is cancelled (nothing left
        to do in its turn) or the read is stuck (not busy, and it may never return)."""
        thread, cancelled = self._holder_is
        read = reads_in_flight.reading_for(thread)
        return read is not None and (read.stuck() or (cancelled is not None and cancelled()))

    def _release(self, ticket: tuple[int, int]) -> None:
        with self._cond:
            if self._holder == ticket:  # a pause whose turn did not come back holds none
                self._holder = None
            self._cond.notify_all()

    def _give_way(self, name: str, priority: int, cancelled, ticket: tuple[int, int]) -> None:
        """Between two slices: the interpreter lock let go (``lock_slices.let_go``: at
        once, or once the GUI thread sleeps, app/gui_first.py), and the turn handed to
        more urgent work waiting, taken back after it."""
        lock_slices.let_go()
        with self._cond:
            lost = self._holder != ticket  # taken while it waited for a read (_holder_gone)
            urgent = bool(self._queue) and self._queue[0][0] < priority
        if lost or urgent:
            self._log("pause", name)
            self._release(ticket)
            self._acquire(priority, cancelled, ticket)
            self._log("resume", name)
        elif cancelled is not None and cancelled():
            raise Cancelled()

    def _log(self, event: str, name: str) -> None:
        with self._cond:
            self.history.append((event, name, time.perf_counter()))


turns = Turns()  # the app's: every background extra takes its turn here


class Worker:
    """One thread running work submitted with :meth:`run_later`, the most urgent first,
    each in its turn of :data:`turns`."""

    def __init__(self, gate: Turns) -> None:
        self.gate = gate
        self._cond = threading.Condition()
        self._queue: list[tuple[int, int, str, Callable[[GiveWay], None], Callable[[], bool] | None]] = []
        self._tickets = itertools.count()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ckpt-gui background", daemon=True)
                self._thread.start()

    def run_later(
        self, name: str, priority: int, work: Callable[[GiveWay], None], cancelled: Callable[[], bool] | None = None
    ) -> None:
        """Run ``work(give_way)`` in its turn; dropped if ``cancelled()`` before it
        starts. Its failure matters to no one (what it makes is made again on demand)."""
        with self._cond:
            heapq.heappush(self._queue, (priority, next(self._tickets), name, work, cancelled))
            self._cond.notify()
        self.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                priority, _ticket, name, work, cancelled = heapq.heappop(self._queue)
            with suppress(Exception):  # Cancelled too: the work was superseded
                if cancelled is None or not cancelled():
                    with self.gate.turn(name, priority, cancelled) as give_way:
                        work(give_way)
            del work, cancelled  # what it read (a tree) is not kept alive by this thread


worker = Worker(turns)
start = worker.start
run_later = worker.run_later


def on_a_thread(work: Callable[[], None]) -> None:
    """``work`` on a thread of its own (it reports back through a Qt signal): a filter
    typed (a tree's, the comparison's), which waits for no turn."""
    threading.Thread(target=work, name="tree-filter", daemon=True).start()


def prepare_later(work: Callable[[Callable[[], None]], None], cancelled: Callable[[], bool]) -> None:
    """A large tree's (or comparison's) search texts made ahead, one background extra at a time."""
    run_later("search texts", SEARCH_TEXTS, work, cancelled)
