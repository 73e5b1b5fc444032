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

    def named(match: re.Match) -> str:
        try:
            key = ast.literal_eval(match["quoted"])
            name = shown_name(ckpt, ckpt.variable(key))
        except (ValueError, SyntaxError, CheckpointError):
            return match[0]
        return match[0] if name == key else f"tensor {name!r}"

    return _TENSOR.sub(named, message)
