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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.diagnosis.child_output import LOG_KEEP_BYTES, POLL_S, CappedLog, LineSplitter, pump_lines
from ckpt_gui.diagnosis.process_family import ATTEMPT_ENV, ProcessFamily, become_subreaper
from ckpt_gui.diagnosis.protocol_check import protocol_message
from ckpt_gui.diagnosis.sandbox import FolderProtection, Sandbox, unprotected

CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child", "main.py")
DEFAULT_TIMEOUT = 120.0  # seconds for the script, the matching and the restore
IMPORT_TIMEOUT = 300.0  # seconds for a child to import TensorFlow
_GB = 1 << 30


def default_memory_limit() -> float:
    """Half the machine's memory, in GB (0: unknown, no limit)."""
    try:
        return round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / _GB / 2, 1)
    except (AttributeError, OSError, ValueError):
        return 0.0


DEFAULT_MEMORY_LIMIT = default_memory_limit()  # GB for the attempt's processes together


class AttemptCancelled(Cancelled):
    """The user cancelled the attempt; the child was killed."""


@dataclass(frozen=True, slots=True)
class DiagnosisRequest:
    checkpoint: str  # the checkpoint prefix
    script: str  # the model-definition script
    timeout: float = DEFAULT_TIMEOUT
    python: str = sys.executable
    memory_limit: float = DEFAULT_MEMORY_LIMIT  # GB of resident memory, all its processes together; 0: none
    allow_gpu: bool = False  # hidden by default (CUDA_VISIBLE_DEVICES=-1): restoring needs none
    # A repair instead of a diagnosis: {"entries": the plan's, "output": folder} (child/repair_write.py).
    repair: dict | None = None


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
    gpus_hidden: bool | None = None  # None: the attempt did not start
    protection: FolderProtection | None = None  # how the checkpoint's folders were kept from the script


# TensorFlow's informational C++ log lines at import ("oneDNN custom operations are
# on"): they would crowd out what a crashing script printed.
_STARTUP_NOISE = re.compile(r"^(I\d{4} |WARNING: All log messages before absl::InitializeLog)")
CHANNEL_ENV = "CKPT_GUI_DOCTOR_CHANNEL"  # the number of the child's protocol fd (child/protocol.py)
KILL_GRACE_S = 5.0  # to end every process of an attempt (a script may keep forking)
_EXIT_GRACE_S = 1.0  # for the last messages of a child that exited to arrive


class ChildProcess:
    """One Python child running child/main.py.

    It reports on a pipe of its own (its number in CHANNEL_ENV), which the user's
    script cannot reach by printing: the script's stdout and stderr both go to the
    attempt's log. Every message is checked (protocol_message) before the attempt
    reads it; a malformed one arrives as a ``malformed`` event. The pipes are read
    by threads that poll, so a grandchild that keeps a pipe open never blocks anyone.
    On Linux it starts through the read-only launcher (sandbox.py), so that
    ``protect()`` can make the checkpoint's folders read-only for it before the attempt.
    """

    def __init__(self, python: str, allow_gpu: bool = False) -> None:
        self.python = python
        self.allow_gpu = allow_gpu
        self.events: queue.Queue = queue.Queue()
        self.log = CappedLog()
        self.ready: dict | None = None
        self.imported = threading.Event()  # set by the reader when TensorFlow is imported
        self.started = time.monotonic()
        self._stop = threading.Event()
        self.log_ended = threading.Event()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("QT_QPA_PLATFORM", None)
        if not allow_gpu:
            # TensorFlow would map nearly all GPU memory and initialise CUDA for seconds,
            # next to a training job perhaps; a restore needs no GPU.
            env["CUDA_VISIBLE_DEVICES"] = "-1"
        channel_r, channel_w = os.pipe()
        log_r, log_w = os.pipe()
        env[CHANNEL_ENV] = str(channel_w)
        env[ATTEMPT_ENV] = uuid.uuid4().hex
        become_subreaper()  # the script's orphaned processes become ours, so they are found and ended
        try:
            self.process, self.sandbox = _start(python, env, channel_w, log_w)
        except BaseException:
            os.close(channel_r)
            os.close(log_r)
            raise
        finally:
            os.close(channel_w)
            os.close(log_w)
        threading.Thread(
            target=pump_lines, args=(channel_r, LineSplitter(self._on_message), self._stop), daemon=True
        ).start()
        log_lines = LineSplitter(self._on_log, LOG_KEEP_BYTES)
        threading.Thread(target=pump_lines, args=(log_r, log_lines, self._stop), daemon=True).start()
        self.family = ProcessFamily(self.process.pid, env[ATTEMPT_ENV])

    def _on_message(self, line: bytes | None) -> None:
        if line is None:
            self.events.put(None)  # end of stream: the child exited
            return
        try:
            event = protocol_message(json.loads(line.decode("utf-8")))
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            event = {"event": "malformed", "reason": str(exc)}
        event["received"] = time.monotonic()
        if event["event"] == "ready":
            self.imported.set()
        self.events.put(event)

    def _on_log(self, line: bytes | None) -> None:
        if line is None:
            self.log_ended.set()
        elif not _STARTUP_NOISE.match(line.decode("utf-8", "replace")):
            self.log.append(line)

    def next_event(self, timeout: float) -> dict | None | bool:
        """The next protocol message, None at the end of the stream, False on timeout."""
        try:
            return self.events.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return False

    def send(self, request: dict) -> None:
        with contextlib.suppress(OSError):  # the child is gone: its end of stream says so
            self.process.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.process.stdin.flush()

    def protect(self, prefix: str) -> FolderProtection:
        """Make the checkpoint's folders read-only for this child, where the OS allows it."""
        return self.sandbox.protect(prefix) if self.sandbox is not None else unprotected(prefix)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End the child and every process it started, wherever they went (setsid, orphaned)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.family.end_all(KILL_GRACE_S)
        if self.sandbox is not None:
            self.sandbox.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        self._stop.set()  # the readers close their pipes themselves


def _start(python: str, env: dict, channel_w: int, log_w: int) -> tuple[subprocess.Popen, Sandbox | None]:
    """The child, through the read-only launcher where it works (sandbox.py), else as is."""
    program = [python, CHILD_SCRIPT]
    sandbox = Sandbox.for_program(program)
    try:
        process = subprocess.Popen(
            sandbox.command if sandbox else program,
            stdin=subprocess.PIPE,
            stdout=log_w,
            stderr=log_w,
            env=env,
            pass_fds=(channel_w, *(sandbox.pass_fds if sandbox else ())),
            # A session of its own, so a timeout also ends whatever the script started.
            start_new_session=True,
        )
    except BaseException:
        if sandbox is not None:
            sandbox.launched()
            sandbox.close()
        raise
    if sandbox is not None:
        sandbox.launched()
    return process, sandbox


class Diagnoser:
    """Runs attempts, one at a time, keeping a warm child per interpreter."""

    def __init__(self, keep_warm: bool = True) -> None:
        self.keep_warm = keep_warm
        self._warm: dict[tuple[str, bool], ChildProcess] = {}  # by interpreter and allow_gpu
        self._lock = threading.Lock()

    def warm_up(self, python: str = sys.executable, allow_gpu: bool = False) -> None:
        """Start a child for ``python`` now, so a first attempt does not wait for it."""
        key = (python, allow_gpu)
        with self._lock:
            if key not in self._warm or not self._warm[key].alive():
                with contextlib.suppress(OSError):  # the next attempt with it reports why it cannot start
                    self._warm[key] = ChildProcess(python, allow_gpu)

    def wait_until_warm(
        self, python: str = sys.executable, timeout: float = IMPORT_TIMEOUT, allow_gpu: bool = False
    ) -> bool:
        """Block until a warm child for ``python`` has TensorFlow imported."""
        with self._lock:
            child = self._warm.get((python, allow_gpu))
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
            child = self._warm.pop((request.python, request.allow_gpu), None)
        result = AttemptResult()
        if child is None or not child.alive():
            report_phase("starting Python")
            try:
                child = ChildProcess(request.python, request.allow_gpu)
            except OSError as exc:  # no such file, not executable...
                result.error = _error(
                    "InterpreterError", f"{request.python}: cannot start this Python ({exc.strerror or exc})"
                )
                result.seconds = time.monotonic() - started
                return result
        result.gpus_hidden = not request.allow_gpu
        workdir = tempfile.mkdtemp(prefix="ckpt-gui-attempt-")
        folder = os.path.dirname(request.checkpoint)
        before = _snapshot(folder)
        try:
            self._wait_ready(child, request, result, report_phase, cancelled)
            if result.error is None:
                result.protection = child.protect(request.checkpoint)
                message = {"checkpoint": request.checkpoint, "script": request.script, "workdir": workdir}
                child.send({**message, "repair": request.repair} if request.repair is not None else message)
                self._wait_result(child, request, result, report_phase, cancelled)
        finally:
            child.kill()
            result.log = child.log.text()
            shutil.rmtree(workdir, ignore_errors=True)
            result.folder_changed = _changes(before, _snapshot(folder))
            result.seconds = time.monotonic() - started
            if self.keep_warm:
                self.warm_up(request.python, request.allow_gpu)  # for the next attempt; clean, TensorFlow imported
        return result

    def _wait_ready(self, child: ChildProcess, request: DiagnosisRequest, result: AttemptResult, on_phase,
                    cancelled) -> None:  # fmt: skip
        attempt_started = time.monotonic()
        watch = _Watch(child, child.started + IMPORT_TIMEOUT, request.memory_limit, cancelled)
        while child.ready is None:
            event = watch.next_event()
            kind = event["event"]
            if kind == "phase":
                if event["received"] >= attempt_started:  # a warm child did this before the attempt
                    on_phase(event["phase"])
            elif kind == "ready":
                child.ready = event
                result.tensorflow_version = event["tensorflow"]
            elif kind == "timeout":
                result.error = _error("Timeout", f"timeout: {child.python} did not import TensorFlow "
                                      f"within {IMPORT_TIMEOUT:.0f} s")  # fmt: skip
            elif kind == "error":
                result.error = _import_error(child.python, event["error"])
            else:
                result.error = _ending_error(child, event, "while importing TensorFlow")
            if result.error is not None:
                return

    def _wait_result(self, child: ChildProcess, request: DiagnosisRequest, result: AttemptResult, on_phase,
                     cancelled) -> None:  # fmt: skip
        watch = _Watch(child, time.monotonic() + request.timeout, request.memory_limit, cancelled)
        while result.facts is None and result.error is None:
            event = watch.next_event()
            kind = event["event"]
            if kind == "phase":
                result.phases.append(event["phase"])
                on_phase(event["phase"])
            elif kind == "report":
                result.facts = event["report"]
            elif kind == "timeout":
                last = result.phases[-1] if result.phases else "running the script"
                result.error = _error(
                    "Timeout",
                    f"timeout: the attempt did not finish within {request.timeout:g} s (it was {last}); "
                    "the script was stopped",
                )
            else:
                result.error = _ending_error(child, event, "during the attempt")


class _Watch:
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
        if used <= self.memory_limit * _GB:
            return None
        return {"event": "memory", "used": used, "limit_gb": self.memory_limit}


def _check_cancel(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise AttemptCancelled()


def _error(kind: str, message: str, trace: str = "") -> dict:
    return {"type": kind, "message": message, "traceback": trace}


def _import_error(python: str, error: dict) -> dict:
    """The child could not import TensorFlow: what is missing, in one line, and the two ways out."""
    fixes = (
        f"install TensorFlow into it ({python} -m pip install tensorflow), or choose the Python of the "
        "environment the model trains in (Restore > Python interpreter in the app, --python on the command line)"
    )
    module = error.get("module")
    if error["type"] == "ModuleNotFoundError" and module in ("tensorflow", "numpy"):
        missing = "TensorFlow" if module == "tensorflow" else "numpy (TensorFlow needs it)"
        return {**_error("MissingTensorFlow", f"{python} has no {missing}: {fixes}"), "phase": error["phase"]}
    first_line = (error["message"].strip().splitlines() or [""])[0][:300]
    return {
        **_error(
            "TensorFlowImportError",
            f"TensorFlow does not import in {python} ({error['type']}: {first_line}): {fixes}",
            error["traceback"],
        ),
        "phase": error["phase"],
    }


def _ending_error(child: ChildProcess, event: dict, when: str) -> dict:
    """Why the attempt ends: the child's error, its exit, too much memory, a bad message."""
    kind = event["event"]
    if kind == "error":
        return event["error"]
    if kind == "ended":
        return _exit_error(child, when)
    if kind == "memory":
        return _error(
            "MemoryLimit",
            f"the script used more than {event['limit_gb']:g} GB of memory ({event['used'] / _GB:.1f} GB in "
            f"its processes) {when}; the attempt was stopped. Raise the limit with --memory-limit GB "
            "(in the app: Restore > Memory limit), or 0 for none",
        )
    reason = event.get("reason") or f"{kind!r} out of turn"
    return _error(
        "ProtocolError",
        f"the restore attempt's child process sent a malformed message ({reason[:200]}); the attempt was stopped",
    )


def _exit_error(child: ChildProcess, when: str) -> dict:
    """The child ended without a report: a crash, an abort, a kill or os._exit()."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.process.wait(timeout=5)
    code = child.process.returncode
    child.log_ended.wait(1.0)  # what it printed last (unless a process it started holds the log open)
    tail = "\n".join(child.log.lines()[-40:])
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
