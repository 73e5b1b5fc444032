"""The app at scale, run in a child process by benchmarks/scale_bench.py.

    python benchmarks/scale_app.py launch PREFIX     # prints "usable" once the tree is shown, then uses it
    python benchmarks/scale_app.py compare A B       # opens A, compares with B, prints "compared"

Prints JSON lines; the parent times the whole process (start to the line it waits
for), its CPU time and its peak memory.
"""

from __future__ import annotations

import json
import os
import sys
import time

from qt_wait import open_and_compare, wait

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _window():
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app.window import MainWindow

    app = QApplication(sys.argv[:1])
    settle = _start_collector(app)
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    settle()
    return app, window


def _start_collector(app):
    """Python's garbage collector as `ckpt-gui` runs it (app/launch.py); the code before
    app/gui_gc.py (run with PYTHONPATH at an older tree, side by side) had pyqtgraph's."""
    try:
        from ckpt_gui.app import gui_gc, launch

        launch.start_collector(app)
        return gui_gc.settle
    except ImportError:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        app.gui_thread_gc = GarbageCollector(interval=1.0)
        return lambda: None


def _time_collections() -> list[float]:
    """How long each collection took (ms), whichever thread ran it."""
    import gc

    took, started = [], []

    def note(phase, _info):
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            took.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(note)
    return took


def launch(prefix: str) -> None:
    """Open, then what a user does first: expand a group, type a filter, select a row.

    "usable" is printed when a tree is shown with a row selected: the key view while a
    large object graph is decoded (app/opening.py), else the object view.
    Then, once the object view is in, the timings: how long after "usable" it came,
    the longest gap of the event loop meanwhile (10 ms timer ticks), and the interactions."""
    import gc

    from PySide6.QtCore import QElapsedTimer, QTimer

    app, window = _window()
    collections = _time_collections()
    loaded, usable = [], []
    window.loaded.connect(lambda: loaded.append(time.perf_counter()))
    window.browse.keys_shown.connect(lambda: usable.append(time.perf_counter()))
    gaps, timer, ticker = [], QElapsedTimer(), QTimer(interval=10)
    ticker.timeout.connect(lambda: gaps.append(timer.restart()))
    timer.start()
    ticker.start()
    window.browse.open_path(prefix)
    wait(lambda: loaded or usable, check_ms=50)
    view_first = window.tree_panel.current_view
    print(json.dumps({"usable": True, "rows": window.tree_panel.model.rowCount(), "view": view_first}), flush=True)
    wait(lambda: loaded, check_ms=50)
    ticker.stop()
    panel, view, model = window.tree_panel, window.tree_panel.view, window.tree_panel.model
    timings = {
        "first_view": view_first,
        "object_view_after_usable_s": round(loaded[0] - usable[0], 2) if usable else 0.0,
        "max_gap_ms": max(gaps) if gaps else 0,
        "longest_collection_ms": round(max(collections, default=0), 1),
        "collections_ms": round(sum(collections)),
        "frozen_objects": gc.get_freeze_count(),
    }
    start = time.perf_counter()
    top = model.index(0, 0)
    view.expand(top)
    view.expand(model.index(0, 0, top))
    app.processEvents()
    timings["expand_ms"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    panel.search.setText("blocks/1234/")
    panel.apply_filter()
    app.processEvents()
    timings["first_filter_ms"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    panel.search.setText("blocks/4321/")
    panel.apply_filter()
    app.processEvents()
    timings["filter_ms"] = (time.perf_counter() - start) * 1000
    tree = panel.tree
    node = next(n for n in tree.by_key.values() if n.kind == "variable" and n.variable.num_elements > 1)
    start = time.perf_counter()
    panel.select_node(node)
    app.processEvents()
    timings["select_ms"] = (time.perf_counter() - start) * 1000
    timings["shown_matches"] = tree.match_count
    print(json.dumps(timings), flush=True)
    os._exit(0)  # measured: no teardown while the background scan still runs


def compare(a: str, b: str) -> None:
    app, window = _window()
    open_and_compare(window, a, b)
    print(json.dumps({"compared": True, "summary": window.compare.diff.summary()}), flush=True)
    os._exit(0)


if __name__ == "__main__":
    if sys.argv[1] == "launch":
        launch(sys.argv[2])
    else:
        compare(sys.argv[2], sys.argv[3])
