"""pyqtgraph imported off the GUI thread once the first tree is shown.

The plots are made when first drawn (histogram_plot.py, tensor_plots.py): importing
pyqtgraph at launch cost 0.5 to 1 s of CPU before the first tree row. Imported on the
GUI thread with the first plot, it would stall the event loop as long; so the app's
background thread imports it as soon as a tree is shown (the import is Python code: the
interpreter lock passes to the GUI thread every few milliseconds), the most urgent of the
background extras (app/background_work.py): an open going on gives way to it at its next
step, the GUI thread painting the key view meanwhile (not beside the open, which made the
GUI thread wait for the lock for seconds; nor once loaded, beside the first selection's
work), and the search texts and the NaN/Inf scan wait for it. A panel asked to draw while
that import runs draws once it is done (:func:`pending`, :func:`when_done`), rather than
wait for it. Without the thread (a test, a program embedding a panel) panels draw at
once, importing pyqtgraph then.

pyqtgraph makes no Qt object when imported. The Qt modules it adds are imported here
first, on the GUI thread (20 ms): a PySide6 module initialised on another thread made
the process crash at exit one time in three. And their types too: PySide6 makes a
module's types when first read (lazily), and pyqtgraph's import reads every type of
QtCore, QtGui and QtWidgets (its ``_copy_attrs``); made on the import's thread while the
GUI thread made another, shiboken's table of types to make was changed under the
other's walk and the process crashed at launch (a segmentation fault, seen three times
in a day of loaded test runs). The GUI thread makes them first, a few milliseconds a
turn (about 150 ms in all, each piece in an event-loop turn of its own), then the import
begins.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Callable, Iterator

import shiboken6
from PySide6.QtCore import QObject, QTimer

from ckpt_gui.app import background_work, gui_gc
from ckpt_gui.core import deferred

# The extension modules pyqtgraph imports beyond the app's own (pyqtgraph 0.14 on Linux).
QT_MODULES = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg", "PySide6.QtTest")
# What the thread imports: the panels' pyqtgraph sides (by name: the panels use this module).
PLOT_MODULES = ("ckpt_gui.app.widgets.histogram_plot", "ckpt_gui.app.widgets.tensor_plots")
# The modules whose types pyqtgraph's import reads: every one (_copy_attrs) or some.
TYPED_MODULES = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", *QT_MODULES)
TYPES_TURN_S = 0.008  # the GUI thread's time making types, at most, per turn (one type: up to 25 ms)
_started, _done = threading.Event(), threading.Event()
_waiting: list[tuple[QObject | None, Callable[[], None]]] = []  # (owner, callback)
POLL_MS = 25  # how often the GUI thread looks whether the import is done
NUMPY_POLL_MS = 10  # how often it looks whether numpy, the import's first part, is done


def start() -> None:
    """Import the plot modules in the background, once per process (on the GUI thread).
    Begun on the event loop's next turn: the tree just shown is usable first (the Qt
    modules take 20 ms, and numpy comes with pyqtgraph)."""
    if _started.is_set() or PLOT_MODULES[-1] in sys.modules:
        return
    _started.set()
    QTimer.singleShot(0, _begin)


# The GUI thread's pieces of this work follow one another on a 1 ms timer, each in a turn
# of the event loop of its own: a chain of ``QTimer.singleShot(0)`` calls is a chain of
# posted calls, which Qt's glib event loop runs back to back (plot_turns.py), so the
# pieces of 8 ms made turns of 20 to 40 ms of the GUI thread's CPU with the open's
# result shown in the same turn.
NEXT_TURN_MS = 1


def _begin(modules: Iterator[str] | None = None) -> None:
    """Import the Qt modules pyqtgraph needs, one a turn (5 to 10 ms each), then make
    the types."""
    modules = iter(QT_MODULES) if modules is None else modules
    for name in modules:
        importlib.import_module(name)
        QTimer.singleShot(NEXT_TURN_MS, lambda: _begin(modules))
        return
    _make_types(iter(unmade_types()))


def unmade_types() -> list[tuple[object, str]]:
    """The types of TYPED_MODULES PySide6 has not made yet, as (module, name)."""
    modules = [sys.modules[name] for name in TYPED_MODULES if name in sys.modules]
    return [(module, name) for module in modules for name in dir(module) if name not in module.__dict__]


def _make_types(unmade: Iterator[tuple[object, str]]) -> None:
    """Make the types left, TYPES_TURN_S a turn, then begin the import on its thread."""
    stop = time.perf_counter() + TYPES_TURN_S
    for module, name in unmade:
        getattr(module, name)  # made now, on the GUI thread
        if time.perf_counter() >= stop:
            QTimer.singleShot(NEXT_TURN_MS, lambda: _make_types(unmade))
            return
    background_work.run_later("plot import", background_work.PLOT_IMPORT, lambda _give_way: _import())


def pending() -> bool:
    """Whether the background import runs: a plot made now would wait for it."""
    return _started.is_set() and not _done.is_set()


def drawing_waits() -> bool:
    """Whether a drawing waits for the background import, or the import still runs
    (a panel asked to draw now would wait): what a screenshot must wait for too."""
    return pending() or bool(_waiting)


def numpy_pending() -> bool:
    """Whether the background import has numpy still to import (pyqtgraph's first
    import): the GUI thread asking for numpy meanwhile would wait for that import's lock,
    or import it itself (0.1 to 0.3 s of CPU)."""
    return pending() and not deferred.ready("numpy")


def after_numpy(owner: QObject, callback: Callable[[], None]) -> None:
    """``callback()`` on the GUI thread once numpy is imported (at once if it is, or if
    no background import will import it); dropped if ``owner`` is deleted meanwhile."""
    if numpy_pending():
        QTimer.singleShot(NUMPY_POLL_MS, owner, lambda: after_numpy(owner, callback))
    else:
        callback()


def when_done(callback: Callable[[], None], owner: QObject | None = None) -> None:
    """Call ``callback`` on the GUI thread once the background import is done, unless
    ``owner`` (else the callback's own object, a bound method's) is deleted by then. The
    GUI thread looks every POLL_MS: the thread makes no Qt call (a signal emitted
    from it made Qt adopt the thread, and the process crashed at exit now and then)."""
    _waiting.append((owner, callback))
    if len(_waiting) == 1:
        QTimer.singleShot(0 if _done.is_set() else POLL_MS, _look)


def _look() -> None:
    if _done.is_set():
        _call_waiting()
    elif _waiting:
        QTimer.singleShot(POLL_MS, _look)


def _import() -> None:
    try:
        with gui_gc.bulk():  # its objects live as long as the process: frozen, never walked
            _import_modules()
    finally:
        _done.set()


def _import_modules() -> None:
    for name in PLOT_MODULES:
        module = importlib.import_module(name)
        # What the module's first use would make on the GUI thread, made here (no Qt
        # object: the colour maps of the first heatmap).
        getattr(module, "made_ahead", lambda: None)()


def _call_waiting() -> None:
    """Each waiting drawing in an event-loop turn of its own (making a plot and painting
    it first take tens of milliseconds each); none for a panel deleted meanwhile (a
    closed window): Qt drops a call whose receiver is gone."""
    callbacks = list(_waiting)
    _waiting.clear()
    for given, callback in callbacks:
        owner = given if given is not None else getattr(callback, "__self__", None)
        if not isinstance(owner, QObject):
            QTimer.singleShot(0, callback)
        elif shiboken6.isValid(owner):
            QTimer.singleShot(0, owner, callback)
