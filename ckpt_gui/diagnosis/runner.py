"""Driving restore attempts in child processes (this side never imports TensorFlow).

Importing TensorFlow takes seconds, so after every attempt a fresh child is started
and left waiting with TensorFlow already imported: the next attempt starts at once,
and still in a clean process. Whatever the user's script does (raise, hang, call
sys.exit, crash the interpreter, exhaust memory) ends in a clear error here.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ckpt_gui.core.format.errors import Cancelled

CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child", "main.py")
DEFAULT_TIMEOUT = 120.0  # seconds for the script, the matching and the restore
IMPORT_TIMEOUT = 300.0  # seconds for a child to import TensorFlow
LOG_LINES = 400


class AttemptCancelled(Cancelled):
    """The user cancelled the attempt; the child was killed."""


@dataclass(frozen=True, slots=True)
class DiagnosisRequest:
    checkpoint: str  # the checkpoint prefix
    script: str  # the model-definition script
    timeout: float = DEFAULT_TIMEOUT
    python: str = sys.executable


@dataclass(slots=True)
class AttemptResult:
    """What the child said (facts or an error), plus its log and timings."""

    facts: dict | None = None
    error: dict | None = None
    log: str = ""
    tensorflow_version: str = ""
    seconds: float = 0.0
    phases: list[str] = field(default_factory=list)
    folder_changed: list[str] = field(default_factory=list)


# TensorFlow's informational C++ log lines at import ("oneDNN custom operations are
# on"): they would crowd out what a crashing script printed.
_STARTUP_NOISE = re.compile(r"^(I\d{4} |WARNING: All log messages before absl::InitializeLog)")


class ChildProcess:
    """One Python child running child/main.py; its protocol lines arrive on a queue."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.events: queue.Queue = queue.Queue()
        self.log: deque[str] = deque(maxlen=LOG_LINES)
        self.ready: dict | None = None
        self.imported = threading.Event()  # set by the reader when TensorFlow is imported
        self.started = time.monotonic()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("QT_QPA_PLATFORM", None)
        self.process = subprocess.Popen(
            [python, CHILD_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            # A group of its own, so a timeout also ends whatever the script started.
            start_new_session=os.name == "posix",
        )
        threading.Thread(target=self._read_protocol, daemon=True).start()
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_protocol(self) -> None:
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                self.log.append(line.rstrip("\n"))
                continue
            event["received"] = time.monotonic()
            if event.get("event") == "ready":
                self.imported.set()
            self.events.put(event)
        self.events.put(None)  # end of stream: the child exited

    def _read_log(self) -> None:
        for line in self.process.stderr:
            if not _STARTUP_NOISE.match(line):
                self.log.append(line.rstrip("\n"))

    def next_event(self, timeout: float) -> dict | None | bool:
        """The next protocol message, None at the end of the stream, False on timeout."""
        try:
            return self.events.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return False

    def send(self, request: dict) -> None:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                if os.name == "posix":
                    os.killpg(self.process.pid, signal.SIGKILL)
                else:
                    self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.close()


class Diagnoser:
    """Runs attempts, one at a time, keeping a warm child per interpreter."""

    def __init__(self, keep_warm: bool = True) -> None:
        self.keep_warm = keep_warm
        self._warm: dict[str, ChildProcess] = {}
        self._lock = threading.Lock()

    def warm_up(self, python: str = sys.executable) -> None:
        """Start a child for ``python`` now, so a first attempt does not wait for it."""
        with self._lock:
            if python not in self._warm or not self._warm[python].alive():
                with contextlib.suppress(OSError):  # the next attempt with it reports why it cannot start
                    self._warm[python] = ChildProcess(python)

    def wait_until_warm(self, python: str = sys.executable, timeout: float = IMPORT_TIMEOUT) -> bool:
        """Block until a warm child for ``python`` has TensorFlow imported."""
        with self._lock:
            child = self._warm.get(python)
        return child is not None and child.imported.wait(timeout)

    def close(self) -> None:
        with self._lock:
            children, self._warm = list(self._warm.values()), {}
        for child in children:
            child.kill()

    def run(
        self,
        request: DiagnosisRequest,
        on_phase: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> AttemptResult:
        started = time.monotonic()
        report_phase = on_phase or (lambda _phase: None)
        with self._lock:
            child = self._warm.pop(request.python, None)
        result = AttemptResult()
        if child is None or not child.alive():
            report_phase("starting Python")
            try:
                child = ChildProcess(request.python)
            except OSError as exc:  # no such file, not executable...
                result.error = _error(
                    "InterpreterError", f"{request.python}: cannot start this Python ({exc.strerror or exc})"
                )
                result.seconds = time.monotonic() - started
                return result
        workdir = tempfile.mkdtemp(prefix="ckpt-gui-attempt-")
        folder = os.path.dirname(request.checkpoint)
        before = _snapshot(folder)
        try:
            self._wait_ready(child, result, report_phase, cancelled)
            if result.error is None:
                child.send({"checkpoint": request.checkpoint, "script": request.script, "workdir": workdir})
                self._wait_result(child, request.timeout, result, report_phase, cancelled)
        finally:
            child.kill()
            result.log = "\n".join(child.log)
            shutil.rmtree(workdir, ignore_errors=True)
            result.folder_changed = _changes(before, _snapshot(folder))
            result.seconds = time.monotonic() - started
            if self.keep_warm:
                self.warm_up(request.python)  # for the next attempt; clean, TensorFlow imported
        return result

    def _wait_ready(self, child: ChildProcess, result: AttemptResult, on_phase, cancelled) -> None:
        deadline = child.started + IMPORT_TIMEOUT
        attempt_started = time.monotonic()
        while child.ready is None:
            event = child.next_event(min(0.1, deadline - time.monotonic()))
            _check_cancel(cancelled)
            if event is False:
                if time.monotonic() >= deadline:
                    result.error = _error("Timeout", f"timeout: {child.python} did not import TensorFlow "
                                          f"within {IMPORT_TIMEOUT:.0f} s")  # fmt: skip
                    return
                continue
            if event is None:
                result.error = _exit_error(child, "while importing TensorFlow")
                return
            if event.get("event") == "phase":
                if event["received"] >= attempt_started:  # a warm child did this before the attempt
                    on_phase(event["phase"])
            elif event.get("event") == "ready":
                child.ready = event
                result.tensorflow_version = event.get("tensorflow", "")
            elif event.get("event") == "error":
                result.error = event["error"]
                return

    def _wait_result(self, child: ChildProcess, timeout: float, result: AttemptResult, on_phase, cancelled) -> None:
        deadline = time.monotonic() + timeout
        while True:
            event = child.next_event(min(0.1, deadline - time.monotonic()))
            _check_cancel(cancelled)
            if event is False:
                if time.monotonic() >= deadline:
                    last = result.phases[-1] if result.phases else "running the script"
                    result.error = _error(
                        "Timeout",
                        f"timeout: the attempt did not finish within {timeout:g} s (it was {last}); "
                        "the script was stopped",
                    )
                    return
                continue
            if event is None:
                result.error = _exit_error(child, "during the attempt")
                return
            kind = event.get("event")
            if kind == "phase":
                result.phases.append(event["phase"])
                on_phase(event["phase"])
            elif kind == "report":
                result.facts = event["report"]
                return
            elif kind == "error":
                result.error = event["error"]
                return


def _check_cancel(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise AttemptCancelled()


def _error(kind: str, message: str, trace: str = "") -> dict:
    return {"type": kind, "message": message, "traceback": trace}


def _exit_error(child: ChildProcess, when: str) -> dict:
    """The child ended without a report: a crash, an abort, a kill or os._exit()."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.process.wait(timeout=5)
    code = child.process.returncode
    tail = "\n".join(list(child.log)[-40:])
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else f"signal {-code}"
        reason = {
            "SIGSEGV": "crashed (segmentation fault)",
            "SIGKILL": "was killed (out of memory?)",
            "SIGABRT": "aborted",
            "SIGBUS": "crashed (bus error)",
        }.get(name, f"was ended by {name}")
        return _error("Crash", f"the Python process {reason} {when}", tail)
    return _error("Exit", f"the Python process exited with code {code} {when} without a report", tail)


def _snapshot(folder: str) -> dict[str, tuple[int, int]]:
    """Names, sizes and modification times of a folder's files."""
    found = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                stat = entry.stat()
                found[entry.name] = (stat.st_size, stat.st_mtime_ns)
    return found


def _changes(before: dict, after: dict) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
