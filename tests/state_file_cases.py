"""Folders whose ``checkpoint`` state file or newest save does not give the user's
``restore(tf.train.latest_checkpoint(dir))`` what the folder shows (review 20, G1, G4, G5),
written by TensorFlow in one child process, with what TensorFlow itself does with each:
the oracle of the tests that use them.

- ``whole``: a CheckpointManager's three saves (ckpt-1..3) of a Sequential and its Adam
  (values large beside the object graph, so that a cut data file holds some of them).
- ``moved``: ``whole`` copied from "another machine": its state file names the saves by
  absolute paths that do not exist here (written by TensorFlow's update_checkpoint_state).
- ``stale``: ``whole`` whose state file names ckpt-9, which does not exist.
- ``trunc``: ``whole`` whose newest data file was cut to half its size (a copy or a save
  interrupted): its index is whole, so latest_checkpoint still returns it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

WRITER = r"""
import json, os, shutil, sys
import keras
import numpy as np
import tensorflow as tf

out = sys.argv[1]

def fresh():
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64), keras.layers.Dense(4)])
    optimizer = keras.optimizers.Adam(0.01)
    optimizer.build(model.trainable_variables)
    return model, tf.train.Checkpoint(model=model, optimizer=optimizer)

model, checkpoint = fresh()
whole = os.path.join(out, "whole")
manager = tf.train.CheckpointManager(checkpoint, whole, max_to_keep=3)
for step in range(3):
    model.layers[0].kernel.assign(tf.fill((32, 64), float(step + 1)))
    manager.save()
saved = [os.path.basename(p) for p in manager.checkpoints]

moved = os.path.join(out, "moved")
shutil.copytree(whole, moved)
elsewhere = "/nonexistent-training-machine/run"
tf.compat.v1.train.update_checkpoint_state(
    moved, os.path.join(elsewhere, saved[-1]), [os.path.join(elsewhere, name) for name in saved])

stale = os.path.join(out, "stale")
shutil.copytree(whole, stale)
tf.compat.v1.train.update_checkpoint_state(stale, "ckpt-9", ["ckpt-9"])

trunc = os.path.join(out, "trunc")
shutil.copytree(whole, trunc)
data = os.path.join(trunc, saved[-1] + ".data-00000-of-00001")
os.truncate(data, os.path.getsize(data) // 4)  # some values before the cut, the others and the graph past it

latest = {name: tf.train.latest_checkpoint(os.path.join(out, name)) for name in ("whole", "moved", "stale", "trunc")}

# What the user's restore(latest_checkpoint(dir)) does with None: nothing, and no error.
restored_from_none = {}
for name in ("moved", "stale"):
    model, checkpoint = fresh()
    checkpoint.restore(latest[name])
    restored_from_none[name] = bool(np.allclose(model.layers[0].kernel.numpy(), 3.0))

# The truncated save: the user's restore of it fails; TensorFlow's own reader, key by key.
model, checkpoint = fresh()
try:
    checkpoint.restore(latest["trunc"]).assert_consumed()
    trunc_restore_error = None
except Exception as exc:
    trunc_restore_error = type(exc).__name__
reader = tf.train.load_checkpoint(latest["trunc"])
readable = {}
for key in reader.get_variable_to_shape_map():
    try:
        reader.get_tensor(key)
        readable[key] = True
    except Exception:
        readable[key] = False
model, checkpoint = fresh()
checkpoint.restore(os.path.join(trunc, saved[-2])).assert_consumed()
previous_restores = bool(np.allclose(model.layers[0].kernel.numpy(), 2.0))

print(json.dumps({
    "saved": saved, "elsewhere": elsewhere, "latest": latest, "restored_from_none": restored_from_none,
    "trunc_restore_error": trunc_restore_error, "trunc_readable": readable, "previous_restores": previous_restores,
}))
"""

# The model script of the doctor's runs: the same model, restored as an inference script would.
MODEL_SCRIPT = """
import keras
import tensorflow as tf

def build():
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(64), keras.layers.Dense(4)])
    return tf.train.Checkpoint(model=model)
"""


def write_cases(out) -> dict:
    """Write the folders into ``out`` with TensorFlow; what TensorFlow did with each."""
    result = subprocess.run(
        [sys.executable, "-c", WRITER, str(out)], capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])
