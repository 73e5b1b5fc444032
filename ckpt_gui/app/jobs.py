"""Running core work off the GUI thread, with progress, cancel and stale-result dropping.

Each job belongs to a *lane* ("open", "selection", "scan"...). Submitting a new job
to a lane cancels the one running there and bumps the lane's generation: when an
old job finishes anyway, its result no longer matches the generation and is
dropped, so a slow histogram never overwrites the one for the variable the user
has since selected (napari's histogram does the same with a counter).

A job replaced or dropped is *abandoned*: its result ignored, and its thread no longer
counted by the pool. A read of a normal file can block for good (a stuck NFS or FUSE
mount, a dead network share) and Python cannot stop a thread inside ``read()``: such a
job held a pool slot for good, and every later open or selection waited behind it once
all slots were held. An abandoned job keeps the runner busy until it returns, unless it
waits for a read that has not returned for ``reads_in_flight.STUCK_AFTER_S`` (written
off, :meth:`JobRunner.write_off_stuck`). A job the user cancels while it waits for such a
read is abandoned and reported cancelled at once (app/stuck_reads.py shows that read).

Each job itself (its context, its thread, the registry of jobs not returned) is in
job.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from ckpt_gui.app import result_turns
from ckpt_gui.app.job import Job, JobContext, JobSignals, give_back_stuck_slots, track
from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.values import parallel


@dataclass
class _Lane:
    generation: int = 0
    job: Job | None = None
    label: str = ""
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[str, str], None] | None = None
    on_progress: Callable[[int, int], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    on_partial: Callable[[Any], None] | None = None
    counted: bool = False  # the label says "LABEL: N of M" while its job counts


class JobRunner(QObject):
    """Submits jobs to a thread pool and delivers their results on the GUI thread."""

    busy_changed = Signal(bool)
    # A lane's job was found waiting for a stuck read (once a job): lane, the Read; its
    # panel can say what it waits for (app/browse_selection.py: the heatmap's message).
    read_stuck = Signal(str, object)
    # The label of the most recent labelled job still running, done, total; "" (0, 0) once
    # none is left (the status bar shows another runner's, or nothing).
    progress_changed = Signal(str, int, int)
    error = Signal(str, str)  # message, details: for jobs without their own error handler

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self._lanes: dict[str, _Lane] = {}
        self._running: set[Job] = set()  # the jobs whose results are awaited
        self._written_off: set[Job] = set()  # abandoned in a stuck read, not returned yet
        # The labelled jobs running, by lane, the most recently reported last: when one
        # ends the label goes back to another's (review 7: a finished histogram's label
        # stayed beside Cancel while the doctor ran, and Cancel stopped the doctor).
        self._labels: dict[str, tuple[str, int, int]] = {}
        self._signals = JobSignals()
        self._signals.progress.connect(self._on_progress)
        # Results shown one per event-loop turn, in the order they came (app/result_turns.py).
        # Bound methods of this QObject: queued to the GUI thread (a lambda's connection is not).
        self._signals.partial.connect(self._came_partial)
        self._signals.finished.connect(self._came_finished)
        self._signals.failed.connect(self._came_failed)
        self._signals.cancelled.connect(self._came_cancelled)

    def submit(
        self,
        lane: str,
        fn: Callable[[JobContext], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str, str], None] | None = None,
        label: str = "",
        on_progress: Callable[[int, int], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        counted: bool = False,
    ) -> None:
        """Run ``fn(context)`` on a worker; ``on_done(result)`` runs on the GUI thread,
        unless another job was submitted to the same lane meanwhile. ``on_cancelled``
        runs when the user cancels it (not when a newer job replaces it);
        ``on_partial(part)`` for each ``context.report(part)``; ``counted``: the label
        shown with the job's count ("Pairing variables: 1,200 of 200,000")."""
        state = self._lanes.setdefault(lane, _Lane())
        if state.job is not None:
            self._abandon(state.job)
        state.generation += 1
        job = Job(fn, self._signals, (lane, state.generation), label)
        state.job, state.label, state.on_done, state.on_error = job, label, on_done, on_error
        state.on_progress, state.on_cancelled, state.on_partial = on_progress, on_cancelled, on_partial
        state.counted = counted
        job.pool = self.pool
        was_busy = self.busy
        self._running.add(job)
        give_back_stuck_slots()  # not queued behind jobs that may never return
        track(job)
        self.pool.start(job)
        if not was_busy:
            self.busy_changed.emit(True)
        if label:  # the lane's earlier job's label replaced
            self._report(lane, label, 0, 0)
        else:
            self._forget_label(lane)

    def cancel(self, lane: str | None = None) -> None:
        """Cancel one lane's job, or every job. A job waiting for a stuck read
        (:meth:`Job.stuck_read`) would never notice: it is abandoned, and its
        ``on_cancelled`` runs now."""
        stuck = []
        for name, state in self._lanes.items():
            if (lane is None or name == lane) and state.job is not None:
                state.job.context.cancel()
                if state.job.stuck_read() is not None:
                    stuck.append((name, state, state.job))
        for name, state, job in stuck:  # after the loop: an on_cancelled may submit new jobs...
            if state.job is job:  # ...replacing one found stuck (already abandoned then)
                self._give_up(name, state)

    def drop(self, *lanes: str) -> None:
        """Stop these lanes' jobs and forget them: no callback of theirs runs (the
        user moved on, and their results would describe something no longer shown)."""
        for lane in lanes:
            state = self._lanes.get(lane)
            if state is not None and state.job is not None:
                self._abandon(state.job)
                state.generation += 1
                state.job = None
                self._forget_label(lane)

    def stuck_reads(self) -> list[tuple[str, reads_in_flight.Read]]:
        """The lanes whose job waits for a stuck read, with that read (see
        :meth:`Job.stuck_read`); abandoned jobs are no longer this runner's."""
        found = []
        for name, state in self._lanes.items():
            read = state.job.stuck_read() if state.job is not None else None
            if read is not None:
                found.append((name, read))
        return found

    def describe_lane(self, lane: str) -> str:
        """What ``lane``'s job does, as the status bar names it (its label, else the lane)."""
        state = self._lanes.get(lane)
        return state.label if state is not None and state.label else f"the {lane}"

    def tell_stuck(self) -> list[tuple[str, reads_in_flight.Read]]:
        """:meth:`stuck_reads`, with ``read_stuck`` emitted for each job found stuck the
        first time (app/stuck_reads.py asks every second while a job runs)."""
        found = self.stuck_reads()
        for name, read in found:
            job = self._lanes[name].job
            if not job.told_stuck:
                job.told_stuck = True
                self.read_stuck.emit(name, read)
        return found

    def is_running(self, lane: str) -> bool:
        state = self._lanes.get(lane)
        return state is not None and state.job is not None

    @property
    def busy(self) -> bool:
        # A runner deleted (its window closed and deleted) reports nothing more: the
        # results still waiting for their turn (app/result_turns.py) are dropped.
        return bool(self._running) and shiboken6.isValid(self)

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until this runner's jobs, written-off ones too, have returned (for
        shutdown and tests); their results are delivered later, by the event loop.
        False on timeout."""
        deadline = time.monotonic() + timeout_ms / 1000
        jobs = list(self._running | self._written_off)
        return all(job.returned.wait(max(0.0, deadline - time.monotonic())) for job in jobs)

    def write_off_stuck(self) -> None:
        """Abandoned jobs waiting for a stuck read no longer keep the runner busy (their
        read may never return); app/stuck_reads.py asks, every second while busy."""
        stuck = {job for job in self._running if not self._is_current(job) and job.stuck_read() is not None}
        if stuck:
            self._write_off(stuck)
        give_back_stuck_slots()  # the current ones too: the jobs queued behind them go on

    def _is_current(self, job: Job) -> bool:
        state = self._lanes.get(job.token[0])
        return state is not None and state.job is job

    def _abandon(self, job: Job) -> None:
        """``job``'s result is no longer awaited (the caller moves its lane's generation
        on): cancelled, and its pool slot given back (a job stuck in a read would hold
        it for good)."""
        job.context.cancel()
        job.give_back_slot()

    def _write_off(self, jobs: set[Job]) -> None:
        was_busy = self.busy
        self._running -= jobs
        self._written_off |= {job for job in jobs if not job.returned.is_set()}
        self._idle_unless_running(was_busy)

    def _give_up(self, lane: str, state: _Lane) -> None:
        """The user cancelled ``lane``'s job, which waits for a read that does not
        return: it is abandoned, written off and reported cancelled now."""
        callback, job = state.on_cancelled, state.job
        self._abandon(job)
        state.generation += 1
        state.job = None
        self._forget_label(lane)
        self._write_off({job})
        if callback is not None:
            callback()

    def _idle_unless_running(self, was_busy: bool) -> None:
        if was_busy and not self._running:
            self.busy_changed.emit(False)

    # -- delivery on the GUI thread -------------------------------------------------

    def _current(self, token: tuple[str, int]) -> _Lane | None:
        lane, generation = token
        state = self._lanes.get(lane)
        if state is None or state.generation != generation:
            return None
        return state

    def _release(self, token: tuple[str, int]) -> None:
        was_busy = self.busy
        self._running = {job for job in self._running if job.token != token}
        self._written_off = {job for job in self._written_off if job.token != token}
        state = self._current(token)
        if state is not None:
            state.job = None
            self._forget_label(token[0])
        self._idle_unless_running(was_busy)

    def _report(self, lane: str, text: str, done: int, total: int) -> None:
        self._labels.pop(lane, None)
        self._labels[lane] = (text, done, total)  # the most recent last
        self.progress_changed.emit(text, done, total)

    def _forget_label(self, lane: str) -> None:
        """The lane's job ended: the label shown goes back to the most recent one left."""
        if self._labels.pop(lane, None) is not None:
            self.progress_changed.emit(*(next(reversed(self._labels.values())) if self._labels else ("", 0, 0)))

    def _on_progress(self, token, done: int, total: int) -> None:
        state = self._current(token)
        if state is None:
            return
        if state.on_progress is not None:
            state.on_progress(done, total)
        if state.label:
            counted = state.counted and total > 0
            self._report(token[0], f"{state.label}: {done:,} of {total:,}" if counted else state.label, done, total)

    def _came_partial(self, token, partial) -> None:
        self._deliver(token, lambda: self._on_partial(token, partial))

    def _came_finished(self, token, result) -> None:
        self._deliver(token, lambda: self._on_finished(token, result))

    def _came_failed(self, token, message: str, details: str) -> None:
        self._deliver(token, lambda: self._on_failed(token, message, details))

    def _came_cancelled(self, token) -> None:
        self._deliver(token, lambda: self._on_cancelled(token))

    def _deliver(self, token, delivery: Callable[[], None]) -> None:
        """A current job's result in a turn of its own (app/result_turns.py); a replaced
        job's at once: nothing is shown for it, its job is only let go."""
        if self._current(token) is None:
            delivery()
        else:
            result_turns.deliver(self, delivery)

    def _on_partial(self, token, partial) -> None:
        state = self._current(token)
        if state is not None and state.on_partial is not None:
            _hold_workers_until_painted()
            state.on_partial(partial)

    def _on_finished(self, token, result) -> None:
        state = self._current(token)
        callback = state.on_done if state is not None else None
        self._release(token)
        if callback is not None:
            _hold_workers_until_painted()
            callback(result)

    def _on_failed(self, token, message: str, details: str) -> None:
        state = self._current(token)
        handler = state.on_error if state is not None else None
        self._release(token)
        if state is None:
            return
        if handler is not None:
            handler(message, details)
        else:
            self.error.emit(message, details)

    def _on_cancelled(self, token) -> None:
        state = self._current(token)
        callback = state.on_cancelled if state is not None else None
        self._release(token)
        if callback is not None:
            callback()


def _hold_workers_until_painted() -> None:
    """Showing a result (and painting it on the next turn) is the GUI thread's longest
    work: the chunk workers start no new chunk meanwhile, so it has the cores. The
    resume is queued behind the repaint the result asked for; the workers' wait is
    bounded anyway (parallel.HOLD_LIMIT)."""
    parallel.hold()
    QTimer.singleShot(0, parallel.resume)
