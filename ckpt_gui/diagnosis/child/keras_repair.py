"""Writing a repaired Keras weights file (issue 13), in the child: the user's own model,
built by their script, gets each value the plan maps (read from the source file as the
Keras doctor reads it) assigned to its target variable, named as the Keras doctor names
it; then ``model.save_weights(OUTPUT)`` writes a file ``model.load_weights`` accepts.

The targets' names come from the doctor's own pairing of the source file with the
model (keras_pairing.py): for a Keras 3 file that pairing records Keras's load of the
file, which puts values into the model. The model's own weights are saved to a scratch
file first and loaded back after it, so every variable the plan does not write keeps
its initial value. The parent has checked the plan and the output (never the source's
folder, never over a file without --force).
"""

from __future__ import annotations

import os
import tempfile

from .keras_kind import KERAS2_H5, KERAS3_WEIGHTS
from .keras_load import is_keras3, load_as_keras_does
from .keras_pairing import keras2_pairs, keras3_pairs, open_weights_file, unrecorded_reason
from .keras_target import keras_model
from .protocol import ScriptError, phase


def write_keras_repaired(
    tf, namespace: dict, path: str, kind: str, repair: dict, assign, scratch_in: str | None = None
) -> dict:
    """The facts of one repair of a Keras weights file; ``assign(entry, variables, value, None)``
    is the TensorFlow checkpoint repair's (the same checks: never a reshape, never a cast).
    ``scratch_in``: where its scratch folder goes (the attempt's working folder: a killed
    child's is removed by the parent, where one in /tmp stayed)."""
    phase("building the model")
    model, notes = keras_model(namespace, tf)
    if not getattr(model, "built", True):
        raise ScriptError(ValueError("the model is not built: build it (call it once) so it has variables to write"),
                          "building the model")  # fmt: skip
    if not is_keras3(model):  # its save_weights would write a Keras 2 file under the .weights.h5 name
        raise ScriptError(TypeError("the repair writes Keras 3 weights files: build the model with Keras 3 "
                                    "(import keras), not tf_keras"), "building the model")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ckpt-gui-repair-", dir=scratch_in) as scratch:
        initial = os.path.join(scratch, "initial.weights.h5")
        model.save_weights(initial)
        phase("pairing the file with the model as Keras does")
        with open_weights_file(path, kind) as weights:
            variables = _variables_by_name(model, path, kind, weights)
            model.load_weights(initial)  # back to the model's initial values
            phase("writing the repaired weights file")
            assigned = []
            for entry in repair["entries"]:
                if entry["action"] in ("map", "copy-overlap"):
                    assign(entry, variables, weights.value(entry["source_key"]), None)
                    assigned.append(entry["target"])
    written = repair["output_file"]
    os.makedirs(os.path.dirname(written), exist_ok=True)
    model.save_weights(written)
    # Where each written variable is in the new file, by the same pairing the verification makes.
    with open_weights_file(written, KERAS3_WEIGHTS) as weights:
        key_of = {id(obj): key for key, obj in _objects(model, written, KERAS3_WEIGHTS, weights)}
    written_keys = {entry["target"]: key_of.get(id(variables[entry["target"]])) for entry in repair["entries"]
                    if entry["action"] in ("map", "copy-overlap")}  # fmt: skip
    return {
        "variables": [],
        "notes": notes,
        "mode": "keras",
        "tensorflow_version": tf.__version__,
        "repair": {"written": written, "assigned": assigned, "written_keys": written_keys},
    }


def _variables_by_name(model, path: str, kind: str, weights) -> dict:
    """The model's variables by the doctor's names for them (``layers/dense_1/vars/0``,
    ``layer_with_weights-1/kernel``)."""
    found = {}
    for entry in _entries(model, path, kind, weights):
        if entry.get("_object") is not None and entry.get("model_path"):
            found[entry["model_path"]] = entry["_object"]
    return found


def _objects(model, path: str, kind: str, weights) -> list[tuple[str, object]]:
    """(file key, model variable) of each pair the doctor would make."""
    return [(e["checkpoint_key"], e["_object"]) for e in _entries(model, path, kind, weights)
            if e.get("_object") is not None and e.get("checkpoint_key")]  # fmt: skip


def _entries(model, path: str, kind: str, weights) -> list[dict]:
    if kind == KERAS2_H5:
        return keras2_pairs(model, weights)
    record = load_as_keras_does(model, path, record_walk=True)
    if record.visits is None:
        raise ScriptError(TypeError(unrecorded_reason(model)), "pairing the file with the model")
    return keras3_pairs(record.visits, weights)[0]
