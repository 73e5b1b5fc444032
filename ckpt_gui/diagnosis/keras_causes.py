"""What only a Keras weights file's report says: which loader Keras used, and a file
whose layout is not the one its name makes Keras expect (a Keras 2 HDF5 file named
``.weights.h5``, a Keras 3 file named ``.h5``), where every layer fails and the fix is
a new name. From the child's ``keras_file`` fact (kind, layout, loader) and the findings.

Pure Python; the layer shift (a layer inserted or removed) is the general detector's
(layer_shift.py), which reads a Keras 3 file's ``layers/dense_1/vars/0`` too.
"""

from __future__ import annotations

import os
from dataclasses import replace

from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding

LEGACY_LOADER = "legacy_h5"
# The doctor's child reads one HDF5 file (child/keras_file.py); Keras's sharded store is its own.
SHARDED_NOT_DIAGNOSED = (
    "the doctor diagnoses single-file Keras weights (.weights.h5, .keras, .h5), not sharded ones (.weights.json): "
    "inspect, diff and export read it; for the doctor, load it in Keras and save_weights to a .weights.h5"
)


def keras_file_notes(findings: list[RestoreFinding], keras_file: dict, checkpoint: str) -> tuple[list, list[str]]:
    """The findings (those a misnamed file explains, with its suggestion) and the notes."""
    layout, loader = keras_file.get("layout"), keras_file.get("loader")
    name = os.path.basename(checkpoint)
    if loader == LEGACY_LOADER and layout == "keras3":
        return _explained(
            findings,
            f"{name} is a Keras 3 weights file (layers/<name>/vars/N) under an .h5 name: model.load_weights reads "
            "a name ending in .h5 with the Keras 2 loader, which finds no layers in it. Rename it to end in "
            ".weights.h5 (or load it from a copy with that name); then Keras 3 reads it by its own layout",
        )
    if loader != LEGACY_LOADER and layout == "keras2":
        return _explained(
            findings,
            f"{name} is a Keras 2 HDF5 file (layer_names, <layer>/<layer>/<weight>:0, written by tf_keras or "
            "Keras before 3) under a .weights.h5 name: Keras 3 reads that name in its own layout (layers/dense/"
            "vars/0) and finds none of it. Rename it to end in .h5 (not .weights.h5): model.load_weights then "
            "reads it with the Keras 2 loader, layer by layer in order",
        )
    if loader == LEGACY_LOADER:
        # Keras 3 (legacy_h5_format) assigns layer by layer; tf_keras collects every value
        # and assigns them in order: both leave the layers before the failing one assigned
        # (review 12, 10: the note said nothing was, beside "2 of 4 model weights restored").
        return findings, [
            "a Keras 2 HDF5 file: model.load_weights pairs its layers with weights and the model's by position "
            "(layer names are not compared), and each layer's weights in order; the load stops at the first "
            "mismatching layer, and the layers before it are assigned"
        ]
    return findings, [
        "a Keras 3 weights file: each layer reads the group at its path (layers/dense_1: the class name, numbered "
        "in order; a subclassed model's attribute name) and its weights by number; layer names are not compared"
    ]  # (what Keras did with a layer that failed: the model weights' note, review 11, 7)


def with_file_names(findings: list[RestoreFinding], checkpoint: str) -> list[RestoreFinding]:
    """Each of the file's weights with the readable name the app's tree and ``inspect`` give
    it (``layers/dense_1/vars/0`` is ``dense2/kernel``: core/keras reads the same file), and
    each variable only the model has with one in kind; the findings as they are when the
    file cannot be read here (the child said why)."""
    from ckpt_gui.core.keras.opened import open_keras_file  # noqa: PLC0415 - h5py only for a Keras report

    try:
        opened = open_keras_file(checkpoint)
    except CheckpointError:
        return findings
    return [_named(f, opened.names) for f in findings]


def _named(finding: RestoreFinding, names: dict) -> RestoreFinding:
    """A weight of the file by the file's name for it; a variable only the model has
    (``layers/dense_3/vars/0``) by its layer and its own name (``dense_3/kernel``, from
    Keras's name for it, ``dense_3/kernel``'s last part), as the tree places its row."""
    from ckpt_gui.core.keras.names import model_variable_path  # noqa: PLC0415 - as open_keras_file

    if finding.checkpoint_key in names:
        return replace(finding, checkpoint_name="/".join(names[finding.checkpoint_key].path))
    if finding.checkpoint_key is None and finding.model_path and finding.model_name:
        path = model_variable_path(finding.model_path, finding.model_name.rpartition("/")[2], names)
        if path is not None:
            return replace(finding, model_only_name="/".join(path))
    return finding


def _explained(findings: list[RestoreFinding], note: str) -> tuple[list[RestoreFinding], list[str]]:
    suggestion = "the file's name makes Keras read it in the other layout: see the notes"
    problems = (RestoreStatus.UNMATCHED, RestoreStatus.MISSING)
    return [replace(f, suggestions=(suggestion,)) if f.status in problems else f for f in findings], [note]
