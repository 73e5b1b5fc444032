"""What is there instead, when a path is not a checkpoint: the errors ``locate`` raises
for a path that names nothing and for a folder without a checkpoint (its subfolders that
hold some, or the files it holds, described)."""

from __future__ import annotations

import errno
import os

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import CheckpointError, NotACheckpointError, shown_path
from ckpt_gui.core.format.file_kinds import describe_file
from ckpt_gui.core.format.folder_listing import FolderListing
from ckpt_gui.core.format.folder_scan import scan_directory
from ckpt_gui.core.format.saved_model_folder import is_saved_model
from ckpt_gui.core.format.state_file import CheckpointState
from ckpt_gui.core.formatting import counted, format_some


def nothing_at(path: str) -> NotACheckpointError:
    directory = os.path.dirname(path)
    if not storage.can_list(directory):
        return NotACheckpointError(
            path, "no checkpoint prefix here (a web server lists no folder: give the prefix, e.g. .../ckpt-3)"
        )
    # A link that leads nowhere is said as what it is, not "no such file" (review 22 nit 15),
    # beside a checkpoint too, not "no such checkpoint" (review 23 #14).
    broken = broken_link(path)
    said = f"is {broken}" if broken is not None else None
    if storage.isdir(directory):
        siblings, _state, _w = scan_directory(directory, FolderListing())
        if siblings:
            names = ", ".join(shown_path(c.name) for c in siblings[-5:])
            return NotACheckpointError(path, f"{said or 'no such checkpoint'}; the folder holds {names}")
    return NotACheckpointError(path, said or "no such file, folder or checkpoint prefix")


def broken_link(path: str) -> str | None:
    """What a symbolic link that leads nowhere is ("a link to /nonexistent, which does not
    exist", "a symbolic link loop"), or None for anything else."""
    if storage.is_url(path) or not os.path.islink(path):
        return None
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        try:
            target = os.readlink(path)
        except OSError:
            return "a symbolic link to nothing"
        return f"a link to {shown_path(target)}, which does not exist"
    return None


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
    # Files and links that lead nowhere, each described; subfolders counted (a link loop's
    # two links had been "2 subfolders and 2 more": review 22 nit 15).
    files = [n for n in names if storage.isfile(os.path.join(directory, n))]
    links = {n: why for n in names if n not in files and (why := broken_link(os.path.join(directory, n)))}
    folders = [n for n in names if n not in links and storage.isdir(os.path.join(directory, n))]
    described = [f"{shown_path(n)} ({describe_file(os.path.join(directory, n))})" for n in files[:4]]
    described += [f"{shown_path(n)} ({why})" for n, why in list(links.items())[: max(0, 4 - len(described))]]
    unnamed = len(files) + len(links) - len(described)
    other = len(names) - len(files) - len(links) - len(folders)  # sockets, devices, FIFOs
    parts = described + [f"{unnamed:,} more" if unnamed else "", counted(len(folders), "subfolder") if folders else "",
                         counted(other, "other entry", "other entries") if other else ""]  # fmt: skip
    parts = [part for part in parts if part]
    found = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return NotACheckpointError(directory, f"no checkpoint found (no *.index file); found {found}")


def _has_checkpoint(directory: str) -> bool:
    return storage.glob_index(directory) or is_saved_model(directory)
