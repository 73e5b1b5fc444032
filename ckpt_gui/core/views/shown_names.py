"""A tensor named in a message as the object view names it.

The core's errors name a tensor by its key (``tensor 'optimizer/_variables/6/.ATTRIBUTES/
VARIABLE_VALUE' (bytes 10772..13332) fails its CRC32C check``), which is right for the
CLI's JSON and its scripts; the app's banner sits above a tree that shows that value as
``model/_functional/_operations/2/_kernel/momentum``, a user could not tell which row it
meant (review 21 #8). The key stays in the selected variable's Details.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from ckpt_gui.core.checkpoint import Checkpoint, shown_name
from ckpt_gui.core.format.errors import CheckpointError

# How the core's errors quote a key: Python's repr of it (single quotes, or double ones around a key holding ').
_TENSOR = re.compile(r"""\btensor (?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def named_message(ckpt: Checkpoint | None, message: str) -> str:
    """``message`` with each tensor it names by key named as :func:`core.checkpoint.shown_name`
    gives it (an optimizer slot under its variable, a Keras 3 weight by its model path); a
    key it does not know, or one named as it is, stays. Nothing waits for the object graph."""
    if ckpt is None or "tensor " not in message or not ckpt.graph_decoded:
        return message

    def name_of(key: str) -> str | None:
        try:
            return shown_name(ckpt, ckpt.variable(key))
        except CheckpointError:
            return None

    return renamed_tensors(message, name_of)


def renamed_tensors(message: str, name_of: Callable[[str], str | None]) -> str:
    """``message`` with each tensor it names by key named ``name_of(key)``; a key that
    gives None, or itself, stays (the comparison names a pair as its trees show it)."""
    if "tensor " not in message:
        return message

    def named(match: re.Match) -> str:
        try:
            key = ast.literal_eval(match["quoted"])
        except (ValueError, SyntaxError):
            return match[0]
        name = name_of(key) if isinstance(key, str) else None
        return match[0] if name is None or name == key else f"tensor {name!r}"

    return _TENSOR.sub(named, message)
