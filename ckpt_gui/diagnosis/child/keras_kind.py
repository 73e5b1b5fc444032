"""Which Keras weights file a path is, by its name (as ``model.load_weights`` decides
which loader to use) and its first bytes (a real HDF5 file or zip archive).

Standard library only: the parent (the CLI, the app) imports it as
``ckpt_gui.diagnosis.child.keras_kind`` to route a Keras file to the doctor, and the
child loads it beside its other modules.
"""

from __future__ import annotations

import os

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"

KERAS3_WEIGHTS = "keras3-weights"  # model.save_weights("x.weights.h5")
KERAS3_ARCHIVE = "keras3-archive"  # model.save("x.keras"): a zip holding model.weights.h5
KERAS2_H5 = "keras2-h5"  # tf_keras save_weights("x.h5") / model.save("x.h5")


def keras_file_kind(path: str) -> str | None:
    """``KERAS3_WEIGHTS``, ``KERAS3_ARCHIVE``, ``KERAS2_H5``, or None for anything else
    (a TensorFlow checkpoint, a folder, a file that is not what its name says)."""
    name = os.path.basename(path).lower()
    if name.endswith(".keras"):
        kind, magic = KERAS3_ARCHIVE, ZIP_MAGIC
    elif name.endswith(".weights.h5"):
        kind, magic = KERAS3_WEIGHTS, HDF5_MAGIC
    elif name.endswith((".h5", ".hdf5")):
        kind, magic = KERAS2_H5, HDF5_MAGIC
    else:
        return None
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            head = f.read(len(magic))
    except OSError:
        return None
    return kind if head == magic else None
