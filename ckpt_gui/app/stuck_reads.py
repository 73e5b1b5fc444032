"""Which file the app still waits for, said while it waits: "Still reading NAME in FOLDER (N s)".

A read of a normal file can block for good (a stuck NFS or FUSE mount, a file on a
network share that went away), and Python cannot stop the thread inside it. The job
runners abandon such work (app/jobs.py: a later open or selection does not wait for
it; Cancel gives it up at once); this watcher, every second while a job runs, names
the oldest read a job still waits for after ``reads_in_flight.STUCK_AFTER_S`` (the status bar
shows it beside Cancel, app/window_status.py), and withdraws the message once that
read has returned or its job was given up. It also has the runners write off the
abandoned jobs stuck in a read, which kept them busy for good, and hand back the pool
slots of the jobs stuck (app/jobs.py). Cancel while it is shown gives up the jobs
waiting for a stuck read and no other (:meth:`StuckReads.give_up`).
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QObject, QTimer, Signal

from ckpt_gui.app.jobs import JobRunner
from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.format.errors import shown_path

CHECK_MS = 1000  # the message's seconds count up at this pace


def file_and_folder(path: str) -> tuple[str, str]:
    """A stuck read's file as messages name it: its name (whole: ``ckpt-3.data-00000-of-00001``
    says which checkpoint) and its folder (what the status bar elides first)."""
    folder, name = os.path.split(path)
    return shown_path(name), shown_path(folder or ".")


class StuckReads(QObject):
    changed = Signal(str)  # the message, "" once no job waits for a stuck read

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.read: reads_in_flight.Read | None = None  # the read the message names
        self.parts = ("", "", "")  # the message before its folder, the folder, after it
        self._runners: list[JobRunner] = []
        self._timer = QTimer(self, interval=CHECK_MS)
        self._timer.timeout.connect(self.check)

    def watch(self, runner: JobRunner) -> None:
        self._runners.append(runner)
        runner.busy_changed.connect(self._on_busy)
        if runner.busy:
            self._timer.start()

    def _on_busy(self, busy: bool) -> None:
        if busy:
            if not self._timer.isActive():
                self._timer.start()
        else:
            self.check()

    def check(self) -> None:
        """Look now (also after Cancel, so that the message goes with the read)."""
        for runner in self._runners:
            runner.write_off_stuck()
        reads = [read for runner in self._runners for _lane, read in runner.tell_stuck()]
        text, self.read, self.parts = "", None, ("", "", "")
        if reads:
            self.read = min(reads, key=lambda r: r.started)
            name, folder = file_and_folder(self.read.path)
            self.parts = (f"Still reading {name} in ", folder, f" ({int(time.monotonic() - self.read.started)} s)")
            text = "".join(self.parts)
        if text != self.text:
            self.text = text
            self.changed.emit(text)
        if not any(runner.busy for runner in self._runners):
            self._timer.stop()

    def give_up(self) -> str:
        """Cancel while the message is shown: the jobs waiting for a stuck read are given
        up, and nothing else (review 15: Cancel cancelled the open the user had just asked
        for, queued behind them, and not the stuck reads). Returns what to say of it, ""
        when no read was shown stuck."""
        if not self.text:
            return ""
        given: list[tuple[reads_in_flight.Read, str]] = []
        for runner in self._runners:
            for lane, read in runner.stuck_reads():
                what = runner.describe_lane(lane)
                given.append((read, what[:1].lower() + what[1:]))  # named before its lane forgets its label
                runner.cancel(lane)
        if not given:
            return ""
        name, folder = file_and_folder(min(given, key=lambda g: g[0].started)[0].path)
        return f"Gave up waiting for {name} in {folder} (cancelled: {', '.join(what for _read, what in given)})"
