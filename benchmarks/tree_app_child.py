"""The app in a fresh process (offscreen) with the 200,000-variable tree loaded: the
set-up the tree benchmarks' child scripts share (tree_200k_bench.py,
tree_filter_bench.py), running one, and their side-by-side table.

A child script is ``child_script(body)``: the set-up below, then ``body``, which
measures with what the set-up leaves (``app``, ``window``, ``panel`` (the tree
panel), ``out`` (the figures, printed as JSON by the body), ``loaded`` (when the
checkpoint was), ``gaps``/``timer``/``ticker`` (10 ms timer ticks of the event loop:
start the timer and the ticker, read the longest gap), ``wait``, ``pause``). It runs
in the measured source's folder with qt_wait.py found after it (``child_path``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qt_wait import child_path

SETUP = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QElapsedTimer, QModelIndex, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from ckpt_gui.app.window import MainWindow
from qt_wait import wait

app = QApplication(sys.argv[:1])
window = MainWindow(%(window_args)s)
window.resize(1280, 800)
window.show()
loaded = []
window.loaded.connect(lambda: loaded.append(time.perf_counter()))
gaps, timer, ticker = [], QElapsedTimer(), QTimer(interval=10)
ticker.timeout.connect(lambda: gaps.append(timer.restart()))

def pause(seconds):
    end = time.perf_counter() + seconds
    wait(lambda: time.perf_counter() >= end)

window.browse.open_path(sys.argv[1])
wait(lambda: loaded)
panel, out = window.tree_panel, {}
"""


def child_script(body: str, window_args: str = "") -> str:
    """The set-up (the window made with ``window_args``, the checkpoint ``sys.argv[1]``
    opened and loaded), then ``body``."""
    return SETUP % {"window_args": window_args} + body


def run_child(script: str, source: Path, *args: str) -> dict:
    """Run ``script`` on the code at ``source`` with ``args``; the JSON it printed last."""
    env = dict(os.environ, PYTHONPATH=child_path(source), QT_QPA_PLATFORM="offscreen")
    # In the source's folder: ``-c`` puts the working directory before PYTHONPATH.
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, cwd=source, capture_output=True, text=True, timeout=3600
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"the app's run failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def print_table(rows: list[dict]) -> None:
    """The runs (one dict each, its ``code`` first) as a Markdown table."""
    names = [k for k in rows[0] if k != "code"]
    print("\n| | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
    for row in rows:
        print(f"| {row['code']} | " + " | ".join(str(row.get(k, "")) for k in names) + " |")
