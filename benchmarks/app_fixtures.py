"""Writes the app-speed benchmark checkpoints with TensorFlow (run by
benchmarks/app_speed_bench.py), one process each so that at most one tensor is in memory.

- ``vector512/ckpt``: one float32 vector of 512 MB (128M standard normal values, a few
  NaN and Inf among them) and a small bias.
- ``tensor1g/ckpt``: one float32 matrix of 1 GB (16384 x 16384) and a small bias.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

FIXTURES = {"vector512": (128 * 1024 * 1024,), "tensor1g": (16384, 16384)}


def write(root: str, name: str) -> None:
    shape = FIXTURES[name]
    values = np.random.RandomState(3).standard_normal(int(np.prod(shape))).astype(np.float32)
    values[[7, 1_000_003, values.size - 2]] = [np.nan, np.inf, -np.inf]
    big = tf.Variable(values.reshape(shape))
    del values
    bias = tf.Variable(np.zeros(16, np.float32))
    tf.train.Checkpoint(big=big, bias=bias).write(os.path.join(root, name, "ckpt"))


def main(root: str) -> int:
    for name in FIXTURES:
        if not os.path.exists(os.path.join(root, name, "ckpt.index")):
            write(root, name)
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="the folder to write the checkpoints into (kept if already written)")
    sys.exit(main(parser.parse_args().root))
