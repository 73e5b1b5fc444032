"""The comparison's flat list first shown at 200,000 pairs: the GUI thread's turns,
side by side with another version of the code, in one run.

    python benchmarks/flat_list_bench.py [--data DIR] [--runs N] [--before SRC_DIR] [--busy N] [--early] [--left PX]

Each run is a fresh app process (offscreen, 1024x640, the comparison's trees given
``--left`` pixels so that the flat list's paths do not fit and are cut, which needs
each path's depth, core/views/path_ends.py) that opens
``vars200k/a/ckpt``, compares it with ``vars200k/b/ckpt`` (benchmarks/make_scale_fixtures.py)
until every pair is compared (``--early``: as soon as the comparison is shown, its
job still running), then ticks "Flat list, largest change first". Measured from that
click until the rows show their short form (and at least 1.5 s):

- the longest gap between 10 ms timer ticks of the event loop (a turn of the GUI
  thread, or a wait for a core or the interpreter lock), and the GUI thread's own CPU
  time in its busiest turn (issue 11: the event loop never blocked over 100 ms);
- the click's turn (the list sorted by change, the selected pair kept: the same code
  in both versions), wall and GUI CPU;
- the longest paint of a tree (A's or B's) after the click: wall, GUI CPU, and the
  time in it spent on the paths' depths (in ``PathElided._least``, the delegate's one
  call for them, in both versions);
- the longest gap and the busiest turn after the click's (the columns fitted, the
  depths counted, the rows repainted in their short form);
- the time spent on the depths on the GUI thread (in the delegate, and in this work's
  steps, ``PathDepths.step``): in the turn where it was most, and in all; and when the
  first row is shown in its short form after the click;
- the texts the rows show then (the first 40 rows of each side): the parent checks
  every version shows the same.

``--before SRC_DIR`` (e.g. /work/main, or ``git archive main | tar -x -C DIR``) runs
the same child with that code, alternating with this tree's runs; ``--busy N`` runs
N CPU-bound processes beside. The load average is printed with each run. Prints a
Markdown table and writes benchmarks/results/flat_list.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import side_by_side

HERE = Path(__file__).resolve().parent
SHOWN_ROWS = 40  # the rows whose texts are compared between versions
# The comparison's trees (both sides) in this many pixels of the 1024: the benchmark's
# paths ("model/blocks/19996/extra/3") fit whole at the window's own split, and then
# no depth is asked for (a Keras model's "…/layer_with_weights-3/kernel/.OPTIMIZER_SLOT/
# optimizer/m" does not fit at 1024).
LEFT_PX = 400

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from ckpt_gui.app import gui_gc, launch
from ckpt_gui.app.widgets import flat_paths
from ckpt_gui.app.window import MainWindow
from qt_wait import open_and_compare, wait

a, b, early, rows, left = sys.argv[1], sys.argv[2], sys.argv[3] == "early", int(sys.argv[4]), int(sys.argv[5])
app = QApplication(sys.argv[:1])
getattr(launch, "hand_over_quickly", lambda: None)()  # as run_gui does
getattr(launch, "start_background", lambda: None)()
launch.start_collector(app)
window = MainWindow(scan_on_open=False)
window.resize(1024, 640)
window.show()
gui_gc.settle()
open_and_compare(window, a, b, "shown" if early else "done")
sizes = window.main_splitter.sizes()
window.main_splitter.setSizes([left, sum(sizes) - left])  # the trees narrow enough to cut the paths
wait(lambda: False, timeout=1.0)  # settled: the last refresh painted
trees = window.compare_trees

# Time spent on the depths: the delegate's one call for them (both versions have it).
least_s, first_short = [0.0], []
original = flat_paths.PathElided._least


def timed_least(self, index, path):
    start = time.perf_counter()
    try:
        depth = original(self, index, path)
    finally:
        least_s[0] += time.perf_counter() - start
    if depth is not None and not first_short and trees.model.tree.flat:
        first_short.append(time.perf_counter())
    return depth


flat_paths.PathElided._least = timed_least
longest_step, step_cpu = [0.0, 0.0], [0.0, 0.0]  # wall: longest; CPU: longest, all
if hasattr(getattr(flat_paths, "PathDepths", None), "step"):  # this work: counted a slice per turn
    original_step = flat_paths.PathDepths.step

    def timed_step(self):
        if getattr(self, "_waiting", None) is not None:  # the trees' fit in a step's turn (in_a_turn): no depths
            original_step(self)
            return
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            original_step(self)
        finally:
            took, cpu_took = time.perf_counter() - start, time.thread_time() - start_cpu
            least_s[0] += took
            longest_step[0] = max(longest_step[0], took)
            step_cpu[:] = [max(step_cpu[0], cpu_took), step_cpu[1] + cpu_took]

    flat_paths.PathDepths.step = timed_step
gaps, cpu, least, timer, ticker = [], [], [], QElapsedTimer(), QTimer(interval=10)
last = [time.thread_time(), 0.0]


def tick():
    gaps.append(timer.restart())
    now = time.thread_time()
    cpu.append((now - last[0]) * 1000)
    least.append((least_s[0] - last[1]) * 1000)
    last[:] = [now, least_s[0]]


ticker.timeout.connect(tick)
clicked = {}


def click():
    clicked["at"], clicked["cpu"] = time.perf_counter(), time.thread_time()
    trees.by_change.setChecked(True)
    clicked["ms"] = (time.perf_counter() - clicked["at"]) * 1000
    clicked["cpu_ms"] = (time.thread_time() - clicked["cpu"]) * 1000


class PaintTimer(QObject):
    # Each paint of the trees after the click, timed: the paint event is sent again
    # from inside its own delivery (Qt is painting the widget then) and swallowed.

    def __init__(self):
        super().__init__()
        self.inside, self.paints = False, []

    def eventFilter(self, watched, event):
        if event.type() != QEvent.Type.Paint or self.inside or "at" not in clicked:
            return False
        self.inside = True
        start, start_cpu, least_before = time.perf_counter(), time.thread_time(), least_s[0]
        try:
            QApplication.sendEvent(watched, event)
        finally:
            self.inside = False
        self.paints.append(((time.perf_counter() - start) * 1000, (time.thread_time() - start_cpu) * 1000,
                            (least_s[0] - least_before) * 1000))
        return True


painted = PaintTimer()
for view in (trees.view_a, trees.view_b):
    view.viewport().installEventFilter(painted)


def ready():
    depths = getattr(trees, "path_depths", None)  # before this work: counted in the paint
    sides = getattr(depths, "_sides", None)
    return bool(first_short) and (sides is None or (len(sides) == 2 and None not in sides.values()))


timer.start()
ticker.start()
QTimer.singleShot(200, click)
wait(lambda: "ms" in clicked and ready() and time.perf_counter() - clicked["at"] > 1.5, timeout=120, check_ms=10)
if not ready():
    print(json.dumps({"failed": "no row shown in its short form within 120 s: do the paths fit?",
                      "name_column_px": trees.view_a.columnWidth(trees.view_a.treePosition())}), flush=True)
    os._exit(1)
wait(lambda: False, timeout=0.5)  # the repaint after the last side's depths
ticker.stop()
start = next(i for i, _ in enumerate(gaps) if sum(gaps[: i + 1]) >= 200)  # from the click's turn on


def names(view):
    model, column = view.model(), view.treePosition()
    delegate = view.itemDelegateForColumn(column)
    texts = []
    for row in range(min(rows, model.rowCount())):
        index = model.index(row, column)
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.rect = view.visualRect(index)
        delegate.initStyleOption(option, index)
        texts.append(option.text)
    return texts


print(json.dumps({
    "longest_gap_ms": max(gaps[start:]),
    "gui_cpu_busiest_turn_ms": round(max(cpu[start:]), 1),
    "depths_busiest_turn_ms": round(max(least[start:]), 1),
    "depths_total_ms": round(least_s[0] * 1000, 1),
    "longest_step_ms": round(longest_step[0] * 1000, 1),
    "longest_step_cpu_ms": round(step_cpu[0] * 1000, 1),
    "steps_cpu_ms": round(step_cpu[1] * 1000, 1),
    "click_ms": round(clicked["ms"], 1),
    "click_cpu_ms": round(clicked["cpu_ms"], 1),
    **dict(zip(("paint_ms", "paint_cpu_ms", "paint_depths_ms"), (round(x, 1) for x in max(painted.paints)))),
    "paints": len(painted.paints),
    "later_gap_ms": max(gaps[start + 1 :]),  # the turns after the click's (and its paint's)
    "later_gui_cpu_ms": round(max(cpu[start + 1 :]), 1),
    "short_form_after_s": round(first_short[0] - clicked["at"], 2),
    "pairs": trees.model.rowCount(),
    "name_column_px": [view.columnWidth(view.treePosition()) for view in (trees.view_a, trees.view_b)],
    "names": {"a": names(trees.view_a), "b": names(trees.view_b)},
}), flush=True)
os._exit(0)
"""


def run_child(source: Path, a: str, b: str, early: bool, settings: Path, left: int) -> dict:
    args = [a, b, "early" if early else "done", str(SHOWN_ROWS), str(left)]
    return side_by_side.run_app_child(CHILD, args, side_by_side.child_env(source, settings), source)


FIGURES = [
    ("longest_gap_ms", "Longest gap", "ms"),
    ("gui_cpu_busiest_turn_ms", "GUI CPU in its busiest turn", "ms"),
    ("click_ms", "the click (sort, select): wall", "ms"),
    ("click_cpu_ms", "its GUI CPU", "ms"),
    ("paint_ms", "longest paint of a side: wall", "ms"),
    ("paint_cpu_ms", "its GUI CPU", "ms"),
    ("paint_depths_ms", "depths in it", "ms"),
    ("later_gap_ms", "longest gap after", "ms"),
    ("later_gui_cpu_ms", "GUI CPU in its busiest turn after", "ms"),
    ("depths_busiest_turn_ms", "depths in the turn they took most", "ms"),
    ("depths_total_ms", "depths on the GUI thread in all", "ms"),
    ("longest_step_cpu_ms", "a step's CPU, at most", "ms"),
    ("steps_cpu_ms", "the steps' CPU in all", "ms"),
    ("short_form_after_s", "short forms shown after", "s"),
]


def main() -> int:
    parser = side_by_side.parser(__doc__)
    parser.add_argument("--early", action="store_true", help="the flat list asked for while pairs are compared")
    parser.add_argument("--left", type=int, default=LEFT_PX, help="the comparison's trees' width (px)")
    args = parser.parse_args()
    a, b = args.data / "vars200k" / "a" / "ckpt", args.data / "vars200k" / "b" / "ckpt"
    side_by_side.fixtures(args.data, Path(f"{b}.index"))
    settings = args.data / "flat-list-settings"
    with side_by_side.busy_beside(args.busy):
        results = side_by_side.alternate(
            side_by_side.sources(args.before),
            args.runs,
            lambda source: run_child(source, str(a), str(b), args.early, settings, args.left),
            turn_order=True,
            shown=lambda found: {k: v for k, v in found.items() if k != "names"},
        )
    shown = {json.dumps(r["names"]) for runs in results.values() for r in runs}
    print()
    print(side_by_side.figures_table(results, FIGURES))
    alike = "yes" if len(shown) == 1 else "NO" + (" (the order is the comparison's so far)" * args.early)
    print(f"\nRows shown alike in every run and version: {alike}"
          f" ({SHOWN_ROWS} rows a side; first of A: {next(iter(results.values()))[0]['names']['a'][:2]})")  # fmt: skip
    print(
        f"Median (range) of {args.runs} runs, {time.strftime('%Y-%m-%d %H:%M')}, {args.busy} CPU-bound processes"
        f" beside, flat list asked for {'while comparing' if args.early else 'once every pair is compared'}."
    )
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"flat_list{'_early' if args.early else ''}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
