"""An attempt's limits: its time, the memory of all its processes together, and the
user's cancel, checked while the child's next message is awaited."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.diagnosis.child_output import POLL_S
from ckpt_gui.diagnosis.child_process import ChildProcess

DEFAULT_TIMEOUT = 120.0  # seconds for the script, the matching and the restore
IMPORT_TIMEOUT = 300.0  # seconds for a child to import TensorFlow
# The phases before the script starts: the time limit is not counting yet (its clock starts
# when the script does; the import is ckpt-gui's own, done ahead in a waiting child, and
# has IMPORT_TIMEOUT). The progress line says so (review 21, 4: "13 s of 8 s" ran on).
STARTING_PYTHON, IMPORTING_TENSORFLOW = "starting Python", "importing TensorFlow"
UNTIMED_PHASES = frozenset({STARTING_PYTHON, IMPORTING_TENSORFLOW})
GB = 1 << 30
_EXIT_GRACE_S = 1.0  # for the last messages of a child that exited to arrive


def default_memory_limit() -> float:
    """Half the machine's memory, in GB (0: unknown, no limit)."""
    try:
        return round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / GB / 2, 1)
    except (AttributeError, OSError, ValueError):
        return 0.0


DEFAULT_MEMORY_LIMIT = default_memory_limit()  # GB for the attempt's processes together


class AttemptCancelled(Cancelled):
    """The user cancelled the attempt; the child was killed."""


class AttemptWatch:
    """The child's next message, within the time and memory limits and unless cancelled:
    a protocol message, or ``{"event": "timeout"}``, ``"memory"`` or ``"ended"``."""

    def __init__(self, child: ChildProcess, deadline: float, memory_limit: float, cancelled) -> None:
        self.child = child
        self.deadline = deadline
        self.memory_limit = memory_limit
        self.cancelled = cancelled
        self.next_check = 0.0
        self.exited_at: float | None = None

    def next_event(self) -> dict:
        while True:
            event = self.child.next_event(min(POLL_S, self.deadline - time.monotonic()))
            _check_cancel(self.cancelled)
            over = self._over_memory()
            if over is not None:
                return over
            if event is None or self._exited_silently(event):
                return {"event": "ended"}
            if event is not False:
                return event
            if time.monotonic() >= self.deadline:
                return {"event": "timeout"}

    def _exited_silently(self, event: dict | bool) -> bool:
        """The child exited, and its channel stays quiet: a process the script forked
        holds the channel open, so its end never comes."""
        if event is not False or self.child.process.poll() is None:
            return False
        self.exited_at = self.exited_at or time.monotonic()
        return time.monotonic() - self.exited_at > _EXIT_GRACE_S

    def _over_memory(self) -> dict | None:
        """Also keeps the family up to date: a process is best found while its parent lives."""
        now = time.monotonic()
        if now < self.next_check:
            return None
        self.next_check = now + POLL_S
        if not self.memory_limit:
            self.child.family.update()
            return None
        used = self.child.family.resident_bytes()
        if used <= self.memory_limit * GB:
            return None
        return {"event": "memory", "used": used, "limit_gb": self.memory_limit}


def _check_cancel(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise AttemptCancelled()
