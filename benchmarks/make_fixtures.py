"""Writes the benchmark checkpoints with TensorFlow (run by benchmarks/run.py).

- ``vars20k/ckpt``: 20,000 variables under a tf.train.Checkpoint (2,000 blocks of 10
  small variables), so the index and object graph dominate.
- ``tensor256/ckpt``: one float32 variable of 256 MB (64M standard normal values).
- ``vector1m/ckpt``: a 1000 x 1000 float32 matrix (1M elements) and a bias.
- ``diff1g/a/ckpt``, ``diff1g/b/ckpt``: two 1 GB checkpoints, half the variables changed.
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


def gigabyte_pair(out: str, variables: int = 16, elements: int = 16 * 1024 * 1024) -> None:
    """Two 1 GB checkpoints (16 float32 variables of 64 MB): B is A after a "training
    step" on half of the variables, the other half unchanged."""
    rng = np.random.RandomState(2)
    for side in ("a", "b"):
        holder = tf.Module()
        holder.layers = []
        for i in range(variables):
            values = np.random.RandomState(100 + i).standard_normal(elements).astype(np.float32)
            if side == "b" and i % 2 == 0:
                values += rng.standard_normal(elements).astype(np.float32) * np.float32(1e-3)
            holder.layers.append(tf.Variable(values.reshape(4096, -1)))
        tf.train.Checkpoint(model=holder).write(os.path.join(out, side, "ckpt"))
        del holder


def main(root: str) -> int:
    if not os.path.exists(os.path.join(root, "vars20k", "ckpt.index")):
        many_variables(os.path.join(root, "vars20k"))
    if not os.path.exists(os.path.join(root, "tensor256", "ckpt.index")):
        big_tensor(os.path.join(root, "tensor256"))
    if not os.path.exists(os.path.join(root, "vector1m", "ckpt.index")):
        million_vector(os.path.join(root, "vector1m"))
    if not os.path.exists(os.path.join(root, "diff1g", "b", "ckpt.index")):
        gigabyte_pair(os.path.join(root, "diff1g"))
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="the folder to write the checkpoints into (kept if already written)")
    sys.exit(main(parser.parse_args().root))
