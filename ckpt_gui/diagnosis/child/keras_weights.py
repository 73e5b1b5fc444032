"""``model.load_weights(FILE)`` of a Keras weights file, diagnosed for every layer at once.

Keras stops a layer at its first problem and names one layer in its error; the doctor
pairs every weight of the file with every variable of the model the way Keras's loader
does, and judges each pair by shape and dtype:

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

from .keras_file import KERAS2, KerasWeightsFile
from .keras_kind import KERAS2_H5
from .keras_load import is_keras3, load_as_keras_does
from .keras_target import keras_model
from .protocol import ScriptError, phase
from .variables import dtype_of, judge, shape_of


def keras_attempt(tf, namespace: dict, path: str, kind: str) -> dict:
    """The facts of one attempt on a Keras weights file (the ``report`` event's payload)."""
    phase("building the model")
    model, notes = keras_model(namespace, tf)
    phase("reading the weights file")
    with _opened(path, kind) as weights:
        legacy = kind == KERAS2_H5
        phase("loading the weights as Keras does")
        record = load_as_keras_does(model, path, record_walk=not legacy)
        if not getattr(model, "built", True):
            entries = _all_deferred(weights, f"the model '{getattr(model, 'name', '?')}'")
        elif legacy:
            entries = keras2_pairs(model, weights)
        elif record.visits is None:
            raise ScriptError(TypeError(_unrecorded(model)), "loading the weights")  # about the model: no trace of ours
        else:
            entries, skipped = keras3_pairs(record.visits, weights)
            notes += skipped
        phase("verifying the loaded values")
        _verify(entries, weights)
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


def _opened(path: str, kind: str) -> KerasWeightsFile:
    """The file, or an error that names it and says what is wrong (no traceback of ours)."""
    try:
        return KerasWeightsFile(path, kind)
    except Exception as exc:  # noqa: BLE001 - h5py's OSError, zipfile's BadZipFile, a missing member...
        what = ValueError(f"{path}: cannot read this Keras weights file ({type(exc).__name__}: {exc})")
        raise ScriptError(what, "reading the file") from None


def _unrecorded(model) -> str:
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
            entries += [_file_entry(weights, key, "deferred", deferred_owner=owner) for key in found]
        elif _is_optimizer(obj) and len(expected) != len(found):
            # Keras skips it with a warning, and the optimizer starts afresh.
            entries += [_file_entry(weights, key, "unmatched", optimizer=True) for key in found]
            if found:
                notes.append(
                    f"Keras skips the optimizer's {len(found)} saved values: the model's optimizer "
                    f"'{getattr(obj, 'name', '?')}' has {len(expected)} variables (not built yet?); it starts afresh"
                )
        else:
            optimizer = _is_optimizer(obj)
            entries += _paired(weights, expected, found, base, optimizer)
    entries += [
        _file_entry(weights, key, "unmatched", optimizer=key.startswith("optimizer/"))
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
        entries += [_file_entry(weights, key, "unmatched") for key in weights.weights]
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
            entries.append(_file_entry(weights, key, "unmatched", optimizer=optimizer))
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


def _file_entry(weights, key: str, status: str, optimizer: bool = False, deferred_owner: str | None = None) -> dict:
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


def _all_deferred(weights, owner: str) -> list[dict]:
    return [_file_entry(weights, key, "deferred", deferred_owner=owner) for key in weights.weights]


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
    return [f"Keras casts {len(cast)} value(s) to the model's dtype without a word: {shown}{more}"]


def _is_optimizer(obj) -> bool:
    return obj is not None and callable(getattr(obj, "apply_gradients", None)) and hasattr(obj, "iterations")
