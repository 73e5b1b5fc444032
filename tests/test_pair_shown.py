"""The comparison's tree under a filter (core/views/pair_shown.py): what it keeps is
worked out from the chosen pairs' names without making a level, and the rows read
level by level are the chosen pairs and what lies above them."""

from __future__ import annotations

import pytest

from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_shown import pair_shown
from ckpt_gui.core.views.pair_tree import PairTree, taken


def _tree(checkpoints) -> PairTree:
    folder = checkpoints / "keras_seq"  # Adam's slots shown under their variables
    return PairTree(pair_variables(Checkpoint.open(folder / "ckpt-3"), Checkpoint.open(folder / "ckpt-4")))


def _rows(node, above=()) -> set[tuple[str, ...]]:
    """Every row the filter shows below ``node``, as names, read level by level as a view does."""
    rows = set()
    for row, child in enumerate(node.shown):
        assert child.row == row  # the row a view's index of it says
        rows |= {(*above, child.name)} | _rows(child, (*above, child.name))
    return rows


@pytest.mark.parametrize("word", ["velocity", "kernel", "_operations/1/"])
def test_a_filter_makes_no_level_and_shows_the_chosen_pairs_and_what_is_above_them(checkpoints, word):
    tree = _tree(checkpoints)
    chosen = [leaf for leaf in tree.leaves if word in leaf.tree_path]
    assert 0 < len(chosen) < len(tree.leaves)
    tree.apply_filter(chosen, shown=pair_shown(chosen, len(tree.ordered)))  # as the worker works it out
    assert tree.root.pending is not None  # no level made yet: the view makes the ones it reads
    expected = {leaf.names[:end] for leaf in chosen for end in range(1, len(leaf.names) + 1)}
    assert _rows(tree.root) == expected
    assert {leaf.pair.key for leaf in tree.leaves if taken(tree, leaf)} == {leaf.pair.key for leaf in chosen}
