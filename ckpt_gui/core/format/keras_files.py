"""Finding Keras weights files: ``*.weights.h5`` and ``.h5`` (HDF5) and ``.keras`` (ZIP).

Recognised by their bytes (the HDF5 signature, a ZIP holding ``model.weights.h5``),
never opened here: reading them needs h5py (core/keras). A folder of them
(``ModelCheckpoint('ckpt_{epoch}.weights.h5')``) is listed like a CheckpointManager
folder, ordered by the epoch in the names, not by file times (a copy rewrites those).
"""

from __future__ import annotations

import os
import re
import zipfile

from ckpt_gui.core.format.locations import CheckpointRef, Location

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
KERAS_SUFFIXES = (".h5", ".hdf5", ".keras")
_FIRST_NUMBER = re.compile(r"(?:^|[_.-])(\d+)")
# Checkpoint.format of a Keras file -> what people call it.
KERAS_FORMAT_NAMES = {
    "keras3-weights": "Keras 3 weights (.weights.h5)",
    "keras3-archive": "Keras 3 model archive (.keras)",
    "keras2-h5": "Keras 2 HDF5 weights (.h5)",
}


def keras_kind(path: str) -> str | None:
    """ "h5" for an HDF5 file, "archive" for a ZIP holding ``model.weights.h5``, else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    if head == HDF5_SIGNATURE:
        return "h5"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return "archive" if "model.weights.h5" in names or "config.json" in names else None
    return None


def epoch_of(path: str) -> int | None:
    """``ckpt_10.weights.h5`` -> 10, ``model-03-0.52.keras`` -> 3: the first number of
    the name (ModelCheckpoint's ``{epoch}`` comes first in the names its docs show)."""
    match = _FIRST_NUMBER.search(os.path.basename(path))
    return int(match.group(1)) if match else None


def keras_files_in(directory: str) -> list[str]:
    """The folder's Keras weights files (``.h5``, ``.hdf5``, ``.keras`` that are what
    their names say), by epoch, then name."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = [
        os.path.join(directory, name)
        for name in names
        if name.endswith(KERAS_SUFFIXES)
        and os.path.isfile(os.path.join(directory, name))
        and keras_kind(os.path.join(directory, name))
    ]
    return sorted(found, key=lambda p: (epoch_of(p) is None, epoch_of(p) or 0, os.path.basename(p)))


def keras_ref(path: str) -> CheckpointRef:
    try:
        stat = os.stat(path)
        time, size = stat.st_mtime, stat.st_size
    except OSError:
        time, size = None, 0
    return CheckpointRef(path, epoch_of(path), time, size, False)


def keras_location(directory: str, files: list[str], selected: str) -> Location:
    """The folder's Keras files as its checkpoints (oldest epoch first); ``selected`` shown."""
    refs = tuple(keras_ref(p) for p in files)
    chosen = next((r for r in refs if r.prefix == selected), None) or keras_ref(selected)
    if chosen not in refs:
        refs = (*refs, chosen)
    return Location("keras", directory, chosen, refs, refs[-1])
