"""Every checkpoint-like file of a folder that a comparison may take as B, each named
by what it is.

A folder is located as one kind (discovery.locate: its TensorFlow checkpoints when it
has any, else its Keras files), and its Location lists that kind's files. A comparison
is made across kinds too (a ``.weights.h5`` against a TF checkpoint of the same model
pairs by layer and variable name: core/analysis/name_pairing.py), so File > Compare
with... offers the rest of the folder as well: a ``.keras`` folder listed only its own
series, not the ``.weights.h5`` or the TF checkpoint beside it (review 23).
"""

from __future__ import annotations

import dataclasses

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.folder_listing import FolderListing
from ckpt_gui.core.format.folder_scan import latest_ref, scan_directory
from ckpt_gui.core.format.keras_files import (
    SHARDED_SUFFIX,
    another_kind,
    keras_files_in,
    keras_kind,
    keras_ref,
)
from ckpt_gui.core.format.locations import CheckpointRef, Location, other_series

TF_CHECKPOINT = "TensorFlow checkpoint"
# Named so by Keras's own saving functions: listed by their names, whatever their bytes (a
# damaged one is a file of the folder too, and says why when opened); a bare ``.h5`` or
# ``.hdf5`` is any HDF5 data file, listed only when it is HDF5.
_KERAS_NAMES = (".weights.h5", ".keras", SHARDED_SUFFIX)


def keras_file_kind(path: str) -> str:
    """What a Keras file is, by its name (as Keras's own saving functions name them)."""
    if path.endswith(".keras"):
        return "Keras model archive"
    if path.endswith(".weights.h5"):
        return "Keras weights"
    if path.endswith(SHARDED_SUFFIX):
        return "sharded Keras weights"
    return "Keras HDF5 file"


def other_choices(location: Location, mine: CheckpointRef) -> list[tuple[CheckpointRef, str]]:
    """The folder's checkpoints outside ``mine``'s series, each with what it is to it:
    "another series" (two save() prefixes), "another kind of file" (the same model's
    ``.keras`` beside its ``.weights.h5``), "another model", or the kind of a file of
    the other kind ("TensorFlow checkpoint", "Keras weights", "Keras model archive")."""
    choices = [(ref, "another series") for ref in other_series(location, mine)]
    for ref in location.others:  # a Keras location's other files
        kind = "another kind of file" if another_kind(ref.prefix, mine.prefix) else "another model"
        choices.append((ref, f"{kind}: {keras_file_kind(ref.prefix)}"))
    # The other kind's files as with_other_kind found them, as the picker and ``inspect``
    # list them: Keras files by their names, one whose bytes are not Keras said so (the
    # dialog had listed them by their bytes, leaving a damaged one out of its list alone).
    if location.tensorflow is not None:
        choices += [(ref, TF_CHECKPOINT) for ref in location.tensorflow.checkpoints]
    elif location.kind == "bundle":
        choices += list(zip(location.keras_files, location.keras_kinds, strict=True))
    return choices


def with_other_kind(location: Location) -> Location:
    """``location`` with the folder's checkpoints of the other kind: a folder of TF
    checkpoints with Keras files beside them (``model.save_weights`` next to a
    CheckpointManager's saves) listed its TF checkpoints only, and a Keras file its Keras
    files only: the picker could not reach the others. A folder of one kind: unchanged."""
    if location.kind not in ("bundle", "keras") or storage.is_url(location.directory):
        return location
    files = keras_files_by_name(location.directory)
    if location.kind == "bundle":
        if not files:
            return location
        return dataclasses.replace(location, keras_files=files, keras_kinds=tuple(map(listed_kind, files)))
    try:
        listing = FolderListing()
        checkpoints, state, warnings = scan_directory(location.directory, listing)
    except (CheckpointError, OSError):
        return location
    if not checkpoints:
        return location
    if location.selected not in files:  # a file its name does not say is Keras (``weights.bin``)
        files = (*files, location.selected)
    latest = latest_ref(location.directory, checkpoints, state, listing)
    tensorflow = Location("bundle", location.directory, latest, checkpoints, latest, state, warnings)
    kinds = tuple(map(listed_kind, files))
    return dataclasses.replace(location, keras_files=files, keras_kinds=kinds, tensorflow=tensorflow)


def keras_files_by_name(directory: str) -> tuple[CheckpointRef, ...]:
    """The folder's Keras files by their names (those Keras's saving functions give;
    a ``.h5`` that is HDF5), by epoch, then name; not the shards of sharded weights, nor
    links to nothing or to a folder."""
    named = keras_files_in(directory, lambda path: path.endswith(_KERAS_NAMES) or keras_kind(path) == "h5")
    return tuple(map(keras_ref, named))


def listed_kind(ref: CheckpointRef) -> str:
    """What a Keras file of a folder's listing is ("Keras weights"), and, when its first
    bytes are not what its name says (a text file named ``notes.keras``), that it is not."""
    if keras_kind(ref.prefix) is not None:
        return keras_file_kind(ref.prefix)
    return "not a Keras file by its bytes"


def other_kind_files(location: Location) -> list[tuple[CheckpointRef, str, str]]:
    """The folder's checkpoints of the kind not shown, as ``inspect`` lists them apart: each
    with what it is and its mark as the latest ("latest", "newest on disk" or ""): a Keras
    file's folder's TF checkpoints, oldest first, or a TF checkpoint's folder's Keras files
    (never "latest": they are no series, review 23)."""
    if location.tensorflow is not None:
        tensorflow = location.tensorflow
        return [(ref, TF_CHECKPOINT, tensorflow.latest_mark(ref)) for ref in tensorflow.checkpoints]
    if location.kind == "bundle":
        return [(ref, kind, "") for ref, kind in zip(location.keras_files, location.keras_kinds)]
    return []
