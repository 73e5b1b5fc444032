"""What TensorFlow's own error messages say, in a few words, and the terminal
escape codes Keras puts in them removed (they would reach JSON, text and the app)."""

from __future__ import annotations

import re

SAVER_RAISED = "Saver.restore() raised"  # the child's verdict for a TF1 restore whose read of the checkpoint failed
# ... and for one that raised in an assignment: it may have assigned some variables first.
SAVER_RAISED_PART_WAY = "Saver.restore() raised part-way"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_KEY_NOT_FOUND = re.compile(r"Key (\S+) not found in checkpoint")


def without_ansi(text: str) -> str:
    """``\\x1b[1mDense.call()\\x1b[0m`` -> ``Dense.call()``: Keras 3 makes its messages bold."""
    return _ANSI_ESCAPE.sub("", text)


def missing_saver_key(message: str) -> str | None:
    """The key a failed ``Saver.restore()`` did not find in the checkpoint, if it names one."""
    found = _KEY_NOT_FOUND.search(message)
    return found.group(1) if found else None


def saver_failure(message: str) -> str:
    """What a failed ``Saver.restore()`` reported: ``NotFoundError (layer2/weights is not
    in the checkpoint)``, or its error type when the message names no key."""
    kind = message.split(":", 1)[0].strip() or "an error"
    key = missing_saver_key(message)
    if key:
        return f"{kind} ({key} is not in the checkpoint)"
    if "shape" in message.lower():
        return f"{kind} (a variable's shape does not fit its checkpoint value)"
    return kind
