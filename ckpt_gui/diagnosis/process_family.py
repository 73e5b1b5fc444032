"""An attempt's processes: the child and everything the user's script started, found
through /proc (Linux), measured (resident memory) and ended together."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

ATTEMPT_ENV = "CKPT_GUI_DOCTOR_ATTEMPT"  # marks the child's processes, found again when orphaned
_PR_SET_CHILD_SUBREAPER = 36


class ProcessFamily:
    """The child and every process it started (Linux: /proc), and their memory.

    A process belongs to the family when its parent does, found at each update
    (every _POLL_S during an attempt); one whose parent ended is re-parented to
    ckpt-gui (a child subreaper) and still known, or found by the ATTEMPT_ENV mark
    in its environment. Process groups and sessions are no help: a script may setsid().
    """

    def __init__(self, pid: int, mark: str = "") -> None:
        self.root = pid
        self.mark = f"{ATTEMPT_ENV}={mark}".encode() if mark else b""
        self.members: dict[int, int] = {}  # pid: its start time (a pid may be reused)
        self.table: dict[int, tuple[int, int, bytes, int]] = {}  # pid: parent, start time, state, session

    def update(self) -> dict[int, int]:
        """The members now: the child, and whatever has a member as its parent."""
        table = self.table = _process_table()
        members = {pid: start for pid, start in self.members.items() if table.get(pid, (0, -1))[1] == start}
        if self.root in table:
            members[self.root] = table[self.root][1]
        me = os.getpid()
        for pid, (ppid, start, _state, session) in table.items():
            # Orphaned before it was seen: marked, or (a zombie's environment cannot be read)
            # still in the child's own session, as the read-only launcher's helper is.
            if ppid == me and pid not in members and (session == self.root or self._marked(pid)):
                members[pid] = start
        grown = True
        while grown:
            found = {pid: row[1] for pid, row in table.items() if row[0] in members and pid not in members}
            members.update(found)
            grown = bool(found)
        self.members = members
        return members

    def _marked(self, pid: int) -> bool:
        if not self.mark:
            return False
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                return self.mark in f.read().split(b"\0")
        except OSError:
            return False

    def resident_bytes(self) -> int:
        """The resident memory of all members together."""
        return sum(_resident_bytes(pid) for pid in self.update())

    def end_all(self, grace: float) -> None:
        """SIGKILL every member, again as long as new ones appear; reap those re-parented to us."""
        deadline = time.monotonic() + grace
        while True:
            members = self.update()
            alive = [pid for pid in members if self.table[pid][2] != b"Z"]
            for pid in alive:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            self._reap(members)
            if not alive or time.monotonic() >= deadline:
                return
            time.sleep(0.01)

    def end_at_quit(self) -> None:
        """SIGKILL the child's process group and every member, found without reading the
        whole process table: ckpt-gui is quitting, and a walk of /proc (every process's
        stat file) held its GUI thread 0.1-0.25 s on a busy machine, twice per child
        (review 20 G13: the process ended 1-2 s after Ctrl+Q). The members known from
        the last update (their start times checked: a pid may be reused), their children
        down through /proc/PID/task/*/children, and ckpt-gui's own children of this
        family (orphans re-parented to it: in the child's session, or marked). All are
        found before any is killed (a dying parent hands its children on). Nothing is
        reaped or waited for: the process is about to end."""
        found = {pid for pid, start in self.members.items() if _stat(pid)[1:2] == (start,)}
        found.add(self.root)
        _add_descendants(found, list(found))
        # ckpt-gui's own children are read after the walk down: a member that ended
        # during the walk handed its children to ckpt-gui, and they are found here, where
        # a read before the walk missed them in both places (CI, stop 31).
        orphans = [pid for pid in _children_of(os.getpid()) if pid not in found
                   and ((_stat(pid) or (0, 0, b"", 0))[3] == self.root or self._marked(pid))]  # fmt: skip
        found.update(orphans)
        _add_descendants(found, orphans)
        with contextlib.suppress(OSError):
            os.killpg(self.root, signal.SIGKILL)
        for pid in found:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def reap_ended(self) -> None:
        """Reap the members that ended after end_all (once the child itself is reaped).
        A multi-threaded child (TensorFlow) shows as a zombie before its last thread is
        gone, and only then are its own children (the read-only launcher's helper)
        re-parented to us: end_all's last look can still see them as the child's."""
        self._reap(self.update())

    def _reap(self, members: dict[int, int]) -> None:
        me = os.getpid()
        for pid in members:
            if pid != self.root and self.table[pid][0] == me:  # the root is its Popen's to wait for
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)


_subreaper: bool | None = None


def become_subreaper() -> bool:
    """Make this process the reaper of its descendants' orphans (Linux 3.4+), once."""
    global _subreaper
    if _subreaper is None:
        _subreaper = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                _subreaper = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return _subreaper


def _process_table() -> dict[int, tuple[int, int, bytes, int]]:
    """Every process: its parent, start time, state and session (empty without /proc)."""
    table = {}
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                table[int(name)] = (int(fields[1]), int(fields[19]), fields[0], int(fields[3]))
            except (OSError, IndexError, ValueError):  # it ended meanwhile
                continue
    return table


def _stat(pid: int) -> tuple[int, int, bytes, int] | tuple[()]:
    """One process's parent, start time, state and session; () when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[1]), int(fields[19]), fields[0], int(fields[3]))
    except (OSError, IndexError, ValueError):
        return ()


def _add_descendants(found: set[int], todo: list[int]) -> None:
    """Add to ``found`` the descendants of ``todo``'s processes, through their children lists."""
    while todo:
        for pid in _children_of(todo.pop()):
            if pid not in found:
                found.add(pid)
                todo.append(pid)


def _children_of(pid: int) -> list[int]:
    """``pid``'s child processes (Linux 3.5+: /proc/PID/task/TID/children), none when unknown."""
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                found += [int(child) for child in f.read().split()]
    return found


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0
