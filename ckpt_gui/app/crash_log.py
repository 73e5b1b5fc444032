"""The app never dies silently (review: the window vanished during a large comparison,
with an empty log and nothing in dmesg).

Each session writes a log of its own, ``session-PID.log`` in the app's state folder,
from the start: a header, then what Python's faulthandler writes on a fatal signal
(SIGSEGV, SIGABRT, SIGBUS...), and every unhandled exception, of any thread. A clean
exit deletes it. So a log left behind by a process that is gone is a session that
ended without quitting: a fatal signal (the faulthandler's traceback is in it) or a
kill from outside (SIGKILL, the kernel's out-of-memory killer: nothing could be
written). The next launch keeps it as ``crashed-TIME.log`` and says so on the banner.

An unhandled exception (a slot, a thread) does not end the app: it is written to the
log and shown on the banner with its traceback, where it was printed to a terminal
the user of a desktop app does not see.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSocketNotifier, QStandardPaths, Signal

from ckpt_gui import __version__

if TYPE_CHECKING:
    from ckpt_gui.app.widgets.banner import Banner

SESSION_PREFIX, CRASHED_PREFIX = "session-", "crashed-"
MAX_TOLD = 100  # distinct exceptions remembered (told once each); later ones are all told
KEPT_CRASHES = 5  # older crash logs are deleted: one per unexpected end is enough to report it
# Python's faulthandler writes "Fatal Python error: Segmentation fault" and the stacks.
FATAL_MARK = "Fatal Python error: "


def log_folder() -> str:
    """Where the session logs go: beside the settings for a folder of one's own
    (CKPT_GUI_SETTINGS_DIR: tests, screenshots), else the user's state folder."""
    folder = os.environ.get("CKPT_GUI_SETTINGS_DIR")
    if not folder:
        # AppLocalData: ~/.local/share/ckpt-gui/ckpt-gui on Linux (Qt has no state location before 6.7's).
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return os.path.join(folder or os.path.expanduser("~/.ckpt-gui"), "logs")


@dataclass(frozen=True)
class PreviousCrash:
    """A session that ended without quitting: its kept log and what it says."""

    log: str
    cause: str  # "Segmentation fault", or "ended from outside (killed, e.g. out of memory)"

    @property
    def message(self) -> str:
        return f"ckpt-gui stopped unexpectedly last time ({self.cause}); its log: {self.log}"


class _Reporter(QObject):
    """Hands an exception of any thread to the GUI thread (a queued signal)."""

    raised = Signal(str, str)  # one line, the traceback


class CrashLog:
    """This session's log; ``install()`` starts writing it, ``close()`` (a clean exit)
    deletes it. ``raised`` (on the GUI thread) tells of each unhandled exception."""

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder or log_folder()
        self.path = os.path.join(self.folder, f"{SESSION_PREFIX}{os.getpid()}.log")
        self.file = None
        self.reporter = _Reporter()
        self._told: set[str] = set()  # the tracebacks written and shown already
        self.raised = self.reporter.raised

    def install(self) -> PreviousCrash | None:
        """Start this session's log and the hooks; what the last unexpected end left, if any."""
        previous = None
        try:
            os.makedirs(self.folder, exist_ok=True)
            previous = keep_unfinished(self.folder)
            self.file = open(self.path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the session
            self.file.write(f"ckpt-gui {__version__}, pid {os.getpid()}, started {_now()}\n{sys.argv!r}\n")
            if os.environ.get("PYTHONFAULTHANDLER"):
                # Asked for on stderr (a developer, the test suite: a child's crash must show
                # its stacks in the test's output); the log still tells the next launch.
                self.file.write("faulthandler: stderr (PYTHONFAULTHANDLER is set)\n")
            else:
                faulthandler.enable(self.file, all_threads=True)
        except OSError as exc:  # a read-only home: the app runs, without its log
            print(f"ckpt-gui: cannot write the session log {self.path}: {exc}", file=sys.stderr)
            self.file = None
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        return previous

    def close(self) -> None:
        """A clean exit: the session's log goes (nothing went wrong that ended it)."""
        if self.file is None:
            return
        faulthandler.disable()
        self.file.close()
        self.file = None
        with contextlib.suppress(OSError):
            os.remove(self.path)

    def record(self, exc_type, exc, tb, where: str = "") -> None:
        """An unhandled exception: into the log and to the user; the app goes on."""
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        line = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        # One raised in a paint or a model's data() comes again with each paint: told once.
        if details in self._told:
            return
        if len(self._told) < MAX_TOLD:
            self._told.add(details)
        if self.file is not None:
            with contextlib.suppress(OSError, ValueError):
                self.file.write(f"\n{_now()} unhandled exception{where}:\n{details}")
        print(details, file=sys.__stderr__ or sys.stderr, end="")
        self.reporter.raised.emit(line, details)

    def _excepthook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.record(exc_type, exc, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        self.record(args.exc_type, args.exc_value, args.exc_traceback, f" in thread {name}")


def keep_unfinished(folder: str) -> PreviousCrash | None:
    """The logs of sessions gone without a clean exit become ``crashed-TIME-PID.log``;
    the newest of them is returned. Running sessions' logs (another window) stay."""
    newest: tuple[float, PreviousCrash] | None = None
    for name in os.listdir(folder):
        if not (name.startswith(SESSION_PREFIX) and name.endswith(".log")):
            continue
        pid_text = name[len(SESSION_PREFIX) : -len(".log")]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        path = os.path.join(folder, name)
        try:
            ended = os.path.getmtime(path)
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(ended))
            kept = os.path.join(folder, f"{CRASHED_PREFIX}{stamp}-{pid_text}.log")
            os.replace(path, kept)
        except OSError:
            continue
        crash = PreviousCrash(kept, crash_cause(kept))
        if newest is None or ended > newest[0]:
            newest = (ended, crash)
    _prune(folder)
    return newest[1] if newest else None


def crash_cause(path: str) -> str:
    """What a left-behind log says ended the session."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return "no log"
    for line in text.splitlines():
        if line.startswith(FATAL_MARK):
            return line[len(FATAL_MARK) :].strip()
    return "ended from outside, nothing was recorded: killed, e.g. by the system when memory ran out"


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running ckpt-gui (a reused pid is another program's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read()
    except OSError:
        return True  # no /proc: alive is all that is known
    return b"ckpt" in command or b"python" in command


def _prune(folder: str) -> None:
    crashed = sorted(n for n in os.listdir(folder) if n.startswith(CRASHED_PREFIX))
    for name in crashed[:-KEPT_CRASHES]:
        with contextlib.suppress(OSError):
            os.remove(os.path.join(folder, name))


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


_session: CrashLog | None = None  # the running app's (launch.py), until its clean end


def start_session(folder: str | None = None) -> PreviousCrash | None:
    """This process's log and hooks, from now on; what the last unexpected end left."""
    global _session
    _session = CrashLog(folder)
    return _session.install()


def end_session() -> None:
    """A clean exit: this session's log is deleted."""
    if _session is not None:
        _session.close()


def tell(banner: Banner, previous: PreviousCrash | None) -> None:
    """On ``banner``: the last session's unexpected end, and from now on each
    unhandled exception (with its traceback under Details)."""
    if previous is not None:
        banner.show_message(previous.message, "warning", owner=previous)
    session = _session
    if session is None:
        return

    def show(line: str, details: str) -> None:
        text = f"Internal error (ckpt-gui goes on, but may not be right): {line}. Written to {session.path}"
        banner.show_message(text, "error", details, owner=session)

    session.raised.connect(show)


def end_on_terminate(end: Callable[[int], None]) -> None:
    """SIGTERM (a logout, ``kill``) ends the app as Quit does: ``end(143)`` kills the
    doctor's children (they were left running, re-parented to init) and takes the
    session's log away (a requested end is no crash). Python runs a signal handler only
    between bytecodes, never while Qt's event loop waits: the signal wakes it through
    a socket the loop watches."""
    if not hasattr(signal, "SIGTERM") or sys.platform == "win32":
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    signal.signal(signal.SIGTERM, lambda _number, _frame: end(128 + signal.SIGTERM))
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: _drain(reader))  # Python runs: the handler with it
    _keep.extend((reader, writer, notifier))


_keep: list = []  # the wake-up socket pair and its notifier, for the process's life


def _drain(reader: socket.socket) -> None:
    with contextlib.suppress(OSError):
        reader.recv(512)
