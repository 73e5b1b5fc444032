"""Review 21's comparison findings: Compare with... warned of comparing the checkpoint
shown with itself only when its path was spelled the same, not through a link (#7); B - A's
caption said "no difference" of a pair changed only by NaN/Inf (#6). Offscreen, on copies
of the bundled demo and checkpoints TensorFlow writes here."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from ckpt_gui.app.widgets.compare_dialog import SAME_WARNING, CompareDialog
from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.views.pair_view import pair_view
from tests.test_app_desktop import WAIT_MS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _linked_files(demo, tmp_path):
    """A folder of links to ckpt-300's files (as a "latest" folder made of links is)."""
    links = tmp_path / "links"
    links.mkdir()
    for name in ("ckpt-300.index", "ckpt-300.data-00000-of-00001"):
        os.symlink(demo / name, links / name)
    return links


# -- #7: the same checkpoint through a link ----------------------------------------------------


def test_the_dialog_warns_of_the_checkpoint_shown_reached_through_a_link(qtbot, demo, tmp_path):
    shown = str(demo / "ckpt-300")
    os.symlink(demo, tmp_path / "link_to_demo")
    links = _linked_files(demo, tmp_path)
    dialog = CompareDialog(shown, str(demo), locate)
    qtbot.addWidget(dialog)
    assert dialog.message.text() != SAME_WARNING  # the folder's next one is proposed
    for typed in (tmp_path / "link_to_demo" / "ckpt-300", links / "ckpt-300", links / "ckpt-300.index"):
        dialog.path.setText(str(typed))
        dialog.look_at_path()
        assert dialog.chosen() == str(typed).removesuffix(".index")
        assert dialog.message.text() == SAME_WARNING, (typed, dialog.message.text())
        assert dialog.checkpoints.currentText().endswith("(shown)")
    # A linked folder names its latest, which is the one shown: the next one is proposed instead.
    dialog.path.setText(str(tmp_path / "link_to_demo"))
    dialog.look_at_path()
    assert os.path.basename(dialog.chosen()) == "ckpt-200" and dialog.message.text() != SAME_WARNING


def test_the_window_says_a_and_b_are_one_checkpoint_through_linked_files(qtbot, window, demo, tmp_path):
    links = _linked_files(demo, tmp_path)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(demo / "ckpt-300"))
    with qtbot.waitSignal(window.compare.done, timeout=WAIT_MS):
        window.compare.compare_with(str(links / "ckpt-300"))
    assert "A and B are the same checkpoint" in window.banner.text, window.banner.text


# -- #6: B - A's caption agrees with a pair changed only by NaN/Inf ------------------------------


@pytest.fixture()
def nonfinite_only(tf, tmp_path):
    """Written by TensorFlow: ``kernel`` [32, 10] equal but for a NaN and a +Inf in B only;
    ``bias_grid`` [4, 8] with +Inf at one place in both (equal) and a NaN in A only."""
    kernel = np.linspace(-1, 1, 320, dtype=np.float32).reshape(32, 10)
    grid = np.linspace(0, 1, 32, dtype=np.float32).reshape(4, 8)
    grid[0, 0] = np.inf
    kernel_b, grid_a = kernel.copy(), grid.copy()
    kernel_b[3, 4], kernel_b[5, 6] = np.nan, np.inf
    grid_a[1, 1] = np.nan
    prefixes = []
    for name, k, g in (("a", kernel, grid_a), ("b", kernel_b, grid)):
        holder = tf.Module()
        holder.kernel, holder.bias_grid = tf.Variable(k), tf.Variable(g)
        prefixes.append(tf.train.Checkpoint(model=holder).write(str(tmp_path / name / "ckpt")))
    diff = pair_variables(Checkpoint.open(prefixes[0]), Checkpoint.open(prefixes[1]))
    compare_all(diff)
    return diff, [tf.train.load_checkpoint(p) for p in prefixes]


def _tf_differing(readers, key: str) -> tuple[int, int, int]:
    """(differing positions, those non-finite in A only, in B only), as TensorFlow reads them."""
    a, b = (reader.get_tensor(key) for reader in readers)
    equal = (a == b) | (np.isnan(a) & np.isnan(b))
    return int((~equal).sum()), int((~equal & ~np.isfinite(a) & np.isfinite(b)).sum()), \
        int((~equal & np.isfinite(a) & ~np.isfinite(b)).sum())  # fmt: skip


def test_a_pair_changed_only_by_nan_or_inf_is_not_said_to_have_no_difference(qtbot, nonfinite_only):
    from ckpt_gui.app.widgets.pair_panel import PairPanel

    diff, readers = nonfinite_only
    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 560)
    panel.show()
    for name, side in (("kernel", "B only"), ("bias_grid", "A only")):
        pair = next(p for p in diff.pairs if p.a is not None and p.a.key.startswith(f"model/{name}/"))
        differing, a_only, b_only = _tf_differing(readers, pair.a.key)
        assert pair.status == "changed" and pair.values.differing == differing
        panel.show_view(pair_view(diff, pair, 20))
        note = panel.heatmap_note.text
        assert "no difference" not in note, note
        verb = "differs" if differing == 1 else "differ"
        assert f"B - A: finite values equal; {differing} {verb} by NaN/Inf ({side})" in note, note
        assert (a_only, b_only) == ((0, differing) if side == "B only" else (differing, 0))


# -- #18: neither side read: the plots' place says so --------------------------------------------


@pytest.fixture()
def neither_readable(tf, tmp_path):
    """One checkpoint written by TensorFlow, copied twice: A's data file with a flipped
    byte inside ``kernel`` (its CRC32C fails), B's cut short inside it; and the
    comparison of the one written with itself."""
    holder = tf.Module()
    holder.kernel = tf.Variable(np.linspace(-1, 1, 640, dtype=np.float32).reshape(64, 10))
    prefix = tf.train.Checkpoint(model=holder).write(str(tmp_path / "written" / "ckpt"))
    key = next(k for k in tf.train.load_checkpoint(prefix).get_variable_to_shape_map() if k.startswith("model/kernel"))
    start = Checkpoint.open(prefix).entry(key).offset
    prefixes = []
    for side in ("a", "b"):
        shutil.copytree(tmp_path / "written", tmp_path / side)
        prefixes.append(str(tmp_path / side / "ckpt"))
    data_a, data_b = (p + ".data-00000-of-00001" for p in prefixes)
    with open(data_a, "r+b") as f:
        f.seek(start + 100)
        byte = f.read(1)
        f.seek(start + 100)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.truncate(data_b, start + 100)
    diff = pair_variables(Checkpoint.open(prefixes[0]), Checkpoint.open(prefixes[1]))
    compare_all(diff)
    whole = pair_variables(Checkpoint.open(prefix), Checkpoint.open(prefix))
    compare_all(whole)
    return diff, key, whole


def test_a_pair_neither_side_of_which_can_be_read_shows_why_not_empty_axes(qtbot, neither_readable):
    from ckpt_gui.app.widgets.pair_panel import PairPanel
    from ckpt_gui.app.widgets.plot_cover import PlotCover

    diff, key, whole = neither_readable
    pair = next(p for p in diff.pairs if p.a is not None and p.a.key == key)
    assert pair.status == "unreadable" and len(pair.unreadable) == 2
    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 560)
    panel.show()
    panel.show_view(pair_view(diff, pair, 20))
    covers = [c for c in panel.histogram_view.findChildren(PlotCover) if c.isVisible()]
    assert len(covers) == 1 and covers[0].geometry() == panel.histogram_view.rect()
    assert covers[0].message.startswith("No histograms: A and B cannot be read"), covers[0].message
    # A readable pair afterwards: its histograms are shown again.
    other = next(p for p in whole.pairs if p.key == key)
    panel.show_view(pair_view(whole, other, 20))
    assert not any(c.isVisible() for c in panel.histogram_view.findChildren(PlotCover))


# -- #20: Compare with previous checkpoint has a key, listed in Help --------------------------------


def test_compare_with_previous_has_a_key_that_clashes_with_none_and_help_lists_it(qtbot, window, demo):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence

    from ckpt_gui.app import help_menu
    from ckpt_gui.app.window_menus import PREVIOUS_KEY
    from tests.test_app_desktop import shortcut_clashes

    action = window.previous_action
    assert action.shortcut() == QKeySequence(PREVIOUS_KEY)
    window._make_compare_views()  # built lazily: their shortcuts count too
    assert shortcut_clashes(window) == []
    keys = QKeySequence(PREVIOUS_KEY).toString(QKeySequence.SequenceFormat.NativeText)
    assert ("File", "Compare with previous checkpoint", keys) in help_menu.shortcut_rows(window)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(demo / "ckpt-300"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    window.activateWindow()
    with qtbot.waitSignal(window.compare.done, timeout=WAIT_MS):
        qtbot.keyClick(window.tree_panel.view, Qt.Key.Key_P,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    diff = window.compare.diff
    assert [os.path.basename(c.prefix) for c in (diff.a, diff.b)] == ["ckpt-200", "ckpt-300"]
