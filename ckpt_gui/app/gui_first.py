"""The app's workers step aside while the GUI thread wants to run.

Beside two CPU-bound processes on two cores, a turn of the GUI thread with 60 ms of work
took 200 ms of wall time while the open job or pyqtgraph's import ran (the open of a
200,000-variable checkpoint, benchmarks/app_open_bench.py --busy 2): the GUI thread
waited for the interpreter lock each time the worker had it (a switch interval each),
and for a core, four runnable threads on two. Python has no priorities for its threads,
and a lower nice value for the workers starved them behind the other processes (issue
11). So the workers give way by themselves, at the points where they already let go of
the lock: between two slices of bulk work (core/format/lock_slices.py), between two
pieces of a background extra (app/background_work.py) and before each module a worker
imports (pyqtgraph's hundred, app/plot_import.py).

At such a point a worker reads what the GUI thread is doing (Linux's
``/proc/self/task/TID/syscall``, a few microseconds): unless it waits for events in its
event loop (blocked in ``poll``, glib's wait, or its kin), it is at work: running,
waiting for a core, or waiting for the interpreter lock this worker holds as it looks.
The worker then waits, without the lock, until the GUI thread's event loop ends a turn
(``aboutToBlock``), and at most until HOLD_S after the GUI thread was first seen at
work: a long GUI turn, a wait of the GUI thread for a worker, or a test's own code holds
the workers back that long once, not for its whole length. On an idle window the
workers keep their speed. (Looking at how long the GUI thread ran was tried first: a
GUI thread waiting for the lock is asleep, and a worker looking then saw it idle. Qt's
``awake`` signal cannot say when a turn begins: it comes after the events of a glib
iteration were handled.) Elsewhere than Linux on x86-64 or ARM64, workers let go at
once.
"""

from __future__ import annotations

import importlib.abc
import os
import platform
import sys
import threading
import time

from PySide6.QtCore import QAbstractEventDispatcher

from ckpt_gui.core.format import lock_slices

HOLD_S = 0.1  # the longest the GUI thread's being at work holds the workers back
AGAIN_S = 0.01  # a worker waiting for the end of a GUI turn looks again this often
# The system calls in which a thread waits for events (glib's poll, Qt's own loop's
# ppoll, or an epoll or select), by machine: a GUI thread blocked in one is idle.
WAITS_FOR_EVENTS = {
    "x86_64": {7, 23, 232, 270, 271, 281, 441},  # poll select epoll_wait pselect6 ppoll epoll_pwait epoll_pwait2
    "aarch64": {22, 72, 73, 441},  # epoll_pwait pselect6 ppoll epoll_pwait2
}

_gui_thread: int | None = None  # its threading ident
_syscall: int | None = None  # an open descriptor of its /proc syscall file
_waits_for_events: set[int] = set()
_working_since: float | None = None  # when the GUI thread was first seen at work, if it is
_turn_ended = threading.Event()  # set by the GUI thread as its event loop ends a turn


def install() -> None:
    """Make the workers' points of letting go give way to this thread (call on the GUI
    thread, once the application exists)."""
    global _gui_thread, _syscall, _waits_for_events
    waits = WAITS_FOR_EVENTS.get(platform.machine())
    dispatcher = QAbstractEventDispatcher.instance()
    if _gui_thread is not None or waits is None or dispatcher is None:
        return
    try:
        _syscall = os.open(f"/proc/self/task/{threading.get_native_id()}/syscall", os.O_RDONLY)
        os.pread(_syscall, 128, 0)
    except OSError:
        return  # not Linux, or /proc not readable: workers let go at once
    _gui_thread, _waits_for_events = threading.get_ident(), waits
    dispatcher.aboutToBlock.connect(_turn_ends)
    lock_slices.between_slices = step_aside
    sys.meta_path.insert(0, ImportsStepAside())


def uninstall() -> None:
    """Undo :func:`install` (a test's; the app keeps it to its end)."""
    global _gui_thread, _syscall, _working_since
    if _gui_thread is None:
        return
    QAbstractEventDispatcher.instance().aboutToBlock.disconnect(_turn_ends)
    lock_slices.between_slices = lock_slices.sleep_zero
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, ImportsStepAside)]
    _gui_thread, _working_since = None, None
    os.close(_syscall)
    _syscall = None


def _turn_ends() -> None:
    """On the GUI thread, its event loop about to wait (or to go on with events
    pending): a turn ended."""
    _turn_ended.set()


def gui_at_work() -> bool:
    """Whether the GUI thread is anywhere but waiting for events (its /proc syscall
    file: "running", or the number of the system call it is blocked in, and its
    arguments); kept in ``_working_since``."""
    global _working_since
    found = os.pread(_syscall, 128, 0).split(maxsplit=1)
    at_work = not found or found[0] == b"running" or int(found[0]) not in _waits_for_events
    if not at_work:
        _working_since = None
    elif _working_since is None:
        _working_since = time.monotonic()
    return at_work


def step_aside() -> None:
    """On a worker: wait while the GUI thread is at work, until HOLD_S after it was
    first seen so; then let go of the interpreter lock once (``time.sleep(0)``). Nothing
    while the GUI thread waits for events: it does not wait for the lock then, and a
    ``time.sleep(0)`` costs a tenth of a millisecond (paced loops let go every few
    hundred items: 0.6 s of a 200,000-variable open). On the GUI thread (bulk work of a
    small checkpoint, or a level of 20,000 groups made as one is expanded): nothing, the
    workers are the ones to give way (a ``time.sleep(0)`` at each point was 10 ms of
    such a level)."""
    if _gui_thread is None:
        lock_slices.sleep_zero()
        return
    if threading.get_ident() == _gui_thread:
        return
    if not gui_at_work():
        return
    while gui_at_work():
        left = (_working_since or 0.0) + HOLD_S - time.monotonic()
        if left <= 0:
            break
        _turn_ended.clear()
        _turn_ended.wait(min(left, AGAIN_S))
    time.sleep(0)


class ImportsStepAside(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: a module imported off the GUI thread waits for its
    turn as a slice does; finds nothing itself."""

    def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201 (importlib's signature)
        if _gui_thread is not None and threading.get_ident() != _gui_thread:
            step_aside()
        return None
