"""Typing in the comparison's filter at 200,000 pairs: the GUI thread's work per
keystroke, and how soon the filtered rows show, side by side with another version
of the code, in one run.

    python benchmarks/compare_filter_bench.py [--data DIR] [--runs N] [--before SRC_DIR] [--busy N]
        [--text TEXT] [--modes tree,flat,tree+chip,flat+chip] [--chip STATUS] [--click type|chip|box|clear]

Each run is a fresh app process (offscreen, 1024x640) that opens ``vars200k/a/ckpt``,
compares it with ``vars200k/b/ckpt`` (benchmarks/make_scale_fixtures.py) until every
pair is compared, shows the mode asked for (the tree or the flat list, with or
without the summary's ``--chip`` status chip checked), then types ``--text`` into the
comparison's filter box, a key every 150 ms (a user's pace). Measured from the first
key until the filtered rows are shown (and 0.5 s more):

- the longest gap between 10 ms timer ticks of the event loop (how long a keystroke
  or a repaint of the filter box waits; issue 11: never over 100 ms), and the GUI
  thread's CPU time in its busiest turn;
- each keystroke's own handling (QTest.keyClick returns once the line edit and
  whatever its textChanged starts are done): the longest, wall and GUI CPU;
- the time from the last key until the rows are the filter's (the count of pairs the
  tree shows is the filter's), and the GUI CPU of the turn that shows them;
- the rows shown then (the first rows of A and the pair selected): the parent checks
  every version shows the same.

``--click`` measures one click instead of the typing, the same way (its own handling
in the "keystroke" figures): ``chip`` clicks ``--chip`` with no words typed (every pair
shown before), ``box`` checks the flat list's box with ``--text`` typed and its rows
shown (run it in mode ``tree``), ``clear`` empties the filter after ``--text`` (mode
``flat``: a re-sort of every pair).

``--before SRC_DIR`` (e.g. ``git archive main | tar -x -C DIR``, with the C
extensions copied in) runs the same child with that code, alternating with this
tree's runs; ``--busy N`` runs N CPU-bound processes beside. The load average is
printed with each run. Prints a Markdown table and writes
benchmarks/results/compare_filter.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import side_by_side

HERE = Path(__file__).resolve().parent
SHOWN_ROWS = 12  # the rows whose texts are compared between versions
KEY_MS = 150  # a user's pace (browse's filter benchmark types at it too)

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import gui_gc, launch
from ckpt_gui.app.window import MainWindow
from ckpt_gui.core.views.pair_statuses import pair_filter
from qt_wait import open_and_compare, wait

a, b, text, mode, chip = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
rows, key_ms, action = int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
app = QApplication(sys.argv[:1])
getattr(launch, "hand_over_quickly", lambda: None)()  # as run_gui does
getattr(launch, "start_background", lambda: None)()
launch.start_collector(app)
window = MainWindow(scan_on_open=False)
window.resize(1024, 640)
window.show()
gui_gc.settle()
open_and_compare(window, a, b)
trees = window.compare_trees
if "flat" in mode and action != "box":
    trees.by_change.setChecked(True)
if "chip" in mode or action == "chip":
    # A click: every pair shown until it (the chip's statuses measured after it).
    trees.summary[chip].setChecked(action != "chip")
if action in ("box", "clear"):  # the words typed and their rows settled before the click
    trees.search.setText(text)
    wait(lambda: trees.tree_model.tree._chosen is not None, timeout=120, check_ms=20)
wait(lambda: False, timeout=1.5)  # settled: the mode's rows shown, fitted and painted
tree = trees.tree_model.tree
statuses = {chip} if "chip" in mode or action == "chip" else None
want = "" if action in ("chip", "clear") else text  # the chip clicked with no words typed
accept = pair_filter(want, statuses)
if accept is None:  # the filter emptied: every pair
    expected = len(tree.leaves)
else:
    expected = sum(1 for leaf in tree.leaves if accept(leaf.pair, leaf.tree_path, tree.status_of(leaf)))
trees.search.setFocus()

gaps, cpu, timer, ticker = [], [], QElapsedTimer(), QTimer(interval=10)
last = [time.thread_time()]


def tick():
    gaps.append((time.perf_counter(), timer.restart()))
    now = time.thread_time()
    cpu.append((now - last[0]) * 1000)
    last[0] = now


ticker.timeout.connect(tick)


def shown():
    chosen = tree._chosen  # the pairs the tree shows (both versions keep them so)
    ours = trees.search.text() == want and trees.model.tree is tree and tree.flat == trees.by_change.isChecked()
    if action == "clear":
        return ours and chosen is None
    return ours and chosen is not None and int(chosen.sum()) == expected


def click():  # one click's own handling (what its toggled signal starts included)
    if action == "chip":
        trees.summary[chip].setChecked(True)
    elif action == "box":
        trees.by_change.setChecked(True)
    else:
        trees.search.clear()  # Escape, the clear button: every pair shown at once


keys = []  # (wall ms, GUI CPU ms) of each keystroke's own handling
timer.start()
ticker.start()
first = time.perf_counter()
for number, key in enumerate(text if action == "type" else [None]):
    start, start_cpu = time.perf_counter(), time.thread_time()
    if key is None:
        click()
    else:
        QTest.keyClick(trees.search, key)
    keys.append(((time.perf_counter() - start) * 1000, (time.thread_time() - start_cpu) * 1000))
    end = time.perf_counter() + key_ms / 1000
    if number < len(text) - 1:
        wait(lambda: time.perf_counter() >= end, check_ms=5)
last_key = time.perf_counter()
wait(shown, timeout=120, check_ms=5)
if not shown():
    print(json.dumps({"failed": f"the filter's {expected} pairs not shown within 120 s"}), flush=True)
    os._exit(1)
landed = time.perf_counter()
wait(lambda: False, timeout=0.5)  # what the views do with the rows (laying them out, painting) counts too
ticker.stop()
turns = [(at, gap, c) for (at, gap), c in zip(gaps, cpu) if at >= first]
after = [(gap, c) for at, gap, c in turns if at >= last_key]


def names(view):
    model, column = view.model(), view.treePosition()
    found, index = [], model.index(0, column)
    while index.isValid() and len(found) < rows:
        found.append(model.data(index))
        if view.isExpanded(index) and model.rowCount(index):
            index = model.index(0, column, index)
        else:
            while index.isValid() and not model.index(index.row() + 1, column, index.parent()).isValid():
                index = index.parent()
            index = model.index(index.row() + 1, column, index.parent()) if index.isValid() else index
    return found


selected = trees.selected_pair()
print(json.dumps({
    "longest_gap_ms": max(gap for _at, gap, _c in turns),
    "gui_cpu_busiest_turn_ms": round(max(c for _at, _gap, c in turns), 1),
    "key_ms": round(max(wall for wall, _c in keys), 1),
    "key_cpu_ms": round(max(c for _wall, c in keys), 1),
    "shown_after_ms": round((landed - last_key) * 1000),
    "landing_gap_ms": max(gap for gap, _c in after),
    "landing_cpu_ms": round(max(c for _gap, c in after), 1),
    "pairs": expected,
    "rows": names(trees.view_a),
    "selected": tree.path_of(selected) if selected is not None else None,
}), flush=True)
os._exit(0)
"""


def run_child(source: Path, a: str, b: str, text: str, mode: str, chip: str, settings: Path, action: str) -> dict:
    args = [a, b, text, mode, chip, str(SHOWN_ROWS), str(KEY_MS), action]
    return side_by_side.run_app_child(CHILD, args, side_by_side.child_env(source, settings), source)


FIGURES = [
    ("longest_gap_ms", "Longest gap", "ms"),
    ("gui_cpu_busiest_turn_ms", "GUI CPU in its busiest turn", "ms"),
    ("key_ms", "a keystroke: wall, at most", "ms"),
    ("key_cpu_ms", "its GUI CPU", "ms"),
    ("shown_after_ms", "rows shown after the last key", "ms"),
    ("landing_gap_ms", "longest gap from the last key", "ms"),
    ("landing_cpu_ms", "GUI CPU in its busiest turn", "ms"),
]


def main() -> int:
    parser = side_by_side.parser(__doc__)
    parser.add_argument("--text", default="blocks/123/", help="what is typed into the filter")
    parser.add_argument("--modes", default="tree,flat,tree+chip,flat+chip", help="comma-separated: tree, flat, +chip")
    parser.add_argument("--chip", default="same", help="the status chip checked in the +chip modes")
    parser.add_argument(
        "--click",
        choices=["type", "chip", "box", "clear"],
        default="type",
        help="what is measured: typing --text (type); --chip clicked, no words (chip); the flat list's box"
        " checked with --text typed (box, its mode: tree); the filter emptied after --text (clear)",
    )
    args = parser.parse_args()
    a, b = args.data / "vars200k" / "a" / "ckpt", args.data / "vars200k" / "b" / "ckpt"
    side_by_side.fixtures(args.data, Path(f"{b}.index"))
    settings = args.data / "compare-filter-settings"
    sources = side_by_side.sources(args.before)
    modes = args.modes.split(",")
    results: dict[str, list[dict]] = {}
    with side_by_side.busy_beside(args.busy):
        for mode in modes:
            print(mode, flush=True)
            found = side_by_side.alternate(
                sources,
                args.runs,
                lambda source: run_child(source, str(a), str(b), args.text, mode, args.chip, settings, args.click),  # noqa: B023
                turn_order=True,
            )
            results.update({f"{name}, {mode}": runs for name, runs in found.items()})
    print()
    print(side_by_side.figures_table(results, FIGURES, first="Code, mode"))
    for mode in modes:
        shown = {json.dumps([r["rows"], r["selected"]]) for name in sources for r in results[f"{name}, {mode}"]}
        print(f"\n{mode}: rows and selection alike in every run and version: {'yes' if len(shown) == 1 else 'NO'}")
    print(
        f"Median (range) of {args.runs} runs, {time.strftime('%Y-%m-%d %H:%M')}, {args.busy} CPU-bound processes"
        f" beside, {args.text!r} typed a key every {KEY_MS} ms ({args.chip!r} chip in the +chip modes),"
        f" measured: {args.click}."
    )
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "compare_filter.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
