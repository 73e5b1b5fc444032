"""The filter in the comparison's flat list (issue 11, at 200,000 pairs): emptied, the
list of every pair was sorted again on the GUI thread (80 to 170 ms); the box toggled
with 20,000 matches gave every level made an empty list and every row its number
(84 ms). The flat order of every pair is kept now (core/views/pair_flat.py) and a
filter's list is that order less the pairs not chosen. Counted, not timed
(benchmarks/compare_filter_bench.py times them): the rows, their order and the
selection are those of the list sorted anew, the work does not grow with the pairs."""

from __future__ import annotations

import pytest

from ckpt_gui.app.widgets import compare_trees
from ckpt_gui.core.views import pair_flat
from ckpt_gui.core.views.pair_statuses import change_order
from tests.test_app_compare_filtering import _pair_diff, _python_calls_in, _shown_keys, _shows, _trees

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

KEPT = "m/blocks/3/kernel"  # a pair ``kernel`` keeps, selected before the filter


@pytest.fixture
def large(monkeypatch):
    """Comparisons of more than 3 pairs filter as a large one does; the trees open every
    level (EXPAND_MATCHES: every group above the matches), so that levels are made."""
    from ckpt_gui.app.widgets import tree_filtering

    monkeypatch.setattr(tree_filtering, "LARGE_TREE", 3)
    monkeypatch.setattr(compare_trees, "EXPAND_MATCHES", 10_000)


@pytest.fixture
def sorts(monkeypatch) -> list[int]:
    """How many times the flat list's order is sorted (change_ranks called)."""
    counted = []
    original = pair_flat.change_ranks
    monkeypatch.setattr(pair_flat, "change_ranks", lambda *args: (counted.append(1), original(*args))[-1])
    return counted


def _in_flat_order(tree, text: str = "") -> list[str]:
    """The keys of the pairs ``text`` keeps, sorted by the key the flat list goes by."""
    leaves = [leaf for leaf in tree.leaves if text in leaf.pair.key]
    return [leaf.pair.key for leaf in sorted(leaves, key=lambda leaf: change_order(leaf, tree.status_of(leaf)))]


def _typed(qtbot, trees, jobs, text: str) -> None:
    """``text`` typed, matched on the worker (run here) and shown."""
    trees.search.setText(text)
    qtbot.waitUntil(lambda: len(jobs) == 1, timeout=5000)
    trees.model.tree.search.prepare_search()  # as made ahead
    jobs.pop()()
    assert _shows(trees, text, None)


def _every_level_made(trees) -> None:
    trees.view_a.expandAll()
    assert len(list(trees.model.tree.root.built_nodes())) > len(trees.model.tree.leaves) // 3


def _selected(trees) -> str:
    return trees.selected_pair().key


def test_the_filter_emptied_in_the_flat_list_shows_the_order_kept(qtbot, tmp_path, large, sorts):
    """Emptied (Escape, a jump to a pair the filter hid): every pair in the order sorted
    anew, the pair selected kept, without a sort or a walk over the pairs or the levels
    made: as many Python calls at 20 blocks as at 80."""
    counted = []
    for blocks in (20, 80):
        jobs: list = []
        trees = _trees(qtbot, _pair_diff(tmp_path, blocks), run=jobs.append)
        tree = trees.model.tree
        _every_level_made(trees)
        assert trees.select_pair(next(leaf.pair for leaf in tree.leaves if leaf.pair.key == KEPT))
        trees.by_change.setChecked(True)
        jobs.pop()()  # every pair in the flat list: sorted on the worker
        assert _shown_keys(trees) == _in_flat_order(tree)
        _typed(qtbot, trees, jobs, "kernel")
        assert _shown_keys(trees) == _in_flat_order(tree, "kernel") and _selected(trees) == KEPT
        sorts.clear()
        counted.append(_python_calls_in(trees.search.clear))  # at once, on this thread
        assert not tree.filtered() and sorts == [], "the flat order of every pair sorted again"
        assert _shown_keys(trees) == _in_flat_order(tree) and _selected(trees) == KEPT
        row = trees.view_a.currentIndex().row()
        assert trees.model.node(trees.model.index(row, 0)).pair.key == KEPT
    assert counted[0] == counted[1]


def test_the_flat_lists_box_with_a_broad_filter_lands_without_a_walk(qtbot, tmp_path, large, sorts):
    """The box toggled with words typed (``kernel``: 20,000 of 200,000 pairs): its rows
    land from the worker in as many Python calls at 20 blocks as at 80 (every level
    made was given an empty list, every row its number), in the order sorted anew, the
    pair selected kept; from the flat order of every pair, sorted once."""
    counted = []
    for blocks in (20, 80):
        jobs: list = []
        results: list = []
        trees = _trees(qtbot, _pair_diff(tmp_path, blocks), run=jobs.append)
        tree = trees.model.tree
        assert trees.select_pair(next(leaf.pair for leaf in tree.leaves if leaf.pair.key == KEPT))
        _typed(qtbot, trees, jobs, "kernel")
        _every_level_made(trees)
        sorts.clear()
        trees.by_change.setChecked(True)
        assert len(jobs) == 1
        trees.typing.matched.disconnect(trees._on_matched)  # the worker's result kept, to show it here
        trees.typing.matched.connect(lambda *result, r=results: r.append(result))
        jobs.pop()()  # the worker's part: matched and ordered
        counted.append(_python_calls_in(lambda r=results, t=trees: t._on_matched(*r[0])))
        trees.typing.matched.connect(trees._on_matched)
        assert sorts == [1]
        assert trees.model is trees.flat_model and _shown_keys(trees) == _in_flat_order(tree, "kernel")
        assert _selected(trees) == KEPT
        trees.by_change.setChecked(False)  # the tree again, its rows as the filter keeps them
        jobs.pop()()
        assert trees.model is trees.tree_model and _shows(trees, "kernel", None) and _selected(trees) == KEPT
    assert counted[0] == counted[1]


def test_a_filter_in_the_flat_list_is_the_kept_order_less_the_pairs_not_chosen(qtbot, tmp_path, large, sorts):
    """Filter after filter in the flat list, one sort of every pair; each list the one
    sorted anew; a group has no row in it."""
    jobs: list = []
    trees = _trees(qtbot, _pair_diff(tmp_path, 30), run=jobs.append)
    tree = trees.model.tree
    trees.by_change.setChecked(True)
    jobs.pop()()
    for text in ("kernel", "blocks/2", "w", "nothing such"):
        _typed(qtbot, trees, jobs, text)
        assert _shown_keys(trees) == _in_flat_order(tree, text)
        assert [tree.flat_list.row_of(node) for node in tree.root.shown] == list(range(len(tree.root.shown)))
    assert sorts == [1]
    assert tree.flat_list.row_of(tree.leaves[0].parent) == -1
