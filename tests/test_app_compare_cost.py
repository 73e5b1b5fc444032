"""What the app's comparison does beyond the CLI's ``diff`` (issue 11: within 1.3x of it
at 200,000 variables; the figures are in benchmarks/app_compare_bench.py, not here).

Selecting the largest change inside a closed list of blocks opens neither tree and
makes no level but the ones above that pair (the view's "has children?" for 20,000
blocks used to make each block's level, and B's view, which shares A's selection,
scrolled to the row and so laid out all 20,000 in both trees). With no pair selected,
the plots area says so in a line of text instead of showing empty axes.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex

from ckpt_gui.app.models.compare_model import NAME_B
from ckpt_gui.app.widgets.compare_trees import OPEN_ROWS, CompareTrees
from ckpt_gui.app.widgets.pair_panel import NO_PAIR_NOTE
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_tree import PairTree
from tests.test_app_desktop import WAIT_MS, compare_demo_with_first
from tools.bundle_writer import write_bundle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def crowd(qtbot, tmp_path) -> CompareTrees:
    """Two checkpoints of OPEN_ROWS + 500 blocks of two variables, shown as the app does."""
    keys = [f"model/blocks/{i}/{name}" for i in range(OPEN_ROWS + 500) for name in ("w", "b")]
    for side in "ab":
        write_bundle(str(tmp_path / side), ((key, "float32", (2,), bytes(8)) for key in keys))
    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(900, 600)
    trees.show()
    diff = pair_variables(Checkpoint.open(str(tmp_path / "a")), Checkpoint.open(str(tmp_path / "b")))
    trees.show_tree(PairTree(diff), "a", "b")
    qtbot.wait(20)
    return trees


def _blocks(trees: CompareTrees):
    return next(child for child in trees.model.tree.root.shown[0].shown if child.name == "blocks")


def _made_levels(group) -> list[str]:
    """The children of ``group`` whose own level has been made."""
    return [child.name for child in group._children if child.pending is None]


def test_laying_out_the_trees_makes_no_block_level(qtbot, crowd):
    blocks = _blocks(crowd)
    index = crowd.model.index_of(blocks)
    assert not crowd.view_a.isExpanded(index)
    assert crowd.model.hasChildren(index)
    assert blocks.pending is not None  # answered without making the 2,500 blocks


def test_selecting_a_pair_in_a_closed_crowd_opens_nothing(qtbot, crowd):
    pair = next(p for p in crowd.model.tree.diff.pairs if p.key == "model/blocks/1234/w")
    assert crowd.select_pair(pair)
    qtbot.wait(20)
    assert crowd.selected_pair() is pair
    blocks = _blocks(crowd)
    index = crowd.model.index_of(blocks)
    assert not crowd.view_a.isExpanded(index) and not crowd.view_b.isExpanded(index)
    assert _made_levels(blocks) == ["1234"]  # the level above the pair, no other block's


def test_a_pair_in_a_short_tree_is_scrolled_to_and_shown(qtbot, crowd):
    crowd.search.setText("blocks/17/")  # a filter with few matches opens their groups
    pair = next(p for p in crowd.model.tree.diff.pairs if p.key == "model/blocks/17/b")
    assert crowd.select_pair(pair)
    index = crowd.model.index_of(crowd.model.tree.leaf_of(pair))
    assert crowd.view_a.visualRect(index).isValid()
    assert crowd.view_b.visualRect(index.siblingAtColumn(NAME_B)).isValid()  # B's tree shows B's columns


def test_no_pair_selected_shows_a_line_of_text_not_empty_axes(qtbot, window):
    window.resize(1024, 640)
    compare_demo_with_first(qtbot, window)
    panel, trees = window.pair_panel, window.compare_trees
    selected = trees.selected_pair()
    assert selected is not None  # the largest change, selected when the comparison is done
    qtbot.waitUntil(lambda: panel.view is not None, timeout=WAIT_MS)
    assert panel.plots.isVisible() and not panel.group_note.isVisible()
    trees.view_a.setCurrentIndex(QModelIndex())  # nothing selected
    assert not panel.plots.isVisible()
    assert panel.group_note.isVisible() and panel.group_note.text() == NO_PAIR_NOTE
    trees.select_pair(selected)  # a pair again: its plots, not the note
    qtbot.waitUntil(lambda: panel.view is not None, timeout=WAIT_MS)
    assert panel.plots.isVisible() and not panel.group_note.isVisible()
