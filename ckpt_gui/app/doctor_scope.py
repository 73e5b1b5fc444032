"""Which checkpoints a model script and a restore report belong to: a script is kept for
the checkpoints of one folder (ckpt-2 after ckpt-4), a report for its own checkpoint
however its path is written; a Keras weights file as the doctor's checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.storage import is_url
from ckpt_gui.resources import demo_path, examples_path


@dataclass(frozen=True, slots=True)
class KerasFile:
    """A Keras weights file (.weights.h5, .keras, Keras 2 .h5) as the doctor's checkpoint:
    what ``model.load_weights(FILE)`` loads. ``prefix`` is the file, as for a checkpoint."""

    prefix: str


def folder_of(ckpt: Checkpoint | KerasFile) -> str:
    """The folder a checkpoint belongs to: its checkpoints share a model script."""
    location = getattr(ckpt, "location", None)
    folder = location.directory if location is not None else os.path.dirname(ckpt.prefix)
    return folder if is_url(folder) else os.path.realpath(folder)


def folder_of_prefix(prefix: str) -> str:
    folder = os.path.dirname(prefix)
    return folder if is_url(folder) else os.path.realpath(folder)


def same_file(prefix: str, other: str) -> bool:
    """Whether two prefixes name one checkpoint (a relative path, a link to the folder)."""
    if is_url(prefix) or is_url(other):
        return prefix == other
    return os.path.realpath(prefix) == os.path.realpath(other)


def same_script(one: str, other: str) -> bool:
    return os.path.realpath(one) == os.path.realpath(other)


def demo_scripts(ckpt) -> str:
    """The example scripts' folder when the demo is shown: the picker opened in demo/,
    which holds no script (review 6); "" for any other checkpoint."""
    if ckpt is None or is_url(ckpt.prefix):
        return ""
    demo = os.path.realpath(demo_path())
    return examples_path() if os.path.dirname(os.path.realpath(ckpt.prefix)) == demo else ""
