"""The app against the CLI on large tensors, idle and under load (issue 11), in one run.

    python benchmarks/app_speed_bench.py [--data DIR] [--runs N]

For a 512 MB vector and a 1 GB matrix (written with TensorFlow by app_fixtures.py),
measures side by side:

- the CLI: ``ckpt-gui inspect PREFIX --stats``, the whole process;
- the app (offscreen, a fresh process per run): from asking it to open the checkpoint
  until everything it shows is ready: tree, exact statistics, NaN/Inf positions,
  exact histogram, the plot or heatmap, and the NaN/Inf scan where it runs on open;
  with the longest gap between 10 ms timer ticks of its event loop meanwhile;

once on the machine as it is ("idle") and once with two CPU-bound processes spawned
here running beside it ("loaded"). Each figure is the median of N runs, page cache
warm; beside the stall, the longest gap of an event loop doing nothing, measured right
after under the same conditions (what the OS scheduler alone costs). Prints a Markdown
table and writes benchmarks/results/app_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from qt_wait import child_path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(REPO)}
FIXTURES = {"vector512": "512 MB vector (128M float32)", "tensor1g": "1 GB matrix (16384 x 16384 float32)"}
TARGET_RATIO = 2.5
STALL_TARGET_MS = 100

APP_CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import gui_gc, launch
from ckpt_gui.app.window import MainWindow
from qt_wait import wait

prefix = sys.argv[1]
app = QApplication(sys.argv[:1])
launch.start_collector(app)  # as the app does: Python's GC on the GUI thread only
window = MainWindow()
window.resize(1024, 640)
window.show()
gui_gc.settle()
app.processEvents()
loaded = []
window.loaded.connect(lambda: loaded.append(time.perf_counter()))
gaps, timer, ticker = [], QElapsedTimer(), QTimer(interval=10)
ticker.timeout.connect(lambda: gaps.append(timer.restart()))

def everything_shown() -> bool:
    tensor, histogram = window.tensor, window.histogram
    picture = tensor.envelope is not None if tensor.large else tensor.value is not None
    return bool(loaded) and not window.busy and picture and histogram.histogram is not None and not histogram.is_preview

start = time.perf_counter()
timer.start()
ticker.start()
window.browse.open_path(prefix)
wait(everything_shown, check_ms=1)
elapsed = time.perf_counter() - start
ticker.stop()
stats = window.browse.stats_cache[window.browse.current.variable.key]
scanned = window.tree_panel.nonfinite is not None
print(json.dumps({"seconds": elapsed, "max_gap_ms": max(gaps) if gaps else 0, "scanned": scanned, "nan": stats.nan}))
window.close()
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


def app_run(prefix: str, settings: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", APP_CHILD, prefix], capture_output=True, text=True, cwd=REPO, check=False,
        env={**ENV, "PYTHONPATH": child_path(REPO), "QT_QPA_PLATFORM": "offscreen",
             "CKPT_GUI_SETTINGS_DIR": str(settings)},
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(prefix: str, runs: int, settings: Path) -> dict:
    """Runs alternate between the CLI and the app, so both see the same conditions."""
    cli_seconds(prefix)  # warms the page cache
    cli, app, gaps = [], [], []
    for _ in range(runs):
        cli.append(cli_seconds(prefix))
        result = app_run(prefix, settings)
        app.append(result["seconds"])
        gaps.append(result["max_gap_ms"])
    return {
        "cli": statistics.median(cli), "app": statistics.median(app), "max_gap_ms": statistics.median(gaps),
        "gaps": gaps, "idle_loop_gap_ms": idle_loop_stall(),
    }  # fmt: skip


class CpuHogs:
    """Two CPU-bound processes (the machine "training"), ended when the block ends."""

    def __enter__(self) -> CpuHogs:
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        time.sleep(0.5)
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


def table(results: list[dict]) -> str:
    lines = [
        "| Tensor | Machine | `inspect --stats` (CLI) | App: everything shown | Ratio | Target | Longest stall"
        " (an idle loop's) | Met |",
        "|---|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        ratio = r["app"] / r["cli"]
        ok = ratio <= TARGET_RATIO and r["max_gap_ms"] <= STALL_TARGET_MS
        lines.append(
            f"| {FIXTURES[r['fixture']]} | {r['condition']} (load {r['load']:.1f}) | {r['cli']:.2f} s | "
            f"{r['app']:.2f} s | {ratio:.2f}x | <= {TARGET_RATIO}x, stall <= {STALL_TARGET_MS} ms | "
            f"{r['max_gap_ms']:.0f} ms ({r['idle_loop_gap_ms']:.0f} ms) | {'yes' if ok else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="where the benchmark checkpoints live")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([sys.executable, str(HERE / "app_fixtures.py"), str(args.data)], check=True, env=ENV)
    settings = args.data / "app-settings"
    results = []
    for fixture in FIXTURES:
        prefix = str(args.data / fixture / "ckpt")
        for condition in ("idle", "2 CPU-bound processes"):
            if condition == "idle":
                figures = measure(prefix, args.runs, settings)
                load = os.getloadavg()[0]
            else:
                with CpuHogs():
                    figures = measure(prefix, args.runs, settings)
                    load = os.getloadavg()[0]
            results.append({"fixture": fixture, "condition": condition, "load": load, **figures})
            print(table(results[-1:]).splitlines()[-1], flush=True)
    cpu = platform.processor() or platform.machine()
    machine = f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print()
    print(table(results))
    print(f"\nMeasured {time.strftime('%Y-%m-%d %H:%M')} on {machine}; median of {args.runs} runs, page cache warm.")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "app_speed.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
