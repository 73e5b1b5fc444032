"""Launch time (issue 11): pyqtgraph (0.5 to 1 s of CPU to import) is not imported
before the first tree is shown, then on a thread (app/plot_import.py); the panels draw
once it is done; the plots made late leave the window's layout as it was. Nor is
anything else the first tree does not need (numpy, urllib and ssl, the doctor's,
the comparison's and the repair's modules, TensorFlow): those come on first use.
Run in a child process: the test process has imported all of it long before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import shiboken6

from ckpt_gui.app import plot_import
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.tensor_panel import TensorPanel
from ckpt_gui.core.analysis.histogram import Histogram
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.resources import demo_path

CHILD = r"""
import json, sys, threading
from PySide6.QtCore import QEvent, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from ckpt_gui.app import launch, opening, plot_import
from ckpt_gui.core.checkpoint import Checkpoint

# What the first tree needs none of (core/deferred.py, window.py's workflows made on first use).
HEAVY = ("numpy", "ml_dtypes", "pyqtgraph", "tensorflow", "keras", "tf_keras", "urllib.request", "http.client",
         "ssl", "email", "ckpt_gui.app.controllers.doctor", "ckpt_gui.app.controllers.compare",
         "ckpt_gui.app.controllers.repair", "ckpt_gui.diagnosis.runner", "ckpt_gui.diagnosis.report",
         "ckpt_gui.diagnosis.report_markdown",
         "ckpt_gui.repair.writer", "ckpt_gui.core.analysis.diff")


def heavy():
    return sorted(name for name in HEAVY if name in sys.modules)


gate = threading.Event()
decode = Checkpoint._read_object_graph
Checkpoint._read_object_graph = lambda self: (gate.wait(60), decode(self))[1]  # held until the key view shows
opening.EARLY_GRAPH_BYTES = 0  # any object graph counts as large: the key view first
app = QApplication(sys.argv[:1])
window = launch.MainWindow()
window.resize(1024, 640)
window.show()
app.processEvents()
found = {"window": "pyqtgraph" in sys.modules, "heavy_window": heavy()}

# The window's least size just before and just after each plot is made (late, in a turn
# of its own): what the selection shows (a wrapped row of slice boxes) may change it, the
# plot itself must not.
from ckpt_gui.app.widgets import histogram_panel, tensor_panel
least = []


def settled_least():
    # A change deep in the window (a Details row, a wrapped row of slice boxes) reaches
    # the window's own layout one level per pass of layout requests (each level posts
    # the next): one pass left the least height one change behind, 39 px off, in most
    # runs on a fast machine. Passes until nothing is left to lay out.
    for _ in range(40):
        app.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    return window.minimumSizeHint().toTuple()


def measured(make):
    def around(*args, **kwargs):
        before = settled_least()
        result = make(*args, **kwargs)
        least.append((make.__name__, before, settled_least()))
        return result
    return around


class MeasuredPlots:
    def __getattr__(self, name):
        made = getattr(tensor_panel.plot_parts(), name)
        return measured(made) if name.startswith("make_") else made


tensor_panel.plot_parts = tensor_panel.plots
tensor_panel.plots = lambda: MeasuredPlots()
histogram_panel.HistogramPanel._make_plot = measured(histogram_panel.HistogramPanel._make_plot)


def wait(condition):
    loop, check = QEventLoop(), QTimer(interval=10)
    check.timeout.connect(lambda: condition() and loop.quit())
    QTimer.singleShot(60_000, loop.quit)
    check.start()
    if not condition():
        loop.exec()
    check.stop()


shown, loaded = [], []


def tree_shown(_ckpt):  # the key view is in the tree panel, not painted yet
    found["tree_shown"] = "pyqtgraph" in sys.modules
    found["heavy_tree"] = heavy()
    found["rows"] = window.tree_panel.model.rowCount()


# The Qt types pyqtgraph reads, made on the GUI thread before its import begins: made on
# the import's thread beside the GUI thread's own, the process crashed at launch.
import_plots = plot_import._import
plot_import._import = lambda: (found.setdefault("unmade_at_import", len(plot_import.unmade_types())), import_plots())
found["unmade_at_launch"] = len(plot_import.unmade_types())
window.browse.index_read.connect(tree_shown)
window.browse.keys_shown.connect(lambda: (shown.append(1), found.setdefault("heavy_usable", heavy())))
window.loaded.connect(lambda: loaded.append(1))
window.browse.open_path(sys.argv[1])
wait(lambda: shown)
found["importing"] = plot_import.pending() or "pyqtgraph" in sys.modules  # on its thread, from now on
gate.set()
panel, tensor = window.histogram, window.tensor
wait(lambda: loaded and panel.histogram is not None and panel.stack.currentWidget() is not panel.empty
     and "graphics" in tensor.__dict__ and tensor.picture.currentWidget() is tensor.picture.widget(1))
found["plotted"] = "pyqtgraph" in sys.modules
found["histogram_shown"] = window.histogram.stack.currentWidget() is window.histogram.plot
found["least"] = least
found["numpy_later"] = "numpy" in sys.modules  # imported when first needed, after the tree
window.doctor, window.compare, window.repair  # made on first use
found["workflows"] = [name in sys.modules for name in HEAVY if name.startswith("ckpt_gui.app.controllers")]
print(json.dumps(found), flush=True)
# As the app ends (launch.run_gui): an interpreter's own exit runs PySide's clean-up,
# which deleted a pyqtgraph item whose Python override then ran in the finalizing
# interpreter and crashed the process now and then (the plots drawn in later turns).
import os
os._exit(0)
"""


def launched(prefix: str, settings_dir) -> dict:
    """What CHILD found, launching the app on ``prefix`` (its key view first)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CKPT_GUI_SETTINGS_DIR": str(settings_dir)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, prefix], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pyqtgraph_is_imported_with_the_first_plot_not_before_the_tree(tmp_path):
    # The demo: its first selection is a 3-D tensor whose plots are made in the window
    # shown (a plot made in a hidden page would change no least size, whatever it asked).
    found = launched(str(Checkpoint.open(demo_path()).prefix), tmp_path)
    assert found["window"] is False  # the window shown, no plot made
    assert found["tree_shown"] is False and found["rows"] > 0  # the key view's rows, still no pyqtgraph
    assert found["importing"] is True  # imported on a thread once the tree is shown
    assert found["unmade_at_launch"] > 100 and found["unmade_at_import"] == 0  # every type made before the import
    assert found["plotted"] is True and found["histogram_shown"] is True
    made = [name for name, _before, _after in found["least"]]
    assert "_make_plot" in made and ("make_heatmap" in made or "make_line" in made), made
    for name, before, after in found["least"]:  # the plots made late change no minimum size
        assert after == before, (name, before, after)


@pytest.fixture()
def import_running(monkeypatch):
    """plot_import as while its thread imports pyqtgraph; ``.finish()`` ends it."""
    started, done = threading.Event(), threading.Event()
    started.set()
    monkeypatch.setattr(plot_import, "_started", started)
    monkeypatch.setattr(plot_import, "_done", done)
    monkeypatch.setattr(plot_import, "_waiting", [])

    def finish():
        done.set()
        plot_import._call_waiting()

    done.finish = finish
    return done


def test_panels_draw_once_the_background_import_is_done(qtbot, import_running):
    histogram_panel, tensor_panel = HistogramPanel(), TensorPanel()
    qtbot.addWidget(histogram_panel)
    qtbot.addWidget(tensor_panel)
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    counts, edges = np.histogram(values, bins=4)
    histogram_panel.show_histogram(Histogram(counts, edges, 0, 0, 0), "w")
    tensor_panel.show_value(values, "w")
    # Meanwhile: a word instead of the plots, the numbers already in the table.
    assert histogram_panel.stack.currentWidget() is histogram_panel.empty
    assert "Drawing" in histogram_panel.empty.text() and "Drawing" in tensor_panel.message.text()
    assert tensor_panel.table_model.rowCount() == values.shape[0]
    import_running.finish()
    qtbot.waitUntil(lambda: histogram_panel.stack.currentWidget() is histogram_panel.plot, timeout=5000)
    qtbot.waitUntil(lambda: tensor_panel.picture.currentWidget() is tensor_panel.picture.widget(1), timeout=5000)
    shown = tensor_panel.image.image
    np.testing.assert_array_equal(shown, values)
    np.testing.assert_array_equal(histogram_panel.curve.getData()[1], counts)


def test_a_new_selection_while_waiting_drops_the_old_drawing(qtbot, import_running):
    panel = TensorPanel()
    qtbot.addWidget(panel)
    panel.show_value(np.ones((2, 2), dtype=np.float32), "old")
    panel.show_message("A group: select one variable to see its values.")
    import_running.finish()
    qtbot.wait(50)
    assert panel.picture.currentWidget() is panel.message
    assert panel.message.text().startswith("A group")


def test_a_panel_closed_while_waiting_is_not_drawn(qtbot, import_running):
    panel = HistogramPanel()
    values = np.arange(8, dtype=np.float32)
    counts, edges = np.histogram(values, bins=4)
    panel.show_histogram(Histogram(counts, edges, 0, 0, 0), "w")
    shiboken6.delete(panel)  # the window closed before pyqtgraph's import ended
    import_running.finish()
    qtbot.wait(50)  # pytest-qt fails the test on an exception raised in the drawing
    assert not shiboken6.isValid(panel)


def test_a_screenshot_waits_for_the_plots_imported_in_the_background(qtbot, tmp_path, import_running):
    """`--screenshot` saved the window once its jobs had reported, while the histogram
    and heatmap still said "Drawing..." (pyqtgraph imported on a thread): it waits for
    the drawings too, and the picture shows them."""
    from ckpt_gui.app import launch
    from ckpt_gui.app.window import MainWindow
    from ckpt_gui.resources import demo_path

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    exits: list[int] = []

    class App:  # what the shot asks of the application: to end with a code
        def exit(self, code: int) -> None:
            exits.append(code)

    shot = tmp_path / "shot.png"
    window.screenshot = launch.ScreenshotWhenIdle(window, str(shot), App())
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(demo_path()))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    qtbot.wait(800)  # the shot's poll and its 200 ms to paint, several times over
    assert not shot.exists() and "Drawing" in window.histogram.empty.text()
    import_running.finish()
    qtbot.waitUntil(lambda: bool(exits), timeout=30_000)
    assert exits == [0] and shot.stat().st_size > 20_000
    assert window.histogram.stack.currentWidget() is window.histogram.plot


def test_nothing_the_first_tree_does_not_need_is_imported_before_it_is_usable(tmp_path):
    """The demo, its key view first (as a large checkpoint's): numpy, pyqtgraph, urllib
    and ssl, TensorFlow, the doctor's, comparison's and repair's modules are not in
    ``sys.modules`` when the window is shown, when the tree is, nor when it is usable
    (painted); numpy comes once the values are wanted, the workflows when first used."""
    found = launched(str(demo_path()), tmp_path)
    assert found["heavy_window"] == []
    assert found["heavy_tree"] == [] and found["rows"] > 0
    assert found["heavy_usable"] == []
    assert found["numpy_later"] is True and found["histogram_shown"] is True
    assert found["workflows"] == [True, True, True]
