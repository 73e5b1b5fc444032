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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _window():
    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app.window import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    return app, window


def _wait(app, condition, timeout=3600.0) -> None:
    """Run the event loop until ``condition()``, blocked in it as the app's own loop is
    (polling with processEvents and a 2 ms sleep spent a tenth of the comparison's
    CPU time here, which the app does not)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer(interval=50)
    check.timeout.connect(lambda: condition() and loop.quit())
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    check.start()
    if not condition():
        loop.exec()
    check.stop()


def launch(prefix: str) -> None:
    """Open, then what a user does first: expand a group, type a filter, select a row."""
    app, window = _window()
    loaded = []
    window.loaded.connect(lambda: loaded.append(time.perf_counter()))
    window.browse.open_path(prefix)
    _wait(app, lambda: loaded)
    print(json.dumps({"usable": True, "rows": window.tree_panel.model.rowCount()}), flush=True)
    panel, view, model = window.tree_panel, window.tree_panel.view, window.tree_panel.model
    timings = {}
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
    loaded, done = [], []
    window.loaded.connect(lambda: loaded.append(1))
    window.compare_done.connect(lambda: done.append(1))
    window.browse.open_path(a)
    _wait(app, lambda: loaded)
    window.compare.compare_with(b)
    _wait(app, lambda: done)
    print(json.dumps({"compared": True, "summary": window.compare.diff.summary()}), flush=True)
    os._exit(0)


if __name__ == "__main__":
    if sys.argv[1] == "launch":
        launch(sys.argv[2])
    else:
        compare(sys.argv[2], sys.argv[3])
