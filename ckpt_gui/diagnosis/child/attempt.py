"""One restore attempt: run the script, find the target, match, restore, verify."""

from __future__ import annotations

import os
import sys

from . import conventions
from .binding import BindingRecorder
from .coincidence import settle_coincidences
from .contract import resolve_target, run_script
from .first_step import rehearse_first_step
from .keras_kind import keras_file_kind
from .keras_weights import keras_attempt
from .names import match_names
from .names_to_objects import match_names_to_objects
from .objects import match_objects, prepare_root, read_graph
from .optimizers import user_optimizers
from .protocol import phase
from .restore import RESTORE_RAISED, restore_names, restore_objects, verify


def attempt(request: dict) -> dict:
    """The facts of one attempt (the ``report`` event's payload)."""
    import tensorflow as tf  # imported by main() already; the child's own TensorFlow

    prefix, script = request["checkpoint"], request["script"]
    os.chdir(request.get("workdir") or os.path.dirname(script))
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    phase("running the script")
    said: list[str] = []  # the script's own restores that found nothing
    namespace = run_script(script, said)
    keras_kind = keras_file_kind(prefix)
    if keras_kind is not None:  # model.load_weights(FILE) of a Keras weights file
        facts = keras_attempt(tf, namespace, prefix, keras_kind)
        facts["notes"] = said + list(facts.get("notes") or [])
        return _without_objects(facts)
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    dtypes = {k: v.name for k, v in reader.get_variable_to_dtype_map().items()}
    object_based = conventions.OBJECT_GRAPH_KEY in shapes
    phase("building the model")
    target, notes = resolve_target(namespace, object_based, tf)
    phase("matching")
    if object_based:
        facts = _object_based(tf, reader, shapes, dtypes, target, notes, prefix)
        facts["optimizers"] = user_optimizers(tf, target)
    elif target["kind"] == "objects":  # TF1 names into TF2 objects: nothing meets (names_to_objects.py)
        facts = match_names_to_objects(tf, shapes, dtypes, target, notes)
    else:
        facts = match_names(tf, shapes, dtypes, target, notes)
        phase("restoring")
        facts["tensorflow"] = restore_names(tf, target, prefix)
        phase("verifying the restored values")
        verify(reader, facts, target.get("session"))
    facts["notes"] = said + notes
    facts["mode"] = "object" if object_based else "name"
    facts["tensorflow_version"] = tf.__version__
    return _without_objects(facts)


def _without_objects(facts: dict) -> dict:
    """The facts as JSON can carry them: the user's objects are left here."""
    for variable in facts["variables"]:
        variable.pop("_object", None)
        variable.pop("_node", None)
    return facts


def _object_based(tf, reader, shapes: dict, dtypes: dict, target: dict, notes: list[str], prefix: str) -> dict:
    prepare_root(tf, read_graph(reader), target, notes)
    phase("restoring")
    # TensorFlow's restore binds the checkpoint's nodes to the user's objects; the
    # recorder notes each binding, and the statuses are judged from those.
    with BindingRecorder() as recorder:
        verdict = restore_objects(tf, target, prefix)
    bound = recorder.bound if recorder.available and recorder.bound else None
    facts = match_objects(tf, reader, shapes, dtypes, target, bound)
    facts["tensorflow"] = verdict
    facts["binding"] = "tensorflow" if bound is not None else "doctor"
    phase("verifying the restored values")
    verify(reader, facts)
    if verdict["verdict"] == RESTORE_RAISED:  # it stopped part-way: equal is not yet restored
        settle_coincidences(
            facts["variables"],
            lambda: restore_objects(tf, target, prefix),
            lambda entry: reader.get_tensor(entry["checkpoint_key"]),
        )
    if bound is not None:
        rehearse_first_step(tf, reader, facts, target, recorder)
    return facts
