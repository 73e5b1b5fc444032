"""Review 12 in the app: where Ctrl+D's script dialog opens (#16a), and the line under
a histogram still being drawn (#16b)."""

from __future__ import annotations

import os

import numpy as np

from tests.conftest import wait_drawn


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.browse.open_path(str(path))
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)


def test_the_script_dialog_opens_outside_the_checkpoint_folder(qtbot, window, scratch_copy, tmp_path, monkeypatch):
    """It opened inside the checkpoint's folder, where no model script lives; Export
    (Ctrl+E) opens one level up: so does the script dialog, or at the last script's folder."""
    from ckpt_gui.app import settings
    from ckpt_gui.app.controllers import doctor
    from ckpt_gui.diagnosis.runner import Diagnoser

    monkeypatch.setattr(Diagnoser, "warm_up", lambda *_args, **_kwargs: None)  # no TensorFlow child for this
    started = []
    monkeypatch.setattr(
        doctor.QFileDialog, "getOpenFileName", lambda _p, _t, start, _f: started.append(start) or ("", "")
    )
    folder = scratch_copy("keras_seq")
    _open(qtbot, window, folder)
    window.doctor.choose_script()
    assert started == [os.path.dirname(str(folder))]  # one level up, as Export's dialog
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    settings.settings().setValue("last_script", str(scripts / "model.py"))
    window.doctor.choose_script()
    assert started[-1] == str(scripts)  # the last script's folder first


def test_the_line_under_a_histogram_waits_for_its_plot(qtbot):
    """It said "65,536 sampled values in range · no NaN or Inf in the sample" under
    "Drawing the histogram..." (a large tensor's sample): a claim about a plot not shown."""
    from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
    from ckpt_gui.core.analysis.histogram import Histogram

    panel = HistogramPanel()
    qtbot.addWidget(panel)
    panel.show()
    counts, edges = np.histogram(np.array([0.1, 0.5, 0.9]), bins=3)
    panel.show_histogram(Histogram(counts=counts, edges=edges, nan=0, posinf=0, neginf=0), "w", preview=True)
    assert panel.stack.currentWidget() is panel.empty  # not drawn yet: made and drawn in turns of their own
    assert panel.counts_label.text().strip() == ""
    # Drawn once pyqtgraph is imported (in the background) and the plot made, in turns of their own.
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is not panel.empty, timeout=30_000)
    wait_drawn(qtbot)
    assert "no\u00a0NaN\u00a0or\u00a0Inf\u00a0in\u00a0the\u00a0sample" in panel.counts_label.text()
    # The exact histogram replaces the preview: the line follows the plot drawn.
    panel.show_histogram(Histogram(counts=counts * 2, edges=edges, nan=0, posinf=0, neginf=0), "w")
    wait_drawn(qtbot)
    assert "sample" not in panel.counts_label.text() and "6\u00a0values" in panel.counts_label.text()
