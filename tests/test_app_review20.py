"""Review 20 in the app (offscreen): G2, two checkpoints with long prefix names made
the comparison's minimum width 1128 px (the metrics and the B - A plots off a 1024 px
screen); G3, an all-zero side of a comparison's heatmaps flattened the other side to
one colour (their shared range a made-up -0.5..0.5)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PySide6.QtGui import QImage, QTextDocumentFragment

from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.statuses import DiffStatus
from ckpt_gui.core.views.pair_view import pair_view
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


# -- G3: a constant side of a comparison's heatmaps ------------------------------------------


@pytest.fixture()
def zeroed_b(tf, tmp_path):
    """Seed 000's repaired optimizer slot, written by TensorFlow: A's velocity small and
    positive (0..5e-5), B's all zero (kept initial); a momentum all zero in both."""
    velocity = np.linspace(0.0, 5e-5, 10 * 128, dtype=np.float32).reshape(10, 128)
    prefixes = []
    for name, values in (("a", velocity), ("b", np.zeros_like(velocity))):
        holder = tf.Module()
        holder.velocity = tf.Variable(values)
        holder.momentum = tf.Variable(np.zeros((10, 128), np.float32))
        prefixes.append(tf.train.Checkpoint(model=holder).write(str(tmp_path / name / "ckpt")))
    diff = pair_variables(Checkpoint.open(prefixes[0]), Checkpoint.open(prefixes[1]))
    compare_all(diff)
    return diff


def _colours(item) -> int:
    """How many colours the heatmap's cells are painted in."""
    item.render()
    image = item.qimage.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    return len(np.unique(pixels))


def test_an_all_zero_side_leaves_the_other_sides_values_drawn(qtbot, zeroed_b):
    from ckpt_gui.app.widgets.pair_panel import PairPanel

    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 560)
    panel.show()
    pair = next(p for p in zeroed_b.pairs if p.a is not None and p.a.key.startswith("model/velocity"))
    panel.show_view(pair_view(zeroed_b, pair, 20))
    low, high = panel.colorbar_ab.levels()
    # Both sides' values, not a made-up -0.5..0.5.
    assert low <= 0 and float(np.float32(5e-5)) <= high < 1e-3, (low, high)
    assert panel.colorbar_ab.axis.constant is None
    assert _colours(panel.images[0]) > 10  # A's values in many colours
    assert _colours(panel.images[1]) == 1  # B's zeros in one
    assert "constant" not in panel.heatmap_note.text
    # Both sides zero: that one colour, and said in words.
    momentum = next(p for p in zeroed_b.pairs if p.a is not None and p.a.key.startswith("model/momentum"))
    panel.show_view(pair_view(zeroed_b, momentum, 20))
    assert _colours(panel.images[0]) == 1 and _colours(panel.images[1]) == 1
    assert panel.colorbar_ab.axis.constant == 0
    assert "A and B: constant 0" in panel.heatmap_note.text


# -- G6: the error banner: one line per problem, the newest on top, a selection's lines go ----


def test_the_banner_lists_each_problem_once_the_newest_error_first(qtbot):
    from ckpt_gui.app.widgets.banner import Banner

    banner = Banner()
    qtbot.addWidget(banner)
    data = "/run/trunc/checkpoint-2.data-00000-of-00001"
    graph = f"{data}: tensor '_CHECKPOINTABLE_OBJECT_GRAPH' needs bytes 1221260..1223687 but the file ends at 5000"
    tensor = f"{data}: tensor 'optimizer/_trainable_variables/0' needs bytes 814180..1215588 but the file ends at 5000"
    opened, read, scan, doctor = object(), object(), object(), object()
    banner.show_message(f"{graph}; showing the checkpoint keys without the object graph", "error", owner=opened)
    banner.show_message(tensor, "error", owner=read)
    banner.show_message(f"No NaN or Inf in any variable; 12 variables not scanned: {tensor}", "error", owner=scan)
    banner.show_message(f"The restore attempt could not run: {graph}", "error", owner=doctor)
    lines = banner.text.splitlines()
    assert lines == [
        f"The restore attempt could not run: {graph}",
        f"No NaN or Inf in any variable; 12 variables not scanned: {tensor}",
    ]
    assert "showing the checkpoint keys" in banner.details  # folded, not lost
    # A failed open, the newest error, on top; a warning under the errors.
    banner.show_message("A note", "warning", owner=object())
    banner.show_message("Could not open /run/notckpt: no checkpoint found", "error", owner=opened)
    lines = banner.text.splitlines()
    assert lines[0] == "Could not open /run/notckpt: no checkpoint found" and lines[-1] == "A note", lines


def test_a_selections_error_goes_with_it_and_a_failed_open_says_what_it_could_not_open(qtbot, window, tmp_path):
    from tests.test_diff_graph_unreadable import cut_data_in_half

    folder = tmp_path / "trunc"
    shutil.copytree(demo_path(), folder)
    lost = sorted(cut_data_in_half(folder / "ckpt-300"))
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder / "ckpt-300"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    opened = window.banner.text
    assert window.tree_panel.select_key(lost[0])
    qtbot.waitUntil(lambda: not window.busy and window.banner.text != opened, timeout=WAIT_MS)
    said = [line for line in window.banner.text.splitlines() if line not in opened.splitlines()]
    assert said and all(lost[0] in line for line in said), said  # the read's error, once
    readable = next(v.key for v in window.browse.ckpt.variables if v.key not in lost and v.dtype.is_numeric)
    assert window.tree_panel.select_key(readable)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert lost[0] not in window.banner.text, window.banner.text  # left with its selection
    # A folder of no checkpoint: its error on top, saying what could not be opened.
    other = tmp_path / "notckpt"
    other.mkdir()
    (other / "readme.txt").write_text("notes")
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(other))
    first = window.banner.text.splitlines()[0]
    assert first.startswith(f"Could not open {other}: ") and "readme.txt" in first, window.banner.text


# -- G12: the app's timeout message names the app's menu ------------------------------------


def test_the_apps_timeout_message_says_where_the_limit_is_in_the_app(qtbot, window):
    import dataclasses

    from ckpt_gui.diagnosis import runner
    from ckpt_gui.diagnosis.findings import AttemptError
    from tests.test_app_desktop import open_demo
    from tests.test_app_layout import _report_for_demo, _show_report

    open_demo(qtbot, window)
    stopped = "the attempt did not finish within 8 s (it was running the script); the script was stopped."
    message = f"{stopped} {runner.TIME_LIMIT_HOW}"
    assert "--timeout SECONDS" in message  # what the CLI and the report's JSON say
    report = dataclasses.replace(
        _report_for_demo(window), error=AttemptError("Timeout", message), variables=(), ok=False
    )
    _show_report(qtbot, window, report)
    panel = window.report_panel
    shown = QTextDocumentFragment.fromHtml(panel.headline.text()).toPlainText() + panel.error.toPlainText()
    assert "Raise the limit in Restore > Time limit..." in shown, shown
    assert "--timeout" not in shown, shown


# -- G11: at 2560x1440 the comparison trees' names take the spare width -----------------------


def test_the_comparison_trees_names_take_the_spare_width_of_a_wide_window(qtbot, window):
    from tests.test_app_desktop import compare_demo_with_first

    compare_demo_with_first(qtbot, window)
    window.resize(2560, 1400)
    qtbot.wait(300)
    trees = window.compare_trees
    trees.view_a.expandAll()
    trees.fit_columns()
    qtbot.wait(10)  # the header's stretch, laid out
    for view in (trees.view_a, trees.view_b):
        header = view.header()
        used = sum(header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c))
        assert view.viewport().width() > 600  # a wide tree (the reviewer's were about 700 px)
        assert view.viewport().width() - used <= 1, (view.viewport().width(), used)  # no blank band
        assert view.columnWidth(view.treePosition()) > view.viewport().width() // 2  # the names have it


# -- G16: `--compare` at start opens on a pair, as the other ways to compare do ----------------


def test_a_launch_with_compare_of_shape_changes_only_opens_on_a_pair(qtbot, window, tf, tmp_path):
    """Seed 000's widened layer (Dense 128 -> 64) against its original: no value changed,
    nine shapes did; ``--compare`` had opened on "Select a pair..."."""
    from ckpt_gui.app import launch

    prefixes = []
    for name, units in (("a", 128), ("b", 64)):
        holder = tf.Module()
        holder.kernel = tf.Variable(np.ones((10, units), np.float32))
        holder.bias = tf.Variable(np.zeros(units, np.float32))
        holder.step = tf.Variable(3, dtype=tf.int64)
        prefixes.append(tf.train.Checkpoint(model=holder).write(str(tmp_path / name / "ckpt")))
    launch.act_once_loaded(window, launch.parse_args(["--compare", prefixes[1]]))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.browse.open_path(prefixes[0])
    trees = window.compare_trees
    assert not any(p.status == "changed" for p in window.compare.diff.pairs)
    selected = trees.selected_pair()  # chosen as the comparison finished (compare_done)
    assert selected is not None and selected.status == DiffStatus.SHAPE_CHANGED
