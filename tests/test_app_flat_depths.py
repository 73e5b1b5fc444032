"""The flat list's short paths counted off the GUI thread (issue 11: its first paint
at 200,000 pairs spent half a second per side counting them): a large side's first
paint counts nothing, its rows are whole paths cut in the middle meanwhile, and they
change to the short form the counts give, where the list was scrolled to."""

from __future__ import annotations

import os
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem

from ckpt_gui.app.widgets import flat_paths
from ckpt_gui.app.widgets.compare_trees import CompareTrees
from ckpt_gui.app.widgets.flat_paths import elide_path
from ckpt_gui.core.analysis.diff import pair_variables
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.pair_tree import PairTree
from ckpt_gui.resources import demo_path
from tests.test_app_compare_review6 import _shown_names
from tests.test_app_desktop import WAIT_MS, open_demo
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
def counted_on(monkeypatch):
    """The threads ``end_depths`` ran on, every side counted as a large one's."""
    threads = []
    count = flat_paths.end_depths

    def counting(paths, between=None):
        threads.append(threading.current_thread())
        return count(paths, between)

    monkeypatch.setattr(flat_paths, "end_depths", counting)
    monkeypatch.setattr(flat_paths, "COUNTED_AT_ONCE", 0)
    return threads


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


def _elide_mode(view) -> Qt.TextElideMode:
    """How Qt cuts the first row's name where it does not fit."""
    index = view.model().index(0, view.treePosition())
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(index)
    view.itemDelegateForColumn(view.treePosition()).initStyleOption(option, index)
    return option.textElideMode


def test_a_large_sides_first_paint_counts_nothing_and_its_rows_switch_in_place(qtbot, tmp_path, counted_on):
    for side, fill in (("a", 0), ("b", 1)):
        write_bundle(str(tmp_path / side), ((key, "float32", (2,), bytes([fill]) * 8) for key in KEYS))
    trees = CompareTrees()
    qtbot.addWidget(trees)
    asked = []  # (side, work, done): run by the test where the controller's job would
    trees.path_depths.run_in_background = lambda side, work, done: asked.append((side, work, done))
    trees.resize(420, 400)
    trees.show()
    qtbot.waitExposed(trees)
    diff = pair_variables(Checkpoint.open(str(tmp_path / "a")), Checkpoint.open(str(tmp_path / "b")))
    trees.show_tree(PairTree(diff), "a", "b")
    trees.by_change.setChecked(True)
    trees.view_a.viewport().grab()  # painted
    trees.view_b.viewport().grab()
    qtbot.waitUntil(lambda: len(asked) == 2)  # each side asked for once, after the paint
    assert counted_on == []  # nothing counted on the GUI thread
    assert sorted(side for side, _work, _done in asked) == ["a", "b"]
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
    results = {}
    workers = [threading.Thread(target=lambda s=side, w=work: results.update({s: w(lambda: None)}))
               for side, work, _done in asked]  # fmt: skip
    for worker in workers:
        worker.start()
        worker.join()
    assert all(thread is not threading.main_thread() for thread in counted_on)
    for side, _work, done in asked:
        done(results[side])
    for view, side in ((trees.view_a, "a"), (trees.view_b, "b")):
        names = _shown_names(view)
        assert names == _short_forms(view, side)
        assert any(name.startswith("\u2026/") for name in names)
        assert len(set(names)) == len(names)
    assert scroll.value() == where
    assert trees.view_b.verticalScrollBar().value() == where
    assert len(asked) == 2  # counted once per side


def test_a_small_side_is_counted_at_once(qtbot, tmp_path):
    """A few thousand pairs: counted in the paint (a few ms), no job, no middle cut first."""
    keys = KEYS[:30]
    for side, fill in (("a", 0), ("b", 1)):
        write_bundle(str(tmp_path / side), ((key, "float32", (2,), bytes([fill]) * 8) for key in keys))
    trees = CompareTrees()
    qtbot.addWidget(trees)
    asked = []
    trees.path_depths.run_in_background = lambda *args: asked.append(args)
    trees.resize(420, 400)
    trees.show()
    diff = pair_variables(Checkpoint.open(str(tmp_path / "a")), Checkpoint.open(str(tmp_path / "b")))
    trees.show_tree(PairTree(diff), "a", "b")
    trees.by_change.setChecked(True)
    qtbot.wait(50)
    assert _shown_names(trees.view_a) == _short_forms(trees.view_a, "a")
    assert asked == []


def test_the_comparisons_job_counts_them(qtbot, window, counted_on):
    """In the app the comparison's controller counts a large side on a worker: the rows
    come in their short form, as the depths counted before this work cut them."""
    window.resize(1024, 640)
    open_demo(qtbot, window)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare_with(os.path.join(demo_path(), "ckpt-100"))
    trees = window.compare_trees
    trees.by_change.setChecked(True)
    qtbot.waitUntil(lambda: len(counted_on) == 2, timeout=WAIT_MS)  # both sides asked for by their paint
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert all(thread is not threading.main_thread() for thread in counted_on)
    for view, side in ((trees.view_a, "a"), (trees.view_b, "b")):
        names = _shown_names(view)
        assert names == _short_forms(view, side)
        assert any(name.startswith("\u2026/") for name in names), "wide enough for whole paths: no test"
