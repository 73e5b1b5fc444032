"""The child's side of the protocol: one JSON object per line on a pipe of its own,
whose file descriptor number the parent passes in the environment variable
CKPT_GUI_DOCTOR_CHANNEL (the user script's stdout and stderr both go to the attempt's
log, so nothing it prints can pass for a message); one request line on stdin.

    child -> {"event": "phase", "phase": "importing TensorFlow"}
    child -> {"event": "ready", "tensorflow": "2.x", "python": "3.x"}
    parent -> {"checkpoint": PREFIX, "script": PATH, "workdir": DIR}
    child -> {"event": "phase", ...} ...
    child -> {"event": "report", "report": {...}}  or  {"event": "error", "error": {...}}

The child only states facts (what matched, what TensorFlow said); the parent turns
them into the report with suggestions and notes (ckpt_gui.diagnosis.report).
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback

_CHILD_FOLDER = os.path.dirname(os.path.abspath(__file__))
_channel = None  # the file object for protocol lines


CHANNEL_ENV = "CKPT_GUI_DOCTOR_CHANNEL"


def open_channel() -> None:
    """Open the protocol's pipe, and hide it: the variable is removed, and the script's
    own child processes do not inherit the descriptor. Run by hand, without the
    variable, the child reports on its original stdout and the script prints to stderr."""
    global _channel
    fd = os.environ.pop(CHANNEL_ENV, None)
    if fd is None:
        fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    os.set_inheritable(int(fd), False)
    _channel = os.fdopen(int(fd), "w", buffering=1, encoding="utf-8")


def send(message: dict) -> None:
    _channel.write(json.dumps(message) + "\n")
    _channel.flush()


def phase(name: str) -> None:
    send({"event": "phase", "phase": name})


def send_error(exc: BaseException, during: str, trace: str | None = None) -> None:
    if isinstance(exc, SystemExit):
        when = "" if during == "running the script" else f" while {during}"
        kind, message = "SystemExit", f"the script called sys.exit({exc.code!r}){when}"
    else:
        kind, message = type(exc).__name__, str(exc) or type(exc).__name__
    error = {
        "type": kind, "message": message, "phase": during,
        "traceback": trace if trace is not None else traceback.format_exc(),
    }  # fmt: skip
    if isinstance(exc, ImportError) and exc.name:
        error["module"] = exc.name  # the module that is missing, or failed to import
    send({"event": "error", "error": error})


class ScriptError(Exception):
    """The user's script failed: report its own traceback, not ours."""

    def __init__(self, cause: BaseException, during: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.phase = during
        self.trace = user_traceback(cause)


def user_traceback(exc: BaseException) -> str:
    """The traceback through the user's code only: the child's and runpy's frames say
    nothing to them. Empty when no frame is theirs (an error of ours about the script,
    whose message says it all)."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.dirname(os.path.abspath(frame.filename)) != _CHILD_FOLDER
        and not frame.filename.startswith("<frozen")
    ]
    if not frames and isinstance(exc, SyntaxError):
        # The script did not compile: no frame of it ran, but its line and the caret under
        # the fault are what the user needs (review 22 nit 19: the report had the message only).
        return "".join(traceback.format_exception_only(type(exc), exc))
    if not frames:
        return ""
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    return "".join(lines + traceback.format_exception_only(type(exc), exc))


# A variable's value in TensorFlow's repr of it (``<Variable path=..., value=[[ 0.12 ...]]>``):
# its numpy dump, about 30 lines of numbers per variable in "Found 4 Python objects that
# were not bound...", which filled the limit with the first variable's numbers and pasted
# them into the Markdown report (review 23 #8). Its path, shape and dtype stay.
_VALUE_DUMP = re.compile(r", (?:numpy|value)=[^<>]*(?=>)")


def first_lines(text: str, limit: int = 1500) -> str:
    """The start of a long message (TensorFlow can dump whole tensors in one), without
    the values of the variables it lists."""
    text = _VALUE_DUMP.sub("", text.strip())
    return text if len(text) <= limit else text[:limit] + " ..."
