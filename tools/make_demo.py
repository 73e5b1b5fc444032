"""Writes the bundled demo: three CheckpointManager saves of a small Keras CNN with Adam.

The result is committed under ckpt_gui/resources/demo so the app has something real to show
on first run without TensorFlow. Regenerate with ``make demo``.
"""

from __future__ import annotations

import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ckpt_gui", "resources", "examples")
)
from demo_model import build_model  # noqa: E402  (the one model definition, shared with the doctor's example)


def synthetic_digits(n: int, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """Blurry class-dependent blobs: enough signal for the weights to move."""
    labels = rng.randint(0, 10, n)
    yy, xx = np.mgrid[0:28, 0:28]
    images = np.empty((n, 28, 28, 1), dtype=np.float32)
    for i, label in enumerate(labels):
        cy, cx = 6 + 2 * (label // 4) * 3, 6 + (label % 4) * 5
        images[i, :, :, 0] = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 18.0)
    images += rng.normal(0, 0.1, images.shape).astype(np.float32)
    return images, labels


def main(out: str) -> int:
    import keras

    keras.utils.set_random_seed(7)
    if os.path.isdir(out):
        shutil.rmtree(out)
    model = build_model()
    optimizer = keras.optimizers.Adam(1e-3)
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = synthetic_digits(512, np.random.RandomState(0))
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    manager = tf.train.CheckpointManager(checkpoint, out, max_to_keep=3)
    for step in (100, 200, 300):
        model.fit(x, y, epochs=3, batch_size=32, verbose=0)
        manager.save(checkpoint_number=step)
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"wrote {out}: {sorted(os.listdir(out))}, {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "demo")))
