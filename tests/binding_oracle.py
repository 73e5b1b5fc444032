"""TensorFlow's own answer for the binding cases of tests/test_doctor_binding.py.

Run as a script in one child process (``python tests/binding_oracle.py OUTDIR``): for
each case it writes a checkpoint with real TensorFlow / Keras 3 (tf_keras for Keras 2)
and the model script a user would diagnose with, then runs that very script and
restores the way the user does (``checkpoint.restore``, ``model.load_weights``), and
records what TensorFlow did: the error it raised, and for every variable reachable from
the restored root (the object graph, so the test can find the doctor's paths in it)
which checkpoint values it holds before the restore, after it, and after the first
training step (the optimizer built) or the first call (the model built), which is
when TensorFlow restores what it deferred. Writes OUTDIR/oracle.json.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.protobuf import trackable_object_graph_pb2  # noqa: E402
from tensorflow.python.checkpoint import checkpoint as tf_checkpoint  # noqa: E402

# TensorFlow keeps its binding of checkpoint nodes to objects in each restore's
# coordinator (object_by_proto_id); the coordinators are kept here to read it, even
# when the restore raised. (The doctor records bind_object calls instead.)
_COORDINATORS: list = []
_coordinator_init = tf_checkpoint._CheckpointRestoreCoordinator.__init__


def _kept_coordinator(self, *args, **kwargs):
    _coordinator_init(self, *args, **kwargs)
    _COORDINATORS.append(self)


tf_checkpoint._CheckpointRestoreCoordinator.__init__ = _kept_coordinator

SEED = 7

# -- the checkpoints -----------------------------------------------------------------------


def save_keras2_weights(folder: str) -> str:
    """Keras 2 (tf_keras) ``model.save_weights('w.ckpt')``: the checkpoint's root is the model."""
    import tf_keras

    tf_keras.utils.set_random_seed(SEED)
    model = tf_keras.Sequential([tf_keras.layers.Dense(4, input_shape=(3,)), tf_keras.layers.Dense(2)])
    rng = np.random.RandomState(SEED)  # no zero biases: every saved value differs from a fresh model's
    model.set_weights([rng.rand(*w.shape).astype("float32") for w in model.get_weights()])
    prefix = os.path.join(folder, "w.ckpt")
    model.save_weights(prefix)
    return prefix


MODULE = """
import tensorflow as tf

class Affine(tf.Module):
    def __init__(self):
        self.w = tf.Variable(tf.random.normal([3, 2]))
        self.b = tf.Variable(tf.random.normal([2]))

    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def __call__(self, x):
        return x @ self.w + self.b

class Net(tf.Module):
    def __init__(self):
        self.first = Affine()
        self.scale = tf.Variable(tf.random.normal([2]))
"""


def save_savedmodel(folder: str) -> str:
    """A SavedModel: its variables/ checkpoint's root is the saved module."""
    tf.random.set_seed(SEED)
    namespace = _run_source(MODULE)
    tf.saved_model.save(namespace["Affine"](), os.path.join(folder, "saved"))
    return os.path.join(folder, "saved", "variables", "variables")


def save_module_checkpoint(folder: str) -> str:
    """``tf.train.Checkpoint(module).save()``: the module is the root."""
    tf.random.set_seed(SEED)
    namespace = _run_source(MODULE)
    return tf.train.Checkpoint(namespace["Net"]()).save(os.path.join(folder, "ckpt"))


def _keras_steps(model, optimizer, inputs: int, steps: int = 3) -> None:
    """A few training steps by hand (no fit(): it would overwrite the weights with their averages)."""
    x = tf.random.normal((8, inputs), seed=SEED)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x) ** 2)
        variables = model.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


def save_ema_adam(folder: str) -> str:
    """A Keras 3 model trained with Adam(use_ema=True): its _variables list holds the
    averages before the momentums."""
    import keras

    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    optimizer = keras.optimizers.Adam(0.01, use_ema=True)
    _keras_steps(model, optimizer, 4)
    return tf.train.Checkpoint(model=model, optimizer=optimizer).save(os.path.join(folder, "ckpt"))


def save_seed_adam(folder: str) -> str:
    """The seeds' model (a Keras Sequential on 10 inputs), trained with Adam."""
    import keras

    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(1)])
    optimizer = keras.optimizers.Adam(0.001)
    _keras_steps(model, optimizer, 10)
    return tf.train.Checkpoint(model=model, optimizer=optimizer).save(os.path.join(folder, "ckpt"))


RENAMED_MODULE = """
import tensorflow as tf

class Scaler(tf.Module):
    def __init__(self):
        self.{name} = tf.Variable(tf.random.normal([4, 2]), name="custom_scale")
        self.bias = tf.Variable(tf.random.normal([2]), name="custom_bias")
"""

RENAMED_KERAS = """
import keras
import tensorflow as tf

class Gated(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(3)
        self.{name} = tf.Variable(tf.random.normal([3]), name="gate")

    def call(self, x):
        return self.dense(x) * self.{name}
"""


def save_renamed_module(folder: str) -> str:
    tf.random.set_seed(SEED)
    module = _run_source(RENAMED_MODULE.format(name="w"))["Scaler"]()
    return tf.train.Checkpoint(model=module).save(os.path.join(folder, "ckpt"))


def save_renamed_keras(folder: str) -> str:
    import keras

    keras.utils.set_random_seed(SEED)
    model = _run_source(RENAMED_KERAS.format(name="w"))["Gated"]()
    model(tf.ones((1, 5)))
    model.dense.bias.assign(tf.random.normal([3]))  # not the zeros of a fresh layer
    return tf.train.Checkpoint(model=model).save(os.path.join(folder, "ckpt"))


# -- the model scripts users diagnose with ---------------------------------------------------

# Seed 000, verbatim: the model of its example 1 and the checkpoint lines of example 2.
SEED_SCRIPT = """
import tensorflow as tf

# Model architecture definition (must be identical to the model during saving)
model = tf.keras.Sequential([
    tf.keras.layers.Dense(128, activation='relu', input_shape=(10,)),
    tf.keras.layers.Dense(1)
])

checkpoint = tf.train.Checkpoint(model=model, optimizer=tf.keras.optimizers.{optimizer})
checkpoint_manager = tf.train.CheckpointManager(checkpoint, './my_checkpoint', max_to_keep=3)

# Restore from the latest checkpoint
checkpoint.restore(checkpoint_manager.latest_checkpoint)
"""

# name -> (saver, model script, how the user restores, what builds the deferred objects)
CASES = {
    "keras2_save_weights": (
        save_keras2_weights,
        """
        import tf_keras

        def build():
            return tf_keras.Sequential([tf_keras.layers.Dense(4, input_shape=(3,)), tf_keras.layers.Dense(2)])
        """,
        "load_weights",
        None,
    ),
    "savedmodel_variables": (save_savedmodel, MODULE + "\ndef build():\n    return Affine()\n", "root", None),
    "module_checkpoint": (save_module_checkpoint, MODULE + "\ndef build():\n    return Net()\n", "root", None),
    "ema_adam_into_adam": (
        save_ema_adam,
        """
        import keras
        import tensorflow as tf

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
        optimizer = keras.optimizers.Adam(0.01)
        optimizer.build(model.trainable_variables)
        checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
        """,
        "checkpoint",
        None,
    ),
    "seed_unbuilt_adam": (save_seed_adam, SEED_SCRIPT.format(optimizer="Adam(0.001)"), "checkpoint", "optimizer"),
    "seed_unbuilt_sgd": (
        "seed_unbuilt_adam",  # the same checkpoint, into another optimizer class
        SEED_SCRIPT.format(optimizer="SGD(0.001, momentum=0.9)"),
        "checkpoint",
        "optimizer",
    ),
    "seed_unbuilt_adam_widened": (
        "seed_unbuilt_adam",  # the same checkpoint, its first layer widened (review 12, 7)
        SEED_SCRIPT.format(optimizer="Adam(0.001)").replace("Dense(128", "Dense(256"),
        "checkpoint",
        "optimizer",
    ),
    "renamed_module_variable": (
        save_renamed_module,
        RENAMED_MODULE.format(name="weight") + "\ndef build():\n    return tf.train.Checkpoint(model=Scaler())\n",
        "checkpoint",
        None,
    ),
    "renamed_keras_variable_unbuilt": (
        save_renamed_keras,
        RENAMED_KERAS.format(name="weight") + "\ndef build():\n    return tf.train.Checkpoint(model=Gated())\n",
        "checkpoint",
        "model",
    ),
}


# -- TensorFlow's answer ---------------------------------------------------------------------


def _run_source(source: str) -> dict:
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)
    return namespace


def _is_variable(value) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "assign")


_IDENTITY: dict[int, int] = {}  # id(object) -> its number in every snapshot
_KEPT: list = []  # the objects numbered, kept alive so that no id is reused


def _number(obj) -> int:
    if id(obj) not in _IDENTITY:
        _IDENTITY[id(obj)] = len(_KEPT)
        _KEPT.append(obj)
    return _IDENTITY[id(obj)]


def snapshot(root, extra: dict, reader) -> dict:
    """The object graph from ``root`` (every object, numbered the same in every
    snapshot, with its children by local name) and, for each variable, its shape and
    the checkpoint values it holds."""
    view = tf.train.TrackableView(root)
    objects = {_number(root): root}
    queue = [root]
    children = {}
    while queue:
        obj = queue.pop(0)
        kids = {} if _is_variable(obj) else dict(view.children(obj))
        if obj is root:
            kids.update(extra)
        children[str(_number(obj))] = {name: _number(child) for name, child in kids.items()}
        for child in kids.values():
            if _number(child) not in objects:
                objects[_number(child)] = child
                queue.append(child)
    values = {key: reader.get_tensor(key) for key in reader.get_variable_to_shape_map() if "/.ATTRIBUTES/" in key}
    variables = {}
    for number, obj in objects.items():
        if _is_variable(obj):
            value = np.asarray(obj.numpy())
            held = [k for k, v in values.items() if np.shape(v) == value.shape and np.array_equal(v, value)]
            variables[str(number)] = {"shape": list(value.shape), "holds": sorted(held)}
    return {"root": _number(root), "children": children, "variables": variables}


def tensorflow_binding(prefix: str) -> dict[str, int]:
    """Checkpoint key -> the object TensorFlow's restores of ``prefix`` bound its node to."""
    reader = tf.train.load_checkpoint(prefix)
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    binding = {}
    for coordinator in _COORDINATORS:
        if coordinator.save_path_string != prefix:
            continue
        for node_id, obj in coordinator.object_by_proto_id.items():
            for attribute in graph.nodes[node_id].attributes:
                binding.setdefault(attribute.checkpoint_key, _number(obj))
    return binding


def answer(name: str, folder: str, prefix: str, script: str, how: str, step: str | None) -> dict:
    """Run the user's script and their restore; what TensorFlow did."""
    os.chdir(folder)
    namespace = runpy.run_path(script, run_name="__ckpt_gui_model__")
    built = namespace["build"]() if "build" in namespace else namespace["checkpoint"]
    reader = tf.train.load_checkpoint(prefix)
    root = built
    extra = {}
    if how == "root":
        wrapper = tf.train.Checkpoint(built)
        restore = lambda: wrapper.restore(prefix)  # noqa: E731
        if "save_counter/.ATTRIBUTES/VARIABLE_VALUE" in reader.get_variable_to_shape_map():
            extra = {"save_counter": wrapper.save_counter}  # the wrapper's, bound beside the model's children
    elif how == "load_weights":
        restore = lambda: built.load_weights(prefix)  # noqa: E731
    else:
        restore = lambda: built.restore(prefix)  # noqa: E731
    before = snapshot(root, extra, reader)
    error = None
    try:
        restore()
    except Exception as exc:  # noqa: BLE001 - TensorFlow's error is part of its answer
        error = f"{type(exc).__name__}: {exc}"
    after = snapshot(root, extra, reader)
    bound = tensorflow_binding(prefix)
    result = {"prefix": prefix, "script": script, "error": error, "before": before, "after": after, "bound": bound}
    if step == "optimizer":
        built.optimizer.build(built.model.trainable_variables)  # what the first apply_gradients does first
        result["after_step"] = snapshot(root, extra, reader)
    elif step == "model":
        built.model(tf.ones((1, 5)))
        result["after_step"] = snapshot(root, extra, reader)
    if step:
        result["bound_after_step"] = tensorflow_binding(prefix)
    return result


def main(out: str) -> None:
    prefixes = {}
    oracle = {}
    for name, (saver, source, how, step) in CASES.items():
        _COORDINATORS.clear()
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        prefixes[name] = prefixes[saver] if isinstance(saver, str) else saver(folder)
        script = os.path.join(folder, "model_def.py")
        with open(script, "w") as handle:
            handle.write(textwrap.dedent(source))
        oracle[name] = answer(name, folder, prefixes[name], script, how, step)
    with open(os.path.join(out, "oracle.json"), "w") as handle:
        json.dump(oracle, handle)


if __name__ == "__main__":
    main(sys.argv[1])
