"""``model.load_weights(FILE)`` of a Keras weights file, diagnosed for every layer at once.

Keras stops a layer at its first problem and names one layer in its error; the doctor
pairs every weight of the file with every variable of the model the way Keras's loader
does, and judges each pair by shape and dtype (keras_pairing.py, shared with the repair):

- Keras 3 files (``.weights.h5``, ``.keras``): each object of the model reads the group
  at its path (``layers/dense_1/vars``) and takes its weights by number; the pairing is
  recorded while Keras's own load runs (keras_load.py). A model variable is named by
  where Keras reads it from (``layers/dense_1/vars/0``).
- Keras 2 HDF5 files (``.h5``): the legacy loader pairs the file's layers with weights
  and the model's, by position, and each layer's weights by position; a model variable
  is named ``layer_with_weights-K/<weight>``.

Which loader runs follows the file's name, as in Keras; the file's layout is read from
its contents, so a Keras 2 file named ``.weights.h5`` is seen for what it is.
"""

from __future__ import annotations

from .coincidence import settle_coincidences
from .keras_file import KerasWeightsFile
from .keras_kind import KERAS2_H5
from .keras_load import RAISED, load_as_keras_does
from .keras_pairing import file_entry, keras2_pairs, keras3_pairs, open_weights_file, unrecorded_reason
from .keras_target import keras_model
from .protocol import ScriptError, phase
from .restore import count_non_finite


def keras_attempt(tf, namespace: dict, path: str, kind: str) -> dict:
    """The facts of one attempt on a Keras weights file (the ``report`` event's payload)."""
    phase("building the model")
    model, notes = keras_model(namespace, tf)
    phase("reading the weights file")
    with open_weights_file(path, kind) as weights:
        legacy = kind == KERAS2_H5
        phase("loading the weights as Keras does")
        record = load_as_keras_does(model, path, record_walk=not legacy)
        if not getattr(model, "built", True):
            entries = _all_deferred(weights, f"the model '{getattr(model, 'name', '?')}'")
        elif legacy:
            entries = keras2_pairs(model, weights)
        elif record.visits is None:
            # About the model: no trace of ours.
            raise ScriptError(TypeError(unrecorded_reason(model)), "loading the weights")
        else:
            entries, skipped = keras3_pairs(record.visits, weights)
            notes += skipped
        phase("verifying the loaded values")
        _verify(entries, weights)
        if record.verdict["verdict"] == RAISED:  # the objects that failed were skipped whole
            settle_coincidences(
                entries,
                lambda: load_as_keras_does(model, path, record_walk=False),
                lambda entry: weights.value(entry["checkpoint_key"]),
            )
    _name_variables(entries, model)
    notes += _cast_notes(entries)
    notes += [f"Keras warned: {w}" for w in record.warnings]
    return {
        "variables": entries,
        "tensorflow": record.verdict,
        "notes": notes,
        "mode": "keras",
        "keras_file": {"kind": kind, "layout": weights.layout, "loader": "legacy_h5" if legacy else "keras3"},
        "holds_optimizer": getattr(model, "optimizer", None) is not None,
        "optimizers": [],
        "tensorflow_version": tf.__version__,
    }


def _all_deferred(weights, owner: str) -> list[dict]:
    return [file_entry(weights, key, "deferred", deferred_owner=owner) for key in weights.weights]


def _verify(entries: list[dict], weights: KerasWeightsFile) -> None:
    """Do the consumed variables now hold the file's values?"""
    import numpy as np  # the child's numpy, which came with its TensorFlow

    for entry in entries:
        variable = entry.get("_object")
        if variable is None or entry["status"] != "consumed":
            continue
        try:
            held = np.asarray(variable.numpy())
            saved = weights.value(entry["checkpoint_key"]).astype(held.dtype)  # as Keras casts it
            entry["restored"] = bool(np.array_equal(held, saved, equal_nan=held.dtype.kind in "fc"))
        except Exception:  # noqa: BLE001 - a value that cannot be read back is reported as unknown
            entry["restored"] = None
            continue
        if entry["restored"]:
            count_non_finite(entry, held)


def _name_variables(entries: list[dict], model) -> None:
    """Each model variable's own name (``dense2/kernel``: its Keras 3 path, tf_keras name,
    the model's name left out) beside the path Keras loads it from (``layers/dense_1/vars/0``)."""
    prefix = f"{getattr(model, 'name', '')}/"
    for entry in entries:
        variable = entry.get("_object")
        if variable is None:
            continue
        name = getattr(variable, "path", None) or getattr(variable, "name", None)
        if isinstance(name, str) and name:
            entry["model_name"] = name.removeprefix(prefix).removesuffix(":0")


def _cast_notes(entries: list[dict]) -> list[str]:
    cast = [e for e in entries if e["status"] == "consumed" and e["checkpoint_dtype"] != e["model_dtype"]]
    if not cast:
        return []
    shown = ", ".join(f"{e['checkpoint_key']} ({e['checkpoint_dtype']} -> {e['model_dtype']})" for e in cast[:3])
    more = f" and {len(cast) - 3} more" if len(cast) > 3 else ""
    values = "1 value" if len(cast) == 1 else f"{len(cast)} values"  # the child imports nothing of the package
    return [f"Keras casts {values} to the model's dtype without a word: {shown}{more}"]
