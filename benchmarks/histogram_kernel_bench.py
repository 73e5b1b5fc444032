"""CPU time of counting a histogram chunk, with the optional C kernel and without it
(docs/performance.md, "Large tensors").

    python benchmarks/histogram_kernel_bench.py [--values N] [--bins B] [--runs R]
        [--checkpoint PREFIX --key KEY]

First ``count_chunk`` on N standard-normal values (float32, then float64) over B bins,
the kernel on and off in turn in one process, CPU time per value (best of R). With a
checkpoint, then ``overview.histogram_pass`` over one of its tensors (the app's
second pass, as the CLI, the comparison and the pass process run it), CPU and wall
seconds, the kernel on and off alternating. CPU time, not wall: on a shared machine
the wall time says more about the neighbours than about the code. Run it under
``flock /tmp/bench.lock`` beside other benchmarks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from ckpt_gui.core.analysis import histogram_kernel  # noqa: E402
from ckpt_gui.core.analysis.histogram import HistogramAccumulator, count_chunk  # noqa: E402
from ckpt_gui.core.values.scratch import Scratch  # noqa: E402

KERNEL = histogram_kernel._histogram_counts


def per_value(values: np.ndarray, bins: int, runs: int, kernel) -> float:
    """Best CPU ns a value of count_chunk (no moments) with ``kernel`` (None: numpy's way)."""
    acc = HistogramAccumulator(bins, values.min(), values.max())
    edges, fine, scratch = acc.edges_for(values.dtype), acc.fine_bins(), Scratch()
    histogram_kernel._histogram_counts = kernel
    count_chunk(values, edges, False, fine, scratch)
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        count_chunk(values, edges, False, fine, scratch)
        best = min(best, time.process_time() - start)
    return best / values.size * 1e9


def histogram_passes(prefix: str, key: str, runs: int) -> None:
    from ckpt_gui.core.analysis import overview
    from ckpt_gui.core.checkpoint import Checkpoint

    ckpt = Checkpoint.open(prefix)
    stats = overview.first_pass(ckpt, key).stats
    for run in range(runs):
        for label, kernel in (("C kernel", KERNEL), ("numpy", None)):
            histogram_kernel._histogram_counts = kernel
            wall, cpu = time.perf_counter(), time.process_time()
            overview.histogram_pass(ckpt, key, stats)
            print(f"  run {run + 1} {label:8s} {time.process_time() - cpu:.3f} s CPU, "
                  f"{time.perf_counter() - wall:.3f} s wall")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=4 << 20)
    parser.add_argument("--bins", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--checkpoint", help="a checkpoint prefix: time its tensor's histogram pass too")
    parser.add_argument("--key", help="the tensor (with --checkpoint)")
    args = parser.parse_args()
    if KERNEL is None:
        print("the C histogram kernel is not built (no compiler at install): nothing to compare")
        return 1
    print(f"load average {os.getloadavg()[0]:.2f}; count_chunk, {args.values} values, {args.bins} bins, CPU a value:")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        values = rng.standard_normal(args.values).astype(dtype)
        with_c, without = (per_value(values, args.bins, args.runs, k) for k in (KERNEL, None))
        print(f"  {np.dtype(dtype).name}: C kernel {with_c:.2f} ns, numpy {without:.2f} ns")
    if args.checkpoint:
        print(f"histogram pass of {args.key}:")
        histogram_passes(args.checkpoint, args.key, 3)
    print(f"load average {os.getloadavg()[0]:.2f}")
    histogram_kernel._histogram_counts = KERNEL
    return 0


if __name__ == "__main__":
    sys.exit(main())
