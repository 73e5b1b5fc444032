"""Driving restore attempts in child processes (this side never imports TensorFlow).

Importing TensorFlow takes seconds, so after every attempt a fresh child is started
and left waiting with TensorFlow already imported: the next attempt starts at once,
and still in a clean process. Whatever the user's script does (raise, hang, call
sys.exit, crash the interpreter, exhaust memory) ends in a clear error here.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.statuses import RestoreStatus

CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child", "main.py")
DEFAULT_TIMEOUT = 120.0  # seconds for the script, the matching and the restore
IMPORT_TIMEOUT = 300.0  # seconds for a child to import TensorFlow
LOG_KEEP_BYTES = 64 << 10  # of the script's output: this much of its start, and of its end
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


# TensorFlow's informational C++ log lines at import ("oneDNN custom operations are
# on"): they would crowd out what a crashing script printed.
_STARTUP_NOISE = re.compile(r"^(I\d{4} |WARNING: All log messages before absl::InitializeLog)")
CHANNEL_ENV = "CKPT_GUI_DOCTOR_CHANNEL"  # the number of the child's protocol fd (child/protocol.py)
ATTEMPT_ENV = "CKPT_GUI_DOCTOR_ATTEMPT"  # marks the child's processes, found again when orphaned
KILL_GRACE_S = 5.0  # to end every process of an attempt (a script may keep forking)
_PR_SET_CHILD_SUBREAPER = 36
MAX_MESSAGE_BYTES = 256 << 20  # one protocol line; a report of 100 000 variables is ~30 MB
_POLL_S = 0.1
_EXIT_GRACE_S = 1.0  # for the last messages of a child that exited to arrive


class ChildProcess:
    """One Python child running child/main.py.

    It reports on a pipe of its own (its number in CHANNEL_ENV), which the user's
    script cannot reach by printing: the script's stdout and stderr both go to the
    attempt's log. Every message is checked (protocol_message) before the attempt
    reads it; a malformed one arrives as a ``malformed`` event. The pipes are read
    by threads that poll, so a grandchild that keeps a pipe open never blocks anyone.
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
        _become_subreaper()  # the script's orphaned processes become ours, so they are found and ended
        try:
            self.process = subprocess.Popen(
                [python, CHILD_SCRIPT],
                stdin=subprocess.PIPE,
                stdout=log_w,
                stderr=log_w,
                env=env,
                pass_fds=(channel_w,),
                # A session of its own, so a timeout also ends whatever the script started.
                start_new_session=True,
            )
        except BaseException:
            os.close(channel_r)
            os.close(log_r)
            raise
        finally:
            os.close(channel_w)
            os.close(log_w)
        threading.Thread(target=_pump, args=(channel_r, _Lines(self._on_message), self._stop), daemon=True).start()
        log_lines = _Lines(self._on_log, LOG_KEEP_BYTES)
        threading.Thread(target=_pump, args=(log_r, log_lines, self._stop), daemon=True).start()
        self.family = _Family(self.process.pid, env[ATTEMPT_ENV])

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

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """End the child and every process it started, wherever they went (setsid, orphaned)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.family.end_all(KILL_GRACE_S)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        self._stop.set()  # the readers close their pipes themselves


class CappedLog:
    """The script's output, within bounds: its first and its last LOG_KEEP_BYTES, and
    how much was cut between them (a script may print gigabytes)."""

    def __init__(self, keep: int = LOG_KEEP_BYTES) -> None:
        self.keep = keep
        self.head: list[bytes] = []
        self.tail: deque[bytes] = deque()
        self.sizes = [0, 0]  # bytes in head, in tail
        self.cut = [0, 0]  # bytes, lines
        self._lock = threading.Lock()

    def append(self, line: bytes) -> None:
        with self._lock:
            room = self.keep - self.sizes[0]
            if not self.tail and room > 0:
                self.head.append(line[:room])
                self.sizes[0] += len(self.head[-1])
                line = line[room:]
            if line:
                self.tail.append(line)
                self.sizes[1] += len(line)
                self._trim()

    def _trim(self) -> None:
        while self.sizes[1] > self.keep:
            excess = self.sizes[1] - self.keep
            first = self.tail[0]
            dropped = first if len(first) <= excess else first[:excess]
            if dropped is first:
                self.tail.popleft()
            else:
                self.tail[0] = first[excess:]
            self.sizes[1] -= len(dropped)
            self.cut[0] += len(dropped)
            self.cut[1] += dropped.count(b"\n")

    def lines(self) -> list[str]:
        with self._lock:
            head, tail, (cut_bytes, cut_lines) = list(self.head), list(self.tail), self.cut
        middle = [f"[... {cut_bytes} bytes ({cut_lines} line ends) of output cut ...]"] if cut_bytes else []
        return [_text(line) for line in head] + middle + [_text(line) for line in tail]

    def text(self) -> str:
        return "\n".join(self.lines())


def _text(line: bytes) -> str:
    return line.decode("utf-8", "replace").rstrip("\n")


class _Lines:
    """Bytes from a pipe, handed on one line at a time (None at the end)."""

    def __init__(self, on_line: Callable[[bytes | None], None], limit: int = MAX_MESSAGE_BYTES) -> None:
        self.on_line = on_line
        self.limit = limit
        self.pending = bytearray()

    def feed(self, data: bytes | None) -> None:
        if data is None:
            if self.pending:
                self.on_line(bytes(self.pending))
            self.pending.clear()
            self.on_line(None)
            return
        self.pending += data
        while (end := self.pending.find(b"\n")) >= 0:
            self.on_line(bytes(self.pending[: end + 1]))
            del self.pending[: end + 1]
        if len(self.pending) > self.limit:  # one endless line: hand it on in pieces
            self.on_line(bytes(self.pending))
            self.pending.clear()


def _pump(fd: int, lines: _Lines, stop: threading.Event) -> None:
    """Read ``fd`` until its end or ``stop``; never block longer than _POLL_S."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    try:
        while not stop.is_set():
            if not poller.poll(_POLL_S * 1000):
                continue
            data = os.read(fd, 1 << 16)
            if not data:
                break
            lines.feed(data)
    except OSError:
        pass
    finally:
        os.close(fd)
        lines.feed(None)


# -- the child's processes ------------------------------------------------------------------------


class _Family:
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
        self.table: dict[int, tuple[int, int, bytes]] = {}

    def update(self) -> dict[int, int]:
        """The members now: the child, and whatever has a member as its parent."""
        table = self.table = _process_table()
        members = {pid: start for pid, start in self.members.items() if table.get(pid, (0, -1))[1] == start}
        if self.root in table:
            members[self.root] = table[self.root][1]
        me = os.getpid()
        for pid, (ppid, start, _state) in table.items():
            if ppid == me and pid not in members and self._marked(pid):  # orphaned before it was seen
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

    def _reap(self, members: dict[int, int]) -> None:
        me = os.getpid()
        for pid in members:
            if pid != self.root and self.table[pid][0] == me:  # the root is its Popen's to wait for
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, os.WNOHANG)


_subreaper: bool | None = None


def _become_subreaper() -> bool:
    """Make this process the reaper of its descendants' orphans (Linux 3.4+), once."""
    global _subreaper
    if _subreaper is None:
        _subreaper = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                _subreaper = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return _subreaper


def _process_table() -> dict[int, tuple[int, int, bytes]]:
    """Every process: its parent, start time and state (empty without /proc)."""
    table = {}
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                table[int(name)] = (int(fields[1]), int(fields[19]), fields[0])
            except (OSError, IndexError, ValueError):  # it ended meanwhile
                continue
    return table


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


# -- the protocol's messages, checked -----------------------------------------------------------


class MalformedMessage(ValueError):
    """A protocol message that is not what child/protocol.py sends."""


_OPTIONAL_TEXT = ("checkpoint_key", "model_path", "checkpoint_dtype", "model_dtype", "checkpoint_path",
                  "deferred_owner")  # fmt: skip
_STATUSES = frozenset(status.value for status in RestoreStatus)


def protocol_message(message: object) -> dict:
    """``message`` if it is a well-formed protocol message, else MalformedMessage: every
    field the parent reads has the type it expects (see child/protocol.py)."""
    _expect(isinstance(message, dict), "a message is not a JSON object")
    kind = message.get("event")
    if kind == "phase":
        _expect(isinstance(message.get("phase"), str), "a phase without a name")
    elif kind == "ready":
        _expect(isinstance(message.get("tensorflow"), str), "'ready' without a TensorFlow version")
    elif kind == "error":
        _check_error(message.get("error"))
    elif kind == "report":
        _check_facts(message.get("report"))
    else:
        raise MalformedMessage(f"unknown event {str(kind)[:80]!r}")
    return message


def _check_error(error: object) -> None:
    _expect(isinstance(error, dict), "'error' is not an object")
    for key in ("type", "message", "traceback"):
        _expect(isinstance(error.get(key), str), f"the error's {key!r} is not text")
    _expect(isinstance(error.get("phase", ""), str), "the error's 'phase' is not text")


def _check_facts(facts: object) -> None:
    _expect(isinstance(facts, dict), "'report' is not an object")
    variables = facts.get("variables")
    _expect(isinstance(variables, list), "the report's 'variables' is not a list")
    for variable in variables:
        _check_variable(variable)
    notes = facts.get("notes", [])
    _expect(isinstance(notes, list) and all(isinstance(n, str) for n in notes), "the report's notes are not text")
    _expect(facts.get("mode") in (None, "object", "name"), "the report's 'mode' is neither 'object' nor 'name'")
    verdict = facts.get("tensorflow", {"verdict": ""})
    _expect(
        isinstance(verdict, dict)
        and set(verdict) <= {"verdict", "message"}
        and all(isinstance(value, str) for value in verdict.values()),
        "the report's TensorFlow verdict is not {verdict, message} text",
    )


def _check_variable(variable: object) -> None:
    _expect(isinstance(variable, dict), "a variable is not an object")
    _expect(variable.get("status") in _STATUSES, f"a variable's status {str(variable.get('status'))[:40]!r}")
    for key in _OPTIONAL_TEXT:
        _expect(isinstance(variable.get(key), (str, type(None))), f"a variable's {key!r} is not text")
    for key in ("checkpoint_shape", "model_shape"):
        shape = variable.get(key)
        _expect(
            shape is None or (isinstance(shape, list) and all(_is_dimension(d) for d in shape)),
            f"a variable's {key!r} is not a list of sizes",
        )
    for key in ("optimizer", "untracked"):
        _expect(isinstance(variable.get(key, False), bool), f"a variable's {key!r} is not true or false")
    _expect(isinstance(variable.get("restored"), (bool, type(None))), "a variable's 'restored' is not true or false")


def _is_dimension(size: object) -> bool:
    return size is None or (isinstance(size, int) and not isinstance(size, bool))


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise MalformedMessage(what)


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
                child.send({"checkpoint": request.checkpoint, "script": request.script, "workdir": workdir})
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
            event = self.child.next_event(min(_POLL_S, self.deadline - time.monotonic()))
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
        self.next_check = now + _POLL_S
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
