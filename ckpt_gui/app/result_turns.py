"""Jobs' results shown one per event-loop turn.

A worker's result reaches the GUI thread as a queued signal, a posted event, and Qt
runs the posted events of one pass back to back: a selection's values, its histogram's
first statistics and the histogram itself, finished together, were shown in one turn
(Details laid out, 4 + 27 + 2 ms of CPU at 200,000 variables), with the first
selection's Details painted before them: a 59 ms gap, twice as long beside two
CPU-bound processes, while a timer, a key or the benchmarks' heartbeat waited.

The first result of a turn is shown at once, as before; one arriving in the same turn
(or in a turn that ran a plot's piece, app/turn_gate.py) waits for the next, on a real
0 ms timer (a chain of ``QTimer.singleShot(0)`` calls is
posted events too, run back to back). Every delivery of a job (partial, finished,
failed, cancelled) goes through here, in the order it arrived: a job's failure never
overtakes its partial result.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

from ckpt_gui.app import turn_gate


class _Deliveries(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.queue: deque[tuple[QObject, Callable[[], None]]] = deque()
        self.next_turn = QTimer(self, singleShot=True, interval=0)
        self.next_turn.timeout.connect(self._next)

    def add(self, owner: QObject, delivery: Callable[[], None]) -> None:
        if self.queue or self.next_turn.isActive() or turn_gate.taken():  # one ran (or waits) in this turn
            self.queue.append((owner, delivery))
            if not self.next_turn.isActive():
                self.next_turn.start()
            return
        self._run(delivery)

    def _run(self, delivery: Callable[[], None]) -> None:
        turn_gate.take()
        self.next_turn.start()  # first: a delivery may raise, the queue must go on
        delivery()

    def _next(self) -> None:
        if self.queue and turn_gate.taken():  # a plot's piece ran in this pass: the next one
            self.next_turn.start()
            return
        while self.queue:
            owner, delivery = self.queue.popleft()
            # A runner deleted meanwhile (its window closed) shows nothing: Qt drops the
            # queued signals of a deleted receiver, and so does this queue.
            if shiboken6.isValid(owner):
                self._run(delivery)
                return


_deliveries: _Deliveries | None = None


def deliver(owner: QObject, delivery: Callable[[], None]) -> None:
    """``delivery()`` now if no result was shown in this turn and none waits, else in
    a turn of its own after those that arrived before it, unless ``owner`` (the job
    runner) is deleted by then."""
    global _deliveries  # noqa: PLW0603 - one queue per process, made with the first result (a QApplication exists then)
    if _deliveries is None or not shiboken6.isValid(_deliveries):
        # The application's child, deleted with it (a parentless timer outlived the
        # event loop's dispatcher at exit: app/plot_turns.py).
        _deliveries = _Deliveries(QCoreApplication.instance())
    _deliveries.add(owner, delivery)


def pending() -> bool:
    """Whether a result waits for its turn."""
    return _deliveries is not None and shiboken6.isValid(_deliveries) and bool(_deliveries.queue)
