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


def child_path(source: Path | str) -> str:
    """PYTHONPATH for a ``-c`` child: the code measured first, then this folder."""
    return os.pathsep.join([str(source), str(HERE)])
