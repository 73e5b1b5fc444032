"""GUI timings, run offscreen in a child process by benchmarks/run.py.

    python benchmarks/gui_bench.py launch PREFIX          # prints when the tree is populated
    python benchmarks/gui_bench.py interact DATA_DIR RUNS  # filter, select, responsiveness

Prints one JSON object on the last line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

from qt_wait import wait

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def launch(prefix: str) -> None:
    """The app's own start-up path; prints the moment the tree is populated."""
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app.window import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow(scan_on_open=False)
    window.show()

    def loaded() -> None:
        rows = window.tree_panel.model.rowCount()
        print(json.dumps({"loaded": True, "top_rows": rows}), flush=True)
        app.exit(0)

    window.loaded.connect(loaded)
    window.browse.open_path(prefix)
    app.exec()


def interact(data: str, runs: int) -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app.window import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow(scan_on_open=False)
    window.resize(1440, 900)
    window.show()

    def open_and_wait(path: str) -> None:
        done = []
        window.loaded.connect(lambda: done.append(1))
        window.browse.open_path(path)
        wait(lambda: done and not window.busy, timeout=120.0, check_ms=1)

    results = {}
    open_and_wait(os.path.join(data, "vars20k", "ckpt"))
    panel = window.tree_panel
    filter_times = []
    for query in ["blocks/1", "gamma", "extra_3", "blocks/19", "kernel", "nomatch", ""] * runs:
        start = time.perf_counter()
        panel.search.setText(query)
        panel.apply_filter()  # what the debounce timer would call after the keystroke
        app.processEvents()  # the repaint
        filter_times.append(time.perf_counter() - start)
    results["filter_ms"] = statistics.median(filter_times) * 1000
    results["filter_max_ms"] = max(filter_times) * 1000

    open_and_wait(os.path.join(data, "vector1m", "ckpt"))
    key = "weights/.ATTRIBUTES/VARIABLE_VALUE"
    select_times = []
    for _ in range(runs):
        panel.select_key("bias/.ATTRIBUTES/VARIABLE_VALUE")
        wait(lambda: not window.busy, timeout=120.0, check_ms=1)
        window.browse.stats_cache.clear()  # measure the full computation, not a cached one
        start = time.perf_counter()
        panel.select_key(key)
        wait(
            lambda: window.histogram.histogram is not None and not window.browse.runner.is_running("histogram"),
            timeout=120.0,
            check_ms=1,
        )
        select_times.append(time.perf_counter() - start)
        wait(lambda: not window.busy, timeout=120.0, check_ms=1)
    results["select_1m_ms"] = statistics.median(select_times) * 1000

    open_and_wait(os.path.join(data, "tensor256", "ckpt"))
    # The longest gap between 10 ms timer ticks while the whole tensor is summarised
    # from scratch, per summary; one summary's worst gap is at the mercy of the OS, so
    # the median over several summaries is the figure, with the worst one beside it.
    longest_gaps, durations = [], []
    for _ in range(runs):
        gaps = []
        timer = QElapsedTimer()
        ticker = QTimer(interval=10)
        ticker.timeout.connect(lambda gaps=gaps, timer=timer: gaps.append(timer.restart()))
        window.browse.stats_cache.clear()
        window.histogram.bins.setValue(window.histogram.bins.value() + 1)  # recompute from scratch
        timer.start()
        ticker.start()
        start = time.perf_counter()
        wait(lambda: not window.busy, timeout=120.0, check_ms=1)
        ticker.stop()
        durations.append(time.perf_counter() - start)
        longest_gaps.append(max(gaps) if gaps else 0)
    results["summarise_256mb_s"] = statistics.median(durations)
    results["max_event_loop_gap_ms"] = statistics.median(longest_gaps)
    results["worst_event_loop_gap_ms"] = max(longest_gaps)
    window.close()
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "launch":
        launch(sys.argv[2])
    else:
        interact(sys.argv[2], int(sys.argv[3]))
