"""The repair cases of issue 13, as a user meets them: a checkpoint saved by one version
of a model, the model script as it is now, and the user's own restore code.

Run in a child process, so the test process never imports TensorFlow:

    python -m tests.repair_cases write OUTDIR [CASE...]  # each case's source checkpoint and model.py (all: none named)
    python -m tests.repair_cases restore OUTDIR CASE...  # the user's restore code on OUTDIR/CASE/repaired

``restore`` prints one JSON object: per case, whether the user's restore passed (its
``assert_consumed()``, or what the case asks for), and, for every value the case
expects carried over, whether the restored variable holds the source checkpoint's
value (read by TensorFlow, ``tf.train.load_checkpoint``), bit for bit or on the
overlapping block.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
import traceback

from tests.case_oracle import main, match, run_user_script

# -- the model scripts (what the user's code is now) ---------------------------------------------

# The model's definition, as saved (``SAVED``: saves to ``out``) and as it is now
# (``NOW``: the model script, with its imports and ``build()``).
NOW_IMPORTS = """
import keras
import tensorflow as tf
"""
BUILD_CHECKPOINT = """
def build():
    return tf.train.Checkpoint(model=model)
"""
SAVE_CHECKPOINT = """tf.train.Checkpoint(model=model).save(os.path.join(out, "ckpt"))
"""

SUBCLASSED = """
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense({width}, activation="relu")
        self.{head} = keras.layers.Dense(4)

    def call(self, x):
        return self.{head}(self.dense1(x))

model = Net()
model(tf.zeros([1, 8]))
"""
SUBCLASSED_NOW = NOW_IMPORTS + SUBCLASSED.format(head="head", width=16) + BUILD_CHECKPOINT  # saved as self.dense2
SUBCLASSED_SAVED = SUBCLASSED.format(head="dense2", width=16) + SAVE_CHECKPOINT
# Review 12, 3 (seed 004): dense2 renamed and dense1 widened, so the renamed layer's input widened too.
# Its saved dense2 kernel holds a NaN and a +Inf in the block copy-overlap carries (review 22 #7).
DIVERGED_SAVED = (
    SUBCLASSED.format(head="dense2", width=16)
    + """
diverged = model.dense2.kernel.numpy()
diverged[0, 0], diverged[1, 0] = np.nan, np.inf
model.dense2.kernel.assign(diverged)
"""
    + SAVE_CHECKPOINT
)
RENAMED_WIDENED_NOW = NOW_IMPORTS + SUBCLASSED.format(head="head", width=24) + BUILD_CHECKPOINT

BLOCK = """
class Block(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = keras.layers.Dense(6)
        self.outer = keras.layers.Dense(3)

    def call(self, x):
        return self.outer(self.inner(x))

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.{block} = Block()

    def call(self, x):
        return self.{block}(x)

model = Net()
model(tf.zeros([1, 5]))
"""
BLOCK_NOW = NOW_IMPORTS + BLOCK.format(block="encoder") + BUILD_CHECKPOINT  # saved as self.block
BLOCK_SAVED = BLOCK.format(block="block") + SAVE_CHECKPOINT

INSERTED_NOW = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(16, activation="relu"),  # inserted since the save
                          keras.layers.Dense(4)])

def build():
    return tf.train.Checkpoint(model=model)
"""

INSERTED_SAVED = """
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])
tf.train.Checkpoint(model=model).save(os.path.join(out, "ckpt"))
"""

OPTIMIZER_NOW = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])
optimizer = keras.optimizers.SGD(0.01, momentum=0.9)  # saved with Adam
optimizer.build(model.trainable_variables)
checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
"""

OPTIMIZER_SAVED = """
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])
optimizer = keras.optimizers.Adam(0.01)
model.compile(optimizer=optimizer, loss="mse")
model.fit(np.ones([8, 8], "float32"), np.ones([8, 4], "float32"), epochs=2, verbose=0)
# Numbered by the training step, as a loop's manager.save(checkpoint_number=step) names it:
# ckpt-42, which the repaired checkpoint keeps (it was ckpt-1 whatever the source: issue 11).
checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
tf.train.CheckpointManager(checkpoint, out, max_to_keep=1).save(checkpoint_number=42)
"""

WIDENED_NOW = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(24, activation="relu"),  # was 16 units
                          keras.layers.Dense(4)])

def build():
    return tf.train.Checkpoint(model=model)
"""

WIDENED_SAVED = """
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])
tf.train.Checkpoint(model=model).save(os.path.join(out, "ckpt"))
"""

KERAS2_NOW = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dropout(0.1), keras.layers.Dense(4)])

def build():
    return model
"""

KERAS2_SAVED = """
import tf_keras
model = tf_keras.Sequential([tf_keras.Input((8,)), tf_keras.layers.Dense(16, activation="relu"),
                             tf_keras.layers.Dropout(0.1), tf_keras.layers.Dense(4)])
model.save_weights(os.path.join(out, "weights"))
"""

TF1_SCOPE_NOW = """
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
with tf.compat.v1.variable_scope("encoder"):  # saved under the scope "layer1"
    weights = tf.compat.v1.get_variable("weights", [6, 3])
    biases = tf.compat.v1.get_variable("biases", [3])
with tf.compat.v1.variable_scope("head"):
    out_weights = tf.compat.v1.get_variable("weights", [3, 2])
"""

TF1_SCOPE_SAVED = """
with tf.Graph().as_default():
    with tf.compat.v1.variable_scope("layer1"):
        tf.compat.v1.get_variable("weights", [6, 3])
        tf.compat.v1.get_variable("biases", [3], initializer=tf.compat.v1.random_normal_initializer())
    with tf.compat.v1.variable_scope("head"):
        tf.compat.v1.get_variable("weights", [3, 2])
    tf.compat.v1.train.get_or_create_global_step()  # a step counter the script now has not
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, os.path.join(out, "model.ckpt"), global_step=1000)
"""

TF1_TO_KERAS_NOW = """
import keras
import tensorflow as tf

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])

def build():
    return model
"""

TF1_TO_KERAS_SAVED = """
with tf.Graph().as_default():
    for scope, shape in (("dense", [8, 16]), ("dense_1", [16, 4])):
        with tf.compat.v1.variable_scope(scope):
            tf.compat.v1.get_variable("kernel", shape)
            tf.compat.v1.get_variable("bias", shape[1:], initializer=tf.compat.v1.random_normal_initializer())
    tf.compat.v1.train.get_or_create_global_step()
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, os.path.join(out, "model.ckpt"))
"""

# -- the user's restore code, and what it must hold afterwards -----------------------------------

# Keras object-based restore: ``source`` is the source checkpoint's key of each value.
KERAS_RESTORE = """
checkpoint = tf.train.Checkpoint(model=model)
checkpoint.restore(tf.train.latest_checkpoint(repaired)).assert_consumed()
"""


def _weights(*pairs):
    return "held = {" + ", ".join(f"{key!r}: {expr}" for key, expr in pairs) + "}\n"


K3 = "model/_functional/_operations/{}/{}/.ATTRIBUTES/VARIABLE_VALUE"

CASES = {
    "attribute_rename": {
        "saved": SUBCLASSED_SAVED,
        "model": SUBCLASSED_NOW,
        "restore": KERAS_RESTORE
        + _weights(
            ("model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.head.kernel"),
            ("model/dense2/bias/.ATTRIBUTES/VARIABLE_VALUE", "model.head.bias"),
            ("model/dense1/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.dense1.kernel"),
        ),
    },
    "renamed_widened": {
        "saved": DIVERGED_SAVED,
        "model": RENAMED_WIDENED_NOW,
        "copy_overlap": True,
        "restore": KERAS_RESTORE
        + _weights(
            ("model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.head.kernel"),
            ("model/dense2/bias/.ATTRIBUTES/VARIABLE_VALUE", "model.head.bias"),
            ("model/dense1/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.dense1.kernel"),
        ),
    },
    "layer_rename": {
        "saved": BLOCK_SAVED,
        "model": BLOCK_NOW,
        "restore": KERAS_RESTORE
        + _weights(
            ("model/block/inner/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.encoder.inner.kernel"),
            ("model/block/outer/_kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.encoder.outer.kernel"),
            ("model/block/outer/bias/.ATTRIBUTES/VARIABLE_VALUE", "model.encoder.outer.bias"),
        ),
    },
    "inserted_layer": {
        "saved": INSERTED_SAVED,
        "model": INSERTED_NOW,
        "restore": KERAS_RESTORE
        + _weights(
            (K3.format(1, "_kernel"), "model.layers[0].kernel"),
            (K3.format(2, "_kernel"), "model.layers[2].kernel"),
            (K3.format(2, "bias"), "model.layers[2].bias"),
        ),
    },
    "optimizer_change": {
        "saved": OPTIMIZER_SAVED,
        "model": OPTIMIZER_NOW,
        "restore": """
status = tf.train.Checkpoint(model=model, optimizer=optimizer).restore(tf.train.latest_checkpoint(repaired))
status.assert_existing_objects_matched()
"""
        # Saved with a built optimizer, TensorFlow keys the weights by the optimizer's list.
        + _weights(
            ("optimizer/_trainable_variables/0/.ATTRIBUTES/VARIABLE_VALUE", "model.layers[0].kernel"),
            ("optimizer/_trainable_variables/3/.ATTRIBUTES/VARIABLE_VALUE", "model.layers[1].bias"),
        ),
    },
    "widened_layer": {
        "saved": WIDENED_SAVED,
        "model": WIDENED_NOW,
        "copy_overlap": True,
        "restore": KERAS_RESTORE
        + _weights(
            (K3.format(1, "_kernel"), "model.layers[0].kernel"),
            (K3.format(1, "bias"), "model.layers[0].bias"),
            (K3.format(2, "_kernel"), "model.layers[1].kernel"),
            (K3.format(2, "bias"), "model.layers[1].bias"),
        ),
    },
    "keras2_to_keras3": {
        "saved": KERAS2_SAVED,
        "model": KERAS2_NOW,
        "restore": """
tf.train.Checkpoint(model).restore(tf.train.latest_checkpoint(repaired)).assert_consumed()
"""
        + _weights(
            ("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.layers[0].kernel"),
            ("layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE", "model.layers[2].kernel"),
            ("layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE", "model.layers[2].bias"),
        ),
    },
    "tf1_to_keras": {
        "saved": TF1_TO_KERAS_SAVED,
        "model": TF1_TO_KERAS_NOW,
        "restore": """
tf.train.Checkpoint(model).restore(tf.train.latest_checkpoint(repaired)).assert_consumed()
"""
        + _weights(
            ("dense/kernel", "model.layers[0].kernel"),
            ("dense/bias", "model.layers[0].bias"),
            ("dense_1/kernel", "model.layers[1].kernel"),
            ("dense_1/bias", "model.layers[1].bias"),
        ),
    },
    "tf1_scope_rename": {
        "saved": TF1_SCOPE_SAVED,
        "model": TF1_SCOPE_NOW,
        "graph": True,
        "restore": """
session = tf.compat.v1.Session()
tf.compat.v1.train.Saver().restore(session, tf.train.latest_checkpoint(repaired))
held = {"layer1/weights": session.run(weights), "layer1/biases": session.run(biases),
        "head/weights": session.run(out_weights)}
""",
    },
}


def write(out: str, names: list[str] | None = None) -> None:
    import numpy as np
    import tensorflow as tf

    for name, case in CASES.items():
        if names and name not in names:
            continue
        folder = os.path.join(out, name)
        source = os.path.join(folder, "source")
        os.makedirs(source)
        import keras

        keras.utils.set_random_seed(1234)
        exec(  # noqa: S102 - the test's own code
            textwrap.dedent(case["saved"]),
            {"tf": tf, "np": np, "keras": keras, "os": os, "out": source},
        )
        with open(os.path.join(folder, "model.py"), "w") as f:
            f.write(textwrap.dedent(case["model"]))


def restore(out: str, names: list[str]) -> dict:
    """Each case's restore code on its repaired folder, in a graph of its own."""
    import numpy as np
    import tensorflow as tf

    results = {}
    # Graph mode (disable_eager_execution in the script) lasts for the process: those last.
    for name in sorted(names, key=lambda n: bool(CASES[n].get("graph"))):
        case, folder = CASES[name], os.path.join(out, name)
        source = tf.train.latest_checkpoint(os.path.join(folder, "source")) or os.path.join(folder, "source", "weights")
        reader = tf.train.load_checkpoint(source)
        try:
            namespace = _run_model(case, os.path.join(folder, "model.py"), tf)
            namespace.update(tf=tf, repaired=os.path.join(folder, "repaired"))
            graph = namespace.get("_graph")
            with graph.as_default() if graph is not None else contextlib.nullcontext():
                exec(textwrap.dedent(case["restore"]), namespace)  # noqa: S102 - the test's own code
            held = {key: np.asarray(value) for key, value in namespace["held"].items()}
        except Exception:  # noqa: BLE001 - reported to the test
            results[name] = {"restored": False, "error": traceback.format_exc()}
            continue
        values = {key: match(reader.get_tensor(key), value) for key, value in held.items()}
        latest = tf.train.latest_checkpoint(os.path.join(folder, "repaired"))  # what the restore code took
        # NaN, +Inf, -Inf in each value the user's restore put in the model (review 22 #7).
        non_finite = {key: [int(np.isnan(v).sum()), int(np.isposinf(v).sum()), int(np.isneginf(v).sum())]
                      for key, v in held.items() if v.dtype.kind == "f" and not np.isfinite(v).all()}  # fmt: skip
        results[name] = {"restored": True, "values": values, "latest": latest, "non_finite": non_finite}
    return results


def _run_model(case: dict, script: str, tf) -> dict:
    """The model script, as the user's own code runs it (graph mode in a graph of its own)."""
    import keras

    keras.backend.clear_session()
    if case.get("graph"):
        with tf.Graph().as_default():
            namespace = run_user_script(script)
            namespace["_graph"] = tf.compat.v1.get_default_graph()
        return namespace
    return run_user_script(script)


if __name__ == "__main__":
    main({"write": lambda args: write(args[0], args[1:]), "restore": lambda args: restore(args[0], args[1:])}, sys.argv)
