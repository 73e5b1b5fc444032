"""Finding V1 (pre-0.12) checkpoints: one table file per shard, no ``.index``.

A V1 checkpoint is named by its file (``model.ckpt``, ``model.ckpt-1000``) or, when
sharded, by a pattern over its files (``model.ckpt-1000-?????-of-00002``), which is
what the TF1 Saver writes into the state file and what TensorFlow's V1 reader takes.
Files are recognised by their bytes (file_kinds.looks_like_v1_checkpoint), not by
their names: ``.ckpt`` is also PyTorch's extension.
"""

from __future__ import annotations

import os
import re

from ckpt_gui.core.format.file_kinds import looks_like_v1_checkpoint
from ckpt_gui.core.format.locations import CheckpointRef, Location, step_of
from ckpt_gui.core.format.state_file import CheckpointState
from ckpt_gui.core.format.v1_table import v1_files

_V1_SHARD = re.compile(r"-(?:\d{5}|\?{5})-of-(\d{5})$")  # model.ckpt-00000-of-00002, or its pattern


def is_v1(prefix: str) -> bool:
    """A V1 file, or a pattern whose every file is one."""
    files = v1_files(prefix)
    return bool(files) and all(looks_like_v1_checkpoint(f) for f in files)


def v1_checkpoints_in(directory: str, wanted: str | None) -> tuple[list[str], str] | None:
    """The folder's V1 checkpoints (the shards of one as a single pattern), oldest first,
    and the one to show: ``wanted`` (the state file's, resolved) when it is a V1
    checkpoint, else the last by step. None when there is none."""
    if wanted is not None and not is_v1(wanted):
        wanted = None
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return None
    prefixes = []
    for name in names:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and looks_like_v1_checkpoint(path):
            shard = _V1_SHARD.search(name)
            prefix = os.path.join(directory, name[: shard.start()] + f"-?????-of-{shard.group(1)}") if shard else path
            if prefix not in prefixes:
                prefixes.append(prefix)
    if wanted is not None and wanted not in prefixes:
        prefixes.append(wanted)
    if not prefixes:
        return None
    prefixes.sort(key=lambda p: (v1_step(p) is None, v1_step(p) or 0, p))
    return prefixes, wanted or prefixes[-1]


def sharded_v1_beside(base: str) -> str | None:
    """The pattern of a sharded V1 checkpoint saved as ``base`` (``export-?????-of-00001``
    for ``export``, whose .meta TensorFlow's Saver names ``export.meta``), or None."""
    directory, name = os.path.split(base)
    try:
        names = sorted(os.listdir(directory or "."))
    except OSError:
        return None
    for found in names:
        shard = _V1_SHARD.search(found)
        if shard and found[: shard.start()] == name:
            pattern = os.path.join(directory, f"{name}-?????-of-{shard.group(1)}")
            if is_v1(pattern):
                return pattern
    return None


def v1_step(prefix: str) -> int | None:
    """``model.ckpt-1000-?????-of-00002`` is step 1000, not 2."""
    return step_of(_V1_SHARD.sub("", prefix))


def v1_location(
    directory: str,
    prefixes: list[str],
    selected: str,
    listed: set[str],
    state: CheckpointState | None = None,
    warnings: tuple[str, ...] = (),
) -> Location:
    """The Location of V1 checkpoints; ``listed``: the prefixes the state file names."""
    refs = []
    for prefix in prefixes:
        stats = [os.stat(f) for f in v1_files(prefix)]
        time = max((st.st_mtime for st in stats), default=None)
        size = sum(st.st_size for st in stats)
        refs.append(CheckpointRef(prefix, v1_step(prefix), time, size, prefix in listed))
    chosen = next(ref for ref in refs if ref.prefix == selected)
    return Location("v1", directory, chosen, tuple(refs), chosen, state, warnings)
