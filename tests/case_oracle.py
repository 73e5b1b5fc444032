"""What the repair cases' TensorFlow processes share (tests/repair_cases.py,
tests/repair_keras_cases.py): the user's model script, run as their own code runs it,
and a value the user's restore put into a variable, matched against the source's."""

from __future__ import annotations

import json
import os

import numpy as np


def run_user_script(path: str, namespace: dict | None = None) -> dict:
    """The script's namespace, as ``python SCRIPT`` would leave it (not as __main__)."""
    namespace = namespace if namespace is not None else {}
    namespace["__name__"] = "__user_code__"
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), namespace)  # noqa: S102 - the case's own script
    return namespace


def match(source: np.ndarray, held: np.ndarray) -> str:
    """``equal``: same dtype, shape and bytes; ``overlap``: another shape, and the
    overlapping block (``[:min(a, b), ...]`` on every axis) is the source's bit for bit;
    else ``different``."""
    if source.dtype != held.dtype or source.ndim != held.ndim:
        return "different"
    if source.shape == held.shape:
        return "equal" if source.tobytes() == held.tobytes() else "different"
    block = tuple(slice(0, min(a, b)) for a, b in zip(source.shape, held.shape))
    return "overlap" if source[block].tobytes() == held[block].tobytes() else "different"


def main(commands: dict, argv: list[str]) -> None:
    """``python -m tests.<cases> COMMAND ARGS...``, TensorFlow quiet and on the CPU: the
    command's answer, if any, printed as one JSON object."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    answer = commands[argv[1]](argv[2:])
    if answer is not None:
        print(json.dumps(answer))
