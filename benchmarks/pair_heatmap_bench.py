"""What the comparison's heatmaps of one large pair cost: time and numpy memory.

    python benchmarks/pair_heatmap_bench.py [--rows 90472] [--cols 512] [--data DIR] [--before TREE] [--all-changed]

Writes two checkpoints of one float32 [rows, cols] tensor each (B = A with one element
changed) in DIR (default /tmp/pair_heatmap_bench: large fixtures stay out of the
repository), then, in a fresh process per source tree, times the app's job for a
selected pair: ``compare_pair`` (done first, as the app's job does) and then
``pair_view`` (histograms and heatmaps). Reports the seconds of each, the CPU
seconds of ``pair_view`` (all its threads: on a shared machine they vary less
than its wall time), and the seconds of
``_planes`` (the heatmaps' own part of ``pair_view``: the whole of them before the
histograms' passes filled them too), the peak of numpy's allocations during
``pair_view`` (tracemalloc: memory-mapped pages are not allocations), whether the
changed element shows in the B - A picture, whether the three histograms equal
``np.histogram`` over the same edges (checked after the timing), and the machine's
load averages when the tree's run ended.
``--before TREE`` (e.g. ``git archive main | tar -x -C TREE``, with the C extensions
copied in) measures that tree as well.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CHILD = r"""
import json, sys, time, tracemalloc
import numpy as np
from ckpt_gui.core.analysis.value_comparison import compare_pair
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views import pair_view as views
from ckpt_gui.core.views.pair_view import pair_view
pictures = []
planes = views._planes
def timed(*args, **kwargs):  # the heatmaps' part of pair_view (its histograms are the rest)
    start = time.perf_counter()
    planes(*args, **kwargs)
    pictures.append(time.perf_counter() - start)
views._planes = timed
data = sys.argv[1]
diff = pair_variables(Checkpoint.open(data + "/a"), Checkpoint.open(data + "/b"))
pair = diff.pairs[0]
start = time.perf_counter()
compare_pair(diff, pair)
compared = time.perf_counter() - start
tracemalloc.start()
start, cpu = time.perf_counter(), time.process_time()
view = pair_view(diff, pair)
viewed, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = tracemalloc.get_traced_memory()[1]
image = view.image_diff
shows = image is not None and bool(np.count_nonzero(image))  # B differs from A (one element, or all a little)
# After the timing: are the histograms numpy's over the same edges?
a, b = (np.asarray(c.read("embedding"), np.float64) for c in (diff.a, diff.b))
hists = ((view.hist_a, a), (view.hist_b, b), (view.hist_diff, b - a))
exact = all(np.array_equal(h.counts, np.histogram(v, h.edges)[0]) for h, v in hists)
print(json.dumps({
    "compare_s": round(compared, 3), "pair_view_s": round(viewed, 3), "pair_view_cpu_s": round(cpu, 3),
    "heatmaps_s": round(pictures[0], 3),
    "peak_mb": round(peak / 2**20, 1), "diff_image": list(image.shape) if image is not None else None,
    "change_shows": shows, "histograms_exact": exact,
}))
"""


def fixtures(data: Path, rows: int, cols: int, all_changed: bool = False) -> None:
    """Write A and B (once per shape): B is A with one element changed (and, with
    ``all_changed``, every element moved a little, as a training step moves them)."""
    import numpy as np  # noqa: PLC0415

    sys.path.insert(0, str(REPO))
    from tools.bundle_writer import write_bundle  # noqa: PLC0415

    at = (rows * 2 // 3 + 1, cols - 2)
    stamp = data / f"shape-{rows}x{cols}{'-all' if all_changed else ''}"
    if not stamp.exists():
        data.mkdir(parents=True, exist_ok=True)
        a = np.random.default_rng(0).standard_normal((rows, cols), dtype=np.float32)
        write_bundle(str(data / "a"), [("embedding", "float32", (rows, cols), a.tobytes())])
        a[at] += 0.5
        if all_changed:
            a += np.random.default_rng(1).standard_normal((rows, cols), dtype=np.float32) * np.float32(1e-3)
        write_bundle(str(data / "b"), [("embedding", "float32", (rows, cols), a.tobytes())])
        for old in data.glob("shape-*"):
            old.unlink()
        stamp.touch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=90_472)
    parser.add_argument("--cols", type=int, default=512)
    parser.add_argument("--data", type=Path, default=Path("/tmp/pair_heatmap_bench"))
    parser.add_argument("--before", type=Path, help="another source tree to measure too")
    parser.add_argument("--all-changed", action="store_true", help="B moves every element a little, not one")
    args = parser.parse_args()
    fixtures(args.data, args.rows, args.cols, args.all_changed)
    trees = {"this": REPO, **({"before": args.before} if args.before else {})}
    for name, tree in trees.items():
        env = {**os.environ, "PYTHONPATH": str(tree)}
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.data)],
            env=env, cwd=tree, capture_output=True, text=True, check=True,
        )  # fmt: skip
        load = [round(x, 2) for x in os.getloadavg()]  # the machine's load when the run ended, as uptime shows it
        figures = json.loads(out.stdout.splitlines()[-1])
        shape = {"shape": [args.rows, args.cols], "all_changed": args.all_changed}
        print(name, json.dumps({**shape, **figures, "load": load}))


if __name__ == "__main__":
    main()
