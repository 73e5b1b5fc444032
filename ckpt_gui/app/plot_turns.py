"""The plots' GUI work, one piece per event-loop turn.

Making a pyqtgraph plot costs 10 to 30 ms of the GUI thread's CPU, drawing a tensor
into it a few, and the first layout and paint of what was drawn 20 to 50 more: the
first selection's heatmap and histogram, made, drawn and painted in one turn, held the
event loop 100 to 140 ms of CPU (twice as long in wall time on a busy machine). Each
piece asked for here (make a plot, draw into it) runs in a turn of its own, in the order
asked, and a piece that changed a shown plot has that plot painted before the next one
begins: no turn holds more than one piece and one paint. An open's first selection
(app/browse_opening.py) comes in the same queue, before the plots it asks for: the row
selected in the tree, then Details.

While a piece runs and until its paint, the chunk workers start no new chunk
(``parallel.hold``, as while a job's result is shown, app/jobs.py): a large matrix's
first heatmap, 45 ms of the GUI thread's CPU, took 145 ms beside the histogram's
workers on two cores.

The turns are a real 0 ms timer's, not ``QTimer.singleShot(0)``'s: that posts a call,
and Qt's glib event loop runs a chain of posted calls back to back, its timers (and the
benchmarks' heartbeat, and an animation) waiting until the chain ends.

A piece whose owner is a panel hidden in its shown window (browsing's plots while a
comparison takes their place, the plots while the restore report takes theirs) is
parked: it keeps its place in the queue but does not run, and runs once the panel is
shown again; a newer piece of the same key replaces it meanwhile, so what is no longer
current is never drawn. At load 20 each such piece (30 to 70 ms of CPU) had taken a
turn of 1.7 s and more, and Ctrl+Q during a comparison waited 3 to 9.5 s behind the
plots made for the browse panels the comparison hid (benchmarks/quit_bench.py). A
window that closes drops its pieces (:func:`forget_within`): none runs behind it.
"""

from __future__ import annotations

import atexit
from collections import deque
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from ckpt_gui.app import turn_gate
from ckpt_gui.core.values import parallel

# The longest wait for a plot's paint before the next piece runs anyway (a plot shown
# but covered, or deleted meanwhile, paints nothing).
PAINT_WAIT_MS = 100

# A piece: called with no argument, returns the widget it changed (its paint is awaited)
# or None.
Piece = Callable[[], "QWidget | None"]


class _Turns(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.queue: deque[tuple[QObject, str | None, Piece]] = deque()
        self.in_turn = False  # a piece ran in this turn of the event loop
        self.watched: QWidget | None = None  # whose paint the next piece waits for
        self.next_turn = QTimer(self, singleShot=True, interval=0)
        self.next_turn.timeout.connect(self._next)
        self.paint_wait = QTimer(self, singleShot=True, interval=PAINT_WAIT_MS)
        self.paint_wait.timeout.connect(self._painted)
        # Hidden panels with a piece waiting, whose Show is watched, and their windows,
        # whose Hide is (a piece parked in a window hidden since may run: nothing is
        # parked in a window not shown).
        self.parked: list[QWidget] = []
        self.parked_windows: list[QWidget] = []

    def add(self, owner: QObject, piece: Piece, key: str | None, now: bool) -> None:
        if key is not None:  # the latest of its kind, in the place of the older one
            for i, (queued_owner, queued_key, _piece) in enumerate(self.queue):
                if queued_owner is owner and queued_key == key:
                    self.queue[i] = (owner, key, piece)
                    return
        if now and not self.busy() and not self._hidden(owner) and not turn_gate.taken():
            self._run(piece)
            return
        self.queue.append((owner, key, piece))
        self._kick()

    def _kick(self) -> None:
        if not self.in_turn and self.watched is None and not self.next_turn.isActive():
            self.next_turn.start()

    def drop(self, owner: QObject, key: str) -> None:
        self.queue = deque(item for item in self.queue if not (item[0] is owner and item[1] == key))

    def drop_within(self, window: QObject) -> None:
        """Every piece of ``window`` and of what it holds, queued or parked, dropped."""

        def within(owner: QObject) -> bool:
            while owner is not None:
                if owner is window:
                    return True
                owner = owner.parent()
            return False

        self.queue = deque(item for item in self.queue if shiboken6.isValid(item[0]) and not within(item[0]))

    def busy(self) -> bool:
        """A piece runs, or one waits that may run (not a parked one: a hidden panel's)."""
        if self.in_turn or self.watched is not None or self.next_turn.isActive():
            return True
        return any(shiboken6.isValid(owner) and not self._hidden(owner) for owner, _key, _piece in self.queue)

    def _hidden(self, owner: QObject) -> bool:
        """``owner`` is a panel hidden in a shown window (its pieces wait for its Show).
        In a window not shown (yet, or any more) nothing is parked: no Show would come."""
        return isinstance(owner, QWidget) and not owner.isVisible() and owner.window().isVisible()

    def _park(self, owner: QWidget) -> None:
        for widget, watched in ((owner, self.parked), (owner.window(), self.parked_windows)):
            if widget not in watched:
                watched.append(widget)
                widget.installEventFilter(self)

    def _run(self, piece: Piece) -> None:
        turn_gate.take()
        self.in_turn = True
        parallel.hold()  # until the next turn (_next): after the piece's paint
        changed = None
        try:
            changed = piece()
        finally:
            if isinstance(changed, QWidget) and shiboken6.isValid(changed) and changed.isVisible():
                self._watch(changed)
            else:
                self.next_turn.start()  # fires on the event loop's next pass: this turn ends first

    def _watch(self, widget: QWidget) -> None:
        # A pyqtgraph plot is a graphics view: it paints in its viewport.
        target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
        self.watched = target
        target.installEventFilter(self)
        self.paint_wait.start()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if watched is self.watched and event.type() == QEvent.Type.Paint:
            # The paint runs once this returns: the next turn's timer is started after
            # it (a posted call, run once the paint is done). Started now, its 0 ms
            # timeout came before that of a timer due during the paint (a 10 ms ticker,
            # a user's key repeat), which Qt then fired after the next piece: the tree's
            # 30 ms paint and Details' 15 ms piece made one 45 ms gap.
            self._painted(after_the_paint=True)
        elif event.type() == QEvent.Type.Show and watched in self.parked:
            self._unwatch(watched, self.parked)
            self._kick()  # its pieces in their places of the queue, from the next turn on
        elif event.type() == QEvent.Type.Hide and watched in self.parked_windows:
            self._unwatch(watched, self.parked_windows)
            self._kick()
        return False

    def _unwatch(self, widget: QWidget, watched: list[QWidget]) -> None:
        watched.remove(widget)
        if shiboken6.isValid(widget) and widget is not self.watched:
            widget.removeEventFilter(self)

    def _painted(self, after_the_paint: bool = False) -> None:
        watched, self.watched = self.watched, None
        self.paint_wait.stop()
        if watched is not None and shiboken6.isValid(watched):
            watched.removeEventFilter(self)
        if after_the_paint:
            QTimer.singleShot(0, self, self._start_next_turn)
        else:
            self.next_turn.start()

    def _start_next_turn(self) -> None:
        if self.in_turn and not self.next_turn.isActive():
            self.next_turn.start()

    def _next(self) -> None:
        if self.queue and turn_gate.taken():  # a job's result was shown in this pass: the next one
            self.next_turn.start()
            return
        self.in_turn = False
        parallel.resume()
        kept: deque[tuple[QObject, str | None, Piece]] = deque()  # parked pieces, in their order
        while self.queue:
            item = self.queue.popleft()
            owner, _key, piece = item
            if not shiboken6.isValid(owner):  # a panel deleted meanwhile (a closed window) is not drawn
                continue
            if self._hidden(owner):
                self._park(owner)
                kept.append(item)
                continue
            self.queue.extendleft(reversed(kept))
            self._run(piece)
            return
        self.queue = kept

    def forget(self) -> None:
        """Nothing more runs nor is watched: the interpreter is ending."""
        self.queue.clear()
        self.next_turn.stop()
        self.paint_wait.stop()
        parallel.resume()
        watched, self.watched = self.watched, None
        if watched is not None and shiboken6.isValid(watched):
            watched.removeEventFilter(self)
        for watched in (self.parked, self.parked_windows):
            for widget in list(watched):
                self._unwatch(widget, watched)


_turns: _Turns | None = None


@atexit.register  # runs before PySide's own clean-up (registered earlier, run later)
def _forget() -> None:
    # PySide's clean-up at exit deletes the widgets: a viewport still watched called
    # this event filter, a Python method, in the finalizing interpreter (a crash).
    if _turns is not None and shiboken6.isValid(_turns):
        _turns.forget()


def _the_turns() -> _Turns:
    global _turns  # noqa: PLW0603 - one queue per process, made with the first piece (a QApplication exists then)
    if _turns is None or not shiboken6.isValid(_turns):
        # The application's child, deleted with it: left to Python's exit, its timers
        # outlived the event loop's dispatcher, and the process crashed at exit.
        _turns = _Turns(QCoreApplication.instance())
    return _turns


def run(owner: QObject, piece: Piece, key: str | None = None) -> None:
    """``piece()`` now if no other piece ran in this turn and none waits, else in a
    turn of its own after those asked for before. A queued piece of ``owner`` with the
    same ``key`` is replaced by this one (the latest drawing wins, in the older's place).
    ``piece`` returns the widget it changed, whose paint the next piece waits for."""
    _the_turns().add(owner, piece, key, now=True)


def later(owner: QObject, piece: Piece, key: str | None = None) -> None:
    """``piece()`` in a turn of its own, not this one (see :func:`run`): work made
    ahead of its use, such as a plot made while the values to draw in it are read."""
    _the_turns().add(owner, piece, key, now=False)


def drop(owner: QObject, key: str) -> None:
    """Forget ``owner``'s queued piece of ``key`` (what it would draw is no more)."""
    if _turns is not None and shiboken6.isValid(_turns):
        _turns.drop(owner, key)


def forget_within(window: QObject) -> None:
    """Drop every piece of ``window`` and of its children, queued or parked: a closing
    window runs none (they had run behind its hidden panels, turn after turn, after a
    quit's close had hidden it)."""
    if _turns is not None and shiboken6.isValid(_turns):
        _turns.drop_within(window)


def busy() -> bool:
    """Whether a piece waits that may run now, or one runs (a screenshot taken now could
    miss a drawing); not a piece parked for a hidden panel, which waits for its Show."""
    return _turns is not None and shiboken6.isValid(_turns) and _turns.busy()
