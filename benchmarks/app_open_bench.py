"""Launching the app on a 200,000-variable checkpoint (issue 11), side by side with
another version of the code, in one run.

    python benchmarks/app_open_bench.py [--data DIR] [--runs N] [--before SRC_DIR] [--busy N]

Each run is a fresh process (offscreen) that starts the app as ``ckpt-gui PATH`` does
and opens ``vars200k/a/ckpt`` (benchmarks/make_scale_fixtures.py). Measured:

- **usable**: from the process's start to the moment a tree of the checkpoint is shown
  and painted (the key view while the object graph is decoded, else the object view),
  timed by this parent process from the child's line saying so; with the child's CPU
  time (user + system) at that moment;
- **loaded**: to the moment everything is shown (the object view, its first selection);
- the longest gap between 10 ms timer ticks of the event loop from the window shown
  to usable, and from usable to loaded (the stalls a user feels while it opens), and
  the GUI thread's own CPU time in its longest turn (what the app's code costs there;
  the rest of a gap is waiting: for the interpreter lock a job holds, or for a core);
- what ran in the longest gap from usable to loaded, and in the gap where the GUI
  thread used the most CPU (benchmarks/gap_watch.py: a 20 ms heartbeat on the GUI
  thread, and a watchdog sampling its Python stack every 10 ms while a beat is over
  100 ms late): the gap's wall time, the GUI thread's and the whole process's CPU in
  it, the stacks sampled (a stack ending in the event loop is Qt's C++ work or a wait
  for the interpreter lock) and what another thread ran meanwhile (``--before`` code
  is watched the same way);
- for every gap over 100 ms from usable to loaded, each thread's split of it (gap_watch's
  schedstat counters): ms run, ms waiting in a run queue for a core, ms asleep (a lock, or
  idle), timeslices, and how often the GUI thread was preempted;
- the other threads' holds of the interpreter lock over 20 ms to usable and from usable to loaded
  (gap_watch's watchdog waking late, the thread that ran meanwhile and where it is
  then: the call that held the lock);
- right after usable: expanding the first group and its first group (``model``, then
  ``model/blocks``, 20,000 rows), while the object graph is still decoded (ms);
- the whole process's CPU time and peak memory.

``--no-watch`` runs the heartbeat alone, without gap_watch's watchdog, whose sampling (the
other threads' stacks, read with a long switch interval every 10 ms while a beat is late)
takes the interpreter lock in the gaps it watches. Measured both ways on 2026-11-30 the
medians differed by less than the spread between rounds (docs/performance.md).
``--busy N`` runs N CPU-bound processes (``while True: pass``, normal priority) beside
every run: the issue asks for the figures idle and with two of them. ``--busy-session own``
starts them in a session of their own, as a training job started from another terminal
runs (side_by_side.busy_beside: where Linux's autogroup is on, the app then has its own
fair share of the cores; by default they share the app's).
``--before SRC_DIR`` (a copy of the code before, e.g. ``git archive main | tar -x -C
DIR``) runs the same child with that code, alternating with this tree's runs so both
see the same machine. The machine's load average is printed with each figure: on a
shared machine the wall times move with it, the CPU times much less. Prints a
Markdown table and writes benchmarks/results/app_open.json.
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
from gap_watch import HOLD_MS

HERE = Path(__file__).resolve().parent
USABLE_TARGET_S = 2.0
STALL_TARGET_MS = 100
NO_WATCH = False  # --no-watch

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import gui_gc, launch
from ckpt_gui.app.window import MainWindow
from qt_wait import wait
from gap_watch import GapWatch

app = QApplication(sys.argv[:1])
getattr(launch, "hand_over_quickly", lambda: None)()  # as run_gui does (code before it: no such step)
getattr(launch, "start_background", lambda: None)()  # as run_gui does (code before it: no such step)
launch.start_collector(app)
window = MainWindow()
window.resize(1280, 800)
window.show()
gui_gc.settle()
marks = {}
gaps, turns, timer, ticker = [], [], QElapsedTimer(), QTimer(interval=10)
last_cpu = [time.thread_time()]
ticked_at = []  # each tick's time (perf_counter): which background work ran in a late gap


def tick():
    gaps.append(timer.restart())
    ticked_at.append(time.perf_counter())
    cpu = time.thread_time()  # the GUI thread's own CPU time since the last tick
    turns.append((cpu - last_cpu[0]) * 1000)
    last_cpu[0] = cpu


ticker.timeout.connect(tick)
class NoWatch:  # --no-watch: the heartbeat alone (the watchdog's own sampling lengthens the gaps)
    def mark(self):
        return 0

    def gaps(self, *args):
        return []

    start = stop = pause = resume = lambda self: None


# What the GUI thread runs in each long gap (benchmarks/gap_watch.py).
watch = NoWatch() if os.environ.get("APP_OPEN_NO_WATCH") else GapWatch()
window.browse.keys_shown.connect(lambda: marks.setdefault("usable", len(gaps)))
window.browse.keys_shown.connect(lambda: marks.setdefault("usable_beat", watch.mark()))


def on_loaded():
    marks.setdefault("usable", len(gaps))  # no key view first: the object view is the first tree
    marks.setdefault("loaded", len(gaps))
    marks.setdefault("usable_beat", watch.mark())
    marks.setdefault("loaded_beat", watch.mark())


window.loaded.connect(on_loaded)


from ckpt_gui.app import background_work
started_at = time.perf_counter()
timer.start()
ticker.start()
watch.start()
window.browse.open_path(sys.argv[1])
wait(lambda: "usable" in marks, check_ms=5)
print(json.dumps({"usable": True, "cpu": time.process_time(), "view": window.tree_panel.current_view}), flush=True)
expand_ms = None
if "loaded" not in marks:  # the key view, while the object graph is decoded: expand it
    view, model = window.tree_panel.view, window.tree_panel.model
    ticker.stop()  # the user's own expansion (20,000 rows) is timed here, not counted as a stall of opening
    watch.pause()
    start = time.perf_counter()
    group = model.index(0, 0)
    for _level in range(2):  # the first group (model), then its first group (model/blocks)
        while group.isValid() and not model.hasChildren(group):
            group = group.siblingAtRow(group.row() + 1)
        view.expand(group)
        group = model.index(0, 0, group)
    app.processEvents()
    expand_ms = (time.perf_counter() - start) * 1000
    last_cpu[0] = time.thread_time()
    timer.restart()
    ticker.start()
    watch.resume()
wait(lambda: "loaded" in marks, check_ms=5)
print(json.dumps({"loaded": True, "cpu": time.process_time()}), flush=True)


def plotted():  # the first selection's picture and histogram drawn (what a user sees last)
    tensor, histogram = window.tensor, window.histogram
    drawn = "line" in tensor.__dict__ or "graphics" in tensor.__dict__
    return drawn and histogram.histogram is not None and histogram.stack.currentWidget() is not histogram.empty


wait(lambda: plotted() or time.perf_counter() - started_at > 120, check_ms=5)
marks["plotted"] = len(gaps)
print(json.dumps({"plotted": plotted(), "cpu": time.process_time()}), flush=True)
ticker.stop()
watch.stop()
usable_at = marks["usable"]


def work_in(end, ms):  # the background work that held its turn (background_work.turns) in a gap
    history = list(getattr(getattr(background_work, "turns", None), "history", []))
    start, held, found = end - ms / 1000, {}, set()
    for event, name, at in history:
        if at > end:
            break
        if event in ("start", "resume"):
            held[name] = at
        elif event in ("pause", "end") and name in held:
            if held.pop(name) < end and at > start:
                found.add(name)
    found |= {name for name, since in held.items() if since < end}
    return sorted(found) or ["none"]
after_usable = watch.gaps(marks["usable_beat"], marks["loaded_beat"] + 1)
print(json.dumps({
    "watched_longest_gap": max(after_usable, key=lambda g: g["ms"], default=None),
    "watched_most_gui_cpu": max(after_usable, key=lambda g: g["cpu_ms"], default=None),
    "worker_holds": getattr(watch, "long_holds", lambda *a: [])(marks["usable_beat"], marks["loaded_beat"] + 1)[:8],
    "late_gaps": [{k: g[k] for k in ("ms", "cpu_ms", "process_cpu_ms", "sched") if k in g}
                  for g in after_usable if g["ms"] > 100],
    "worker_holds_to_usable": getattr(watch, "long_holds", lambda *a: [])(0, marks["usable_beat"])[:8],
}), flush=True)
print(json.dumps({
    "stall_to_usable_ms": max(gaps[:usable_at], default=0),
    "stall_usable_to_loaded_ms": max(gaps[usable_at : marks["loaded"] + 1], default=0),
    "gui_cpu_longest_turn_ms": round(max(turns, default=0)),
    "expand_while_decoding_ms": expand_ms,
    "stall_loaded_to_plotted_ms": max(gaps[marks["loaded"] + 1 : marks["plotted"]], default=0),
    "late_gaps_work": [(gaps[i], round((ticked_at[i] - started_at) * 1000), work_in(ticked_at[i], gaps[i]))
                       for i in range(usable_at, marks["plotted"]) if gaps[i] > 100],
}), flush=True)
os._exit(0)
"""


def run_child(source: Path, prefix: str, settings: Path) -> dict:
    """One launch: wall seconds to the "usable" and "loaded" lines, CPU and peak memory."""
    env = side_by_side.child_env(source, settings)  # bytecode written by the warm-up, used by every run
    if NO_WATCH:
        env["APP_OPEN_NO_WATCH"] = "1"
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, prefix], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, cwd=source)  # fmt: skip
    found: dict = {}
    for raw in proc.stdout:
        line = json.loads(raw)
        for mark in ("usable", "loaded", "plotted"):
            if line.pop(mark, False):
                found[f"{mark}_s"], found[f"{mark}_cpu"] = time.perf_counter() - start, line.pop("cpu")
        found.update(line)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or "loaded_s" not in found:
        raise RuntimeError(f"the app child failed (exit {os.waitstatus_to_exitcode(status)})")
    found.update(cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024, load=load)
    return found


def median(runs: list[dict], name: str):
    values = [r[name] for r in runs if r.get(name) is not None]
    return statistics.median(values) if values else None


def table(results: dict[str, list[dict]]) -> str:
    lines = [
        "| Code | Usable (wall) | CPU then | Loaded (wall) | CPU then | Longest stall to usable | usable to loaded"
        " | GUI thread's CPU in its longest turn | Expand while decoding | First plots drawn (wall)"
        " | loaded to drawn | Whole process CPU | Peak RSS | Load average |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, runs in results.items():
        expand = median(runs, "expand_while_decoding_ms")
        loads = [r["load"] for r in runs]
        lines.append(
            f"| {name} | {median(runs, 'usable_s'):.2f} s | {median(runs, 'usable_cpu'):.2f} s | "
            f"{median(runs, 'loaded_s'):.2f} s | {median(runs, 'loaded_cpu'):.2f} s | "
            f"{median(runs, 'stall_to_usable_ms'):.0f} ms | {median(runs, 'stall_usable_to_loaded_ms'):.0f} ms | "
            f"{median(runs, 'gui_cpu_longest_turn_ms'):.0f} ms | "
            f"{'-' if expand is None else f'{expand:.0f} ms'} | {median(runs, 'plotted_s') or 0:.2f} s | "
            f"{median(runs, 'stall_loaded_to_plotted_ms') or 0:.0f} ms | {median(runs, 'cpu'):.2f} s | "
            f"{max(r['rss_mb'] for r in runs):.0f} MB | {min(loads):.1f} to {max(loads):.1f} |"
        )
    return "\n".join(lines)


def sched_text(sched: dict) -> str:
    """gap_watch's per-thread split of a gap, the GUI thread first, then by time run."""
    threads = {name: split for name, split in sched.items() if isinstance(split, dict)}
    order = sorted(threads, key=lambda name: (name != "GUI", -sched[name]["run"] - sched[name]["wait"]))
    preempted = f" (GUI preempted {sched['GUI preempted']} times)" if "GUI preempted" in sched else ""
    faults = sum(split.get("major faults", 0) for split in threads.values())
    faulted = f", {faults} major page faults" if faults else ""
    return (
        "; ".join(
            f"{name} {sched[name]['run']}/{sched[name]['wait']}/{sched[name]['sleep']} ({sched[name]['slices']})"
            + (f" {sched[name]['major faults']} faults" if sched[name].get("major faults") else "")
            for name in order[:4]
        )
        + preempted
        + faulted
    )


def every_run(results: dict[str, list[dict]]) -> str:
    """Each run's longest gaps (the target is every run's), and the background work that
    held its turn in each gap over the target from usable to the first plots drawn."""
    lines = []
    for name, runs in results.items():
        figures = ", ".join(
            f"{r['stall_usable_to_loaded_ms']:.0f}/{r.get('stall_loaded_to_plotted_ms', 0):.0f}" for r in runs
        )
        lines.append(f"- {name}, each run's longest gap usable to loaded / loaded to first plots drawn (ms): {figures}")
        for number, run in enumerate(runs, 1):
            for ms, at, work in run.get("late_gaps_work", []):
                lines.append(f"    run {number}: {ms} ms ending {at} ms after the open began, beside {', '.join(work)}")
    return "\n".join(lines)


def what_ran(results: dict[str, list[dict]]) -> str:
    """For each code, the run with the median longest gap from usable to loaded: that gap
    (wall, the GUI thread's CPU, the whole process's CPU) and the GUI thread's stacks
    sampled in it; and the gap where the GUI thread itself used the most CPU."""
    lines = []
    for name, runs in results.items():
        watched = sorted(
            (r for r in runs if r.get("watched_longest_gap")), key=lambda r: r["watched_longest_gap"]["ms"]
        )
        if not watched:
            continue
        run = watched[len(watched) // 2]
        for label, gap in (("longest gap", run["watched_longest_gap"]), ("most GUI CPU", run["watched_most_gui_cpu"])):
            lines.append(
                f"- {name}, {label} from usable to loaded: {gap['ms']} ms wall, GUI thread's CPU {gap['cpu_ms']} ms,"
                f" process CPU {gap['process_cpu_ms']} ms, {gap.get('samples', 0)} samples"
            )
            lines += [f"    {count} x {stack}" for stack, count in gap.get("stacks", [])]
            lines += [f"    other thread: {count} x {stack}" for stack, count in gap.get("other_threads", [])[:1]]
            if gap.get("sched"):
                lines.append(f"    threads: {sched_text(gap['sched'])}")
        lines.append(f"- {name}, every gap over 100 ms from usable to loaded, per thread (ms run/waiting for a core/"
                     "asleep, timeslices):")  # fmt: skip
        for number, each in enumerate(runs, 1):
            for gap in each.get("late_gaps", []):
                lines.append(f"    run {number}: {gap['ms']} ms, process CPU {gap['process_cpu_ms']} ms:"
                             f" {sched_text(gap.get('sched', {}))}")  # fmt: skip
    for name, runs in results.items():  # the workers' long holds of the lock, every run's, longest first
        for key, phase in (("worker_holds_to_usable", "to usable"), ("worker_holds", "from usable to loaded")):
            holds = sorted((h for r in runs for h in r.get(key, [])), key=lambda h: -h["ms"])
            lines.append(f"- {name}, the workers' holds of the interpreter lock over {HOLD_MS} ms {phase}:"
                         f" {len(holds)} in {len(runs)} runs{', the longest:' if holds else ''}")  # fmt: skip
            lines += [f"    {h['ms']} ms ({h['cpu_ms']} ms CPU) {h['thread']}: {h['stack']}" for h in holds[:6]]
    return "\n".join(lines)


def main() -> int:
    parser = side_by_side.parser(__doc__)
    parser.add_argument("--no-watch", action="store_true", help="the heartbeat alone, no gap watch")
    args = parser.parse_args()
    global NO_WATCH  # noqa: PLW0603 - read by run_child
    NO_WATCH = args.no_watch
    prefix = args.data / "vars200k" / "a" / "ckpt"
    side_by_side.fixtures(args.data, prefix.with_suffix(".index"))
    settings = args.data / "app-open-settings"
    sources = side_by_side.sources(args.before)
    for source in sources.values():
        run_child(source, str(prefix), settings)  # warm-up: page cache, bytecode
    with side_by_side.busy_beside(args.busy, own_session=args.busy_session == "own"):
        results = side_by_side.alternate(
            sources, args.runs, lambda source: run_child(source, str(prefix), settings), turn_order=True
        )
    print()
    print(table(results))
    print()
    print(what_ran(results))
    print()
    print(every_run(results))
    session = "a session of their own" if args.busy_session == "own" else "the app's session"
    beside = f"{args.busy} CPU-bound processes beside" + (f" (in {session})" if args.busy else "")
    print(f"\nMedian of {args.runs} runs, {time.strftime('%Y-%m-%d %H:%M')}, {beside};"
          f" target: usable <= {USABLE_TARGET_S} s, stalls <= {STALL_TARGET_MS} ms.")  # fmt: skip
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"app_open{'_busy' if args.busy else ''}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
