"""Whether a checkpoint shown has left its folder since it was opened: a training job's
CheckpointManager deletes its oldest saves (max_to_keep) while the app shows one."""

from __future__ import annotations

import os

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.storage_paths import is_url


def in_its_folder(prefix: str) -> bool:
    """Whether the checkpoint ``prefix`` is still in its folder: its index (a Keras file
    is its own prefix)."""
    return storage.isfile(prefix + ".index") or storage.isfile(prefix)


def deleted_note(prefix: str) -> str:
    """ "ckpt-4 was deleted from its folder since it was opened" when the checkpoint
    ``prefix`` (local) has left its folder, "" while it is there (a URL: never said)."""
    if is_url(prefix) or in_its_folder(prefix):
        return ""
    return f"{os.path.basename(prefix)} was deleted from its folder since it was opened"
