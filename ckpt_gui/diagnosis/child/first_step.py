"""A rehearsal of the first training step, for optimizer state TensorFlow holds back.

A Keras optimizer not built yet has no variables to restore into: TensorFlow defers
those values and restores them when the optimizer creates its variables, at the first
``apply_gradients``, which builds it on the variables it is given; into another
optimizer class (or configuration) the values without a counterpart of the same
place and shape are dropped without an error. The doctor builds the optimizer as that
step would, on the model's trainable variables, with TensorFlow's binding still being
recorded, and states for each deferred value where it landed, or that it was dropped.
This runs after the report's verdict and verification: it changes nothing they say.
"""

from __future__ import annotations

import contextlib

from .model_variables import is_optimizer, object_paths, reachable_variables
from .protocol import phase
from .variables import is_variable, shape_of


def rehearse_first_step(tf, reader, facts: dict, target: dict, recorder) -> None:
    """Give each deferred optimizer value its ``first_step`` fact, where it can be rehearsed."""
    waiting = [e for e in facts["variables"] if e["status"] == "deferred" and e.get("_node") is not None]
    if not waiting or not recorder.available:
        return
    root = recorder.bound.get(0, target["node0"])
    view = tf.train.TrackableView(root)
    optimizers = _unbuilt_optimizers(recorder.bound)
    var_list = _model_trainable_variables(view, root)
    if not optimizers or not var_list:
        return
    phase("rehearsing the first training step")
    with recorder:
        for optimizer in optimizers:
            # On an error, what was bound before it still says where the values went.
            with contextlib.suppress(Exception):
                optimizer.build(var_list)
    names = object_paths(view, root)
    for entry in waiting:
        obj = recorder.bound.get(entry["_node"])
        if obj is None or not is_variable(obj):
            entry["first_step"] = {"result": "dropped", "model_path": None}
            continue
        landed = shape_of(obj) == entry["checkpoint_shape"] and _holds(obj, reader.get_tensor(entry["checkpoint_key"]))
        entry["first_step"] = {"result": "restored" if landed else "dropped", "model_path": names.get(id(obj))}
        if not landed and shape_of(obj) != entry["checkpoint_shape"]:
            # Dropped for a shape: the variable the slot belongs to changed (review 12, 7:
            # it read as "another optimizer class or configuration").
            entry["first_step"]["model_shape"] = shape_of(obj)
            owner = _slot_owner(obj, names.get(id(obj)) or "", optimizers)
            if owner is not None and names.get(id(owner)):
                entry["first_step"]["variable"] = names[id(owner)]


def _slot_owner(slot, path: str, optimizers: list):
    """The model variable a Keras 3 optimizer's slot is kept for: slot lists
    (``_momentums/N``) follow the optimizer's ``_trainable_variables`` by position."""
    position = path.rpartition("/")[2]
    if not position.isdigit():
        return None
    for optimizer in optimizers:
        listed = list(getattr(optimizer, "_trainable_variables", None) or [])
        if int(position) < len(listed) and any(v is slot for v in getattr(optimizer, "variables", [])):
            owner = listed[int(position)]
            return owner if shape_of(owner) == shape_of(slot) else None
    return None


def _unbuilt_optimizers(bound: dict) -> list:
    found, seen = [], set()
    for obj in bound.values():
        if id(obj) not in seen and is_optimizer(obj) and getattr(obj, "built", True) is False:
            seen.add(id(obj))
            if callable(getattr(obj, "build", None)):
                found.append(obj)
    return found


def _model_trainable_variables(view, root) -> list:
    """What the first step would be given: the trainable variables of the first model
    (by path, outside any optimizer) that has some."""
    _variables, owners = reachable_variables(view, root)
    for path, obj in owners:
        if is_optimizer(obj) or "optimizer" in path.lower():
            continue
        try:
            variables = list(getattr(obj, "trainable_variables", None) or [])
        except Exception:  # noqa: BLE001 - a property that cannot be read yet
            continue
        if variables:
            return variables
    return []


def _holds(obj, expected) -> bool:
    import numpy as np  # the child's numpy, which came with its TensorFlow

    try:
        return bool(np.array_equal(np.asarray(obj.numpy()), np.asarray(expected)))
    except Exception:  # noqa: BLE001
        return False
