"""Review 21 #15: a SavedModel whose variables' data file is missing (carbrand-idx-2022
in the real-world corpus) gave its Graph tab about 140 px at 1024x640, while the two plot
panes below only said "No histogram: ... missing" and "No values: ... missing". With no
value to plot, the plots give their room to the tabs; they come back with a checkpoint
that has values. Offscreen, at the review's screen size."""

from __future__ import annotations

import glob
import os

import pytest

from tests.test_app_desktop import WAIT_MS, open_demo

WINDOW_SIZE = (1024, 640)  # the review's screen

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _saved_model(tf, folder: str, drop_data: bool) -> str:
    """A SavedModel written by TensorFlow (a tf.Module with a signature), its variables'
    data file removed when ``drop_data`` (the copy that left it behind)."""

    class Scaler(tf.Module):
        def __init__(self):
            super().__init__()
            self.scale = tf.Variable(tf.ones((4, 4)), name="scale")

        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
        def __call__(self, x):
            return tf.matmul(x, self.scale)

    tf.saved_model.save(Scaler(), folder)
    if drop_data:
        for path in glob.glob(os.path.join(folder, "variables", "variables.data-*")):
            os.remove(path)
    return folder


def _open(qtbot, window, path: str) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(path)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    qtbot.wait(50)  # the splitter's share laid out


def _tabs_share(window) -> float:
    right = window.right_splitter
    return window.info_tabs.height() / right.height()


def test_with_every_data_file_missing_the_tabs_take_the_plots_room(qtbot, window, tf, tmp_path):
    path = _saved_model(tf, str(tmp_path / "no_data"), drop_data=True)
    assert not tf.io.gfile.glob(os.path.join(path, "variables", "variables.data-*"))
    _open(qtbot, window, path)
    assert window.tree_panel.selected_node() is not None  # a variable selected: its plots would only say "missing"
    assert window.views.isHidden()
    window.info_tabs.setCurrentWidget(window.graph_panel)
    qtbot.wait(50)
    assert _tabs_share(window) > 0.95, (window.info_tabs.height(), window.right_splitter.height())
    assert window.graph_panel.height() > 300  # it had about 140 px
    # The restore report shown (a tall tab) keeps the whole column too, and Details again.
    window.info_tabs.setCurrentWidget(window.report_panel)
    qtbot.wait(50)
    assert window.views.isHidden() and _tabs_share(window) > 0.95
    window.info_tabs.setCurrentWidget(window.details)
    qtbot.wait(50)
    assert window.views.isHidden() and _tabs_share(window) > 0.95


def test_the_plots_come_back_with_a_checkpoint_that_has_values(qtbot, window, tf, tmp_path):
    _open(qtbot, window, _saved_model(tf, str(tmp_path / "no_data"), drop_data=True))
    assert window.views.isHidden()
    open_demo(qtbot, window)
    qtbot.wait(50)
    assert window.views.isVisible()
    assert window.views.height() >= window.views.minimumSizeHint().height()
    assert window.histogram.isVisible() and window.tensor.isVisible()


def test_a_saved_model_with_its_data_keeps_its_plots(qtbot, window, tf, tmp_path):
    _open(qtbot, window, _saved_model(tf, str(tmp_path / "whole"), drop_data=False))
    assert window.views.isVisible()
    assert window.views.height() >= window.views.minimumSizeHint().height()
