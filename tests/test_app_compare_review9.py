"""Review 9 of the comparison's selection (a real window): a chip hiding the selected
group left its summary in the details; after a chip, the arrow keys in B's tree moved
the details but left the highlight at the top row. Offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ckpt_gui.app.widgets.compare_trees import OPEN_ROWS, CompareTrees
from ckpt_gui.core.views.pair_tree import PairTree
from tests.test_app_compare_review7 import _diff, _only, _write, renamed_pair, shown_renamed_trees

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _trees(qtbot, tmp_path):
    """The trees of A (model/head, model/dense1) and B (model/out, model/dense1 changed)."""
    diff, trees = shown_renamed_trees(qtbot, tmp_path)
    told = []  # what the details were told, pairs and groups alike, in order
    trees.pair_selected.connect(told.append)
    trees.group_selected.connect(told.append)
    return diff, trees, told


def _current_node(trees):
    index = trees.view_a.currentIndex()
    return trees.model.node(index) if index.isValid() else None


def test_a_chip_hiding_the_selected_group_selects_a_pair_it_shows(qtbot, tmp_path):
    diff, trees, told = _trees(qtbot, tmp_path)
    tree = trees.model.tree
    head = tree.parent_of(tree.leaf_of(_only(diff, "only_a", "model/head/kernel")))  # the group model/head
    assert head.pair is None and head.path.endswith("head")
    trees.view_a.setCurrentIndex(trees.model.index_of(head))
    assert told[-1] is head
    trees.summary["only_a"].setChecked(True)  # the group still shown: still selected, not told again
    assert _current_node(trees) is head and told[-1] is head and told.count(head) == 1
    trees.summary["only_a"].setChecked(False)
    trees.summary["changed"].setChecked(True)  # model/head holds no change: hidden
    shown = trees.selected_pair()
    assert shown is not None and shown.status == "changed"
    assert told[-1] is shown  # the details follow: no summary of a group no longer listed
    trees.summary["changed"].setChecked(False)  # the filter gone: back on the group chosen
    assert _current_node(trees) is head and told[-1] is head
    trees.by_change.setChecked(True)  # the flat list has no groups: its first pair
    assert trees.selected_pair() is not None and told[-1] is trees.selected_pair()
    trees.by_change.setChecked(False)
    assert _current_node(trees) is head and told[-1] is head
    trees.search.setText("no such pair")  # nothing shown: no details at all
    assert _current_node(trees) is None and told[-1] is None


def test_a_group_selected_again_after_a_filter_leaves_a_crowded_group_closed(qtbot, tmp_path):
    """A group kept across a filter is selected as a pair is: inside a closed group of
    more than OPEN_ROWS rows, unseen (laying out 20,000 blocks takes seconds)."""
    blocks = OPEN_ROWS + 5
    a = {f"m/blocks/{i}/layer/w": np.full((2,), i, np.float32) for i in range(blocks)}
    _write(str(tmp_path / "a"), a)
    _write(str(tmp_path / "b"), {key: value + (key == "m/blocks/7/layer/w") for key, value in a.items()})
    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(600, 400)
    trees.show()
    trees.show_tree(PairTree(_diff(str(tmp_path / "a"), str(tmp_path / "b"))), "a", "b")
    tree = trees.model.tree
    leaf = next(leaf for leaf in tree.leaves if leaf.pair.key == "m/blocks/3/layer/w")
    group = tree.parent_of(tree.parent_of(leaf))  # m/blocks/3
    crowd = tree.parent_of(group)  # m/blocks
    trees.view_a.expand(trees.model.index_of(crowd))
    trees.view_a.setCurrentIndex(trees.model.index_of(group))
    trees.summary["same"].setChecked(True)  # still shown, among more matches than open on their own
    assert _current_node(trees) is group
    assert not trees.view_a.isExpanded(trees.model.index_of(crowd))


def _selected_nodes(trees) -> list:
    """The rows highlighted, as nodes (each once)."""
    nodes = [trees.model.node(index) for index in trees.view_a.selectionModel().selectedIndexes()]
    return list({id(node): node for node in nodes}.values())


def _keys_move_the_highlight(view, trees, told) -> None:
    view.setFocus()
    for key in (Qt.Key.Key_End, Qt.Key.Key_Up, Qt.Key.Key_Home, Qt.Key.Key_Down):
        QTest.keyClick(view, key)
        node = _current_node(trees)
        assert _selected_nodes(trees) == [node], key
        assert told[-1] is (node if node.pair is None else node.pair), key  # the details as ever


@pytest.mark.parametrize("flat", [False, True], ids=["tree", "flat list"])
@pytest.mark.parametrize("side", ["A", "B"])
def test_the_highlight_follows_the_keys_in_either_tree(qtbot, tmp_path, flat, side):
    """The trees share one selection and one current index: a click in one tree puts it
    in that tree's columns, ``select_pair`` (a chip hiding the pair selected) in A's. A
    key in the tree whose columns do not hold it moved the current row (the details
    followed) while Qt selected the row at the top (review 9: a click in B, a chip, End):
    the current cell has no place in a tree that hides its column."""
    diff, trees, told = _trees(qtbot, tmp_path)
    trees.by_change.setChecked(flat)
    view, other = (trees.view_a, trees.view_b) if side == "A" else (trees.view_b, trees.view_a)
    trees.view_a.expandAll()
    bias = trees.model.tree.leaf_of(_only(diff, "only_a", "model/head/bias"))

    def click(tree) -> None:  # on A's head/bias, in the name column ``tree`` shows (B's row is blank)
        index = trees.model.index_of(bias, tree.treePosition())
        QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(index).center())
        assert trees.selected_pair() is bias.pair

    click(other)
    _keys_move_the_highlight(view, trees, told)
    click(view)
    trees.summary["changed"].setChecked(True)  # hides the pair clicked: the first shown selected
    trees.summary["only_b"].setChecked(True)  # more than one shown
    assert trees.selected_pair() not in (None, bias.pair)
    _keys_move_the_highlight(view, trees, told)


def test_a_compared_pair_selected_by_a_filter_shows_its_numbers_at_once(qtbot, window, tmp_path, monkeypatch):
    """Review 9: an already compared pair selected in a filtered 200,000-pair list said
    "Comparing ..." with its title and no numbers while its plots were made: the numbers'
    labels came a turn after the title (a layout shows what it is given later), and that
    turn waited behind the list's. Now they show with the title, and the status bar says
    only the plots are made."""
    from tests.test_app_desktop import WAIT_MS

    a, b = renamed_pair(tmp_path, changed=True)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(a)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(b)
    labels = []  # the status bar's words for each job the comparison starts
    submit = window.compare.runner.submit

    def labelled(*args, **kwargs):
        labels.append(kwargs.get("label"))
        return submit(*args, **kwargs)

    monkeypatch.setattr(window.compare.runner, "submit", labelled)
    trees, panel = window.compare_trees, window.compare.pair_panel
    assert trees.select_pair(_only(window.compare.diff, "only_a", "model/head/kernel"))
    qtbot.waitUntil(lambda: panel.view is not None, timeout=WAIT_MS)  # its plots shown
    trees.search.setText("dense1")  # selects the first pair it shows, compared already
    pair = trees.selected_pair()
    assert pair is not None and pair.values is not None and pair.key == "model/dense1/kernel"
    numbers = [panel.numbers.itemAt(i).widget() for i in range(panel.numbers.count())]
    texts = [label.text() for label in numbers]
    assert "Rel. L2" in texts and all(label.isVisible() for label in numbers)  # before any other turn
    assert labels[-1] == f"Plotting {pair.path}"
