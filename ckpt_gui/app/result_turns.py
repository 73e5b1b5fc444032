"""Jobs' results shown one per event-loop turn.

A worker's result reaches the GUI thread as a queued signal, a posted event, and Qt
runs the posted events of one pass back to back: a selection's values, its histogram's
first statistics and the histogram itself, finished together, were shown in one turn
(Details laid out, 4 + 27 + 2 ms of CPU at 200,000 variables), with the first
selection's Details painted before them: a 59 ms gap, twice as long beside two
CPU-bound processes, while a timer, a key or the benchmarks' heartbeat waited.

Each result is shown in a turn of its own, on a real 0 ms timer started when it
arrives (a chain of ``QTimer.singleShot(0)`` calls is posted events too, run back to
back), and not in a pass that ran a plot's piece (app/turn_gate.py). Every delivery
of a job (partial, finished, failed, cancelled) goes through here, in the order it
arrived: a job's failure never overtakes its partial result.
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
        # Never at once: a result arriving right after a piece's paint, or another
        # result, ran in the same gap before a timer already due (the heatmap drawn and
        # painted, then the histogram's statistics: 40 ms). Started now, this 0 ms
        # timer is due after any timer that fell due before.
        self.queue.append((owner, delivery))
        if not self.next_turn.isActive():
            self.next_turn.start()

    def _run(self, delivery: Callable[[], None]) -> None:
        turn_gate.take()
        try:
            delivery()
        finally:  # after it: started before, its timeout came before a timer due meanwhile
            if self.queue:
                self.next_turn.start()

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
    """``delivery()`` in a turn of its own, after those that arrived before it, unless
    ``owner`` (the job runner) is deleted by then."""
    global _deliveries  # noqa: PLW0603 - one queue per process, made with the first result (a QApplication exists then)
    if _deliveries is None or not shiboken6.isValid(_deliveries):
        # The application's child, deleted with it (a parentless timer outlived the
        # event loop's dispatcher at exit: app/plot_turns.py).
        _deliveries = _Deliveries(QCoreApplication.instance())
    _deliveries.add(owner, delivery)


def pending() -> bool:
    """Whether a result waits for its turn."""
    return _deliveries is not None and shiboken6.isValid(_deliveries) and bool(_deliveries.queue)
