"""What the flat list's click does in its own turn and what it leaves to the next
(issue 11: both turns over 100 ms of the GUI thread at 200,000 pairs). Counted, not
timed (benchmarks/flat_list_bench.py times them): the click sorts and lays out the
rows; the columns are fitted in a turn of their own; the selected pair, kept, is not
told to the details again (its plots were cleared, made and painted anew)."""

from __future__ import annotations

import pytest

from ckpt_gui.app.widgets.compare_trees import CompareTrees
from tests.test_app_flat_click import _write_pairs

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _shown_trees(qtbot, tmp_path) -> tuple[CompareTrees, object]:
    tree = _write_pairs(tmp_path, 300)
    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(420, 300)
    trees.show()
    qtbot.waitExposed(trees)
    trees.show_tree(tree, "a", "b")
    pair = tree.leaves[len(tree.leaves) // 2].pair
    trees.select_pair(pair)
    return trees, pair


def _columns(trees: CompareTrees) -> list[list[tuple[int, bool]]]:
    """Each tree's columns: (width, hidden)."""
    return [
        [(view.columnWidth(c), view.isColumnHidden(c)) for c in range(view.model().columnCount())]
        for view in (trees.view_a, trees.view_b)
    ]


def test_the_flat_lists_click_leaves_the_column_fit_to_a_turn_of_its_own(qtbot, tmp_path):
    trees, pair = _shown_trees(qtbot, tmp_path)
    qtbot.wait(50)  # the refits the tree's first show asked for
    fits, told = [], []
    original = trees.fit_columns
    trees.fit_columns = lambda: (fits.append(1), original())[-1]
    trees._refit.timeout.disconnect()  # the timer calls the counted fit
    trees._refit.timeout.connect(trees.fit_columns)
    trees.pair_selected.connect(told.append)
    trees.by_change.setChecked(True)  # the click's turn
    assert trees.model.rowCount() == len(trees.model.tree.leaves)
    assert trees.selected_pair() is pair
    assert fits == [], "the columns fitted in the click's turn"
    qtbot.waitUntil(lambda: len(fits) >= 1, timeout=2000)  # the next turns
    qtbot.wait(50)
    assert len(fits) == 1, "one fit for the list's layout and its scroll bar"
    # The widths are those a fit gives now: what is shown is as before.
    shown = _columns(trees)
    original()
    assert shown == _columns(trees)
    assert told == [], "the pair shown already told to the details again"


def test_another_pair_selected_in_the_flat_list_is_told(qtbot, tmp_path):
    """The pair told once is not told again; any other (and back) is, and a filter
    that hides it tells the first pair listed."""
    trees, pair = _shown_trees(qtbot, tmp_path)
    told = []
    trees.pair_selected.connect(told.append)
    trees.by_change.setChecked(True)
    other = trees.model.node(trees.model.index(0, 0)).pair
    assert other is not pair
    trees.select_pair(other)
    trees.select_pair(pair)
    assert told == [other, pair]
    trees.search.setText(other.path)  # hides ``pair``: the first listed, ``other``, is told
    assert told[-1] is other
    trees.search.clear()  # ``pair`` comes back, selected and told
    assert told[-1] is pair
