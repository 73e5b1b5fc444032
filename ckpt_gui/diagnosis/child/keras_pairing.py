"""How the doctor pairs a Keras weights file's weights with a model's variables, as
Keras's loaders do, and judges each pair by shape and dtype: the diagnosis
(keras_weights.py) and the repair (keras_repair.py) make the same pairs.

- Keras 3 files: each object Keras visited while it loaded the file (keras_load.py
  records the walk) against the weights of the group it got, by number; a model
  variable is named ``layers/dense_1/vars/0``.
- Keras 2 HDF5 files: the legacy loader's order, the k-th layer with weights of each
  side, weight by weight; a model variable is named ``layer_with_weights-K/<weight>``.
"""

from __future__ import annotations

from .keras_file import KERAS2, KerasWeightsFile
from .keras_load import is_keras3
from .protocol import ScriptError
from .variables import dtype_of, judge, shape_of


def open_weights_file(path: str, kind: str) -> KerasWeightsFile:
    """The file, or an error that names it and says what is wrong (no traceback of ours)."""
    try:
        return KerasWeightsFile(path, kind)
    except Exception as exc:  # noqa: BLE001 - h5py's OSError, zipfile's BadZipFile, a missing member...
        what = ValueError(f"{path}: cannot read this Keras weights file ({type(exc).__name__}: {exc})")
        raise ScriptError(what, "reading the file") from None


def unrecorded_reason(model) -> str:
    """Why Keras's load walk was not recorded for this model, so that nothing can be paired."""
    if not is_keras3(model):
        roots = [cls.__module__.split(".")[0] for cls in type(model).__mro__]
        family = next((root for root in roots if root in ("tf_keras", "keras")), type(model).__name__)
        return (
            f"the model is a {family} (not a Keras 3) model: the doctor pairs Keras 3 "
            "weights files (.weights.h5, .keras) with Keras 3 models only; build the model with Keras 3 "
            "(import keras), or save the weights as a Keras 2 .h5 file"
        )
    return "this Keras version's loading walk could not be recorded (its internals differ): the doctor cannot pair it"


# -- Keras 3 files ---------------------------------------------------------------------------


def keras3_pairs(visits: list, weights: KerasWeightsFile) -> tuple[list[dict], list[str]]:
    """Each object Keras visited, its variables against the weights of the group it got."""
    entries, notes, claimed = [], [], set()
    for obj, asked, group in _effective_visits(visits, weights):
        expected = own_variables(obj)
        found = weights.groups.get(group, []) if group else []
        claimed.update(found)
        base = f"{asked}/vars" if asked else "vars"
        if not expected and found and not getattr(obj, "built", True):
            owner = f"layer '{getattr(obj, 'name', '?')}' ({asked})"
            entries += [file_entry(weights, key, "deferred", deferred_owner=owner) for key in found]
        elif _is_optimizer(obj) and len(expected) != len(found):
            # Keras skips it with a warning, and the optimizer starts afresh.
            entries += [file_entry(weights, key, "unmatched", optimizer=True) for key in found]
            if found:
                notes.append(
                    f"Keras skips the optimizer's {len(found)} saved values: the model's optimizer "
                    f"'{getattr(obj, 'name', '?')}' has {len(expected)} variables (not built yet?); it starts afresh"
                )
        else:
            optimizer = _is_optimizer(obj)
            entries += _paired(weights, expected, found, base, optimizer)
    entries += [
        file_entry(weights, key, "unmatched", optimizer=key.startswith("optimizer/"))
        for key in weights.weights
        if key not in claimed
    ]
    return entries, notes


def _effective_visits(visits: list, weights: KerasWeightsFile) -> list:
    """One visit per object: the one Keras's outcome for it follows. An object whose
    load fails is visited again by its next path (a subclassed model's layer by its
    attribute, then as ``layers/dense``), and a later success clears the failure: the
    first visit that loads, else the first that found a group in the file, else the first."""
    by_object: dict[int, list] = {}
    for visit in visits:
        by_object.setdefault(id(visit[0]), []).append(visit)
    chosen = []
    for tried in by_object.values():
        loads = [v for v in tried if _loads(v, weights)]
        found = [v for v in tried if v[2] in weights.groups]
        chosen.append((loads or found or tried)[0])
    return chosen


def _loads(visit: tuple, weights: KerasWeightsFile) -> bool:
    """Whether the object's load from this group succeeds: as many weights as variables, same shapes."""
    obj, _asked, group = visit
    expected, found = own_variables(obj), weights.groups.get(group, []) if group else []
    return len(expected) == len(found) and all(
        shape_of(v) == weights.weights[key][0] for v, key in zip(expected, found)
    )


def own_variables(obj) -> list:
    """An object's variables in the order its ``load_own_variables`` numbers them."""
    if _is_optimizer(obj):
        return list(getattr(obj, "variables", []) or [])
    return list(getattr(obj, "_trainable_variables", []) or []) + list(
        getattr(obj, "_non_trainable_variables", []) or []
    )


# -- Keras 2 HDF5 files ------------------------------------------------------------------------


def keras2_pairs(model, weights: KerasWeightsFile) -> list[dict]:
    """The legacy loader's pairing: the k-th layer with weights of each side, weight by weight."""
    layers = [layer for layer in model.layers if _legacy_weights(layer)]
    entries: list[dict] = []
    file_layers = weights.layers if weights.layout == KERAS2 else []
    for k in range(max(len(layers), len(file_layers))):
        expected = _legacy_weights(layers[k]) if k < len(layers) else []
        found = file_layers[k][1] if k < len(file_layers) else []
        names = [f"layer_with_weights-{k}/{_short(v.name)}" for v in expected]
        layer_entries = _paired(weights, expected, found, f"layer_with_weights-{k}", False, names)
        for entry in layer_entries:
            if entry["status"] == "unmatched":  # where the legacy loader has it: for the layer-shift cause
                entry["checkpoint_path"] = f"layer_with_weights-{k}/{_short(entry['checkpoint_key'])}"
        entries += layer_entries
    if weights.layout != KERAS2:  # a Keras 3 file under an .h5 name: the legacy loader finds no layers
        entries += [file_entry(weights, key, "unmatched") for key in weights.weights]
    return entries


def _legacy_weights(layer) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _short(name: str) -> str:
    """``dense_1/kernel:0`` -> ``kernel``."""
    name = name.rsplit("/", 1)[-1]
    return name[:-2] if name.endswith(":0") else name


# -- entries -------------------------------------------------------------------------------------


def _paired(weights, expected: list, found: list[str], base: str, optimizer: bool, names=None) -> list[dict]:
    """Variable i with weight i; what is left on either side is missing or unmatched."""
    entries = []
    for i in range(max(len(expected), len(found))):
        variable = expected[i] if i < len(expected) else None
        key = found[i] if i < len(found) else None
        if variable is None:
            entries.append(file_entry(weights, key, "unmatched", optimizer=optimizer))
            continue
        entry = {
            "status": "missing",
            "checkpoint_key": key,
            "model_path": names[i] if names else f"{base}/{i}",
            "checkpoint_shape": None,
            "checkpoint_dtype": None,
            "model_shape": shape_of(variable),
            "model_dtype": dtype_of(variable),
            "optimizer": optimizer,
            "_object": variable,
        }
        if key is not None:
            entry["checkpoint_shape"], entry["checkpoint_dtype"] = weights.weights[key]
            judge(entry)
            if entry["status"] == "dtype_conflict":
                entry["status"] = "consumed"  # Keras's assign casts to the variable's dtype, silently
        entries.append(entry)
    return entries


def file_entry(weights, key: str, status: str, optimizer: bool = False, deferred_owner: str | None = None) -> dict:
    shape, dtype = weights.weights[key]
    entry = {
        "status": status,
        "checkpoint_key": key,
        "model_path": None,
        "checkpoint_shape": shape,
        "checkpoint_dtype": dtype,
        "model_shape": None,
        "model_dtype": None,
        "optimizer": optimizer,
    }
    if deferred_owner:
        entry["deferred_owner"] = deferred_owner
    return entry


def _is_optimizer(obj) -> bool:
    return obj is not None and callable(getattr(obj, "apply_gradients", None)) and hasattr(obj, "iterations")
