"""Review 23's browse items, offscreen on checkpoints TensorFlow writes (conftest's
``checkpoints``): a group's histogram under a filter that shows only optimizer slots said
"No numeric variables in this group" over float32 rows (#9)."""

from __future__ import annotations

import pytest

from ckpt_gui.core.views.tree import SLOT
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_browse import open_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)


def test_a_groups_histogram_over_slots_only_says_what_the_filter_shows(qtbot, window, checkpoints, tf):
    folder = checkpoints / "keras_seq"
    open_path(qtbot, window, folder)
    panel = window.tree_panel
    panel.search.setText("bias mom")
    panel.apply_filter()
    tree = panel.tree
    slots = [leaf for leaf in tree.root.leaves() if leaf.kind == SLOT and panel.accept(leaf)]
    assert slots, "the filter shows a bias's momentum slot"
    layer = slots[0].parent.parent  # bias's layer: its kernel and bias themselves hidden by the filter
    shown = [leaf for leaf in layer.leaves() if panel.accept(leaf)]
    assert shown and all(leaf.kind == SLOT for leaf in shown)
    # TensorFlow's own names for what is shown: a slot of the bias, the optimizer's
    reader = tf.train.load_checkpoint(str(folder))
    assert all(leaf.variable.key in reader.get_variable_to_shape_map() for leaf in shown)
    panel.select_node(layer)
    empty = window.histogram.empty
    qtbot.waitUntil(lambda: empty.isVisible() and "Reading" not in empty.text(), timeout=WAIT_MS)
    text = empty.text()
    assert text.startswith(f"Only optimizer slots: {len(shown)} slot") and "the filter shows" in text, text
    assert "No numeric variables" not in text


def test_a_tensor_of_nan_only_has_no_histogram_and_says_why(qtbot, window, tmp_path, tf):
    """Review 23 #15's browse side: empty axes on 0..1 over "0 values in range"; now
    said as a comparison says it."""
    import numpy as np

    holder = tf.Module()
    holder.nan = tf.Variable(np.full((4, 5), np.nan, np.float32))
    prefix = tf.train.Checkpoint(m=holder).write(str(tmp_path / "ckpt"))
    nan = int(np.isnan(tf.train.load_checkpoint(prefix).get_tensor("m/nan/.ATTRIBUTES/VARIABLE_VALUE")).sum())
    open_path(qtbot, window, prefix)
    panel = window.tree_panel
    node = next(leaf for leaf in panel.tree.root.leaves() if leaf.variable is not None and leaf.path == "m/nan")
    panel.select_node(node)
    empty = window.histogram.empty
    wanted = f"No histogram: all {nan} values are NaN"
    qtbot.waitUntil(lambda: empty.isVisible() and empty.text() == wanted, timeout=WAIT_MS)
    assert f"{nan}&nbsp;NaN" in window.histogram.counts_label.text()  # the footer kept: its badge
