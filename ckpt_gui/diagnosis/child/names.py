"""Name-based (TF1 Saver) matching: the model's variables by name against the
checkpoint's keys."""

from __future__ import annotations

from . import conventions
from .protocol import ScriptError
from .variables import compare, judge, whole_dtype, whole_shape


def match_names(tf, shapes: dict, dtypes: dict, target: dict, notes: list[str]) -> dict:
    if target["kind"] != "names":
        raise ScriptError(
            TypeError(
                "this checkpoint is name-based (TF1 Saver): build() must return a list of variables or "
                "a dict of checkpoint name -> variable, as tf.compat.v1.train.Saver(var_list) takes"
            ),
            "building the model",
        )
    variables = []
    used = set()
    for name, var in target["variables"].items():
        entry = {"model_path": name, "model_shape": whole_shape(var), "model_dtype": whole_dtype(var),
                 "optimizer": False}  # fmt: skip
        if isinstance(var, list):  # its parts, which the repair's writer cannot assign yet (review 23 #3)
            entry["model_parts"] = len(var)
        if name in shapes:
            used.add(name)
            entry.update(checkpoint_key=name, checkpoint_shape=list(shapes[name]), checkpoint_dtype=dtypes[name])
            if isinstance(var, list):
                # A partitioned variable: TensorFlow restores each part from its slice of
                # the whole, so the whole shapes and the dtypes must agree (the number of
                # parts need not).
                judge(entry)
            else:
                compare(entry, var)
            entry["_object"] = var
        else:
            entry.update(status="missing", checkpoint_key=None, checkpoint_shape=None, checkpoint_dtype=None)
        variables.append(entry)
    for key in sorted(set(shapes) - used):
        variables.append({
            "status": "unmatched", "checkpoint_key": key, "model_path": None,
            "checkpoint_shape": list(shapes[key]), "checkpoint_dtype": dtypes[key],
            "model_shape": None, "model_dtype": None, "optimizer": conventions.is_tf1_optimizer_key(key),
        })  # fmt: skip
    return {"variables": variables}
