"""One restore attempt: run the script, find the target, match, restore, verify."""

from __future__ import annotations

import os
import sys

from . import conventions
from .contract import resolve_target, run_script
from .names import match_names
from .objects import match_objects
from .optimizers import user_optimizers
from .protocol import phase
from .restore import restore_names, restore_objects, verify


def attempt(request: dict) -> dict:
    """The facts of one attempt (the ``report`` event's payload)."""
    import tensorflow as tf  # imported by main() already; the child's own TensorFlow

    prefix, script = request["checkpoint"], request["script"]
    os.chdir(request.get("workdir") or os.path.dirname(script))
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    phase("running the script")
    namespace = run_script(script)
    reader = tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    dtypes = {k: v.name for k, v in reader.get_variable_to_dtype_map().items()}
    object_based = conventions.OBJECT_GRAPH_KEY in shapes
    phase("building the model")
    target, notes = resolve_target(namespace, object_based, tf)
    phase("matching")
    if object_based:
        facts = match_objects(tf, reader, shapes, dtypes, target, notes)
        facts["optimizers"] = user_optimizers(tf, target)
        phase("restoring")
        facts["tensorflow"] = restore_objects(tf, target, prefix)
    else:
        facts = match_names(tf, shapes, dtypes, target, notes)
        phase("restoring")
        facts["tensorflow"] = restore_names(tf, target, prefix)
    phase("verifying the restored values")
    verify(reader, facts, target.get("session"))
    facts["notes"] = notes
    facts["mode"] = "object" if object_based else "name"
    facts["tensorflow_version"] = tf.__version__
    for variable in facts["variables"]:
        variable.pop("_object", None)
    return facts
