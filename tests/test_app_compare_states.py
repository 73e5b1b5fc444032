"""The comparison while it is made (review findings 21, 32, 33, 37): pairing says how
far it got, the summary chips hold their place from the start, a pressed chip looks
pressed and says what it shows, and choosing another checkpoint in the picker while
a comparison is shown says what happens to it. Offscreen, on the demo's saves."""

from __future__ import annotations

import os
import re

import pytest

from ckpt_gui.resources import demo_path
from tests.compare_views import shown_trees
from tests.test_app_desktop import WAIT_MS, open_demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_pairing_says_how_many_variables_it_has_paired(qtbot, window):
    """Review finding 21: minutes of "Pairing variables" with no count at 200,000 variables."""
    open_demo(qtbot, window)
    labels: list[str] = []
    window.compare.runner.progress_changed.connect(lambda label, _done, _total: labels.append(label))
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with_previous()
    pairing = [label for label in labels if label.startswith("Pairing variables")]
    counted = [re.fullmatch(r"Pairing variables: ([\d,]+) of ([\d,]+)", label) for label in pairing]
    assert any(counted), pairing
    a_count = sum(not v.is_object_graph for v in window.compare.diff.a.variables)
    assert f"Pairing variables: {a_count:,} of {a_count:,}" in pairing, pairing


def test_choosing_another_checkpoint_in_the_picker_while_comparing_says_the_comparison_closed(qtbot, window):
    """Review finding 37: the picker, still enabled above a comparison, dropped it without a word."""
    open_demo(qtbot, window)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with_previous()
    diff = window.compare.diff
    compared = {os.path.realpath(diff.a.prefix), os.path.realpath(diff.b.prefix)}
    picker = window.picker
    row = next(i for i, ref in enumerate(picker.refs) if os.path.realpath(ref.prefix) not in compared)
    with qtbot.waitSignal(window.browse.checkpoint_shown, timeout=WAIT_MS):
        picker._choose(row)
    assert window.left_stack.currentWidget() is window.tree_panel  # browsing the one chosen
    said = window.banner.label.text()
    assert window.banner.isVisible()
    assert "Comparison of" in said and "closed" in said, said
    assert os.path.basename(diff.a.prefix) in said and os.path.basename(diff.b.prefix) in said


@pytest.fixture()
def halfway(qtbot):
    """The comparison's trees over the demo's two newest saves paired, no value compared yet."""
    from ckpt_gui.core.analysis.variable_pairing import pair_variables
    from ckpt_gui.core.checkpoint import Checkpoint

    b = Checkpoint.open(demo_path())
    a = b.sibling(list(b.checkpoints)[-2])
    diff = pair_variables(a, b)
    trees = shown_trees(qtbot, diff, 600, 500, expand=False)
    qtbot.wait(50)
    return trees, diff


def test_the_chips_hold_their_place_and_a_pressed_one_says_what_it_shows(qtbot, halfway):
    """Review finding 32: the chips appeared when the comparison ended and pushed the
    filter box under the user's click; a pressed chip was a slightly darker grey."""
    from ckpt_gui.core.analysis.value_comparison import compare_all

    trees, diff = halfway
    assert trees.model.tree.pending_below(trees.model.tree.root) > 0  # values still to compare
    filter_top = trees.search.mapTo(trees, trees.search.rect().topLeft()).y()
    if not any(button.isVisible() for button in trees.summary.values()):
        assert trees.so_far.isVisible() and trees.so_far.text().endswith(" pairs to compare")  # why the row is empty
    compare_all(diff)
    trees.refresh()  # the counts move there (and only there)
    qtbot.wait(50)
    changed = trees.summary["changed"]
    assert changed.isVisible() and trees.so_far.text() == ""
    assert trees.search.mapTo(trees, trees.search.rect().topLeft()).y() == filter_top  # nothing moved
    unpressed = changed.grab().toImage()
    changed.click()
    assert trees.showing.text() == "showing: changed" and trees.showing.isVisible()
    pressed = changed.grab().toImage()
    assert pressed.size() != unpressed.size() or _differing(pressed, unpressed) > 0.1  # it looks pressed
    changed.click()
    assert trees.showing.text() == ""


def _differing(one, other) -> float:
    """The share of pixels that differ between two images of one size."""
    width, height = one.width(), one.height()
    differ = sum(one.pixel(x, y) != other.pixel(x, y) for x in range(width) for y in range(height))
    return differ / max(width * height, 1)


def test_rows_groups_and_header_change_together_and_numbers_are_never_cut(qtbot, halfway):
    """Review finding 33: every row "changed" under "comparing, 60 pairs to go" and groups
    "10 to compare"; the Rel. L2 column cut to "0.00…"."""
    from PySide6.QtGui import QFontMetrics

    from ckpt_gui.app.models.compare_model import STATUS
    from ckpt_gui.app.widgets.compare_columns import fit_number
    from ckpt_gui.core.analysis.value_comparison import compare_pair

    trees, diff = halfway
    tree, model = trees.model.tree, trees.model
    last = next(leaf for leaf in reversed(tree.leaves) if leaf.pair.needs_values)
    compare_pair(diff, last.pair)  # out of turn, and the tree not told (a selected pair's is: compared_early)
    trees.refresh()
    index = model.index_of(last, STATUS)
    assert last.pair.status is not None and "to go" in trees.title.text()
    assert not tree.counted(last)
    assert index.data() not in ("= same", "\u2260 changed")  # not before its group's count and the header's
    metrics = QFontMetrics(trees.font())
    for text in ("0.00123457", "5.43211e-05", "0.197412"):
        for room in (12, 30, 45, 200):
            fitted = fit_number(text, metrics, room)
            assert fitted == "\u2026" or (float(fitted) != 0 and "\u2026" not in fitted), (text, room, fitted)
            assert fitted == "\u2026" or metrics.horizontalAdvance(fitted) <= room


def test_a_pair_whose_values_are_not_there_yet_says_computing_not_empty_axes(qtbot, halfway):
    """Review finding 33: empty A/B and B-A plots (a flat line on 0..1 axes) until the values came."""
    from ckpt_gui.app.widgets.pair_panel import PairPanel
    from ckpt_gui.core.views.pair_view import pair_view

    _trees, diff = halfway
    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 500)
    panel.show()
    pair = next(p for p in diff.pairs if p.needs_values and len(p.a.shape) == 2)
    panel.show_pair(pair)
    assert not panel.plots.isVisible()
    assert panel.group_note.isVisible() and "Computing" in panel.group_note.text()
    panel.show_view(pair_view(diff, pair, 20))
    assert panel.plots.isVisible() and not panel.group_note.isVisible()
