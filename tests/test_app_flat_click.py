"""The flat list's click at 200,000 pairs (issue 11: 2.1 s of the GUI thread): QTreeView
lays out every row of the list when a row is selected, asking the model of each; the
Python calls it makes per row are counted here (not timed: benchmarks/flat_list_bench.py
times them), and the list's order, now a numpy sort, checked against the key it sorts by."""

from __future__ import annotations

import types

import numpy as np
import pytest

from ckpt_gui.app.widgets import compare_trees
from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.core.analysis.value_comparison import compare_pair
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_statuses import change_order, pair_filter
from ckpt_gui.core.views.pair_tree import PairTree
from tools.bundle_writer import write_bundle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# What a view asks of the model's structure (data and headerData: of the rows painted only).
STRUCTURE = ("index", "parent", "rowCount", "columnCount", "hasChildren", "flags")


def _write_pairs(folder, count: int) -> PairTree:
    """``count`` pairs, a third changed by as many different amounts, a third only in A."""
    keys = [f"model/blocks/{i}/layer/kernel" for i in range(count)]
    write_bundle(str(folder / "a"), ((key, "float32", (2,), np.full(2, 1.0, np.float32).tobytes()) for key in keys))
    write_bundle(
        str(folder / "b"),
        ((key, "float32", (2,), np.full(2, 1.0 + (i % 3 == 0) * i, np.float32).tobytes())
         for i, key in enumerate(keys) if i % 3 != 1),
    )  # fmt: skip
    diff = pair_variables(Checkpoint.open(str(folder / "a")), Checkpoint.open(str(folder / "b")))
    third = len(diff.pairs) // 3
    for pair in diff.pairs[:third]:
        compare_pair(diff, pair)
    tree = PairTree(diff)
    for pair in diff.pairs[third : 2 * third]:  # counted by the tree as they come; the rest still to compare
        compare_pair(diff, pair)
    tree.count_compared()
    return tree


def _calls_of_a_click(qtbot, monkeypatch, tree: PairTree) -> int:
    """The Python model calls of the structure from the flat list's click to its paint."""
    calls = [0]

    def counted(method):
        def call(self, *args):
            calls[0] += 1
            return method(self, *args)

        return call

    # Qt's own methods (C++) cost no Python call: only those defined in Python are counted.
    for class_name in ("CompareModel", "FlatPairModel"):  # the flat list's model: this work's
        model = getattr(compare_trees, class_name, None)
        if model is not None:
            python = {name: counted(getattr(model, name)) for name in STRUCTURE
                      if isinstance(getattr(model, name), types.FunctionType)}  # fmt: skip
            monkeypatch.setattr(compare_trees, class_name, type(f"Counted{class_name}", (model,), python))
    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(420, 300)
    trees.show()
    qtbot.waitExposed(trees)
    trees.show_tree(tree, "a", "b")
    trees.select_pair(tree.leaves[len(tree.leaves) // 2].pair)  # kept in the flat list: selected there
    for view in (trees.view_a, trees.view_b):
        view.viewport().grab()
    calls[0] = 0
    trees.by_change.setChecked(True)
    for view in (trees.view_a, trees.view_b):
        view.viewport().grab()
        rows = view.model().rowCount()
        column = view.treePosition()
        first, last = view.model().index(0, column), view.model().index(rows - 1, column)
        # Every row laid out (the calls counted are those of a layout of every row).
        assert view.visualRect(last).top() - view.visualRect(first).top() == (rows - 1) * view.rowHeight(first)
    assert trees.selected_pair() is tree.leaves[len(tree.leaves) // 2].pair
    return calls[0]


def test_the_flat_lists_click_makes_no_python_call_per_row(qtbot, monkeypatch, tmp_path):
    """Per row laid out QTreeView asks the row's index, whether it has children and its
    flags (twice): 2 million Python calls at 200,000 pairs, two views. The flat list's
    rows are Qt's own now (flat_model.py): the calls do not grow with the rows (7 more
    per row before, 3 with flags left to Qt)."""
    # Both more rows than QTreeView measures for a column's width (its resizeContentsPrecision, 1000).
    few, many = 1200, 2400
    (tmp_path / "few").mkdir()
    (tmp_path / "many").mkdir()
    at_few = _calls_of_a_click(qtbot, monkeypatch, _write_pairs(tmp_path / "few", few))
    at_many = _calls_of_a_click(qtbot, monkeypatch, _write_pairs(tmp_path / "many", many))
    assert at_many - at_few <= (many - few) // 100, f"{at_few} Python calls at {few} rows, {at_many} at {many}"


@pytest.mark.parametrize("query", ["", "blocks/1", "only"])
def test_the_flat_lists_order_is_change_orders(tmp_path, query):
    """The numpy sort (status, change, the tree's natural order) gives the rows the sort by
    change_order gave, filtered or not, while some pairs are still to compare."""
    tree = _write_pairs(tmp_path, 90)
    accept = pair_filter(query) if query != "only" else pair_filter("", {tree.leaves[1].pair.status})
    count = tree.apply_filter(accept, flat=True)
    chosen = [
        leaf
        for leaf in tree.leaves
        if accept is None or accept(leaf.pair, leaf.tree_path, tree.status_of(leaf))
    ]  # fmt: skip
    expected = sorted(chosen, key=lambda leaf: change_order(leaf, tree.status_of(leaf)))
    assert count == len(expected) > 2
    assert [leaf.pair.path for leaf in tree.root.shown] == [leaf.pair.path for leaf in expected]
    assert [tree.flat_list.row_of(leaf) for leaf in tree.root.shown] == list(range(count))
    assert len({tree.status_of(leaf) for leaf in tree.root.shown}) > 1 or query == "only"


def test_the_flat_order_kept_is_sorted_again_once_more_pairs_are_counted(tmp_path):
    """The flat order of every pair is kept (a filter's list and the filter emptied
    take it as it is) until the tree counts more pairs: then sorted again, by their
    statuses and changes now."""
    tree = _write_pairs(tmp_path, 90)  # a third still to compare
    kept = tree.search.flat_order(None)
    assert tree.search.flat_order(None) is kept
    assert not tree.count_compared() and tree.search.flat_order(None) is kept  # nothing counted: kept
    for pair in tree.diff.pairs:
        if pair.status is None:
            compare_pair(tree.diff, pair)
    assert tree.count_compared()
    again = tree.search.flat_order(None)
    expected = sorted(tree.leaves, key=lambda leaf: change_order(leaf, tree.status_of(leaf)))
    assert [leaf.pair.path for leaf in again.nodes] == [leaf.pair.path for leaf in expected]
    assert [leaf.pair.path for leaf in kept.nodes] != [leaf.pair.path for leaf in expected]
    assert [again.row_of(leaf) for leaf in expected] == list(range(len(expected)))
