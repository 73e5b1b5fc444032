"""What is there instead, when a path is not a checkpoint: the errors ``locate`` raises
for a path that names nothing and for a folder without a checkpoint (its subfolders that
hold some, or the files it holds, described)."""

from __future__ import annotations

import os

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import CheckpointError, NotACheckpointError, shown_path
from ckpt_gui.core.format.file_kinds import describe_file
from ckpt_gui.core.format.folder_listing import FolderListing
from ckpt_gui.core.format.folder_scan import scan_directory
from ckpt_gui.core.format.saved_model_folder import is_saved_model
from ckpt_gui.core.format.state_file import CheckpointState
from ckpt_gui.core.formatting import format_some


def nothing_at(path: str) -> NotACheckpointError:
    directory = os.path.dirname(path)
    if not storage.can_list(directory):
        return NotACheckpointError(
            path, "no checkpoint prefix here (a web server lists no folder: give the prefix, e.g. .../ckpt-3)"
        )
    if storage.isdir(directory):
        siblings, _state, _w = scan_directory(directory, FolderListing())
        if siblings:
            names = ", ".join(shown_path(c.name) for c in siblings[-5:])
            return NotACheckpointError(path, f"no such checkpoint; the folder holds {names}")
    return NotACheckpointError(path, "no such file, folder or checkpoint prefix")


def no_checkpoint_in(directory: str, state: CheckpointState | None) -> CheckpointError:
    try:
        names = sorted(storage.listdir(directory))
    except OSError as exc:
        return NotACheckpointError(directory, f"cannot list the folder ({exc.strerror or exc})")
    if not names:
        return NotACheckpointError(directory, "no checkpoint found: the folder is empty")
    with_checkpoints = [
        n for n in names if storage.isdir(os.path.join(directory, n)) and _has_checkpoint(os.path.join(directory, n))
    ]
    if with_checkpoints:
        shown = format_some([shown_path(n + "/") for n in with_checkpoints], 5)
        return NotACheckpointError(directory, f"no checkpoint in this folder, but its subfolders {shown} hold some")
    files = [n for n in names if storage.isfile(os.path.join(directory, n))]
    described = [f"{shown_path(n)} ({describe_file(os.path.join(directory, n))})" for n in files[:4]]
    more = f" and {len(names) - len(described)} more" if len(names) > len(described) else ""
    found = ", ".join(described) if described else f"{len(names)} subfolder" + ("" if len(names) == 1 else "s")
    return NotACheckpointError(directory, f"no checkpoint found (no *.index file); found {found}{more}")


def _has_checkpoint(directory: str) -> bool:
    return storage.glob_index(directory) or is_saved_model(directory)
