"""How long the open job's steps hold the interpreter lock (issue 11: the event loop
never blocked over 100 ms), side by side with another version of the code, in one run.

    python benchmarks/worker_holds_bench.py [--data DIR] [--runs N] [--before SRC_DIR]

Each run is a fresh process (no Qt) that does what the app's open job does for
``vars200k/a/ckpt`` (benchmarks/make_scale_fixtures.py), step by step, on a worker
thread, while its main thread ticks every 5 ms (``time.sleep(0.005)``); Python's
collector is off, as in the app (app/gui_gc.py). A tick can only come back once the
worker lets go of the interpreter lock, so the longest gap between ticks during a step
is the longest the GUI thread would wait for the lock then (less 5 ms). The steps:

- index: reading the index;
- key view: the variables without object paths and their tree (app/opening.py's
  ``_key_view``, shown while the object graph is decoded);
- object graph: decoding it;
- variable list: ``Checkpoint.variables`` (each key's object paths, a Variable each);
- object view: its leaves and tree (``object_tree``);
- totals: the dtypes and bytes the status bar and filter show;
- first levels: the levels the view opens first, the graph's lazy parts, the first
  variable to select and the levels above it.

``--before SRC_DIR`` (e.g. ``git archive HEAD | tar -x -C DIR``) runs the same steps
with that code, alternating with this tree's runs. Prints a Markdown table (median
of the runs of each step's longest gap, and its worst) and the load average.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import side_by_side

STEPS = ("index", "key view", "object graph", "variable list", "object view", "totals", "first levels")

CHILD = r"""
import gc, json, sys, threading, time
gc.disable()
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.lazy_node import place
from ckpt_gui.core.views.tree import default_open, first_to_show, key_tree, object_tree

marks = []  # (step, start, end)
kept = []  # the job's checkpoint and tree, alive as in the app (freeing them at its end is no step)
done = threading.Event()


def step(name, work):
    start = time.perf_counter()
    result = work()
    marks.append((name, start, time.perf_counter()))
    return result


def job():
    try:
        ckpt = step("index", lambda: Checkpoint.open(sys.argv[1]))

        def keys():
            tree = key_tree(ckpt.key_variables)
            _ = tree.dtype_names, tree.variable_bytes
            default_open(tree)

        step("key view", keys)
        step("object graph", lambda: ckpt.object_graph)
        step("variable list", lambda: ckpt.variables)
        tree = step("object view", lambda: object_tree(ckpt))
        step("totals", lambda: (tree.dtype_names, tree.variable_bytes))

        def first_levels():
            default_open(tree)
            ckpt.object_graph.make_lazy_parts()
            first = first_to_show(tree)
            if first is not None:
                place(first)

        step("first levels", first_levels)
        kept.append((ckpt, tree))
    finally:
        done.set()


gaps = []  # (start, end) of each tick's wait
worker = threading.Thread(target=job)
worker.start()
while not done.is_set():
    start = time.perf_counter()
    time.sleep(0.005)
    gaps.append((start, time.perf_counter()))
worker.join()
longest = {}
for name, start, end in marks:
    within = [(b - a) * 1000 for a, b in gaps if a < end and b > start]
    longest[name] = {"gap_ms": round(max(within, default=0.0), 1), "step_ms": round((end - start) * 1000)}
print(json.dumps(longest))
"""


def run_child(source: Path, prefix: str) -> dict:
    env = side_by_side.child_env(source, qt=False)
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", CHILD, prefix], capture_output=True, text=True, env=env,
                         cwd=source, check=True)  # fmt: skip
    return {"steps": json.loads(out.stdout.splitlines()[-1]), "load": load}


def table(results: dict[str, list[dict]]) -> str:
    names = list(results)
    lines = [
        "| Step | " + " | ".join(f"{n}: longest gap (worst), step" for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for step in STEPS:
        cells = []
        for name in names:
            gaps = [r["steps"][step]["gap_ms"] for r in results[name] if step in r["steps"]]
            took = [r["steps"][step]["step_ms"] for r in results[name] if step in r["steps"]]
            cells.append(f"{statistics.median(gaps):.0f} ms ({max(gaps):.0f}), {statistics.median(took):.0f} ms")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    loads = [r["load"] for runs in results.values() for r in runs]
    lines.append(f"\nLoad average {min(loads):.1f} to {max(loads):.1f}; median of {len(results[names[0]])} runs.")
    return "\n".join(lines)


def main() -> int:
    args = side_by_side.parser(__doc__, busy=False).parse_args()
    prefix = args.data / "vars200k" / "a" / "ckpt"
    side_by_side.fixtures(args.data, prefix.with_suffix(".index"))
    results = side_by_side.alternate(side_by_side.sources(args.before), args.runs,
                                     lambda source: run_child(source, str(prefix)))  # fmt: skip
    print()
    print(table(results))
    print(time.strftime("%Y-%m-%d %H:%M"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
