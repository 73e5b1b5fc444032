"""A folder of two series, written by TensorFlow at test time (review 24 #1, seeds
003/004): a CheckpointManager's ``ckpt-1/2`` of a small subclassed Keras model (the
model script the doctor runs), and beside it a second CheckpointManager's
``custom-1/2`` (``checkpoint_name="custom"``) of another model's variables, saved
last, so that the folder's state file names ``custom-2``.

The oracle is TensorFlow's own restore, in the same child: the script's model from
each series' latest, ``assert_consumed()`` passing or not; and of the script not
built (its BUILD_LINE left out), ``assert_existing_objects_matched()``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

# The model script the doctor runs: a subclassed model, built, with its optimizer.
MODEL_SCRIPT = """
import tensorflow as tf

class MyModel(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = tf.keras.layers.Dense(16, activation="relu")
        self.dense2 = tf.keras.layers.Dense(10)

    def call(self, x):
        return self.dense2(self.dense1(x))

model = MyModel()
model(tf.zeros([1, 20]))
optimizer = tf.keras.optimizers.Adam()
checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
"""

BUILD_LINE = "model(tf.zeros([1, 20]))\n"  # left out, the script's model is not built

_WRITER = """
import json, os, sys
import tensorflow as tf

folder, script = sys.argv[1], sys.argv[2]
source = open(script).read()
BUILD = "model(tf.zeros([1, 20]))\\n"  # the line that builds the model (BUILD_LINE)

def script_objects():
    namespace = {}
    exec(compile(source, script, "exec"), namespace)
    return namespace

mine = script_objects()
manager = tf.train.CheckpointManager(mine["checkpoint"], folder, max_to_keep=5)
manager.save()
manager.save()

class Other(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(tf.random.normal((10, 10)))
        self.b = tf.Variable(tf.zeros((10,)))

other = tf.train.Checkpoint(model=Other())
custom = tf.train.CheckpointManager(other, folder, max_to_keep=5, checkpoint_name="custom")
custom.save()
custom.save()

def restores(prefix):
    try:
        script_objects()["checkpoint"].restore(prefix).assert_consumed()
        return True
    except AssertionError:
        return False

def unbuilt_matched(prefix):
    # The script's model not built yet (its call left out): whether what it made so far
    # (the layers' objects, the optimizer's variables) all find their values.
    namespace = {}
    exec(compile(source.replace(BUILD, ""), script, "exec"), namespace)
    try:
        namespace["checkpoint"].restore(prefix).assert_existing_objects_matched()
        return True
    except AssertionError:
        return False

ckpt_latest, custom_latest = manager.latest_checkpoint, custom.latest_checkpoint
print(json.dumps({
    "ckpt_latest": ckpt_latest,
    "custom_latest": custom_latest,
    "folder_latest": tf.train.latest_checkpoint(folder),
    "ckpt_restores": restores(ckpt_latest),
    "custom_restores": restores(custom_latest),
    "unbuilt_ckpt_matched": unbuilt_matched(ckpt_latest),
    "unbuilt_custom_matched": unbuilt_matched(custom_latest),
}))
"""


def write_two_series(folder: Path, script: Path) -> dict:
    """Write the folder and the model script; TensorFlow's answers about them (see above)."""
    folder.mkdir(parents=True)
    script.write_text(textwrap.dedent(MODEL_SCRIPT))
    writer = folder.parent / "write_two_series.py"
    writer.write_text(textwrap.dedent(_WRITER))
    result = subprocess.run(
        [sys.executable, str(writer), str(folder), str(script)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
