"""The app's workers step aside while the GUI thread handles events (app/gui_first.py):
at the points where they let go of the interpreter lock (between two slices of bulk
work, before a module a worker imports), they wait until the GUI thread's turn ends,
and at most HOLD_S after it began."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from PySide6.QtCore import QTimer

from ckpt_gui.app import gui_first, launch
from ckpt_gui.core.format import lock_slices


@pytest.fixture
def gate(qapp, switch_as_the_app):
    gui_first.install()
    yield gui_first
    gui_first.uninstall()


@pytest.fixture
def switch_as_the_app():
    """The interpreter lock handed over as the app has it (launch.hand_over_quickly)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(launch.SWITCH_INTERVAL_S)
    yield
    sys.setswitchinterval(before)


def gui_turn(qtbot, seconds: float, on_worker) -> dict:
    """A turn of the GUI thread ``seconds`` long (busy, as a turn of the app's own work
    is) that starts a worker running ``on_worker()`` once the worker is known to be
    inside the turn; when the turn ended and when ``on_worker`` returned."""
    times: dict = {}
    started = threading.Event()

    def worker() -> None:
        started.set()
        on_worker()
        times["worker_done"] = time.monotonic()

    def turn() -> None:
        thread = threading.Thread(target=worker)
        thread.start()
        started.wait()
        times["worker_started"] = time.monotonic()
        end = time.monotonic() + seconds
        while time.monotonic() < end:  # the GUI thread's work: Python, as the app's is
            sum(range(1000))
        times["turn_ended"] = time.monotonic()
        times["thread"] = thread

    QTimer.singleShot(20, turn)
    qtbot.waitUntil(lambda: "turn_ended" in times, timeout=10_000)
    times["thread"].join(10)
    return times


def slices_of_work(count: int = 10) -> None:
    """A worker's work: ``count`` slices of a millisecond or so, the lock let go between two."""
    for _ in range(count):
        sum(range(20_000))
        lock_slices.let_go()


def test_a_worker_between_two_slices_waits_for_the_gui_turn_to_end(gate, qtbot):
    # Ten slices take 10 to 20 ms beside the GUI thread's turn of 50 ms: they wait for it.
    times = gui_turn(qtbot, 0.05, slices_of_work)
    assert times["worker_done"] >= times["turn_ended"]


def test_bulk_work_in_slices_waits_for_the_gui_turn_and_gives_the_same_result(gate, qtbot):
    items = list(range(3 * lock_slices.SLICE))
    found = []
    times = gui_turn(qtbot, 0.05, lambda: found.append(lock_slices.map_in_slices(str, items)))
    assert times["worker_done"] >= times["turn_ended"]
    assert found == [list(map(str, items))]


def test_a_long_gui_turn_holds_a_worker_back_only_hold_s(gate, qtbot):
    # A turn of 1.5 s: the worker goes on HOLD_S (0.1 s) after the GUI thread woke, long
    # before the turn ends (a generous second of margin for a loaded machine).
    times = gui_turn(qtbot, 1.5, slices_of_work)
    assert times["worker_done"] < times["turn_ended"] - 0.5


def test_modules_imported_on_a_worker_wait_for_the_gui_turn(gate, qtbot, tmp_path, monkeypatch):
    # Ten modules of a millisecond's work each, as pyqtgraph's hundred are imported on
    # the background thread (app/plot_import.py): they wait for the GUI thread's turn.
    names = [f"gui_first_probe_{i}" for i in range(10)]
    for i, name in enumerate(names):
        (tmp_path / f"{name}.py").write_text(f"sum(range(20_000))\nVALUE = {i}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = []
    times = gui_turn(qtbot, 0.05, lambda: found.extend(__import__(name).VALUE for name in names))
    assert found == list(range(10))
    assert times["worker_done"] >= times["turn_ended"]
    for name in names:
        sys.modules.pop(name, None)


def test_the_gui_thread_never_waits_for_itself(gate, qtbot, tmp_path, monkeypatch):
    # Bulk work run on the GUI thread (a small checkpoint's) and an import there do not
    # wait: the GUI thread is awake while it runs them, and a wait would last until
    # HOLD_S after it woke.
    # Nor does it sleep: the workers are the ones to give way, and a time.sleep(0) per
    # let-go point cost 10 ms of a 20,000-group level made as a group is expanded.
    (tmp_path / "gui_first_probe_on_gui.py").write_text("VALUE = 7\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    done, slept, real_sleep = [], [], time.sleep
    gui_thread = threading.get_ident()

    def sleep(seconds) -> None:
        if threading.get_ident() == gui_thread:
            slept.append(seconds)
        real_sleep(seconds)

    def turn() -> None:
        start = time.monotonic()
        for _ in range(20):
            lock_slices.let_go()
        value = __import__("gui_first_probe_on_gui").VALUE
        done.append((time.monotonic() - start, value))

    monkeypatch.setattr(gui_first.time, "sleep", sleep)
    QTimer.singleShot(0, turn)
    qtbot.waitUntil(lambda: bool(done), timeout=5_000)
    assert done[0][1] == 7
    assert done[0][0] < gui_first.HOLD_S / 2
    assert slept == []
    sys.modules.pop("gui_first_probe_on_gui", None)


def test_uninstalled_core_lets_go_at_once(qapp):
    gui_first.install()
    gui_first.uninstall()
    assert lock_slices.between_slices is lock_slices.sleep_zero
    assert not any(isinstance(finder, gui_first.ImportsStepAside) for finder in sys.meta_path)


def test_a_worker_does_not_sleep_while_the_gui_thread_waits_for_events(gate, qtbot, monkeypatch):
    """Nothing to hand over then: a time.sleep(0) per let-go point (a tenth of a
    millisecond each, some 6,000 in a 200,000-variable open) was a second of the open."""
    slept, real_sleep = [], time.sleep
    worker_ids: set[int] = set()

    def sleep(seconds) -> None:
        if threading.get_ident() in worker_ids:
            slept.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(gui_first.time, "sleep", sleep)
    done = threading.Event()

    def worker() -> None:
        worker_ids.add(threading.get_ident())
        for _ in range(50):
            lock_slices.let_go()
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(done.is_set, timeout=5_000)  # the GUI thread idle in its event loop meanwhile
    thread.join(5)
    assert len(slept) < 5, f"slept at {len(slept)} of 50 let-go points"


def test_core_alone_sleeps_only_when_another_thread_may_want_the_lock(monkeypatch):
    slept = []
    monkeypatch.setattr(lock_slices.time, "sleep", slept.append)
    monkeypatch.setattr(lock_slices.threading, "active_count", lambda: 1)
    lock_slices.sleep_zero()
    assert slept == []
    monkeypatch.setattr(lock_slices.threading, "active_count", lambda: 2)
    lock_slices.sleep_zero()
    assert slept == [0]
