"""The 200,000-variable tree in use (issue 11): typing in the filter, opening a group
of 20,000 children, the NaN/Inf scan and a group histogram, and the CLI's
``inspect --stats`` of the same checkpoint, side by side with another version of
the code.

    python benchmarks/tree_200k_bench.py [--data DIR] [--busy] [--before SRC_DIR] [--no-cli]

The app runs in a fresh process (offscreen), opens ``vars200k/a/ckpt``
(benchmarks/make_scale_fixtures.py) and, once it is loaded:

- types ``blocks/123/`` a key every 150 ms (a user's pace): the longest gap between
  10 ms timer ticks of the event loop meanwhile (how long a keystroke may wait to
  appear) and the time from the last key to the filtered rows;
- opens ``model`` then ``model/blocks`` (20,000 children): the time the GUI thread
  is held (ms);
- the NaN/Inf scan: from loaded to its result (s);
- selects ``model`` (200,000 variables): the time to its histogram (s).

``--busy`` runs two CPU-bound processes meanwhile (a machine that is training).
``--before SRC_DIR`` (e.g. ``git archive main | tar -x -C DIR``) measures that code
first. Prints one JSON line per run and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from tree_app_child import child_script, print_table, run_child

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CHILD = child_script(r"""
scan_done = []
wait(lambda: panel.nonfinite is not None)
out["scan_s"] = round(time.perf_counter() - loaded[0], 1)

timer.start(); ticker.start(); gaps.clear()
for key in "blocks/123/":
    QTest.keyClick(panel.search, key)
    pause(0.15)
typed = time.perf_counter()
wait(lambda: panel.count_label.text() not in ("filtering...",) and panel.tree.match_count < 100)
out["filter_result_ms"] = round((time.perf_counter() - typed) * 1000)
ticker.stop()
out["typing_longest_gap_ms"] = max(gaps)
panel.clear_filter(); pause(0.3)

model, view = panel.model, panel.view
def child(parent, name):
    rows = (model.index(r, 0, parent) for r in range(model.rowCount(parent)))
    return next(index for index in rows if model.node(index).name == name)
top = child(QModelIndex(), "model")
view.collapse(top); pause(0.2)
start = time.perf_counter(); view.expand(top); app.processEvents()
blocks = child(top, "blocks")
view.expand(blocks); app.processEvents()
out["expand_blocks_ms"] = round((time.perf_counter() - start) * 1000)

histogram = window.histogram
histogram.histogram = None
start = time.perf_counter()
panel.select_node(model.node(top))
wait(lambda: histogram.histogram is not None)
out["group_histogram_s"] = round(time.perf_counter() - start, 1)
print(json.dumps(out), flush=True)
os._exit(0)
""")


def run_cli(source: Path, prefix: str) -> dict:
    """``inspect --stats --json``: wall and CPU (user + system) of the whole process."""
    env = dict(os.environ, PYTHONPATH=str(source))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ckpt_gui", "inspect", "--stats", "--json", prefix],
                   env=env, cwd=source, stdout=subprocess.DEVNULL, check=True, timeout=3600)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"cli_stats_wall_s": round(time.perf_counter() - start, 1), "cli_stats_cpu_s": round(cpu, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/tmp/scale-cli-data", help="benchmarks/make_scale_fixtures.py's folder")
    parser.add_argument("--busy", action="store_true", help="two CPU-bound processes run meanwhile")
    parser.add_argument("--before", help="a copy of the code to measure first")
    parser.add_argument("--no-cli", action="store_true", help="skip inspect --stats")
    args = parser.parse_args()
    prefix = str(Path(args.data) / "vars200k" / "a" / "ckpt")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 if args.busy else 0)]
    rows = []
    try:
        for name, source in ([("before", Path(args.before))] if args.before else []) + [("this tree", REPO)]:
            result = {"code": name, "load": os.getloadavg()[0]}
            result.update(run_child(CHILD, source, prefix))
            if not args.no_cli:
                result.update(run_cli(source, prefix))
            print(json.dumps(result), flush=True)
            rows.append(result)
    finally:
        for process in busy:
            process.kill()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
