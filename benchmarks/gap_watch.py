"""What the GUI thread runs in each long gap of its event loop, for the app benchmarks.

A heartbeat timer on the GUI thread beats every ``BEAT_MS``; it records each gap between
two beats and the GUI thread's own CPU time in it. A watchdog thread checks every
``SAMPLE_MS`` whether the next beat is late by more than ``LATE_MS`` and, while it is,
samples the GUI thread's Python stack (``sys._current_frames()``), so each long gap comes
with what ran in it. The watchdog needs the interpreter lock to sample: a gap with few
samples is one where the lock was held throughout (by the GUI thread in one C call, or by
a worker), and a stack that ends in the event loop (no app frame) is Qt's own C++ work
(layout, painting) or a wait for the lock; the CPU time says which (a wait costs none).

Imported by the benchmark children (``-c`` scripts) from PYTHONPATH (qt_wait.child_path),
so a ``--before`` tree is watched the same way.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter

BEAT_MS = 20
LATE_MS = 100
SAMPLE_MS = 10
APP_PACKAGE = "ckpt_gui"
TOP_FRAMES = 4  # the innermost frames kept of a sample, the app's own first


def _frame_name(frame) -> str:
    code = frame.f_code
    path = code.co_filename
    where = path[path.rfind(APP_PACKAGE) :] if APP_PACKAGE in path else path.rsplit("/", 2)[-1]
    return f"{where}:{frame.f_lineno} {code.co_name}"


def describe(frame) -> str:
    """A sample's innermost frames, innermost first: the first frames of any code (a
    library's too), then the app's innermost ones (which of its calls led there)."""
    names, app = [], []
    while frame is not None and (len(names) < 2 or len(app) < TOP_FRAMES):
        name = _frame_name(frame)
        if len(names) < 2:
            names.append(name)
        elif APP_PACKAGE in name:
            app.append(name)
        frame = frame.f_back
    return " < ".join(names + app)


LONG_HOLD_S = 1.0  # the switch interval while other threads' frames are held (a sample takes ~1 ms)


class GapWatch:
    """Start it on the GUI thread with a running (or soon running) Qt event loop."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gui_id = threading.get_ident()
        self.gui_clock = time.pthread_getcpuclockid(self.gui_id)
        self.beats: list[tuple[float, float, float]] = []  # (wall, GUI thread's CPU, process CPU) at each beat
        self.samples: dict[int, list[str]] = {}  # by the index of the beat awaited
        self.others: dict[int, list[str]] = {}  # the other threads' innermost frames then
        self.resumed: set[int] = set()  # beats after a pause: the gap before them is not counted
        self.timer = QTimer(interval=BEAT_MS)
        self.timer.timeout.connect(self._beat)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="gap-watch", daemon=True)

    def start(self) -> None:
        self._beat()
        self.timer.start()
        self._thread.start()

    def stop(self) -> None:
        self.timer.stop()
        self._stop.set()
        self._thread.join()

    def mark(self) -> int:
        """The index of the next gap (to split the gaps into phases)."""
        return len(self.beats)

    def pause(self) -> None:
        """Not counted until ``resume`` (work the benchmark times itself)."""
        self.timer.stop()

    def resume(self) -> None:
        self.resumed.add(len(self.beats))
        self._beat()
        self.timer.start()

    def _beat(self) -> None:
        now = (time.perf_counter(), time.clock_gettime(self.gui_clock), time.process_time())
        self.beats.append(now)

    def _watch(self) -> None:
        while not self._stop.wait(SAMPLE_MS / 1000):
            beats = self.beats
            if not beats or not self.timer.isActive():
                continue
            awaited = len(beats)
            if (time.perf_counter() - beats[-1][0]) * 1000 > BEAT_MS + LATE_MS:
                self._sample(awaited)

    def _sample(self, awaited: int) -> None:
        """The other threads' stacks, described and let go before the interpreter lock is:
        a frame kept past a hand-over may have returned meanwhile, and letting it go here
        would free its locals on this thread (a Qt object deleted off the GUI thread: the
        bench's child crashed in QApplication::notify 1 run in 10 to 20)."""
        interval = sys.getswitchinterval()
        sys.setswitchinterval(LONG_HOLD_S)  # no hand-over while the frames are held
        try:
            frames = sys._current_frames()
            frame = frames.pop(self.gui_id, None)
            frames.pop(threading.get_ident(), None)
            if frame is not None and len(self.beats) == awaited:
                self.samples.setdefault(awaited, []).append(describe(frame))
                others = self.others.setdefault(awaited, [])
                others += [describe(f) for f in frames.values() if "threading.py" not in _frame_name(f)]
            del frames, frame
        finally:
            sys.setswitchinterval(interval)

    def gaps(self, start: int = 0, end: int | None = None) -> list[dict]:
        """Each gap from beat ``start`` to ``end``: wall and GUI CPU milliseconds, and
        for the long ones the stacks sampled in it (most frequent first)."""
        found = []
        end = len(self.beats) if end is None else end
        for i in range(max(start, 1), min(end, len(self.beats))):
            if i in self.resumed:
                continue
            (wall0, cpu0, all0), (wall1, cpu1, all1) = self.beats[i - 1], self.beats[i]
            gap = {"ms": round((wall1 - wall0) * 1000), "cpu_ms": round((cpu1 - cpu0) * 1000),
                   "process_cpu_ms": round((all1 - all0) * 1000), "at": i}  # fmt: skip
            stacks = self.samples.get(i)
            if stacks:
                gap["samples"] = len(stacks)
                gap["stacks"] = Counter(stacks).most_common(3)
                gap["other_threads"] = Counter(self.others.get(i, [])).most_common(2)
            found.append(gap)
        return found

    def longest(self, start: int = 0, end: int | None = None, count: int = 3) -> list[dict]:
        return sorted(self.gaps(start, end), key=lambda g: -g["ms"])[:count]
