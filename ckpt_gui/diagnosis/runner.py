"""Driving restore attempts in child processes (this side never imports TensorFlow).

Importing TensorFlow takes seconds, so after every attempt a fresh child is started
and left waiting with TensorFlow already imported: the next attempt starts at once,
and still in a clean process. Whatever the user's script does (raise, hang, call
sys.exit, crash the interpreter, exhaust memory) ends in a clear error here.

The child itself is child_process.py's; the attempt's limits, attempt_watch.py's; the
errors said when it ends without a report, attempt_errors.py's.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ckpt_gui.diagnosis.attempt_errors import TIME_LIMIT_HOW, ending_error, error_fact, import_error
from ckpt_gui.diagnosis.attempt_watch import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIMEOUT,
    IMPORT_TIMEOUT,
    IMPORTING_TENSORFLOW,
    STARTING_PYTHON,
    AttemptWatch,
)
from ckpt_gui.diagnosis.child_process import ChildProcess
from ckpt_gui.diagnosis.sandbox import FolderProtection

_FRAME = re.compile(r'File "(.+)", line (\d+) in (.+)')


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
    output: list[str] | None = None  # the last lines the script printed (stdout and stderr) during the attempt
    # Of ``seconds``, those before the script started (Python started, TensorFlow imported):
    # the time limit counts from the script's start.
    import_seconds: float = 0.0


class Diagnoser:
    """Runs attempts, one at a time, keeping a warm child per interpreter."""

    def __init__(self, keep_warm: bool = True) -> None:
        self.keep_warm = keep_warm
        self._warm: dict[tuple[str, bool], ChildProcess] = {}  # by interpreter and allow_gpu
        self._lock = threading.Lock()

    def warm_up(self, python: str = sys.executable, allow_gpu: bool = False) -> ChildProcess | None:
        """Start a child for ``python`` now, so a first attempt does not wait for it; the
        child started, or None when one was warm already (or it cannot start)."""
        key = (python, allow_gpu)
        with self._lock:
            if key not in self._warm or not self._warm[key].alive():
                with contextlib.suppress(OSError):  # the next attempt with it reports why it cannot start
                    self._warm[key] = ChildProcess(python, allow_gpu)
                    return self._warm[key]
        return None

    def cool_down(self, child: ChildProcess) -> None:
        """End ``child``, warmed up for an attempt that will not come (the script chooser
        was cancelled): ~550 MB of TensorFlow otherwise waits for nothing. Left alone if an
        attempt took it meanwhile (it is no longer the warm one)."""
        with self._lock:
            key = next((key for key, warm in self._warm.items() if warm is child), None)
            if key is None:
                return
            del self._warm[key]
        child.kill(wait=False)

    def wait_until_warm(
        self, python: str = sys.executable, timeout: float = IMPORT_TIMEOUT, allow_gpu: bool = False
    ) -> bool:
        """Block until a warm child for ``python`` has TensorFlow imported."""
        with self._lock:
            child = self._warm.get((python, allow_gpu))
        return child is not None and child.imported.wait(timeout)

    def close(self, wait: bool = True) -> None:
        """End the warm children (``wait``: see ChildProcess.kill)."""
        with self._lock:
            children, self._warm = list(self._warm.values()), {}
        for child in children:
            child.kill(wait)

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
            report_phase(STARTING_PYTHON)
            try:
                child = ChildProcess(request.python, request.allow_gpu)
            except OSError as exc:  # no such file, not executable...
                result.error = error_fact(
                    "InterpreterError", f"{request.python}: cannot start this Python ({exc.strerror or exc})"
                )
                result.seconds = time.monotonic() - started
                return result
        elif not child.imported.is_set():
            report_phase(IMPORTING_TENSORFLOW)  # a warm child still at it: it said so before this attempt
        result.gpus_hidden = not request.allow_gpu
        folder = os.path.dirname(request.checkpoint)
        before = _snapshot(folder)
        workdir = child.working_folder()  # removed by child.kill(), below or when the app quits meanwhile
        mark: int | None = None
        try:
            self._wait_ready(child, request, result, report_phase, cancelled)
            if result.error is None:
                result.protection = child.protect(request.checkpoint)
                message = {"checkpoint": request.checkpoint, "script": request.script, "workdir": workdir}
                mark = child.log.count  # the script's output from here on: TensorFlow's import printed before
                result.import_seconds = time.monotonic() - started  # the time limit starts now (_wait_result)
                child.send({**message, "repair": request.repair} if request.repair is not None else message)
                self._wait_result(child, request, result, report_phase, cancelled, mark)
        finally:
            child.kill()
            if mark is not None and result.output is None:
                result.output = child.log.last_lines_since(mark, child.noise)
            result.log = child.log.text()
            result.folder_changed = _changes(before, _snapshot(folder))
            result.seconds = time.monotonic() - started
            if self.keep_warm:
                self.warm_up(request.python, request.allow_gpu)  # for the next attempt; clean, TensorFlow imported
        return result

    def _wait_ready(self, child: ChildProcess, request: DiagnosisRequest, result: AttemptResult, on_phase,
                    cancelled) -> None:  # fmt: skip
        attempt_started = time.monotonic()
        watch = AttemptWatch(child, child.started + IMPORT_TIMEOUT, request.memory_limit, cancelled)
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
                result.error = error_fact(
                    "Timeout", f"timeout: {child.python} did not import TensorFlow within {IMPORT_TIMEOUT:.0f} s"
                )
            elif kind == "error":
                result.error = import_error(child.python, event["error"])
            else:
                result.error = ending_error(child, event, "while importing TensorFlow")
            if result.error is not None:
                return

    def _wait_result(self, child: ChildProcess, request: DiagnosisRequest, result: AttemptResult, on_phase,
                     cancelled, mark: int) -> None:  # fmt: skip
        watch = AttemptWatch(child, time.monotonic() + request.timeout, request.memory_limit, cancelled)
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
                result.output = child.log.last_lines_since(mark, child.noise)  # before the stack dump joins it
                stack = child.python_stack()  # before the kill: where the script was
                at = script_line(stack, request.script)
                # The error's kind heads it ("Timeout: ..."): the message does not say it again.
                result.error = error_fact(
                    "Timeout",
                    f"the attempt did not finish within {request.timeout:g} s (it was {last}"
                    f"{f', at {at}' if at else ''}); the script was stopped. {TIME_LIMIT_HOW}",
                    stack,
                )
            else:
                result.error = ending_error(child, event, "during the attempt")


def script_line(stack: str, script: str) -> str:
    """The innermost line of ``script`` in a faulthandler dump (most recent call first):
    "hangs.py line 7 in build", or ""."""
    for match in _FRAME.finditer(stack):
        path, line, function = match.groups()
        if os.path.realpath(path) == os.path.realpath(script):
            return f"{os.path.basename(path)} line {line} in {function}"
    return ""


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
