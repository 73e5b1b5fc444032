"""The ``checkpoint`` state file: a text-format CheckpointState proto.

Written by ``tf.train.CheckpointManager``, ``Checkpoint.save`` and the TF1 Saver::

    model_checkpoint_path: "ckpt-4"
    all_model_checkpoint_paths: "ckpt-2"
    all_model_checkpoint_timestamps: 1795263163.58
    last_preserved_timestamp: 1795263162.48
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ckpt_gui.core.format import storage

_LINE = re.compile(r'^\s*([A-Za-z_]+)\s*:\s*(".*"|\'.*\'|[-+0-9.eEinfINFa]+)\s*$')
_MAX_STATE_BYTES = 16 << 20  # a real state file is a few hundred bytes


@dataclass(frozen=True, slots=True)
class CheckpointState:
    model_checkpoint_path: str = ""
    all_model_checkpoint_paths: tuple[str, ...] = ()
    all_model_checkpoint_timestamps: tuple[float, ...] = ()
    last_preserved_timestamp: float | None = None


def read_checkpoint_state(path: str) -> tuple[CheckpointState | None, str | None]:
    """Parse a state file; return ``(state, None)`` or ``(None, what is wrong)``.

    Like TensorFlow, a broken state file is not fatal: the caller falls back to
    globbing ``*.index``.
    """
    try:
        raw = storage.read_bytes(path, _MAX_STATE_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read the state file ({exc.strerror or exc})"
    if len(raw) > _MAX_STATE_BYTES:
        return None, "state file is implausibly large"
    try:
        return parse_checkpoint_state(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"state file is garbled ({exc})"


def parse_checkpoint_state(text: str) -> CheckpointState:
    latest = ""
    paths: list[str] = []
    stamps: list[float] = []
    preserved = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"line {number} is not 'name: value'")
        name, value = match.groups()
        if name == "model_checkpoint_path":
            latest = _string(value, number)
        elif name == "all_model_checkpoint_paths":
            paths.append(_string(value, number))
        elif name == "all_model_checkpoint_timestamps":
            stamps.append(_number(value, number))
        elif name == "last_preserved_timestamp":
            preserved = _number(value, number)
        # other fields: ignore, as a newer TF may add some
    return CheckpointState(latest, tuple(paths), tuple(stamps), preserved)


def _string(value: str, line: int) -> str:
    """A text-format string: C escapes, octal ``\\ooo`` for non-ASCII bytes."""
    if value[:1] not in "\"'":
        raise ValueError(f"line {line}: expected a quoted string")
    # Python's bytes-literal escapes are a superset of the C escapes text_format writes;
    # raw UTF-8 (as_utf8=True writers) is turned into \x escapes first.
    body = "".join(c if ord(c) < 128 else "".join(f"\\x{b:02x}" for b in c.encode()) for c in value[1:-1])
    try:
        raw = ast.literal_eval("b" + value[0] + body + value[0]) if body else b""
    except (SyntaxError, ValueError):
        raise ValueError(f"line {line}: bad string escape") from None
    return raw.decode("utf-8", "surrogateescape")


def _number(value: str, line: int) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"line {line}: expected a number") from None
