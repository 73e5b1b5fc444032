"""Writing a repaired checkpoint (issue 13), in the child, with the user's TensorFlow:
run the script, find its objects by the model-script contract, assign each value the
plan maps (read with tf.train.load_checkpoint) to its target variable, copy the
overlapping block where the plan asks, then save with the user's own objects, so the
format is exactly what their restore expects.

The request is the doctor's plus ``"repair": {"entries": [...], "output": DIR}``;
the parent has checked the plan and the output folder (never the checkpoint's).
Never a reshape: a mapped value whose shape or dtype differs from its target is an
error, and so is a block copy between different ranks or dtypes (fit.py's rule, the
plan check's and the app's too).
"""

from __future__ import annotations

import os
import sys

from . import conventions, fit
from .contract import resolve_target, run_script
from .keras_kind import keras_file_kind
from .keras_repair import write_keras_repaired
from .model_variables import object_paths
from .objects import prepare_root, read_graph
from .protocol import ScriptError, phase
from .variables import dtype_of, is_variable, shape_of

WRITES = ("map", "copy-overlap")


class PlanMismatch(Exception):
    """The plan does not fit the model the script built (no such variable, a shape that differs)."""


def write_repaired(request: dict) -> dict:
    """The facts of one repair: what was written where (the ``report`` event's payload)."""
    import tensorflow as tf  # imported by main() already; the child's own TensorFlow

    prefix, script, repair = request["checkpoint"], request["script"], request["repair"]
    os.chdir(request.get("workdir") or os.path.dirname(script))
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    phase("running the script")
    namespace = run_script(script)
    keras_kind = keras_file_kind(prefix)
    if keras_kind is not None:  # a Keras weights file: the model's own save_weights writes the repair
        try:
            scratch = request.get("workdir")  # the attempt's folder, which the parent removes however it ends
            return write_keras_repaired(tf, namespace, prefix, keras_kind, repair, _assign, scratch)
        except PlanMismatch as exc:  # the plan's fault, said in one line: no traceback of ours
            raise ScriptError(exc, "writing the repaired weights file") from None
    reader = tf.train.load_checkpoint(prefix)
    object_based = conventions.OBJECT_GRAPH_KEY in reader.get_variable_to_shape_map()
    phase("building the model")
    target, notes = resolve_target(namespace, object_based, tf)
    if target["kind"] == "objects":
        variables = _object_variables(tf, reader, target, object_based, notes)
        session = None
    else:
        variables = target["variables"]
        session = _session(tf, variables) if target.get("graph") else None
    phase("writing the repaired checkpoint")
    assigned = []
    for entry in repair["entries"]:
        if entry["action"] in WRITES:
            try:
                _assign(entry, variables, reader.get_tensor(entry["source_key"]), session)
            except PlanMismatch as exc:  # the plan's fault, said in one line: no traceback of ours
                raise ScriptError(exc, "writing the repaired checkpoint") from None
            assigned.append(entry["target"])
    written = _save(tf, target, variables, session, repair["output"], prefix)
    return {
        "variables": [],
        "notes": notes,
        "mode": "object" if target["kind"] == "objects" else "name",
        "tensorflow_version": tf.__version__,
        "repair": {"written": written, "assigned": assigned},
    }


def _object_variables(tf, reader, target: dict, object_based: bool, notes: list[str]) -> dict:
    """The user's variables by the doctor's names for them (object paths from the root)."""
    if object_based:
        prepare_root(tf, read_graph(reader), target, notes)
    else:  # a TF1 checkpoint into TF2 objects: the objects' own paths, the model as the root
        target["node0"] = target["root"]
        if target.get("map_root"):
            target["root"] = tf.train.Checkpoint(target["root"])
    root = target["node0"]
    view = tf.train.TrackableView(root)
    by_id = object_paths(view, root)
    found = {}
    for obj in _reachable(view, root):
        if is_variable(obj) and id(obj) in by_id:
            found[by_id[id(obj)]] = obj
    return found


def _reachable(view, root) -> list:
    seen, order, queue = {id(root)}, [], [root]
    while queue:
        obj = queue.pop()
        order.append(obj)
        try:
            children = dict(view.children(obj)).values()
        except Exception:  # noqa: BLE001 - an object that cannot list its children holds nothing we write
            continue
        for child in children:
            if id(child) not in seen:
                seen.add(id(child))
                queue.append(child)
    return order


def _session(tf, variables: dict):
    every = [part for value in variables.values() for part in (value if isinstance(value, list) else [value])]
    session = tf.compat.v1.Session(graph=every[0].graph)
    session.run(tf.compat.v1.variables_initializer(every))
    return session


def _assign(entry: dict, variables: dict, value, session) -> None:
    import numpy as np  # the child's numpy, which came with its TensorFlow

    name, key = entry["target"], entry["source_key"]
    variable = variables.get(name)
    if variable is None:
        raise PlanMismatch(f"the plan writes {key} to {name}, but the script's objects have no variable {name}")
    if isinstance(variable, list):
        raise PlanMismatch(f"{name} is a partitioned variable: the repair does not write those yet")
    shape = shape_of(variable)
    value = np.asarray(value)
    held_dtype = "string" if value.dtype.kind in "OS" else str(value.dtype)  # bytes read back as object or S
    # The plan's own rule (ckpt_gui/repair/fit.py), which the plan check and the app's
    # dialog asked before: here with the values themselves, whatever the plan said of them.
    problem = fit.misfit(entry["action"], key, list(value.shape), held_dtype, name, shape, dtype_of(variable))
    if problem is not None:
        raise PlanMismatch(problem)
    if entry["action"] == "map":
        _set(variable, value, session)
        return
    block = tuple(slice(0, min(a, b)) for a, b in zip(value.shape, shape))
    held = np.array(session.run(variable) if session is not None else variable.numpy())
    held[block] = value[block]
    _set(variable, held, session)


def _set(variable, value, session) -> None:
    if session is not None:
        variable.load(value, session)
    else:
        variable.assign(value)


def _save(tf, target: dict, variables: dict, session, output: str, source: str) -> str:
    """Save with the user's own objects (their tf.train.Checkpoint, or a Saver of their
    variables); both write the ``checkpoint`` state file tf.train.latest_checkpoint reads.
    Either keeps the source's name and step where it has one: a Saver's ``model.ckpt-1000``
    through Saver.save's own global_step naming (it was ``model.ckpt``: review 12, 6); a
    tf.train.Checkpoint's ``ckpt-42`` through its save_counter, which save() adds one to
    and names the file by (it was ``ckpt-1`` whatever the source: issue 11). No step:
    ``ckpt-1``, ``model.ckpt``, as before."""
    os.makedirs(output, exist_ok=True)
    stem, _dash, step = os.path.basename(source).rpartition("-")
    numbered = bool(stem) and step.isdigit()
    if target["kind"] == "objects":
        root = target["root"]
        if not numbered:
            return root.save(os.path.join(output, "ckpt"))
        root.save_counter.assign(int(step) - 1)  # the checkpoint's own count of saves: the source's number
        return root.save(os.path.join(output, stem))
    saver = tf.compat.v1.train.Saver(var_list=variables)
    if numbered:
        return saver.save(session, os.path.join(output, stem), global_step=int(step))
    return saver.save(session, os.path.join(output, "model.ckpt"))
