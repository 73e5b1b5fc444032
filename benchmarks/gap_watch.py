"""What the GUI thread runs in each long gap of its event loop, for the app benchmarks.

A heartbeat timer on the GUI thread beats every ``BEAT_MS``; it records each gap between
two beats and the GUI thread's own CPU time in it. A watchdog thread checks every
``SAMPLE_MS`` whether the next beat is late by more than ``LATE_MS`` and, while it is,
samples the GUI thread's Python stack (``sys._current_frames()``), so each long gap comes
with what ran in it. The watchdog needs the interpreter lock to sample: a gap with few
samples is one where the lock was held throughout (by the GUI thread in one C call, or by
a worker), and a stack that ends in the event loop (no app frame) is Qt's own C++ work
(layout, painting) or a wait for the lock; the CPU time says which (a wait costs none).

The watchdog also finds the interpreter lock's long holds: it sleeps ``SAMPLE_MS`` at a time
and can only wake once it has the lock back, so a wake later than ``HOLD_MS`` means a
thread held the lock that long (or no core was free). Each thread's CPU clock, read at
every wake, says which: the thread that ran most meanwhile is the holder (a hold costs
its holder about the hold's length; a wait for a core costs no thread that much). Its
stack right after is kept (its innermost frame is at the call that held the lock, which
has just returned): ``holds`` lists them, so a gap can be put down to the worker's call
(``GAP_WATCH_HOLD_MS`` sets the threshold: 8 finds the shorter holds too).

Each beat also reads every thread's scheduler counters (Linux: /proc/self/task/TID/schedstat,
the nanoseconds it ran and waited in a run queue for a core, and its timeslices), so a long
gap says, per thread, how much of it was run, waiting for a core, or asleep (``sched``):
the GUI thread asleep in a late gap waits for a lock (the interpreter's, most often),
and a worker waiting for a core meanwhile is the lock's holder preempted (a convoy).

Imported by the benchmark children (``-c`` scripts) from PYTHONPATH (qt_wait.child_path),
so a ``--before`` tree is watched the same way.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections import Counter

BEAT_MS = 20
LATE_MS = 100
SAMPLE_MS = 10
# A wake of the watchdog this much later than asked is a hold of the lock (or no core free).
HOLD_MS = int(os.environ.get("GAP_WATCH_HOLD_MS", 20))
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


def _thread_clocks() -> dict[int, tuple[str, int]]:
    """Each Python thread's name and CPU clock (the watchdog's own left out), by ident.
    The clock is made from the thread's kernel id as Linux defines a thread's CPU clock,
    not with ``pthread_getcpuclockid``, which reads the thread's pthread structure: a
    thread that has ended meanwhile (a Qt pool thread stays listed as a dummy thread
    after it ends) would have it read after it was freed; a clock of an ended thread
    only fails (EINVAL)."""
    me = threading.get_ident()
    return {
        thread.ident: (thread.name, ((~thread.native_id) << 3) | 6)  # CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED
        for thread in threading.enumerate()
        if thread.ident is not None and thread.ident != me and thread.native_id is not None
    }


def _cpu_times(clocks: dict[int, tuple[str, int]]) -> dict[int, float]:
    found = {}
    for ident, (_name, clock) in clocks.items():
        with contextlib.suppress(OSError):  # ended meanwhile
            found[ident] = time.clock_gettime(clock)
    return found


def _task_ids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:  # not Linux
        return []


class SchedCounters:
    """Each thread's (ran, waited for a core, timeslices) from Linux's schedstat, and its
    major page faults from its stat (a thread that faults while it holds the interpreter
    lock stops every Python thread: seen as a gap where every thread sleeps, on a
    machine whose memory manager pages out cold file pages), read through descriptors
    kept open (a read is about 1 us)."""

    def __init__(self) -> None:
        self._fds: dict[int, int] = {}
        self._stat_fds: dict[int, int] = {}

    def read(self, preempted_tid: int | None = None) -> dict:
        """By thread id; ``preempted_tid``'s involuntary context switches too (key ``"preempted"``)."""
        found: dict = {}
        if preempted_tid is not None:
            path = f"/proc/self/task/{preempted_tid}/status"
            with contextlib.suppress(OSError, ValueError), open(path, "rb") as status:
                found["preempted"] = int(status.read().rsplit(b"nonvoluntary_ctxt_switches:", 1)[1])
        for tid in _task_ids():
            fd = self._fds.get(tid)
            try:
                if fd is None:
                    fd = self._fds[tid] = os.open(f"/proc/self/task/{tid}/schedstat", os.O_RDONLY)
                ran, waited, slices = os.pread(fd, 100, 0).split()
                stat_fd = self._stat_fds.get(tid)
                if stat_fd is None:
                    stat_fd = self._stat_fds[tid] = os.open(f"/proc/self/task/{tid}/stat", os.O_RDONLY)
                faults = int(os.pread(stat_fd, 1024, 0).rsplit(b")", 1)[1].split()[9])  # majflt
            except (OSError, ValueError, IndexError):  # ended meanwhile
                continue
            found[tid] = (int(ran), int(waited), int(slices), faults)
        return found


def thread_names() -> dict[int, str]:
    """Python's names of the threads, by kernel id; a thread Python does not know by its comm."""
    names = {}
    for tid in _task_ids():
        with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/comm") as comm:
            names[tid] = comm.read().strip()
    for thread in threading.enumerate():
        if thread.native_id in names and not thread.name.startswith("Dummy"):
            names[thread.native_id] = thread.name
    return names


def sched_split(before: dict, after: dict, wall_ms: float, names: dict[int, str], gui_tid: int) -> dict:
    """Per thread that ran or waited in a gap: ms run, ms waiting for a core, ms asleep
    (the rest of the gap), timeslices. A thread still waiting at the gap's end has that
    wait counted only once it runs (Linux adds it then): ``wait`` is a lower bound."""
    found: dict = {}
    if "preempted" in after and "preempted" in before:
        found["GUI preempted"] = after["preempted"] - before["preempted"]
    for tid, counters in after.items():
        if tid == "preempted":
            continue
        ran1, waited1, slices1, faults1 = counters
        ran0, waited0, slices0, faults0 = before.get(tid, counters)
        ran, waited, faults = (ran1 - ran0) / 1e6, (waited1 - waited0) / 1e6, faults1 - faults0
        if tid != gui_tid and ran + waited < 1 and not faults:
            continue
        name = "GUI" if tid == gui_tid else names.get(tid, str(tid))
        found[name] = {"run": round(ran), "wait": round(waited), "sleep": round(max(wall_ms - ran - waited, 0)),
                       "slices": slices1 - slices0}  # fmt: skip
        if faults:
            found[name]["major faults"] = faults
    return found


class GapWatch:
    """Start it on the GUI thread with a running (or soon running) Qt event loop."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gui_id = threading.get_ident()
        self.gui_clock = time.pthread_getcpuclockid(self.gui_id)
        self.beats: list[tuple[float, float, float]] = []  # (wall, GUI thread's CPU, process CPU) at each beat
        self.gui_tid = threading.get_native_id()
        self.counters = SchedCounters()
        self.sched: list[dict] = []  # every thread's schedstat at each beat (SchedCounters.read)
        self.names: dict[int, str] = {}
        self.samples: dict[int, list[str]] = {}  # by the index of the beat awaited
        self.others: dict[int, list[str]] = {}  # the other threads' innermost frames then
        self.resumed: set[int] = set()  # beats after a pause: the gap before them is not counted
        # The lock's long holds: {"ms", "thread", "cpu_ms" (the holder's CPU meanwhile), "stack", "at" (beat awaited)}
        self.holds: list[dict] = []
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
        self.sched.append(self.counters.read(self.gui_tid))
        self.beats.append(now)
        if any(tid not in self.names for tid in self.sched[-1] if tid != "preempted"):
            self.names.update(thread_names())  # kept once a thread ends: its gaps are reported after

    def _watch(self) -> None:
        clocks = _thread_clocks()
        while True:
            asleep, before = time.perf_counter(), _cpu_times(clocks)
            if self._stop.wait(SAMPLE_MS / 1000):
                break
            late_ms = (time.perf_counter() - asleep) * 1000 - SAMPLE_MS
            beats = self.beats
            if not beats or not self.timer.isActive():
                clocks = _thread_clocks()
                continue
            if late_ms > HOLD_MS:
                self._hold(late_ms, clocks, before, len(beats))
            clocks = _thread_clocks()  # threads started meanwhile (a hold by a new thread is missed: rare)
            awaited = len(beats)
            if (time.perf_counter() - beats[-1][0]) * 1000 > BEAT_MS + LATE_MS:
                self._sample(awaited)

    def _hold(self, late_ms: float, clocks: dict, before: dict, awaited: int) -> None:
        """The thread that ran most while the watchdog waited ``late_ms`` for the lock,
        and where it is now (just after the call that held it)."""
        after = _cpu_times(clocks)
        ran = {ident: after[ident] - before[ident] for ident in after if ident in before}
        if not ran:
            return
        holder = max(ran, key=ran.get)
        interval = sys.getswitchinterval()
        sys.setswitchinterval(LONG_HOLD_S)  # as in _sample: no hand-over while a frame is held
        try:
            frame = sys._current_frames().get(holder)
            stack = describe(frame) if frame is not None else "?"
            del frame
        finally:
            sys.setswitchinterval(interval)
        name = "GUI" if holder == self.gui_id else clocks[holder][0]
        self.holds.append({"ms": round(late_ms), "thread": name, "cpu_ms": round(ran[holder] * 1000),
                           "stack": stack, "at": awaited})  # fmt: skip

    def long_holds(self, start: int = 0, end: int | None = None, gui: bool = False) -> list[dict]:
        """The holds from beat ``start`` to ``end`` whose holder ran for most of them (a
        hold, not a wait for a core), longest first; the GUI thread's own only if ``gui``."""
        end = len(self.beats) if end is None else end
        return sorted(
            (h for h in self.holds if start <= h["at"] <= end and h["cpu_ms"] >= h["ms"] / 2
             and (gui or h["thread"] != "GUI")),
            key=lambda h: -h["ms"],
        )  # fmt: skip

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
            if gap["ms"] > LATE_MS and i < len(self.sched):
                gap["sched"] = sched_split(self.sched[i - 1], self.sched[i], gap["ms"], self.names, self.gui_tid)
            stacks = self.samples.get(i)
            if stacks:
                gap["samples"] = len(stacks)
                gap["stacks"] = Counter(stacks).most_common(3)
                gap["other_threads"] = Counter(self.others.get(i, [])).most_common(2)
            found.append(gap)
        return found

    def longest(self, start: int = 0, end: int | None = None, count: int = 3) -> list[dict]:
        return sorted(self.gaps(start, end), key=lambda g: -g["ms"])[:count]
