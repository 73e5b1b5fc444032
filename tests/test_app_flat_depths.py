"""The flat list's short paths counted a slice per turn of the event loop (issue 11:
its first paint at 200,000 pairs spent half a second per side counting them in one
turn): a large side's first paint counts nothing, its rows are whole paths cut in the
middle meanwhile, each turn counts one slice, and the rows change to the short form
the counts give, where the list was scrolled to."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem

from ckpt_gui.app.widgets import flat_paths
from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.app.widgets.flat_paths import elide_path
from ckpt_gui.core.analysis.variable_pairing import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_tree import PairTree
from tests.test_app_compare_review6 import _shown_names
from tests.test_app_desktop import WAIT_MS, compare_demo_with_first
from tests.test_path_ends import _Reference
from tools.bundle_writer import write_bundle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# A model's layers and their optimizer slots: each row's leaf ("kernel/v") shared by
# every layer, more rows than the list shows (it scrolls).
KEYS = [
    f"net/layer_with_weights-{layer}/{name}{slot}"
    for layer in range(40)
    for name in ("kernel", "bias")
    for slot in ("", "/m", "/v")
]


@pytest.fixture()
def steps_run(monkeypatch):
    """The steps of the depths' counts run so far (every side counted as a large one's)."""
    run = []
    steps = flat_paths.depth_steps

    def counting(paths):
        counted = yield from _counted(steps(paths), run)
        return counted

    monkeypatch.setattr(flat_paths, "depth_steps", counting)
    monkeypatch.setattr(flat_paths, "COUNTED_AT_ONCE", 0)
    return run


def _counted(steps, run):
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value
        run.append(1)
        yield


def _short_forms(view, side: str) -> list[str]:
    """Each row's path as the depths counted before this work (EndDepths) cut it."""
    model, column = view.model(), view.treePosition()
    tree = model.tree
    reference = _Reference(tree.side_paths(side))
    metrics = view.fontMetrics()
    shown = []
    for row in range(model.rowCount()):
        index = model.index(row, column)
        path = index.data()
        room = view.visualRect(index).width() - flat_paths.TEXT_MARGINS
        shown.append(elide_path(path, metrics, room, reference.depth(path)) if metrics.horizontalAdvance(path) > room
                     else path)  # fmt: skip
    return shown


def _shown_trees(qtbot, tmp_path, keys):
    """Two checkpoints of ``keys`` (every value changed) and comparison trees shown at
    420x400, narrow enough that the flat list's paths are cut; their diff."""
    for side, fill in (("a", 0), ("b", 1)):
        write_bundle(str(tmp_path / side), ((key, "float32", (2,), bytes([fill]) * 8) for key in keys))
    trees = CompareTrees()
    qtbot.addWidget(trees)
    trees.resize(420, 400)
    trees.show()
    return trees, pair_variables(Checkpoint.open(str(tmp_path / "a")), Checkpoint.open(str(tmp_path / "b")))


def _elide_mode(view) -> Qt.TextElideMode:
    """How Qt cuts the first row's name where it does not fit."""
    index = view.model().index(0, view.treePosition())
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(index)
    view.itemDelegateForColumn(view.treePosition()).initStyleOption(option, index)
    return option.textElideMode


def test_a_large_sides_first_paint_counts_nothing_and_its_rows_switch_in_place(qtbot, tmp_path, steps_run):
    trees, diff = _shown_trees(qtbot, tmp_path, KEYS)
    qtbot.waitExposed(trees)
    trees.show_tree(PairTree(diff), "a", "b")
    depths = trees.path_depths
    depths._turns.timeout.disconnect(depths.step)  # the turns taken by the test, one at a time
    trees.by_change.setChecked(True)
    qtbot.waitUntil(lambda: not trees._refit.isActive())  # the columns fitted, in the turn after the click's
    trees.view_a.viewport().grab()  # painted
    trees.view_b.viewport().grab()
    assert steps_run == []  # nothing counted in the paint
    for view in (trees.view_a, trees.view_b):
        names = _shown_names(view)
        # Meanwhile every row its whole path, which Qt cuts in the middle where it does not fit.
        assert names == [view.model().index(row, view.treePosition()).data() for row in range(len(names))]
        assert _elide_mode(view) == Qt.TextElideMode.ElideMiddle
        assert any(view.fontMetrics().horizontalAdvance(name) > view.columnWidth(view.treePosition())
                   for name in names), "wide enough for whole paths: no test"  # fmt: skip
    scroll = trees.view_a.verticalScrollBar()
    assert scroll.maximum() > 0, "the list does not scroll: no test"
    scroll.setValue(scroll.maximum() // 2)
    where = scroll.value()
    turns = 0
    with qtbot.waitSignal(depths.ready):
        while depths._turns.isActive():
            before = len(steps_run)
            depths.step()
            turns += 1
            assert len(steps_run) - before <= 2  # a step of each side per turn, no more
    assert turns > 2 and not depths._turns.isActive()
    for view, side in ((trees.view_a, "a"), (trees.view_b, "b")):
        names = _shown_names(view)
        assert names == _short_forms(view, side)
        assert any(name.startswith("\u2026/") for name in names)
        assert len(set(names)) == len(names)
    assert scroll.value() == where
    assert trees.view_b.verticalScrollBar().value() == where
    counted = len(steps_run)
    trees.view_a.viewport().grab()
    assert len(steps_run) == counted and not depths._turns.isActive()  # counted once per side


def test_a_small_side_is_counted_at_once(qtbot, tmp_path):
    """A few thousand pairs: counted in the paint that asks (a few ms), no middle cut first."""
    keys = KEYS[:30]
    trees, diff = _shown_trees(qtbot, tmp_path, keys)
    trees.show_tree(PairTree(diff), "a", "b")
    trees.by_change.setChecked(True)
    assert _shown_names(trees.view_a) == _short_forms(trees.view_a, "a")
    assert not trees.path_depths._turns.isActive()


def test_in_the_window_the_turns_count_them(qtbot, window, steps_run):
    """In the app the event loop's turns count a large side's depths: the rows come in
    their short form, as the depths counted before this work cut them."""
    window.resize(1024, 640)
    compare_demo_with_first(qtbot, window)
    trees = window.compare_trees
    with qtbot.waitSignal(trees.path_depths.ready, timeout=WAIT_MS):
        trees.by_change.setChecked(True)
    qtbot.waitUntil(lambda: not trees.path_depths._turns.isActive(), timeout=WAIT_MS)
    assert steps_run  # counted in steps
    for view, side in ((trees.view_a, "a"), (trees.view_b, "b")):
        names = _shown_names(view)
        assert names == _short_forms(view, side)
        assert any(name.startswith("\u2026/") for name in names), "wide enough for whole paths: no test"


def test_a_count_under_way_is_dropped_for_the_next_comparison(qtbot, tmp_path, steps_run):
    trees, diff = _shown_trees(qtbot, tmp_path, KEYS)
    first = PairTree(diff)
    trees.show_tree(first, "a", "b")
    trees.by_change.setChecked(True)
    trees.view_a.viewport().grab()
    assert trees.path_depths._turns.isActive()
    trees.by_change.setChecked(False)
    second = PairTree(pair_variables(Checkpoint.open(str(tmp_path / "b")), Checkpoint.open(str(tmp_path / "a"))))
    trees.show_tree(second, "b", "a")
    assert not trees.path_depths._turns.isActive()  # the first tree's count stopped
    trees.by_change.setChecked(True)
    with qtbot.waitSignal(trees.path_depths.ready):
        trees.view_a.viewport().grab()
    qtbot.waitUntil(lambda: not trees.path_depths._turns.isActive())
    assert _shown_names(trees.view_a) == _short_forms(trees.view_a, "a")


def test_the_refit_takes_a_tree_per_turn_and_no_turn_of_a_depth_step(qtbot, tmp_path, steps_run):
    """The trees' refit and a step of the counts are both real 0 ms timers, which Qt
    fires in the same pass of its event loop when both are due; and the refit fitted
    both trees in its turn (60 ms of GUI CPU at 200,000 pairs, the busiest turn after
    the flat list's click). Now a tree per turn, each in place of a step while a count
    is under way, the steps in the turns after."""
    trees, diff = _shown_trees(qtbot, tmp_path, KEYS)
    qtbot.waitExposed(trees)
    trees.show_tree(PairTree(diff), "a", "b")
    qtbot.wait(50)  # the refits the first show asked for
    depths = trees.path_depths
    depths._turns.timeout.disconnect(depths.step)  # the turns taken by the test, one at a time
    fits = []  # (A's tree?, steps run then)
    fit = trees._fit
    trees._fit = lambda view, *rest: (fits.append((view is trees.view_a, len(steps_run))), fit(view, *rest))[-1]
    trees.by_change.setChecked(True)
    trees.view_a.viewport().grab()  # the paints ask for the counts
    trees.view_b.viewport().grab()
    assert depths._turns.isActive() and steps_run == [] and fits == []
    qtbot.wait(50)  # the refit's turn: it waits for a turn of its own
    assert fits == [], "fitted in the refit's turn while a count is under way"
    depths.step()
    assert fits == [(True, 0)] and steps_run == [], "A's fit and a step in one turn"
    qtbot.wait(50)  # the refit's turn again, for B
    assert fits == [(True, 0)], "both trees fitted in one turn"
    depths.step()
    assert fits == [(True, 0), (False, 0)] and steps_run == []
    depths.step()
    assert len(steps_run) == 2  # then a step of each side per turn
    depths._turns.timeout.connect(depths.step)
    qtbot.waitUntil(lambda: not depths._turns.isActive())
    fits.clear()
    trees.view_a.resize(trees.view_a.width() - 20, trees.view_a.height())  # no count under way
    qtbot.waitUntil(lambda: len(fits) == 2)
    assert [a for a, _steps in fits] == [True, False]
