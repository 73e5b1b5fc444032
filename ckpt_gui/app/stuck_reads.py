"""Which file the app still waits for, said while it waits: "Still reading FILE… (N s)".

A read of a normal file can block for good (a stuck NFS or FUSE mount, a file on a
network share that went away), and Python cannot stop the thread inside it. The job
runners abandon such work (app/jobs.py: a later open or selection does not wait for
it; Cancel gives it up at once); this watcher, every second while a job runs, names
the oldest read a job still waits for after ``reads_in_flight.STUCK_AFTER_S`` (the status bar
shows it beside Cancel, app/window_status.py), and withdraws the message once that
read has returned or its job was given up. It also has the runners write off the
abandoned jobs stuck in a read, which kept them busy for good.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from ckpt_gui.app.jobs import JobRunner
from ckpt_gui.core.format.errors import shown_path

CHECK_MS = 1000  # the message's seconds count up at this pace


class StuckReads(QObject):
    changed = Signal(str)  # the message, "" once no job waits for a stuck read

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.text = ""
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
        reads = [read for runner in self._runners for _lane, read in runner.stuck_reads()]
        text = ""
        if reads:
            read = min(reads, key=lambda r: r.started)
            text = f"Still reading {shown_path(read.path)}… ({int(time.monotonic() - read.started)} s)"
        if text != self.text:
            self.text = text
            self.changed.emit(text)
        if not any(runner.busy for runner in self._runners):
            self._timer.stop()
