"""The app against the CLI on large tensors, idle and under load (issue 11), in one run.

    python benchmarks/app_speed_bench.py [--data DIR] [--runs N] [--before SRC_DIR]
        [--fixtures vector512,tensor1g] [--conditions idle,loaded]

For a 512 MB vector and a 1 GB matrix (written with TensorFlow by app_fixtures.py),
measures side by side:

- the CLI: ``ckpt-gui inspect PREFIX --stats``, the whole process;
- the app (offscreen, a fresh process per run, started as ``ckpt-gui`` starts it: its
  1 ms switch interval and background thread): from asking it to open the checkpoint
  until everything it shows is ready: tree, exact statistics, NaN/Inf positions,
  exact histogram, the plot or heatmap, and the NaN/Inf scan where it runs on open;
  with the longest gap between 10 ms timer ticks of its event loop meanwhile, the GUI
  thread's own CPU in its longest turn (the rest of a gap is a wait: for the
  interpreter lock a worker holds, or for a core), and what ran in the longest gap
  (benchmarks/gap_watch.py: the gap's wall time, the GUI thread's and the process's
  CPU in it, the GUI thread's stacks, the workers' long holds of the lock);

once on the machine as it is ("idle") and once with two CPU-bound processes spawned
here running beside it ("loaded"). Each figure is the median of N runs, page cache
warm; beside the stall, the longest gap of an event loop doing nothing, measured right
after under the same conditions (what the OS scheduler alone costs). ``--before
SRC_DIR`` (a copy of the code before, e.g. ``git archive main | tar -x -C DIR``) runs
the same app child with that code, alternating with this tree's. Prints a Markdown
table and writes benchmarks/results/app_speed.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import side_by_side
from gap_watch import HOLD_MS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(REPO)}
FIXTURES = {"vector512": "512 MB vector (128M float32)", "tensor1g": "1 GB matrix (16384 x 16384 float32)"}
CONDITIONS = {"idle": "as it is", "loaded": "+ 2 CPU-bound processes"}
TARGET_RATIO = 2.5
STALL_TARGET_MS = 100
SHOWN = ("seconds", "max_gap_ms", "gui_cpu_longest_turn_ms", "load", "marks")  # printed for each run

APP_CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QTimer
from qt_wait import start_window, wait
from gap_watch import GapWatch

prefix = sys.argv[1]
app, window = start_window(1024, 640)
loaded = []
window.loaded.connect(lambda: loaded.append(time.perf_counter()))
gaps, turns, timer, ticker = [], [], QElapsedTimer(), QTimer(interval=10)
last_cpu = [time.thread_time()]


marks = {}  # when each part of what is shown was first seen ready (seconds from the open)


def ready() -> dict:
    tensor, histogram, browse = window.tensor, window.histogram, window.browse
    current = browse.current
    return {
        "loaded": bool(loaded),
        "stats": current is not None and current.variable is not None and current.variable.key in browse.stats_cache,
        "picture": tensor.envelope is not None if tensor.large else tensor.value is not None,
        "histogram": histogram.histogram is not None and not histogram.is_preview,
        "scan": window.tree_panel.nonfinite is not None,
        "idle": not window.busy,
    }


def tick():
    gaps.append(timer.restart())
    cpu = time.thread_time()  # the GUI thread's own CPU time since the last tick
    turns.append((cpu - last_cpu[0]) * 1000)
    last_cpu[0] = cpu
    for name, done in ready().items():
        if done and name not in marks:
            marks[name] = round(time.perf_counter() - start, 3)


ticker.timeout.connect(tick)
watch = GapWatch()

def everything_shown() -> bool:
    tensor, histogram = window.tensor, window.histogram
    picture = tensor.envelope is not None if tensor.large else tensor.value is not None
    return bool(loaded) and not window.busy and picture and histogram.histogram is not None and not histogram.is_preview

start = time.perf_counter()
timer.start()
ticker.start()
watch.start()
window.browse.open_path(prefix)
wait(everything_shown, check_ms=5)
elapsed = time.perf_counter() - start
ticker.stop()
watch.stop()
stats = window.browse.stats_cache[window.browse.current.variable.key]
scanned = window.tree_panel.nonfinite is not None
watched = watch.gaps()
print(json.dumps({
    "seconds": elapsed, "max_gap_ms": max(gaps) if gaps else 0, "gui_cpu_longest_turn_ms": round(max(turns, default=0)),
    "scanned": scanned, "nan": stats.nan,
    "watched_longest_gap": max(watched, key=lambda g: g["ms"], default=None),
    "watched_most_gui_cpu": max(watched, key=lambda g: g["cpu_ms"], default=None),
    "worker_holds": watch.long_holds()[:8], "marks": marks,
    "late_gaps": [{**g, "ends_s": round(watch.beats[g["at"]][0] - start, 3)} for g in watched if g["ms"] > 100],
}), flush=True)
os._exit(0)
"""


IDLE_LOOP_CHILD = r"""
import json, os, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
gaps, timer, ticker = [], QElapsedTimer(), QTimer(interval=10)
ticker.timeout.connect(lambda: gaps.append(timer.restart()))
timer.start()
ticker.start()
end = time.perf_counter() + 5
while time.perf_counter() < end:
    app.processEvents()
    time.sleep(0.001)
print(json.dumps({"max_gap_ms": max(gaps)}))
"""


def idle_loop_stall() -> float:
    """The longest gap of an event loop with nothing to do, on the machine as it is:
    what the scheduler alone costs, for comparison with the app's."""
    result = subprocess.run(
        [sys.executable, "-c", IDLE_LOOP_CHILD], capture_output=True, text=True, cwd=REPO, check=True,
        env={**ENV, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])["max_gap_ms"]


def cli_seconds(prefix: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ckpt_gui", "inspect", prefix, "--stats"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=True, cwd=REPO,
    )  # fmt: skip
    return time.perf_counter() - start


CRASH_RETRIES = 2  # a child killed by a signal is run again (and counted), up to this many times


def app_run(source: Path, prefix: str, settings: Path) -> dict:
    """One run of the app child with ``source``'s code. The child crashes now and then (a
    segfault in Qt or shiboken, 1 run in 20 to 50, on main's code too): such a run is
    run again, the crashes counted in ``crashes``; any other failure stops the bench."""
    env = {**side_by_side.child_env(source, settings), "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    for crashes in range(CRASH_RETRIES + 1):
        load = os.getloadavg()[0]
        result = subprocess.run(
            [sys.executable, "-c", APP_CHILD, prefix], capture_output=True, text=True, cwd=source, check=False, env=env
        )
        if result.returncode >= 0 or crashes == CRASH_RETRIES:
            break
        print(f"  the app child ({source}) crashed (exit {result.returncode}): run again", flush=True)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"the app child ({source}) failed (exit {result.returncode}): {result.stderr[-3000:]}")
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "load": load, "crashes": crashes}


def measure(sources: dict[str, Path], prefix: str, runs: int, settings: Path) -> dict:
    """Runs alternate between the CLI and the app (each code in turn), so all see the
    same conditions."""
    cli_seconds(prefix)  # warms the page cache
    for source in sources.values():
        app_run(source, prefix, settings)  # and the bytecode
    cli, apps = [], {name: [] for name in sources}
    for run in range(runs):
        cli.append(cli_seconds(prefix))
        order = list(sources)
        order = order[run % len(order) :] + order[: run % len(order)]
        for name in order:
            apps[name].append(app_run(sources[name], prefix, settings))
            shown = {k: apps[name][-1][k] for k in SHOWN}
            late = [(g["ends_s"], g["ms"], g["cpu_ms"], g["process_cpu_ms"]) for g in apps[name][-1]["late_gaps"]]
            print(f"  {name}: cli {cli[-1]:.2f} s, app {json.dumps(shown)}", flush=True)
            print(f"    gaps over 100 ms (ends at s, wall ms, GUI CPU ms, process CPU ms): {late}", flush=True)
    return {"cli": statistics.median(cli), "cli_runs": cli, "apps": apps, "idle_loop_gap_ms": idle_loop_stall()}


def figures(runs: list[dict]) -> dict:
    return {
        "app": statistics.median(r["seconds"] for r in runs),
        "max_gap_ms": statistics.median(r["max_gap_ms"] for r in runs),
        "gui_cpu_ms": statistics.median(r["gui_cpu_longest_turn_ms"] for r in runs),
    }


def table(results: list[dict]) -> str:
    lines = [
        "| Tensor | Machine | Code | `inspect --stats` (CLI) | App: everything shown | Ratio | Target"
        " | Longest stall (an idle loop's) | GUI CPU, longest turn | Met |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        for name, runs in r["apps"].items():
            f = figures(runs)
            ratio = f["app"] / r["cli"]
            met = [("ratio", ratio <= TARGET_RATIO), ("stall", f["max_gap_ms"] <= STALL_TARGET_MS)]
            said = ", ".join(f"{what} {'yes' if ok else 'NO'}" for what, ok in met)
            lines.append(
                f"| {FIXTURES[r['fixture']]} | {CONDITIONS[r['condition']]} (load {r['load']:.1f}) | {name} | "
                f"{r['cli']:.2f} s | {f['app']:.2f} s | {ratio:.2f}x | <= {TARGET_RATIO}x, <= {STALL_TARGET_MS} ms | "
                f"{f['max_gap_ms']:.0f} ms ({r['idle_loop_gap_ms']:.0f} ms) | {f['gui_cpu_ms']:.0f} ms | {said} |"
            )
    return "\n".join(lines)


def what_ran(results: list[dict]) -> str:
    """For each case and code, the run with the median longest gap: that gap (wall, the
    GUI thread's CPU, the process's), the GUI thread's stacks sampled in it and what
    another thread ran; and the workers' long holds of the lock, every run's."""
    lines = []
    for r in results:
        for name, runs in r["apps"].items():
            case = f"{r['fixture']}, {r['condition']}, {name}"
            watched = sorted((x for x in runs if x.get("watched_longest_gap")), key=lambda x: x["max_gap_ms"])
            if watched:
                run = watched[len(watched) // 2]
                for label, key in (("longest gap", "watched_longest_gap"), ("most GUI CPU", "watched_most_gui_cpu")):
                    gap = run[key]
                    lines.append(
                        f"- {case}, {label}: {gap['ms']} ms wall, GUI thread's CPU {gap['cpu_ms']} ms,"
                        f" process CPU {gap['process_cpu_ms']} ms, {gap.get('samples', 0)} samples"
                    )
                    lines += [f"    {count} x {stack}" for stack, count in gap.get("stacks", [])]
                    others = gap.get("other_threads", [])[:2]
                    lines += [f"    other thread: {count} x {stack}" for stack, count in others]
            holds = sorted((h for x in runs for h in x.get("worker_holds", [])), key=lambda h: -h["ms"])
            lines.append(f"- {case}, the workers' holds of the interpreter lock over {HOLD_MS} ms:"
                         f" {len(holds)} in {len(runs)} runs{', the longest:' if holds else ''}")  # fmt: skip
            lines += [f"    {h['ms']} ms ({h['cpu_ms']} ms CPU) {h['thread']}: {h['stack']}" for h in holds[:5]]
    return "\n".join(lines)


def main() -> int:
    parser = side_by_side.parser(__doc__, busy=False)
    parser.add_argument("--fixtures", default=",".join(FIXTURES), help="which tensors (comma-separated)")
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help="idle, loaded or both")
    args = parser.parse_args()
    subprocess.run([sys.executable, str(HERE / "app_fixtures.py"), str(args.data)], check=True, env=ENV)
    settings = args.data / "app-settings"
    sources = side_by_side.sources(args.before)
    results = []
    for fixture in args.fixtures.split(","):
        prefix = str(args.data / fixture / "ckpt")
        for condition in args.conditions.split(","):
            with side_by_side.busy_beside(2 if condition == "loaded" else 0):
                time.sleep(0.5 if condition == "loaded" else 0)
                measured = measure(sources, prefix, args.runs, settings)
                load = os.getloadavg()[0]
            results.append({"fixture": fixture, "condition": condition, "load": load, **measured})
            print("\n".join(table(results[-1:]).splitlines()[2:]), flush=True)
    cpu = platform.processor() or platform.machine()
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print()
    print(table(results))
    print()
    print(what_ran(results))
    print(f"\nMeasured {time.strftime('%Y-%m-%d %H:%M')} on {machine}; median of {args.runs} runs, page cache warm.")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "app_speed.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
