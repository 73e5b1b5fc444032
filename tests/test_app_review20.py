"""Review 20 in the app (offscreen): G2, two checkpoints with long prefix names made
the comparison's minimum width 1128 px (the metrics and the B - A plots off a 1024 px
screen)."""

from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtGui import QTextDocumentFragment

from ckpt_gui.resources import demo_path, examples_path
from tests.test_app_desktop import WAIT_MS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WINDOW_SIZE = (1024, 640)
# Seed 004's timestamped names (``model_v1_{timestamp}``), longer still: whatever the names.
LONG_FOLDER = "versioned_checkpoints_of_an_experiment_with_a_long_name"
LONG_PREFIXES = {
    "ckpt-100": "model_v1_20250130_101500_lr0.001_batch64-1",
    "ckpt-300": "model_v1_20250130_121500_lr0.001_batch64-2",
}


@pytest.fixture()
def long_names(tmp_path):
    """The demo's first and last saves under long prefix names, in a long-named folder."""
    folder = tmp_path / LONG_FOLDER
    folder.mkdir()
    for old, new in LONG_PREFIXES.items():
        for name in os.listdir(demo_path()):
            if name.startswith(old + "."):
                shutil.copy(os.path.join(demo_path(), name), folder / (new + name[len(old) :]))
    return [str(folder / new) for new in LONG_PREFIXES.values()]


def _plain(label) -> str:
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def test_long_prefix_names_never_widen_the_window_past_1024(qtbot, window, long_names):
    first, last = long_names
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(last)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert window.minimumSizeHint().width() <= 1024, "browse"
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(first)
    assert window.minimumSizeHint().width() <= 1024, "compare"
    trees = window.compare_trees
    diff = window.compare.diff
    for heading, prefix in ((trees.heading_a, diff.a.prefix), (trees.heading_b, diff.b.prefix)):
        assert heading.minimumSizeHint().width() < 300
        assert heading.toolTip() == prefix  # the whole path, where the heading is cut
    # Cut to a narrow tree, the name keeps both its ends: the folder's start, the save's number.
    trees.heading_a.resize(220, trees.heading_a.height())
    shown = _plain(trees.heading_a)
    number = diff.a.prefix[-2:]
    assert shown.startswith("A (") and "): versioned" in shown and shown.endswith(number) and "\u2026" in shown, shown
    trees.heading_a.resize(2000, trees.heading_a.height())
    assert _plain(trees.heading_a).endswith(f"): {LONG_FOLDER}/{os.path.basename(diff.a.prefix)}")
    window.compare.close()
    with qtbot.waitSignal(window.diagnosis_done, timeout=3 * WAIT_MS):
        window.doctor.diagnose(os.path.join(examples_path(), "demo_model.py"))
    assert window.minimumSizeHint().width() <= 1024, "doctor"
