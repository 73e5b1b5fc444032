"""Review 12, finding 1: the pair where NaN/Inf appeared was 14th of 15 and nothing in
the trees or the chips flagged it. Now its name is red and badged on both sides (kept
whole beside a cut name), its groups count it, a chip counts it and filters to it; on
TensorFlow-written checkpoints (tests/checkpoint_factory.py's bf16_pair). Offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication, QPalette

from ckpt_gui.app import status_style
from ckpt_gui.app.models.compare_model import NAME_A, NAME_B, STATUS, STYLES
from ckpt_gui.app.nan_scan import NAN_TIP
from ckpt_gui.app.widgets.compare_summary import NONFINITE_TIP
from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.app.widgets.pair_numbers import pair_numbers
from ckpt_gui.core.analysis.value_comparison import compare_all
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.statuses import NONFINITE
from ckpt_gui.core.views.pair_statuses import nonfinite_badge, nonfinite_short
from tests.compare_views import shown_trees
from tests.conftest import painted_texts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _trees(qtbot, checkpoints, width: int = 900, sides: tuple[str, str] = ("a", "b")) -> CompareTrees:
    """bf16_pair's comparison, A=a (before: no NaN), B=b (after: flaky holds 2 NaN) unless ``sides``."""
    folder = checkpoints / "bf16_pair"
    a, b = (Checkpoint.open(folder / side / "ckpt") for side in sides)
    diff = compare_all(pair_variables(a, b))
    return shown_trees(qtbot, diff, width, fit=True)


def _flaky(trees: CompareTrees):
    return next(leaf for leaf in trees.model.tree.leaves if leaf.pair.path.endswith("flaky"))


def test_the_nan_pair_is_red_and_badged_on_both_sides_and_counted_in_its_group(qtbot, checkpoints):
    trees = _trees(qtbot, checkpoints)
    leaf = _flaky(trees)
    badge = nonfinite_short(leaf.pair.values)
    assert badge == f"B: {leaf.pair.values.nan_appeared} NaN"  # what TensorFlow's values hold: 2 NaN in B
    assert nonfinite_badge(leaf.pair.values) == f"{leaf.pair.values.nan_appeared} NaN only in B"  # Details' words
    red = status_style.colour(NONFINITE, STYLES)
    for column in (NAME_A, NAME_B):
        index = trees.model.index_of(leaf, column)
        assert index.data().endswith(f"[{badge}]")
        assert index.data(0x0009).color() == red  # ForegroundRole
    others = [leaf for leaf in trees.model.tree.leaves if not leaf.pair.path.endswith("flaky")]
    assert not any("NaN" in trees.model.index_of(other, NAME_A).data() for other in others)
    assert red != QGuiApplication.palette().color(QPalette.ColorRole.Text)
    group = trees.model.index_of(leaf).parent()
    assert "1 NaN/Inf" in group.siblingAtColumn(STATUS).data()


@pytest.mark.parametrize("sides", [("a", "b"), ("b", "a")], ids=["A=before", "A=after"])
def test_the_nan_is_said_by_side_whichever_side_is_newer(qtbot, checkpoints, sides):
    """Issue 11: opened A=after, B=before, the badge read "-2 NaN" and Details "2 NaN went
    away" of the NaN that came with training (B - A's direction, not time's). Said by
    side, the words hold either way round: the NaN is in b's checkpoint alone."""
    trees = _trees(qtbot, checkpoints, sides=sides)
    leaf = _flaky(trees)
    n = Checkpoint.open(checkpoints / "bf16_pair" / "b" / "ckpt").read(leaf.pair.key)
    nan = int(np.isnan(n.astype(np.float32)).sum())  # TensorFlow's values: the NaN b holds, a none
    holder = "B" if sides[1] == "b" else "A"
    expected = f"{nan} NaN only in {holder}"
    for column in (NAME_A, NAME_B):
        assert trees.model.index_of(leaf, column).data().endswith(f"[{holder}: {nan} NaN]")
        assert expected in trees.model.index_of(leaf, column).data(0x0003)  # ToolTipRole: the words whole
    rows = dict(pair_numbers(leaf.pair))
    assert rows["NaN/Inf"] == expected
    words = " ".join([rows["NaN/Inf"], trees.model.index_of(leaf, NAME_A).data(), NONFINITE_TIP])
    assert "went away" not in words and "appeared" not in words


def test_the_chip_counts_the_nan_pair_and_filters_to_it(qtbot, checkpoints):
    trees = _trees(qtbot, checkpoints)
    chip = trees.summary[NONFINITE]
    assert chip.isVisible() and chip.text().endswith("  1")
    assert chip.toolTip() == NONFINITE_TIP
    chip.setChecked(True)
    qtbot.waitUntil(lambda: trees.model.tree.filtered())
    tree = trees.model.tree
    shown = [leaf for leaf in tree.leaves if tree.shown_below(leaf)[0]]
    assert [leaf.pair.path.split("/")[-1] for leaf in shown] == ["flaky"]
    trees.by_change.setChecked(True)  # the flat list of the chip's pairs
    qtbot.waitUntil(lambda: trees.model.rowCount() == 1)
    assert trees.model.node(trees.model.index(0, 0)) is _flaky(trees)


def test_the_badge_stays_whole_beside_a_cut_name_or_gives_way_to_the_name(qtbot, checkpoints):
    """Narrowed a few px at a time: the path cut (its leaf kept) with the badge whole
    beside it, then, too narrow for both, the name alone: never the badge eating it."""
    trees = _trees(qtbot, checkpoints, width=900)
    trees.by_change.setChecked(True)  # the flat list: the NaN pair first, its whole path
    qtbot.waitUntil(lambda: trees.model.rowCount() == 4)
    badge = f"[{nonfinite_short(_flaky(trees).pair.values)}]"
    whole = trees.model.index(0, NAME_B).data()
    seen = set()
    for width in range(700, 150, -10):
        trees.resize(width, 440)
        trees.fit_columns()
        qtbot.wait(1)
        first = painted_texts(trees.view_b, NAME_B, 0)[0]
        assert "flaky" in first, (width, first)  # the name's telling part, always
        if first == whole:
            seen.add("whole")
        elif badge in first:
            assert first.endswith(badge) and first.startswith("\u2026/"), (width, first)
            seen.add("cut, badge whole")
        else:
            assert "[" not in first, (width, first)  # no piece of a badge
            seen.add("name alone")
    assert seen == {"whole", "cut, badge whole", "name alone"}, seen


def test_the_nan_tip_is_withdrawn_while_a_comparison_is_shown(qtbot, window, checkpoints):
    """Review 12, finding 13: "tick 'NaN/Inf only' to list them" stayed over the
    comparison, which has no such box. Said in the status bar now (review 19, F6), the
    comparison's own message replaces it; with browse back, the box is still red."""
    from tests.test_app_desktop import WAIT_MS
    from tests.test_app_ux import open_path

    folder = checkpoints / "bf16_pair"
    open_path(qtbot, window, folder / "b" / "ckpt")  # flaky holds 2 NaN
    window.browse.start_scan()
    qtbot.waitUntil(lambda: window.status_message().endswith(NAN_TIP), timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(str(folder / "a" / "ckpt"))
    assert NAN_TIP not in window.status_message()
    window.compare.close()
    assert window.tree_panel._nan_found and window.tree_panel.nan_box.isVisible()


def test_a_tip_told_while_a_comparison_is_shown_waits_for_browse(qtbot, window, checkpoints):
    """Review 14, F8: the scan ending while a comparison is shown (it has no 'NaN/Inf
    only' box) says what it found, not the tip to tick that box; the box, back with
    browse, is red all the same."""
    from tests.test_app_desktop import WAIT_MS
    from tests.test_app_ux import open_path

    folder = checkpoints / "bf16_pair"
    open_path(qtbot, window, folder / "b" / "ckpt")  # flaky holds 2 NaN
    window.browse.scan.hold_tip(True)  # as the comparison shown does (BrowseController)
    window.browse.start_scan()
    qtbot.waitUntil(lambda: window.tree_panel.nonfinite is not None, timeout=WAIT_MS)
    assert "NaN or Inf" in window.status_message() and NAN_TIP not in window.status_message()
    window.browse.scan.hold_tip(False)
    assert window.tree_panel._nan_found


def _changes_by_tensorflow(tf, checkpoints) -> tuple[set[str], set[str]]:
    """TensorFlow's values of bf16_pair's a and b: the keys whose NaN positions differ,
    and the keys otherwise changed."""
    readers = [tf.train.load_checkpoint(str(checkpoints / "bf16_pair" / side / "ckpt")) for side in "ab"]
    nan_keys, changed = set(), set()
    for key in readers[0].get_variable_to_shape_map():
        if key.startswith("_CHECKPOINTABLE") or key == "save_counter/.ATTRIBUTES/VARIABLE_VALUE":
            continue
        a, b = (np.asarray(reader.get_tensor(key)).astype(np.float32) for reader in readers)
        if (np.isnan(a) != np.isnan(b)).any():
            nan_keys.add(key)
        elif not np.array_equal(a, b, equal_nan=True):
            changed.add(key)
    return nan_keys, changed


def test_the_chips_count_each_pair_once_and_filter_to_what_they_say(qtbot, checkpoints, tf):
    """Review 23 #12: "NaN/Inf 1 · same 1 · changed 14" for 15 pairs: the NaN pair was
    counted "changed" too. The chips now add up to the pairs, and each filters to its count."""
    from ckpt_gui.app.controllers.compare import summary_text

    trees = _trees(qtbot, checkpoints)
    tree = trees.model.tree
    chips = {s: int(b.text().split("  ")[-1].replace(",", "")) for s, b in trees.summary.items() if b.isVisible()}
    assert sum(chips.values()) == len(tree.leaves), chips
    nan_keys, changed = _changes_by_tensorflow(tf, checkpoints)
    assert nan_keys and changed
    assert chips[NONFINITE] == len(nan_keys) and chips["changed"] == len(changed), chips
    trees.summary["changed"].setChecked(True)
    qtbot.waitUntil(lambda: tree.filtered())
    assert {leaf.pair.key for leaf in tree.leaves if tree.shown_below(leaf)[0]} == changed
    trees.summary["changed"].setChecked(False)
    qtbot.waitUntil(lambda: not tree.filtered())
    group = trees.model.index_of(_flaky(trees)).parent().siblingAtColumn(STATUS).data()
    assert group == f"{len(changed)} changed, {len(nan_keys)} NaN/Inf", group  # its rows' sums, once each
    said = summary_text(tree.diff.summary(), tree.diff.nonfinite())  # the status bar's words: the chips'
    assert said.endswith(f"{len(changed)} changed, {len(nan_keys)} NaN/Inf"), said
