"""Review 23's comparison items, offscreen on checkpoints TensorFlow writes: B's heatmap
drawn over A's extent only when their shapes differed (#1: A [4, 4] zeros, B [4, 8]
whose right half is 10, and B showed four zero columns); Compare with... on a checkpoint
a CheckpointManager deleted since it was shown (#5: 15 pairs "unreadable", "the checkpoint is
incomplete"); an all-NaN B drawn as a flat line on an empty axis (#15)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from tests import background
from tests.background import Writer
from tests.conftest import wait_drawn
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_browse import open_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)

PAIRS_WRITER = """
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
out = sys.argv[1]
def write(folder, **values):
    holder = tf.Module()
    for name, value in values.items():
        setattr(holder, name, tf.Variable(value))
    tf.train.Checkpoint(m=holder).write(os.path.join(out, folder, "ckpt"))
wide = np.zeros((4, 8), np.float32)
wide[:, 4:] = 10
write("shape_a", w=np.zeros((4, 4), np.float32))
write("shape_b", w=wide)
write("nan_a", v=np.linspace(-15, 15, 20, dtype=np.float32), u=np.full(6, np.nan, np.float32))
write("nan_b", v=np.full(20, np.nan, np.float32), u=np.full(6, np.nan, np.float32))
# A CheckpointManager's folder before and after the save that deleted its oldest (ckpt-1).
holder = tf.Module()
holder.w = tf.Variable(tf.zeros((3, 4)))
manager = tf.train.CheckpointManager(tf.train.Checkpoint(m=holder), os.path.join(out, "live"), max_to_keep=2)
for _ in range(2):
    holder.w.assign_add(tf.ones((3, 4)))
    manager.save()
import shutil
shutil.copytree(os.path.join(out, "live"), os.path.join(out, "live_before"))
holder.w.assign_add(tf.ones((3, 4)))
manager.save()
"""
BACKGROUND_WRITERS = {"pairs": Writer([sys.executable, "-c", PAIRS_WRITER, "{out}"], timeout=600)}


@pytest.fixture(scope="module")
def pairs(request) -> Path:
    root, result = background.result(request, "pairs")
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def _compare(qtbot, window, a: Path, b: Path):
    open_path(qtbot, window, a)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(b))
    return window.compare.diff


def _select(qtbot, window, pair):
    window.compare_trees.select_pair(pair)
    panel = window.pair_panel
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is pair, timeout=WAIT_MS)
    wait_drawn(qtbot)
    return panel


def test_each_side_of_a_shape_change_is_drawn_whole(qtbot, window, pairs, tf):
    diff = _compare(qtbot, window, pairs / "shape_a" / "ckpt", pairs / "shape_b" / "ckpt")
    pair = next(p for p in diff.pairs if p.path == "m/w")
    panel = _select(qtbot, window, pair)
    plot_a, plot_b, plot_diff = panel.image_plots
    assert plot_a.isVisible() and plot_b.isVisible() and not plot_diff.isVisible()
    for plot, side in ((plot_a, "shape_a"), (plot_b, "shape_b")):
        rows, cols = tf.train.load_checkpoint(str(pairs / side / "ckpt")).get_tensor(pair.a.key).shape
        (left, right), (top, bottom) = plot.vb.viewRange()
        # the whole plane in view: every column and row, cell centres on the indices
        assert left <= -0.5 + 1e-6 and right >= cols - 0.5 - 1e-6, (side, left, right)
        assert top <= -0.5 + 1e-6 and bottom >= rows - 0.5 - 1e-6, (side, top, bottom)
        assert right - left < cols + 1, (side, left, right)  # and not another side's wider extent
    wide = tf.train.load_checkpoint(str(pairs / "shape_b" / "ckpt")).get_tensor(pair.b.key)
    np.testing.assert_array_equal(panel.images[1].image, wide)  # B's own values, 10s included
    note = panel.heatmap_note.text
    assert "B - A: not drawn, the shapes differ: A [4, 4], B [4, 8]" in note, note


# -- #5: Compare with... on a checkpoint the training deleted -------------------------------------


def _deleted_by_training(pairs: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The folder as the app opened it (ckpt-1 and ckpt-2), then as the CheckpointManager
    left it after its next save (ckpt-2, ckpt-3): its files copied in, ckpt-1's gone."""
    import shutil

    folder = tmp_path / "live"
    shutil.copytree(pairs / "live_before", folder)
    return folder, pairs / "live"


def _save_as_training_did(folder: Path, after: Path) -> None:
    import shutil

    for name in os.listdir(folder):
        if not (after / name).exists():
            os.remove(folder / name)
    for name in os.listdir(after):
        shutil.copy2(after / name, folder / name)


def test_compare_with_a_checkpoint_deleted_since_it_was_shown_says_so(qtbot, window, pairs, tmp_path, tf):
    from ckpt_gui.app.compare_partner import _locate_marked
    from ckpt_gui.app.widgets.compare_dialog import CompareDialog

    folder, after = _deleted_by_training(pairs, tmp_path)
    open_path(qtbot, window, folder / "ckpt-1")
    _save_as_training_did(folder, after)
    kept = tf.train.get_checkpoint_state(str(folder)).all_model_checkpoint_paths
    assert [os.path.basename(p) for p in kept] == ["ckpt-2", "ckpt-3"]  # TensorFlow's own word: ckpt-1 is gone
    dialog = CompareDialog(window.compare.ckpt.prefix, str(folder), _locate_marked)
    qtbot.addWidget(dialog)
    assert os.path.basename(dialog.chosen()) == "ckpt-3"
    assert "ckpt-1 was deleted from its folder since it was opened" in dialog.message.text(), dialog.message.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    # Compared all the same (the picker's "Compare with this", an order made before the save):
    # the banner says why, not 4 pairs "unreadable ... the checkpoint is incomplete".
    with qtbot.waitSignal(window.compare.failed, timeout=WAIT_MS):
        window.compare.compare_with(str(folder / "ckpt-3"))
    text = window.banner.text
    assert "A: ckpt-1 was deleted from its folder since it was opened" in text, text
    assert "incomplete" not in text, text


# -- #15: an all-NaN side's histogram ---------------------------------------------------------------


def test_a_side_of_nan_only_is_said_not_drawn_flat(qtbot, window, pairs, tf):
    diff = _compare(qtbot, window, pairs / "nan_a" / "ckpt", pairs / "nan_b" / "ckpt")
    values_b = tf.train.load_checkpoint(str(pairs / "nan_b" / "ckpt"))
    pair = next(p for p in diff.pairs if p.path == "m/v")
    nan = int(np.isnan(values_b.get_tensor(pair.b.key)).sum())
    assert nan == pair.b.num_elements  # TensorFlow's values: B all NaN
    panel = _select(qtbot, window, pair)
    assert panel.curve_a.isVisible() and not panel.curve_b.isVisible()  # no flat line at 0 for B
    title = panel.hist_plot.titleLabel.text
    assert f"B: all {nan} values are NaN" in title, title
    assert panel.diff_missing.scene() is not None and "no finite difference" in panel.diff_missing.text
    # NaN on both sides: no histogram at all, and why, not empty axes.
    both = next(p for p in diff.pairs if p.path == "m/u")
    panel = _select(qtbot, window, both)
    from ckpt_gui.app.widgets.plot_cover import cover

    said = cover(panel.histogram_view)
    assert said.isVisible() and said.message == "No histograms: A: all 6 values are NaN; B: all 6 values are NaN"
