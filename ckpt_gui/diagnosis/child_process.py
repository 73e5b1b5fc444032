"""One Python child running child/main.py: started (through the read-only launcher
where it works), its protocol messages and its log read, and ended with every process
it started. The attempt's rules (time, memory, cancel) are attempt_watch.py's."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import weakref

from ckpt_gui.diagnosis.child_output import GPUS_HIDDEN_NOISE, LOG_KEEP_BYTES, CappedLog, LineSplitter, pump_lines
from ckpt_gui.diagnosis.process_family import ATTEMPT_ENV, ProcessFamily, become_subreaper
from ckpt_gui.diagnosis.protocol_check import protocol_message
from ckpt_gui.diagnosis.sandbox import FolderProtection, Sandbox, unprotected

CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child", "main.py")
CHANNEL_ENV = "CKPT_GUI_DOCTOR_CHANNEL"  # the number of the child's protocol fd (child/protocol.py)
KILL_GRACE_S = 5.0  # to end every process of an attempt (a script may keep forking)
# TensorFlow's informational C++ log lines at import ("oneDNN custom operations are
# on"): they would crowd out what a crashing script printed.
_STARTUP_NOISE = re.compile(r"^(I\d{4} |WARNING: All log messages before absl::InitializeLog)")
STACK_SIGNAL = signal.SIGUSR1  # faulthandler's dump of the child's stack (child/main.py)
STACK_WAIT_S = 2.0
_DUMP_LINE = re.compile(r'^((Current thread|Thread) 0x[0-9a-f]+ .*:|  File ".*|  <no Python frame>|\s*)$')
_LIVE: weakref.WeakSet = weakref.WeakSet()  # every child not yet killed: kill_all's


def kill_all() -> None:
    """Kill every child and what it started (the app is quitting): a warm child, and
    one still in an attempt whose thread will not get to it. Not waited for: the
    signal is enough, and the exit of a process with TensorFlow loaded takes a while."""
    for child in list(_LIVE):
        child.end_at_quit()


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
        self.noise = () if allow_gpu else GPUS_HIDDEN_NOISE  # output lines the attempt's settings cause
        self.events: queue.Queue = queue.Queue()
        self.log = CappedLog()
        self.ready: dict | None = None
        self.imported = threading.Event()  # set by the reader when TensorFlow is imported
        self.started = time.monotonic()
        self._stop = threading.Event()
        self.log_ended = threading.Event()
        self.workdir: str | None = None  # an attempt's working folder (working_folder): removed by kill
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
        _LIVE.add(self)

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

    def python_stack(self) -> str:
        """The Python lines the child is running, as faulthandler dumps them on
        STACK_SIGNAL (child/main.py registers it): asked for at the time limit, before
        the kill. "" when no dump comes within STACK_WAIT_S."""
        if self.process.poll() is not None:
            return ""
        before = self.log.lines()
        with contextlib.suppress(OSError):
            os.kill(self.process.pid, STACK_SIGNAL)
        deadline, last, quiet = time.monotonic() + STACK_WAIT_S, before, 0
        while time.monotonic() < deadline and quiet < 3:  # the dump is written at once: done when quiet
            time.sleep(0.05)
            lines = self.log.lines()
            quiet = quiet + 1 if lines != before and lines == last else 0
            last = lines
        return "\n".join(user_frames(_last_dump(last))) if last != before else ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def working_folder(self) -> str:
        """A new working folder for the attempt this child makes (its current directory),
        removed when the child is killed: by the attempt's end, however it ends, or by
        kill_all when the app quits during it (its os._exit never let the attempt's own
        clean-up run: empty ckpt-gui-attempt-* folders were left in /tmp)."""
        self.workdir = tempfile.mkdtemp(prefix="ckpt-gui-attempt-")
        return self.workdir

    def kill(self, wait: bool = True) -> None:
        """End the child and every process it started, wherever they went (setsid, orphaned);
        without ``wait`` (the app is quitting), one round of SIGKILLs, their ends not awaited.
        Its working folder goes too, whatever the ending raised."""
        try:
            self._end(wait)
        finally:
            workdir, self.workdir = self.workdir, None
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)

    def end_at_quit(self) -> None:
        """The app is quitting: the child and every process it started killed at once
        (ProcessFamily.end_at_quit: no walk of the whole process table), none reaped or
        waited for; its working folder removed."""
        _LIVE.discard(self)
        try:
            self.family.end_at_quit()
        finally:
            self._stop.set()
            workdir, self.workdir = self.workdir, None
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)

    def _end(self, wait: bool) -> None:
        _LIVE.discard(self)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.family.end_all(KILL_GRACE_S if wait else 0.0)
        if self.sandbox is not None:
            self.sandbox.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10 if wait else 0)
            self.family.reap_ended()  # else each attempt left a <defunct> process until the app quit
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        self._stop.set()  # the readers close their pipes themselves


def _last_dump(lines: list[str]) -> list[str]:
    """The last faulthandler dump at the end of the log: its thread headers and frames."""
    start = len(lines)
    while start > 0 and _DUMP_LINE.match(lines[start - 1]):
        start -= 1
    dump = lines[start:]
    while dump and not dump[0].strip():
        dump.pop(0)
    return dump


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # ckpt_gui, the child's too
_DUMP_FRAME = re.compile(r'^  File "(.+)", line \d+ in ')


def user_frames(dump: list[str]) -> list[str]:
    """A faulthandler dump with the child's own frames left out (ckpt_gui's contract,
    attempt and main, runpy's frozen ones), as the script's other errors are shown
    (child/protocol.py user_traceback): the script's frames and what it calls. A thread
    left with no frame (the child's own, TensorFlow's native ones) is left out whole."""
    kept: list[str] = []
    header, frames = None, []

    def close() -> None:
        if frames:
            kept.extend(([header] if header is not None else []) + frames)

    for line in dump:
        frame = _DUMP_FRAME.match(line)
        if frame is None:
            if line.strip() and not line.strip().startswith("<"):  # a thread's header
                close()
                header, frames = line, []
            continue
        path = frame.group(1)
        if path.startswith("<frozen") or os.path.abspath(path).startswith(_PACKAGE + os.sep):
            continue
        frames.append(line)
    close()
    return kept or dump  # no frame of the script's: the whole dump says more than nothing


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
