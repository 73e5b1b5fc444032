"""The 200,000-variable tree's filter (issue 11): the first filter right after the
checkpoint is loaded (its search texts made in the background meanwhile, or at the
first keystroke) and a broad filter (11,111 matches), side by side with another
version of the code.

    python benchmarks/tree_filter_bench.py [--data DIR] [--before SRC_DIR] [--delay S]

The app runs in a fresh process (offscreen), opens ``vars200k/a/ckpt``
(benchmarks/make_scale_fixtures.py) and, ``--delay`` seconds after it is loaded
(a user reaching for the filter), types a key every 150 ms (a user's pace):

- ``blocks/12/`` (the first filter: 10 matches): the time from the last key to
  the filtered rows, and the longest gap between 10 ms timer ticks of the event loop
  from the first key to then (how long a keystroke or a repaint may wait);
- then, the filter cleared, ``blocks/1 kernel`` (11,111 matches): the same two figures;

and for each, the GUI thread's CPU time spent showing the result (the panel's
``_show_matches``: making the filtered levels the view needs), which a busy machine
does not inflate as it does the wall-clock figures.

``--before SRC_DIR`` (e.g. ``git archive main | tar -x -C DIR``) measures that code
first. Prints one JSON line per run and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from tree_app_child import child_script, print_table, run_child

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CHILD = child_script(
    r"""
shown_cpu = []  # the GUI thread's CPU time showing each filter's result: robust to a busy machine

def typed(text, expected):
    shown_cpu.clear()
    timer.start(); gaps.clear(); ticker.start()
    for key in text:
        QTest.keyClick(panel.search, key)
        pause(0.15)
    last = time.perf_counter()
    wait(lambda: panel.tree.match_count == expected and not panel.count_label.text().startswith("filtering"))
    shown = time.perf_counter()
    pause(0.3)  # what the view does with the rows (laying them out) counts too
    ticker.stop()
    return round((shown - last) * 1000), max(gaps), round(sum(shown_cpu) * 1000)

show = panel._show_matches
def timed(*args):
    start = time.thread_time()
    try:
        return show(*args)
    finally:
        shown_cpu.append(time.thread_time() - start)
panel._show_matches = timed
pause(float(sys.argv[2]))
for name, text, expected in (("first_filter", "blocks/12/", 10), ("broad_filter", "blocks/1 kernel", 11111)):
    panel.clear_filter(); pause(0.5)
    out[f"{name}_ms"], out[f"{name}_longest_gap_ms"], out[f"{name}_gui_cpu_ms"] = typed(text, expected)
print(json.dumps(out), flush=True)
os._exit(0)
""",
    # the NaN/Inf scan would hold the CPU meanwhile: the filter alone
    window_args="scan_on_open=False",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/tmp/scale-cli-data", help="benchmarks/make_scale_fixtures.py's folder")
    parser.add_argument("--before", help="a copy of the code to measure first")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds from loaded to the first key")
    args = parser.parse_args()
    prefix = str(Path(args.data) / "vars200k" / "a" / "ckpt")
    rows = []
    for name, source in ([("before", Path(args.before))] if args.before else []) + [("this tree", REPO)]:
        result = {"code": name, "load": round(os.getloadavg()[0], 1)}
        result.update(run_child(CHILD, source, prefix, str(args.delay)))
        print(json.dumps(result), flush=True)
        rows.append(result)
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
