"""A name-based (TF1 Saver) checkpoint and TF2 objects (a Keras model, a tf.Module, a
tf.train.Checkpoint): no TF1 name meets an object path, so nothing restores. Every
checkpoint value is reported unmatched and every variable of the objects missing,
named by its object path, so the repair plan can pair them (TF1 names -> TF2 objects,
the conversion the TF migration guide does by hand)."""

from __future__ import annotations

from . import conventions
from .model_variables import is_optimizer, object_paths, reachable_variables
from .variables import dtype_of, shape_of

NOTE = (
    "a name-based (TF1 Saver) checkpoint and TF2 objects: TensorFlow matches no TF1 name to an object path, "
    "so nothing is restored; `ckpt-gui diagnose --plan` proposes how the values map onto the objects, "
    "`ckpt-gui repair` writes them as a TF2 checkpoint"
)


def match_names_to_objects(tf, shapes: dict, dtypes: dict, target: dict, notes: list[str]) -> dict:
    root = target["root"]  # a bare model is the root, as the repair writes it (repair_write.py)
    view = tf.train.TrackableView(root)
    reachable, owners = reachable_variables(view, root)
    names = object_paths(view, root)
    variables = [
        {
            "status": "unmatched",
            "checkpoint_key": key,
            "model_path": None,
            "checkpoint_path": key,
            "checkpoint_shape": list(shapes[key]),
            "checkpoint_dtype": dtypes[key],
            "model_shape": None,
            "model_dtype": None,
            "optimizer": conventions.is_tf1_optimizer_key(key),
        }  # fmt: skip
        for key in sorted(shapes)
    ]
    for path, obj in reachable:
        path = names.get(id(obj), path)
        variables.append({"status": "missing", "checkpoint_key": None, "model_path": path, "checkpoint_shape": None,
                          "checkpoint_dtype": None, "model_shape": shape_of(obj), "model_dtype": dtype_of(obj),
                          "optimizer": conventions.is_optimizer_name(path)})  # fmt: skip
    notes.append(NOTE)
    return {
        "variables": variables,
        "holds_optimizer": any(is_optimizer(obj) for _path, obj in owners),
        "tensorflow": {"verdict": "not run", "message": "a name-based checkpoint does not restore into TF2 objects"},
    }
