"""Launch time (issue 11): pyqtgraph (0.5 to 1 s of CPU to import) is imported when
the first plot is drawn, not before the first tree is shown; the plots made late
leave the window's layout as it was. Run in a child process: the test process has
imported pyqtgraph long before."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ckpt_gui.core.checkpoint import Checkpoint

CHILD = r"""
import json, sys, threading
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import launch, opening
from ckpt_gui.core.checkpoint import Checkpoint

gate = threading.Event()
decode = Checkpoint._read_object_graph
Checkpoint._read_object_graph = lambda self: (gate.wait(60), decode(self))[1]  # held until the key view shows
opening.EARLY_GRAPH_BYTES = 0  # any object graph counts as large: the key view first
app = QApplication(sys.argv[:1])
window = launch.MainWindow()
window.resize(1024, 640)
window.show()
app.processEvents()
found = {"window": "pyqtgraph" in sys.modules, "least_before": window.minimumSizeHint().toTuple()}


def wait(condition):
    loop, check = QEventLoop(), QTimer(interval=10)
    check.timeout.connect(lambda: condition() and loop.quit())
    QTimer.singleShot(60_000, loop.quit)
    check.start()
    if not condition():
        loop.exec()
    check.stop()


shown, loaded = [], []
window.browse.keys_shown.connect(lambda: shown.append(1))
window.loaded.connect(lambda: loaded.append(1))
window.browse.open_path(sys.argv[1])
wait(lambda: shown)
app.processEvents()
found["keys_shown"] = "pyqtgraph" in sys.modules
found["rows"] = window.tree_panel.model.rowCount()
gate.set()
wait(lambda: loaded and window.histogram.histogram is not None)
found["plotted"] = "pyqtgraph" in sys.modules
found["histogram_shown"] = window.histogram.stack.currentWidget() is window.histogram.plot
found["least_after"] = window.minimumSizeHint().toTuple()
print(json.dumps(found), flush=True)
"""


def test_pyqtgraph_is_imported_with_the_first_plot_not_before_the_tree(checkpoints):
    prefix = str(Checkpoint.open(checkpoints / "keras_seq").prefix)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CKPT_GUI_SETTINGS_DIR": str(checkpoints / "startup")}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, prefix], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["window"] is False  # the window shown, no plot made
    assert found["keys_shown"] is False and found["rows"] > 0  # the key view's rows, still no pyqtgraph
    assert found["plotted"] is True and found["histogram_shown"] is True
    assert found["least_after"] == found["least_before"]  # the plots made late change no minimum size
