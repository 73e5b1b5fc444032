"""Exact statistics of one large Keras weight: ckpt-gui (positioned, chunked, parallel
reads of the dataset's byte range in the .weights.h5) against h5py reading it whole and
numpy summarising it (what a script does without ckpt-gui). Run:

    .venv/bin/python benchmarks/keras_bench.py [MB]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import h5py
import numpy as np


def write_weights(path: str, megabytes: int) -> None:
    """A Keras 3 layout (layers/<layer>/vars/<i>) written with h5py: no TensorFlow needed."""
    rows = megabytes * (1 << 20) // (4 * 4096)
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f.create_group("layers/dense/vars").attrs["name"] = "big"
        ds = f.create_dataset("layers/dense/vars/0", shape=(rows, 4096), dtype="<f4")
        for start in range(0, rows, 4096):
            ds[start : start + 4096] = rng.standard_normal((min(4096, rows - start), 4096), dtype=np.float32)
        f.create_dataset("layers/dense/vars/1", data=np.zeros(4096, "<f4"))


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from ckpt_gui.core.analysis.summaries import tensor_stats
    from ckpt_gui.core.checkpoint import Checkpoint

    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "big.weights.h5")
        write_weights(path, megabytes)

        def ours() -> None:
            tensor_stats(Checkpoint.open(path), "layers/dense/vars/0")

        def baseline() -> None:
            with h5py.File(path, "r") as f:
                values = f["layers/dense/vars/0"][()]
            finite = values[np.isfinite(values)]
            _ = (finite.min(), finite.max(), finite.mean(), finite.std(), int((values == 0).sum()))

        mine, theirs = best_of(ours), best_of(baseline)
        print(
            f"| Stats of one {megabytes} MB Keras weight (.weights.h5) | {mine * 1000:.0f} ms "
            f"| {theirs * 1000:.0f} ms (h5py + numpy) | {mine / theirs:.2f}x |"
        )


if __name__ == "__main__":
    main()
