"""The GUI thread's own CPU in each turn of its event loop while a large tensor opens (issue 11).

    python benchmarks/gui_turns_bench.py [--data DIR] [--runs N] [--before SRC_DIR]
        [--fixtures vector512,tensor1g] [--profile] [--top N]

Opens a fixture of app_speed_bench.py (its key ``big/.ATTRIBUTES/VARIABLE_VALUE`` is
the first selection) in an offscreen app child, as app_speed_bench.py does, until
everything is shown; a 10 ms ticker on the event loop measures the GUI thread's CPU
time (``time.thread_time``) between two ticks: one turn of the loop, or the posted
calls run back to back in it. That CPU barely depends on the machine's load, unlike
the wall-clock gaps (a turn of 50 ms of CPU is a gap of about 100 ms when the GUI
thread gets half a core): it is the figure to cut. Prints the longest turn, the
turns over 25 and 35 ms, and (``--profile``: cProfile on the GUI thread between two
ticks, which slows its Python about twice) the functions of most cumulative time in
the ``--top`` turns of most CPU. ``--before SRC_DIR`` runs the same child with that
code, alternating.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import side_by_side

HERE = Path(__file__).resolve().parent
FIXTURES = ("vector512", "tensor1g")
KEY = "big/.ATTRIBUTES/VARIABLE_VALUE"

CHILD = r"""
import cProfile, io, json, os, pstats, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QTimer
from qt_wait import start_window, wait

prefix, profile, top = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
app, window = start_window(1024, 640)
loaded = []
window.loaded.connect(lambda: loaded.append(True))
turns, ticker = [], QTimer(interval=10)
last = [time.thread_time(), time.perf_counter()]
profiler = [cProfile.Profile(time.thread_time) if profile else None]


def tick():
    cpu, wall = time.thread_time(), time.perf_counter()
    if profiler[0] is not None:
        profiler[0].disable()
    turn = {"cpu_ms": (cpu - last[0]) * 1000, "wall_ms": (wall - last[1]) * 1000, "at_s": wall - start}
    if profiler[0] is not None:
        turn["profile"] = profiler[0]
        profiler[0] = cProfile.Profile(time.thread_time)
    turns.append(turn)
    # only the turns of most CPU keep their profile
    kept = sorted((t for t in turns if "profile" in t), key=lambda t: -t["cpu_ms"])
    for dropped in kept[top:]:
        del dropped["profile"]
    last[0], last[1] = time.thread_time(), time.perf_counter()
    if profiler[0] is not None:
        profiler[0].enable()


def everything_shown() -> bool:
    tensor, histogram = window.tensor, window.histogram
    picture = tensor.envelope is not None if tensor.large else tensor.value is not None
    return bool(loaded) and not window.busy and picture and histogram.histogram is not None and not histogram.is_preview


ticker.timeout.connect(tick)
start = time.perf_counter()
ticker.start()
if profiler[0] is not None:
    profiler[0].enable()
window.browse.open_path(prefix)
wait(everything_shown, check_ms=5)
ticker.stop()
if profiler[0] is not None:
    profiler[0].disable()
texts = []
for turn in sorted((t for t in turns if "profile" in t), key=lambda t: -t["cpu_ms"]):
    out = io.StringIO()
    pstats.Stats(turn.pop("profile"), stream=out).sort_stats("cumulative").print_stats(28)
    texts.append({"cpu_ms": round(turn["cpu_ms"], 1), "at_s": round(turn["at_s"], 3), "profile": out.getvalue()})
cpus = [t["cpu_ms"] for t in turns]
print(json.dumps({
    "longest_ms": round(max(cpus), 1), "over_25": sum(c > 25 for c in cpus), "over_35": sum(c > 35 for c in cpus),
    "top": [(round(t["cpu_ms"], 1), round(t["at_s"], 3)) for t in sorted(turns, key=lambda t: -t["cpu_ms"])[:8]],
    "seconds": round(time.perf_counter() - start, 3), "profiles": texts,
}), flush=True)
os._exit(0)
"""


def run(source: Path, prefix: Path, settings: Path, profile: bool, top: int) -> dict:
    env = {**side_by_side.child_env(source, settings), "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    load = os.getloadavg()[0]
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(prefix), "1" if profile else "0", str(top)],
        capture_output=True, text=True, cwd=source, env=env, check=False,
    )  # fmt: skip
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"the child ({source}) failed (exit {result.returncode}): {result.stderr[-3000:]}")
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "load": round(load, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/speed-data"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path)
    parser.add_argument("--fixtures", default=",".join(FIXTURES))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes running beside each run")
    args = parser.parse_args()
    sources = side_by_side.sources(args.before)
    settings = args.data / "app-settings"
    settings.mkdir(parents=True, exist_ok=True)
    for fixture in args.fixtures.split(","):
        prefix = args.data / fixture / "ckpt"
        for source in sources.values():
            run(source, prefix, settings, False, 0)  # warms the page cache and the bytecode
        results = {name: [] for name in sources}
        with side_by_side.busy_beside(args.busy):
            measure(args, sources, prefix, settings, fixture, results)
        for name, runs in results.items():
            print(
                f"{fixture} {name}: median longest turn {statistics.median(r['longest_ms'] for r in runs)} ms CPU"
                f" ({', '.join(str(r['longest_ms']) for r in runs)}), load {', '.join(str(r['load']) for r in runs)}"
            )
    return 0


def measure(args, sources: dict[str, Path], prefix: Path, settings: Path, fixture: str, results: dict) -> None:
    for index in range(args.runs):
        order = list(sources)[index % len(sources) :] + list(sources)[: index % len(sources)]
        for name in order:
            found = run(sources[name], prefix, settings, args.profile, args.top)
            results[name].append(found)
            print(
                f"{fixture} {name}: longest turn {found['longest_ms']} ms CPU, over 25 ms {found['over_25']},"
                f" over 35 ms {found['over_35']}, top {found['top'][:5]}, load {found['load']}",
                flush=True,
            )
            for turn in found["profiles"]:
                print(f"--- turn of {turn['cpu_ms']} ms CPU at {turn['at_s']} s\n{turn['profile']}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
