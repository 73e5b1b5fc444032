"""Waiting inside a benchmark's app process, one way for every child script.

The app's event loop runs, blocked in it as the app's own loop is, until a condition
holds (polling with processEvents and a short sleep spent a tenth of a comparison's CPU
time, which the app does not). scale_app.py and gui_bench.py import it as a sibling;
the children app_open_bench.py and the tree benchmarks (tree_app_child.py) start with
``-c`` find it on PYTHONPATH after the code measured (``child_path``), so a
``--before`` tree is timed the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


def wait(condition, timeout: float = 3600.0, check_ms: int = 10) -> None:
    """Run the event loop until ``condition()`` holds (checked every ``check_ms``) or
    ``timeout`` seconds have passed."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer(interval=check_ms)
    check.timeout.connect(lambda: condition() and loop.quit())
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    check.start()
    if not condition():
        loop.exec()
    check.stop()


def start_window(width: int = 1024, height: int = 640):
    """The app started as ``ckpt-gui`` starts it (launch.run_gui's steps; those an older
    tree has not are skipped) and its window shown and settled: (application, window).
    The start of every child that measures the app's own event loop."""
    import sys

    from PySide6.QtWidgets import QApplication

    from ckpt_gui.app import gui_gc, launch
    from ckpt_gui.app.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    getattr(launch, "hand_over_quickly", lambda: None)()  # as run_gui does (older code: no such step)
    getattr(launch, "start_background", lambda: None)()
    launch.start_collector(app)  # as the app does: Python's GC on the GUI thread only
    window = MainWindow()
    window.resize(width, height)
    window.show()
    gui_gc.settle()
    app.processEvents()
    return app, window


def open_and_compare(window, a: str, b: str, until: str = "done") -> None:
    """Open ``a`` in the app's ``window`` and compare it with ``b``, waiting until the
    comparison is shown (``until="shown"``) or every pair is compared and the window
    idle (``"done"``): the start of every comparison benchmark's child."""
    loaded, shown, done = [], [], []
    window.loaded.connect(lambda: loaded.append(1))
    window.compare.opened.connect(lambda *_: shown.append(1))
    window.compare_done.connect(lambda: done.append(1))
    window.browse.open_path(a)
    wait(lambda: loaded, check_ms=50)
    window.compare.compare_with(b)
    wait(lambda: shown if until == "shown" else done and not window.busy, check_ms=50)


def child_path(source: Path | str) -> str:
    """PYTHONPATH for a ``-c`` child: the code measured first, then this folder."""
    return os.pathsep.join([str(source), str(HERE)])
