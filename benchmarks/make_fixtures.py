"""Writes the benchmark checkpoints with TensorFlow (run by benchmarks/run.py).

- ``vars20k/ckpt``: 20,000 variables under a tf.train.Checkpoint (2,000 blocks of 10
  small variables), so the index and object graph dominate.
- ``tensor256/ckpt``: one float32 variable of 256 MB (64M standard normal values).
- ``vector1m/ckpt``: a 1000 x 1000 float32 matrix (1M elements) and a bias.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def many_variables(out: str, blocks: int = 2000) -> None:
    class Block(tf.Module):
        def __init__(self):
            super().__init__()
            self.kernel = tf.Variable(tf.zeros([4, 4]), name="kernel")
            self.bias = tf.Variable(tf.zeros([4]), name="bias")
            self.gamma = tf.Variable(tf.ones([4]), name="gamma")
            self.beta = tf.Variable(tf.zeros([4]), name="beta")
            self.extra = [tf.Variable(tf.zeros([2, 3]), name=f"extra_{j}") for j in range(6)]

    model = tf.Module()
    model.blocks = [Block() for _ in range(blocks)]
    tf.train.Checkpoint(model=model).write(os.path.join(out, "ckpt"))


def big_tensor(out: str, elements: int = 64 * 1024 * 1024) -> None:
    values = np.random.RandomState(0).standard_normal(elements).astype(np.float32)
    tf.train.Checkpoint(big=tf.Variable(values)).write(os.path.join(out, "ckpt"))


def million_vector(out: str) -> None:
    """A 1M-element (1000 x 1000) weight matrix and a small bias: the selection benchmark."""
    rng = np.random.RandomState(1)
    weights = tf.Variable(rng.standard_normal((1000, 1000)).astype(np.float32))
    bias = tf.Variable(np.zeros(1000, np.float32))
    tf.train.Checkpoint(weights=weights, bias=bias).write(os.path.join(out, "ckpt"))


def main(root: str) -> int:
    if not os.path.exists(os.path.join(root, "vars20k", "ckpt.index")):
        many_variables(os.path.join(root, "vars20k"))
    if not os.path.exists(os.path.join(root, "tensor256", "ckpt.index")):
        big_tensor(os.path.join(root, "tensor256"))
    if not os.path.exists(os.path.join(root, "vector1m", "ckpt.index")):
        million_vector(os.path.join(root, "vector1m"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
