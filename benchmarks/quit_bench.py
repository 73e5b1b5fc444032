"""Quit while a comparison still computes: the time from Ctrl+Q to the window gone and
to the process's exit, in a real X window, beside CPU-bound processes.

    python benchmarks/quit_bench.py [--data DIR | --pair A B] [--runs N] [--busy 2] [--after 3] [--before TREE]

Issue 11 ("Quit is immediate"): the key had waited up to 9.7 s at load 9 to 15 behind
the comparison's work on the GUI thread. Each run starts the app on A of the
200,000-variable pair (benchmarks/make_scale_fixtures.py) with ``--compare B``; ``--after``
seconds after the comparison of the values began, ``xdotool key ctrl+q`` is sent to its
window. Measured from the key: the key handled (the window's closeEvent entered), the
window gone (closed: the entry point's ``end_now`` called), ``os._exit`` called
(ending) and the process ended (waitpid in this process). An Xvfb server and
openbox are started on ``--display`` (and ended) unless one answers there already.
``--before TREE`` adds the app of that source tree to every run, alternated with ours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from qt_wait import child_path  # noqa: E402
from scale_bench import ENV, REPO  # noqa: E402

# The app's own entry point; the key sent by xdotool once the comparison has run ``after``
# seconds. GONE: the window closed (launch.end_now looked up when the window's closed signal
# fires, so replaced here before the event loop starts).
DRIVER = """
import os, subprocess, sys, threading, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import launch
from ckpt_gui.app.window import MainWindow

a, b, after = sys.argv[1], sys.argv[2], float(sys.argv[3])
end_now = launch.end_now

def gone(code):
    print("GONE", time.time(), flush=True)
    end_now(code)

launch.end_now = gone
exit_now = os._exit

def ending(code):
    print("ENDING", time.time(), flush=True)
    exit_now(code)

os._exit = ending
close_event = MainWindow.closeEvent

def closing(window, event):
    print("CLOSING", time.time(), flush=True)
    close_event(window, event)

MainWindow.closeEvent = closing

def press_later(wid):
    subprocess.run(["xdotool", "windowactivate", "--sync", str(wid)], check=False)
    time.sleep(after)
    print("QUIT", time.time(), flush=True)
    subprocess.run(["xdotool", "key", "ctrl+q"], check=True)

def watch():
    window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)
    compare = window._compare if window is not None else None
    if compare is None or not compare.runner.is_running("all_pairs"):
        QTimer.singleShot(50, watch)
        return
    print("COMPARING", time.time(), flush=True)
    threading.Thread(target=press_later, args=(int(window.winId()),), daemon=True).start()

QTimer.singleShot(0, watch)
sys.exit(launch.run_gui([a, "--compare", b]))
"""


def x_server(display: int) -> list[subprocess.Popen]:
    """Xvfb and openbox on ``display``, unless a server answers there already."""
    env = {**os.environ, "DISPLAY": f":{display}"}
    if subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode == 0:
        return []
    server = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1024x640x24"], stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    manager = subprocess.Popen(["openbox"], env=env, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return [manager, server]


def one_run(a: Path, b: Path, source: Path, display: int, after: float, nice: int) -> dict:
    settings = tempfile.mkdtemp(prefix="quit-bench-")
    env = {**ENV, "DISPLAY": f":{display}", "QT_QPA_PLATFORM": "xcb", "CKPT_GUI_SETTINGS_DIR": settings,
           "PYTHONPATH": child_path(source), "FONTCONFIG_FILE": os.environ.get("FONTCONFIG_FILE", "")}  # fmt: skip
    command = ["nice", "-n", str(nice), sys.executable, "-c", DRIVER, str(a), str(b), str(after)]
    app = subprocess.Popen(command, env=env, cwd=source, stdout=subprocess.PIPE, text=True)
    lines: dict[str, float] = {}
    try:
        for line in app.stdout:
            word, _, value = line.partition(" ")
            if word in ("COMPARING", "QUIT", "CLOSING", "GONE", "ENDING"):
                lines[word] = float(value)
            if word == "ENDING":
                break
        app.wait(timeout=120)
        ended = time.time()
    finally:
        app.kill()
        app.wait()
        shutil.rmtree(settings, ignore_errors=True)
    if "QUIT" not in lines or "ENDING" not in lines:
        raise RuntimeError(f"the app never quit: {lines}, exit code {app.returncode}")
    return {
        "handled": lines["CLOSING"] - lines["QUIT"],
        "gone": lines["GONE"] - lines["QUIT"],
        "ending": lines["ENDING"] - lines["QUIT"],
        "exited": ended - lines["QUIT"],
        "load": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="holds vars200k/a/ckpt and vars200k/b/ckpt")
    parser.add_argument("--pair", type=Path, nargs=2, help="A and B prefixes to compare instead (e.g. two 1 GB ones)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes beside the runs")
    parser.add_argument("--display", type=int, default=64, help="the X display to run the app on")
    parser.add_argument("--after", type=float, default=3.0, help="seconds into the comparison Ctrl+Q is sent")
    parser.add_argument("--nice", type=int, default=5, help="the app's niceness (the spinners keep 0)")
    parser.add_argument("--before", type=Path, help="a source tree of the code before, measured beside ours")
    args = parser.parse_args()
    a, b = args.pair or (args.data / "vars200k" / "a" / "ckpt", args.data / "vars200k" / "b" / "ckpt")
    if not Path(f"{b}.index").exists():
        subprocess.run([sys.executable, str(HERE / "make_scale_fixtures.py"), str(args.data)], check=True, env=ENV)
    trees = {"after": REPO, **({"before": args.before} if args.before else {})}
    started = x_server(args.display)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    results: dict[str, list[dict]] = {name: [] for name in trees}
    try:
        time.sleep(2 if args.busy else 0)  # the spinners at full speed before the first run
        load = os.getloadavg()[0]
        for run in range(args.runs):
            order = list(trees)[run % len(trees) :] + list(trees)[: run % len(trees)]
            for name in order:
                result = one_run(a, b, trees[name], args.display, args.after, args.nice)
                results[name].append(result)
                times = ", ".join(f"{key} {result[key]:.2f} s" for key in ("handled", "gone", "ending", "exited"))
                print(f"  run {run + 1}, {name}: {times} after the key (load {result['load']:.1f})", flush=True)
    finally:
        for process in spinners + started:
            process.kill()
            process.wait()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {args.busy} CPU-bound processes beside,"
          f" load {load:.1f} to {os.getloadavg()[0]:.1f}, Ctrl+Q {args.after:g} s into the comparison")  # fmt: skip
    for name, runs in results.items():
        for key in ("handled", "gone", "ending", "exited"):
            values = sorted(r[key] for r in runs)
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(f"{name}: {key} median {statistics.median(values):.2f} s ({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
