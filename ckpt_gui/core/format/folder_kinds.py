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

from ckpt_gui.core.format.folder_listing import FolderListing
from ckpt_gui.core.format.folder_scan import scan_directory
from ckpt_gui.core.format.keras_files import SHARDED_SUFFIX, another_kind, keras_files_in, keras_ref
from ckpt_gui.core.format.locations import CheckpointRef, Location, other_series

TF_CHECKPOINT = "TensorFlow checkpoint"


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
    if location.kind == "keras":
        checkpoints, _state, _warnings = scan_directory(location.directory, FolderListing())
        choices += [(ref, TF_CHECKPOINT) for ref in checkpoints]
    elif location.kind == "bundle":
        choices += [(keras_ref(path), keras_file_kind(path)) for path in keras_files_in(location.directory)]
    return choices
