"""Ticking "Flat list, largest change first" opens the list at its top, the largest
change first, with the pair selected before still selected (review 17): scrolled to
that pair, the largest changes were above the top edge and a user read the first row
seen as the largest change."""

from __future__ import annotations

import pytest

from tests.test_app_desktop import compare_demo_with_first

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WINDOW_SIZE = (1024, 640)


def test_the_flat_list_opens_at_its_top_with_the_selection_kept(qtbot, window):
    compare_demo_with_first(qtbot, window)
    trees = window.compare_trees
    trees.by_change.setChecked(True)  # to find the smallest change: the list's last row
    flat = trees.view_a.model()
    last = flat.node(flat.index(flat.rowCount() - 1, 0)).pair
    trees.by_change.setChecked(False)
    assert trees.select_pair(last)
    trees.by_change.setChecked(True)
    qtbot.wait(50)  # the list's layout and refit come in turns of their own
    for view in (trees.view_a, trees.view_b):
        assert view.verticalScrollBar().maximum() > 0  # a list longer than the tree: it could scroll
        assert view.verticalScrollBar().value() == 0
    assert trees.selected_pair() == last
