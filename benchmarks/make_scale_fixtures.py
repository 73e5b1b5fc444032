"""Writes the scale benchmark checkpoints (run by benchmarks/scale_bench.py).

- ``vars200k/a/ckpt``, ``vars200k/b/ckpt``: 200,000 variables in nested objects
  (20,000 blocks of 10 small variables under a tf.train.Checkpoint), written by
  TensorFlow; B is A with every fourth block's kernel changed (the compare pair).
- ``entries1m/ckpt``: an index of 1,000,000 entries (name-based keys, as a model
  with per-expert or per-slice variables has), written directly by
  tools/bundle_writer.py: TensorFlow takes too long to create a million variables;
  the writer itself is checked against ``tf.train.load_checkpoint`` by
  tests/test_bundle_writer.py.

The 20,000-variable checkpoint is benchmarks/make_fixtures.py's ``vars20k``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def nested_pair(out: str, blocks: int = 20_000) -> None:
    import tensorflow as tf

    class Block(tf.Module):
        def __init__(self, i: int):
            super().__init__()
            self.kernel = tf.Variable(tf.fill([4, 4], float(i % 7)), name="kernel")
            self.bias = tf.Variable(tf.zeros([4]), name="bias")
            self.gamma = tf.Variable(tf.ones([4]), name="gamma")
            self.beta = tf.Variable(tf.zeros([4]), name="beta")
            self.extra = [tf.Variable(tf.zeros([2, 3]), name=f"extra_{j}") for j in range(6)]

    model = tf.Module()
    model.blocks = [Block(i) for i in range(blocks)]
    checkpoint = tf.train.Checkpoint(model=model)
    checkpoint.write(os.path.join(out, "a", "ckpt"))
    for i in range(0, blocks, 4):
        model.blocks[i].kernel.assign_add(tf.fill([4, 4], 0.5))
    checkpoint.write(os.path.join(out, "b", "ckpt"))


def million_entries(out: str, count: int = 1_000_000) -> None:
    from tools.bundle_writer import write_bundle

    experts = 1000

    def tensors():
        for i in range(count):
            layer, expert = divmod(i, experts)
            yield f"moe/layer_{layer:03d}/expert_{expert:03d}/w", "float32", (4,), bytes(16)

    os.makedirs(out, exist_ok=True)
    write_bundle(os.path.join(out, "ckpt"), tensors())


def main(root: str) -> int:
    if not os.path.exists(os.path.join(root, "vars200k", "b", "ckpt.index")):
        nested_pair(os.path.join(root, "vars200k"))
    if not os.path.exists(os.path.join(root, "entries1m", "ckpt.index")):
        million_entries(os.path.join(root, "entries1m"))
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)  # fmt: skip
    parser.add_argument("root", help="the folder to write vars200k/ and entries1m/ into (kept if already written)")
    sys.exit(main(parser.parse_args().root))
