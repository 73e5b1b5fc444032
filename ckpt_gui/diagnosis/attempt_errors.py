"""Why an attempt ended without a report, as the error fact the report shows
(``{"type", "message", "traceback"}``): TensorFlow missing from the interpreter, the
child's crash or exit, too much memory, a malformed message."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess

from ckpt_gui.diagnosis.attempt_watch import GB
from ckpt_gui.diagnosis.child_process import ChildProcess

_SIGNAL_REASONS = {
    "SIGSEGV": "crashed (segmentation fault)",
    "SIGKILL": "was killed (out of memory?)",
    "SIGABRT": "aborted",
    "SIGBUS": "crashed (bus error)",
}


# How to give the script more room: the command line's flag first (the report's JSON and
# the CLI say this), the app's own words in its place on screen (``in_app_words``).
TIME_LIMIT_HOW = "Raise the limit with --timeout SECONDS (in the app: Restore > Time limit...)"
MEMORY_LIMIT_HOW = "Raise the limit with --memory-limit GB (in the app: Restore > Memory limit), or 0 for none"
GPUS_HIDDEN_HOW = "--allow-gpu, or Restore > Allow GPUs in the app, lets TensorFlow use them"
GPUS_ALLOWED_BY = "allowed by --allow-gpu or Restore > Allow GPUs"
_APP_WORDS = {
    TIME_LIMIT_HOW: "Raise the limit in Restore > Time limit...",
    MEMORY_LIMIT_HOW: "Raise the limit in Restore > Memory limit... (0 for none)",
    GPUS_HIDDEN_HOW: "Restore > Allow GPUs lets TensorFlow use them",
    GPUS_ALLOWED_BY: "allowed by Restore > Allow GPUs",
}


def in_app_words(message: str) -> str:
    """``message`` as the app shows it: the way out named by its menu, not by a flag
    the app user never typed ("Raise the limit with --timeout SECONDS (in the app: ...)"
    led with the CLI's flag, review 20, G12)."""
    for cli, app in _APP_WORDS.items():
        message = message.replace(cli, app)
    return message


def error_fact(kind: str, message: str, trace: str = "") -> dict:
    return {"type": kind, "message": message, "traceback": trace}


def import_error(python: str, error: dict) -> dict:
    """The child could not import TensorFlow: what is missing, in one line, and the two ways out."""
    fixes = (
        f"install TensorFlow into it ({python} -m pip install tensorflow), or choose the Python of the "
        "environment the model trains in (Restore > Python interpreter in the app, --python on the command line)"
    )
    module = error.get("module")
    if error["type"] == "ModuleNotFoundError" and module in ("tensorflow", "numpy"):
        missing = "TensorFlow" if module == "tensorflow" else "numpy (TensorFlow needs it)"
        return {**error_fact("MissingTensorFlow", f"{python} has no {missing}: {fixes}"), "phase": error["phase"]}
    first_line = (error["message"].strip().splitlines() or [""])[0][:300]
    return {
        **error_fact(
            "TensorFlowImportError",
            f"TensorFlow does not import in {python} ({error['type']}: {first_line}): {fixes}",
            error["traceback"],
        ),
        "phase": error["phase"],
    }


_NO_MODULE = re.compile(r"No module named '([^']+)'")
_IMPORT_KINDS = ("ModuleNotFoundError", "ImportError")


def script_import_hint(kind: str, message: str, python: str, script: str) -> str:
    """The script's own failed import (not TensorFlow's, see import_error) with what the
    user can do: name the interpreter it ran in and the two ways out. ``message`` as is
    for any other error."""
    if kind not in _IMPORT_KINDS:
        return message
    found = _NO_MODULE.search(message)
    what = f"'{found.group(1).partition('.')[0]}'" if found else "what the script imports"
    folder = os.path.dirname(os.path.abspath(script))
    return (
        f"{message} in {python}: pick the Python the model trains with (Restore > Python interpreter, "
        f"--python), or make {what} importable (PYTHONPATH, or beside the script in {folder})"
    )


_RUNNING_THE_SCRIPT = "running the script"  # the child's phase while it imports the script (child/contract.py)
# The child's phases in which an error is the model script's own, before any restore ran
# (child/contract.py, child/keras_target.py).
SCRIPT_PHASES = frozenset({_RUNNING_THE_SCRIPT, "calling build()", "looking for the model", "building the model"})


def script_failure(kind: str, trace: str, phase: str, script: str) -> str | None:
    """The status bar's words for an attempt whose model script raised before any restore
    ran ("The model script failed (line 28): AssertionError"); None otherwise: "Restore
    failed" there read as the checkpoint's verdict (review 12, 15)."""
    if phase not in SCRIPT_PHASES or kind in ("Timeout", "MemoryLimit"):
        return None
    lines = [int(line) for path, line in re.findall(r'File "([^"]+)", line (\d+)', trace)
             if os.path.abspath(path) == os.path.abspath(script)]  # fmt: skip
    return "The model script failed" + (f" (line {lines[-1]})" if lines else "") + f": {kind}"


def module_level_hint(kind: str, message: str, trace: str, phase: str | None, script: str) -> str | None:
    """The message of an error the script's module-level code raised while the child
    imported it (a save/restore/assert_consumed() example pasted as is), saying so first:
    without it, "AssertionError: Unresolved object in checkpoint" read like a verdict on
    the checkpoint. None for any other error (an import error has script_import_hint)."""
    if phase != _RUNNING_THE_SCRIPT or kind in (*_IMPORT_KINDS, "SystemExit"):
        return None
    line = _module_line(trace, script)
    if line is None:
        return None
    name = os.path.basename(script)
    return (
        f"the module-level code of {name} raised this (line {line}): the doctor imports the script to find "
        "build(), and everything outside functions runs then. Define build() returning the model or a "
        "tf.train.Checkpoint (the README's model-script contract) and put the script's own save/restore code "
        f'under `if __name__ == "__main__":`. {name} said: {message}'
    )


def _module_line(trace: str, script: str) -> int | None:
    """The line of the script's module-level code in ``trace`` (its last ``<module>`` frame)."""
    frames = re.findall(r'File "([^"]+)", line (\d+), in <module>', trace)
    lines = [int(line) for path, line in frames if os.path.abspath(path) == os.path.abspath(script)]
    return lines[-1] if lines else None


def ending_error(child: ChildProcess, event: dict, when: str) -> dict:
    """Why the attempt ends: the child's error, its exit, too much memory, a bad message."""
    kind = event["event"]
    if kind == "error":
        return event["error"]
    if kind == "ended":
        return exit_error(child, when)
    if kind == "memory":
        return error_fact(
            "MemoryLimit",
            f"the script used more than {event['limit_gb']:g} GB of memory ({event['used'] / GB:.1f} GB in "
            f"its processes) {when}; the attempt was stopped. {MEMORY_LIMIT_HOW}",
        )
    reason = event.get("reason") or f"{kind!r} out of turn"
    return error_fact(
        "ProtocolError",
        f"the restore attempt's child process sent a malformed message ({reason[:200]}); the attempt was stopped",
    )


def exit_error(child: ChildProcess, when: str) -> dict:
    """The child ended without a report: a crash, an abort, a kill or os._exit()."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.process.wait(timeout=5)
    code = child.process.returncode
    child.log_ended.wait(1.0)  # what it printed last (unless a process it started holds the log open)
    tail = "\n".join(child.log.lines()[-40:])
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else f"signal {-code}"
        reason = _SIGNAL_REASONS.get(name, f"was ended by {name}")
        return error_fact("Crash", f"the Python process {reason} {when}", tail)
    return error_fact("Exit", f"the Python process exited with code {code} {when} without a report", tail)
