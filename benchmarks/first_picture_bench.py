"""The event loop while a large tensor's first picture is drawn (issue 11: never blocked
over 100 ms), side by side with another version of the code, in one run.

    python benchmarks/first_picture_bench.py PREFIX [--runs N] [--before SRC_DIR]

PREFIX: a checkpoint of one large tensor, e.g. app_fixtures.py's ``vector512/ckpt``
(a 512 MB vector). Each run is a fresh process (offscreen) that starts the app as
``ckpt-gui`` does, opens PREFIX (its tensor selected first) and waits, blocked in the
event loop as the app is, until everything is shown (statistics, histogram, the
picture: for a large tensor the min/max envelope). Its plots are made then, with the
first picture (pyqtgraph imported on a thread once the tree is shown). Measured on the
GUI thread with a 10 ms ticker: the longest gap between ticks, and the GUI thread's
own CPU time in its longest turn (what the app's code costs there; the rest of a gap
is waiting for a core or for the interpreter lock); and the time until everything is
shown. ``--before SRC_DIR`` runs the same child with that code, alternating.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import side_by_side

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from qt_wait import start_window

app, window = start_window(1280, 800)
loaded = []
window.loaded.connect(lambda: loaded.append(1))
gaps, turns, timer, ticker = [], [], QElapsedTimer(), QTimer(interval=10)
last_cpu = [time.thread_time()]


def tick():
    gaps.append(timer.restart())
    cpu = time.thread_time()
    turns.append((cpu - last_cpu[0]) * 1000)
    last_cpu[0] = cpu


def everything_shown():
    tensor, histogram = window.tensor, window.histogram
    picture = tensor.envelope is not None if tensor.large else tensor.value is not None
    drawn = "line" in tensor.__dict__ or "graphics" in tensor.__dict__
    return bool(loaded) and not window.busy and picture and drawn and histogram.histogram is not None \
        and not histogram.is_preview


ticker.timeout.connect(tick)
start = time.perf_counter()
timer.start()
ticker.start()
window.browse.open_path(sys.argv[1])
loop = QEventLoop()
check = QTimer(interval=5)
check.timeout.connect(lambda: everything_shown() and loop.quit())
check.start()
loop.exec()
shown = time.perf_counter() - start
settle = QEventLoop()  # the picture's paint and what follows it
QTimer.singleShot(300, settle.quit)
settle.exec()
ticker.stop()
print(json.dumps({"shown_s": round(shown, 2), "max_gap_ms": max(gaps), "gui_cpu_longest_turn_ms": round(max(turns))}))
os._exit(0)
"""


def run_child(source: Path, prefix: str, settings: str) -> dict:
    env = side_by_side.child_env(source, Path(settings))  # qt_wait (the app's start) on its path
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", CHILD, prefix], capture_output=True, text=True, env=env,
                         cwd=source, check=True, timeout=600)  # fmt: skip
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": round(load, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", help="a checkpoint of one large tensor (app_fixtures.py's vector512/ckpt)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a copy of the code to compare with (its source root)")
    args = parser.parse_args()
    sources = {"this tree": REPO, **({"before": args.before.resolve()} if args.before else {})}
    results: dict[str, list[dict]] = {name: [] for name in sources}
    with tempfile.TemporaryDirectory() as settings:
        for source in sources.values():
            run_child(source, args.prefix, settings)  # warm-up: page cache, bytecode
        for _ in range(args.runs):
            for name, source in sources.items():  # alternating: both see the same machine
                results[name].append(run_child(source, args.prefix, settings))
                print(name, json.dumps(results[name][-1]), flush=True)
    print("\n| Code | Longest gap | GUI thread's CPU in its longest turn | Everything shown | Load average |")
    print("|---|---:|---:|---:|---|")
    for name, runs in results.items():
        loads = [r["load"] for r in runs]
        print(f"| {name} | {statistics.median(r['max_gap_ms'] for r in runs):.0f} ms | "
              f"{statistics.median(r['gui_cpu_longest_turn_ms'] for r in runs):.0f} ms | "
              f"{statistics.median(r['shown_s'] for r in runs):.2f} s | {min(loads)} to {max(loads)} |")  # fmt: skip
    print(f"\nMedian of {args.runs} runs, {time.strftime('%Y-%m-%d %H:%M')}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
