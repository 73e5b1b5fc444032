"""Python's cyclic garbage collector, run on the GUI thread only, never walking a checkpoint.

Run by a worker thread, a collection can destroy Qt objects there, and Qt's
destructors then deadlock against the GUI thread (seen: a histogram job collecting
an old menu). So automatic collection is off and a timer collects on the GUI thread,
as pyqtgraph's ``GarbageCollector`` does. But a collection walks every object of the
generations it collects, and opening a 200,000-variable checkpoint makes 3 million of
them (tree nodes, variables, their lists): collecting them stalled the event loop 0.1
to 2.8 s at a time while a checkpoint opened (a full collection of them: 1.5 s idle).

Those objects live as long as their checkpoint, so walking them finds nothing. They
are frozen instead (``gc.freeze``: moved to the permanent generation, which no
collection walks, in constant time): whenever the young generation has grown by more
than ``FREEZE_ABOVE`` objects since the last tick (a job making objects in bulk), and
when a checkpoint has been shown (``settle``). Collections then walk only what was
made since, a few milliseconds.

The price: garbage frozen is never collected. A replaced checkpoint's tree is freed by
reference counting once its parent links are cut (``TreeRelease``,
``VariableTree.dismantle``); the other garbage with cycles made during an
open (a few objects) stays. ``gc.get_freeze_count()`` says how many objects are frozen.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer

from ckpt_gui.core.views.tree import VariableTree

# More new objects than this since the last tick: a job is making objects in bulk
# (an open); walking them would take tens of milliseconds per 100,000.
FREEZE_ABOVE = 50_000
# More new objects than this since the last tick (fewer than FREEZE_ABOVE): a job is
# still making objects in bulk, and what survives the young generation's collection
# piles up in the older ones: collecting them then walked up to ten ticks' survivors,
# 0.1 s of the GUI thread at 200,000 variables. They wait: ``settle`` freezes them once
# the checkpoint is shown, or a quieter tick collects them.
BULK_ABOVE = 5_000
INTERVAL_MS = 1000
STEP_SECONDS = 0.02  # of taking trees apart, per event-loop turn
_DONE = object()
_running = False  # whether a GuiThreadCollector was started (settle freezes only then)
_bulks = 0  # bulks of long-lived objects being made (``bulk``)


class GuiThreadCollector(QObject):
    """Collects the young generations once a second on the GUI thread, freezing bulks."""

    def __init__(self, parent: QObject | None = None) -> None:
        global _running
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        _running = True
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        if _bulks:  # frozen when the bulk ends: walking them now finds nothing
            return
        young, older, oldest = gc.get_count()
        if young > FREEZE_ABOVE:
            gc.freeze()  # long-lived objects of a job, most likely: not worth walking
            return
        # As pyqtgraph's: the older generations hold only what survived since the last
        # freeze, so each collection walks little (not while a bulk is being made).
        if young > self.threshold[0]:
            gc.collect(0)
            if older > self.threshold[1] and young <= BULK_ABOVE:
                gc.collect(1)
                if oldest > self.threshold[2]:
                    gc.collect(2)


def settle() -> None:
    """A checkpoint (or the window) is built: what exists now lives on, not to be walked
    again. Only where this collector runs (the app, not a test or a program that embeds
    the window: there, frozen garbage would pile up)."""
    if _running:
        gc.freeze()


@contextmanager
def bulk() -> Iterator[None]:
    """Long-lived objects are made meanwhile, on any thread (pyqtgraph's import on the
    background thread: its modules, classes and functions, about 100,000 objects): no
    collection walks them while they are made (a tick found up to FREEZE_ABOVE of them
    young and walked them all, 10 to 17 ms of the GUI thread's turn beside the first
    selection's plots), and they are frozen once made (``gc.freeze`` runs no finalizer:
    safe off the GUI thread)."""
    global _bulks  # noqa: PLW0603 - the collector's state, one per process
    _bulks += 1
    try:
        yield
    finally:
        settle()
        _bulks -= 1


def in_bulk() -> bool:
    return _bulks > 0


class TreeRelease(QObject):
    """Takes apart trees no longer shown nor remembered, a step per event-loop turn, so
    that reference counting frees them (frozen, no collection would; cutting and freeing
    200,000 variables at once stalled the event loop 0.7 s)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.steps: list = []
        self.timer = QTimer(self, interval=0)
        self.timer.timeout.connect(self._step)

    def release(self, trees: Iterable[VariableTree]) -> None:
        self.steps.extend(tree.dismantle() for tree in {id(t): t for t in trees}.values())
        if self.steps:
            self.timer.start()

    @property
    def busy(self) -> bool:
        return bool(self.steps)

    def _step(self) -> None:
        deadline = time.perf_counter() + STEP_SECONDS
        while self.steps and time.perf_counter() < deadline:
            if next(self.steps[0], _DONE) is _DONE:
                self.steps.pop(0)
        if not self.steps:
            self.timer.stop()
