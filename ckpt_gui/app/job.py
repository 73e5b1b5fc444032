"""One job of a :class:`~ckpt_gui.app.jobs.JobRunner`: what its function receives
(:class:`JobContext`: cancel, progress, a part of the result early), the runnable
the pool runs it in, and the registry of every runner's jobs whose function has not
returned yet (what Quit and the tests go by).

A job waiting for a stuck read hands its pool slot back even while its result is still
awaited (:func:`give_back_stuck_slots`): the pool is the app's one global pool (two
threads on a 2-core machine), and a selection's values and statistics, both stuck on a
dead mount, had held both threads, so the open of another checkpoint never started
(review 15, M1b).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.format.errors import Cancelled, CheckpointError

# Seconds between progress signals from one job: each repaints the progress bar on the
# GUI thread (measured: with 0.05 s, a fifth of its time on a busy 2-core machine).
PROGRESS_INTERVAL = 0.25

_unreturned: set[Job] = set()  # every runner's jobs whose function has not returned yet
_unreturned_lock = threading.Lock()


class JobContext:
    """What a job function receives: cancellation and progress reporting."""

    def __init__(self, signals: JobSignals, token: tuple[str, int]) -> None:
        self._event = threading.Event()
        self._signals = signals
        self._token = token
        self._last_progress = 0.0
        self.total = 0

    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        self._event.set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def passes(self, per_pass: int, count: int) -> Callable[[int], None]:
        """A progress callback for work that goes over the data ``count`` times, each
        pass counting from zero again (the core's two-pass histograms)."""
        self.progress(0, per_pass * count)
        finished = [0, 0]  # elements of completed passes, last value seen

        def report(done: int) -> None:
            if done < finished[1]:
                finished[0] += finished[1]
            finished[1] = done
            self.progress(finished[0] + done)

        return report

    def report(self, partial: Any) -> None:
        """Hand a result that is ready before the whole job is (e.g. statistics before
        the histogram) to the lane's ``on_partial``, on the GUI thread."""
        self.check()
        self._signals.partial.emit(self._token, partial)

    def progress(self, done: int, total: int | None = None) -> None:
        """Report progress (throttled); also the place where cancellation is noticed."""
        new_phase = total is not None and total != self.total  # shown at once, e.g. busy again
        if total is not None:
            self.total = total
        now = time.monotonic()
        if new_phase or now - self._last_progress >= PROGRESS_INTERVAL or done >= self.total > 0:
            self._last_progress = now
            self._signals.progress.emit(self._token, done, self.total)
        self.check()


class JobSignals(QObject):
    progress = Signal(object, int, int)  # token, done, total
    partial = Signal(object, object)  # token, an early part of the result
    finished = Signal(object, object)  # token, result
    failed = Signal(object, str, str)  # token, one-line message, details
    cancelled = Signal(object)  # token


class Job(QRunnable):
    def __init__(
        self, fn: Callable[[JobContext], Any], signals: JobSignals, token: tuple[str, int], label: str = ""
    ) -> None:
        super().__init__()
        self.label = label
        self.setAutoDelete(False)  # the runner keeps the Python object alive until it reports
        self.fn = fn
        self.signals = signals
        self.token = token
        self.context = JobContext(signals, token)
        self.returned = threading.Event()  # set when the function is done, before delivery
        self.thread: int | None = None  # the worker's, once it runs
        self.pool: QThreadPool | None = None
        self._slot_lock = threading.Lock()
        self._slot_given_back = False
        self.told_stuck = False  # JobRunner.read_stuck emitted for it

    def give_back_slot(self) -> None:
        """Abandoned: the pool may start another thread in this one's place (Qt's way for
        a runnable that blocks, ``releaseThread``), taken back when it returns, if ever."""
        with self._slot_lock:
            if not self.returned.is_set() and not self._slot_given_back and self.pool is not None:
                self._slot_given_back = True
                self.pool.releaseThread()

    def stuck_read(self) -> reads_in_flight.Read | None:
        """The read this job has waited for ``reads_in_flight.STUCK_AFTER_S`` or more (on
        its thread, or on one reading for it), or None."""
        return reads_in_flight.stuck_for(self.thread) if self.thread is not None else None

    def run(self) -> None:
        self.thread = threading.get_ident()
        try:
            signal, args = self.signals.finished, (self.fn(self.context),)
        except Cancelled:
            signal, args = self.signals.cancelled, ()
        except CheckpointError as exc:
            signal, args = self.signals.failed, (str(exc), "")
        except MemoryError:
            signal, args = self.signals.failed, ("not enough memory for this operation", "")
        except Exception as exc:  # a bug: keep the app alive, show what happened
            signal, args = self.signals.failed, (f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:  # returned (the report follows): what wait() and unfinished_jobs() go by
            # The lane keeps its last job: without its function, not what the function
            # read either (a forgotten checkpoint, held by a closure, would stay).
            self.fn = None
            with _unreturned_lock:
                _unreturned.discard(self)
            with self._slot_lock:
                self.returned.set()
                if self._slot_given_back:  # counted again, as the pool expects (then it ends)
                    self.pool.reserveThread()
        signal.emit(self.token, *args)

    def hand_back_if_stuck(self) -> None:
        """Waiting for a stuck read: its pool slot goes to the jobs queued behind it."""
        if not self._slot_given_back and self.stuck_read() is not None:
            self.give_back_slot()

    def describe(self) -> str:
        return f"{self.token[0]} ({self.label})" if self.label else self.token[0]


def track(job: Job) -> None:
    """``job`` is submitted: counted as not returned until its function has."""
    with _unreturned_lock:
        _unreturned.add(job)


def give_back_stuck_slots() -> None:
    """Every runner's jobs waiting for a stuck read hand their pool slots back (the jobs
    queued behind them start now); each takes its slot again if its read ever returns."""
    with _unreturned_lock:
        waiting = list(_unreturned)
    for job in waiting:
        job.hand_back_if_stuck()


def unfinished_jobs() -> list[str]:
    """Every runner's jobs whose function has not returned yet (queued or running), as
    "lane (label)": for checks that nothing was left running."""
    with _unreturned_lock:
        return sorted(job.describe() for job in _unreturned)
