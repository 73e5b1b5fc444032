"""Review of the browse tree and the panels beside it (issue 11): a broad filter on a
large tree, the first filter's search texts, a group's histogram following the filter,
model-only groups' size, a broken checkpoint's first selection, the histogram's count
ticks for a tiny vector."""

from __future__ import annotations

import gc
import shutil
import weakref
from threading import Thread, current_thread, main_thread

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

from ckpt_gui.app.controllers.browse import on_a_thread
from ckpt_gui.app.models.tree_model import BYTES, DTYPE, SHAPE
from ckpt_gui.app.widgets.histogram_panel import HistogramPanel
from ckpt_gui.app.widgets.tree_filtering import LARGE_TREE
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.analysis.histogram import Histogram
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.core.views import variable_tree
from ckpt_gui.core.views.describe import describe_group
from ckpt_gui.core.views.tree import object_tree, variable_filter
from ckpt_gui.core.views.variable_tree import VariableTree
from ckpt_gui.diagnosis.findings import RestoreFinding
from ckpt_gui.resources import demo_path
from tests.test_app_desktop import WAIT_MS, open_demo
from tests.test_app_large_tree import LAST_BLOCK


def drawn_tick_labels(axis) -> list[str]:
    """The tick labels pyqtgraph would draw on ``axis`` as laid out now."""
    image = QImage(800, 800, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts]


@pytest.mark.parametrize("values", [[0.1, 0.5, 0.9], [1.0, 2.0, 2.0]])
def test_a_tiny_vectors_histogram_shows_whole_count_ticks_in_a_short_plot(qtbot, values):
    """Review: a 3-value vector's histogram (counts 0..1 or 0..2) showed no count at all
    on its axis in the plot's least height: with a grid pyqtgraph dropped the labels at
    the axis' ends, and whole-number ticks of such counts are only there."""
    panel = HistogramPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 220)  # the plot at about its least height (PLOT_MIN_HEIGHT)
    panel.show()
    counts, edges = np.histogram(np.array(values), bins=100)
    panel.show_histogram(Histogram(counts=counts, edges=edges, nan=0, posinf=0, neginf=0), "w")
    qtbot.waitUntil(lambda: panel.plot.getAxis("left").range[1] > 1)
    axis = panel.plot.getAxis("left")
    low, high = axis.range
    wanted = [str(n) for n in range(int(np.ceil(low)), int(high) + 1)]
    assert drawn_tick_labels(axis) == wanted


def test_a_group_only_the_model_has_shows_no_size(qtbot):
    """Review: a group of model-only rows (variables the model has and the checkpoint
    lacks, in the doctor's view) said "0 B", as if an empty value were stored."""
    ckpt = Checkpoint.open(demo_path())
    tree = object_tree(ckpt)
    panel = TreePanel()
    qtbot.addWidget(panel)
    panel.set_trees({"objects": tree, "keys": tree})
    lost = RestoreFinding(RestoreStatus.MISSING, None, "extra_head/dense/kernel", None, (3, 2), None, "float32", False)
    panel.show_report([lost])
    (row,) = tree.model_only
    group = row.parent.parent  # extra_head: only the model has it
    assert group.path == "extra_head" and group.variable_count == 0
    for query in ("", "extra"):  # unfiltered, and a filter's totals
        panel.search.setText(query)
        panel.apply_filter()
        assert panel.model.index_of(group, BYTES).data() == ""
        assert panel.model.index_of(group, SHAPE).data() == ("1 of 1 model only" if query else "1 model only")
        # Review 8: under a filter the variable's own row read "1 model only" too (a
        # group's filtered count): a leaf keeps its dtype and shape.
        assert panel.model.index_of(row, DTYPE).data() == "float32"
        assert panel.model.index_of(row, SHAPE).data() == format_shape((3, 2))
    facts = dict(describe_group(group, ckpt))
    assert "0 B" not in " ".join(facts.values()) and facts["Bytes"] == "not stored"
    stored = tree.by_key[next(iter(tree.by_key))].parent  # a group the checkpoint has keeps its size
    assert panel.model.index_of(stored, BYTES).data() not in ("", "0 B")


def test_a_group_only_the_model_has_counts_the_model_only_rows_a_filter_shows(qtbot):
    """Review: under a filter showing one of a model-only group's two rows, the group
    still read "2 model only" (a group of variables reads "1 of 2"): it counts what the
    filter shows, as every other group's row and tooltip does."""
    tree = object_tree(Checkpoint.open(demo_path()))
    panel = TreePanel()
    qtbot.addWidget(panel)
    panel.set_trees({"objects": tree, "keys": tree})
    paths = ("extra_head/dense/kernel", "extra_head/dense/bias")
    panel.show_report([
        RestoreFinding(RestoreStatus.MISSING, None, path, None, (3, 2), None, "float32", False) for path in paths
    ])  # fmt: skip
    groups = {row.parent for row in tree.model_only} | {row.parent.parent for row in tree.model_only}
    assert {group.path for group in groups} == {"extra_head", "extra_head/dense"}
    for query, shown in (("", None), ("kernel", 1), ("extra_head", 2)):
        panel.search.setText(query)
        panel.apply_filter()
        for group in groups:
            text = panel.model.index_of(group, SHAPE).data()
            assert text == (f"{len(paths)} model only" if shown is None else f"{shown} of {len(paths)} model only")
            tip = panel.model.index_of(group, 0).data(Qt.ItemDataRole.ToolTipRole)
            assert (f"shown by the filter: {shown} of them" in tip) == (shown is not None)


def group_histogram_total(qtbot, window, filtered: bool) -> int:
    """The selected group's histogram's count, once made (over what a filter shows or not)."""

    def made() -> bool:
        title = window.details.stats_title.text()
        return "together" in title and ("those the filter shows" in title) == filtered and not window.busy

    qtbot.waitUntil(made, timeout=WAIT_MS)
    return window.histogram.histogram.total


def test_a_selected_groups_histogram_follows_a_filter_change(qtbot, window):
    """Review: with a group selected, a new filter left its histogram over every
    variable of the group (the model's reset dropped the selection unsaid); it covers
    what the filter shows, as when the group is selected after filtering."""
    open_demo(qtbot, window)
    panel = window.tree_panel
    group = next(node for node in panel.tree.root.shown if node.variable is None)
    panel.select_node(group)
    every = group_histogram_total(qtbot, window, filtered=False)
    assert every == sum(v.num_elements for v in group.model_variables() if v.dtype.is_numeric)
    panel.search.setText("gamma")
    panel.apply_filter()
    accept = panel.accept
    shown = {leaf.variable.key for leaf in group.leaves() if leaf.variable is not None and accept(leaf)}
    wanted = [v for v in group.model_variables() if v.key in shown and v.dtype.is_numeric]
    assert 0 < len(wanted) < len(group.model_variables())
    assert panel.selected_node() is group
    assert group_histogram_total(qtbot, window, filtered=True) == sum(v.num_elements for v in wanted) < every
    panel.clear_filter()  # and back to every variable
    assert panel.selected_node() is group
    assert group_histogram_total(qtbot, window, filtered=False) == every


# -- a large tree's filter ----------------------------------------------------------------


@pytest.fixture()
def large_panel(qtbot, checkpoints):
    """The tree panel showing the 5,000 variables of "many" (500 blocks of 10), as
    the browse controller sets it up."""
    widget = TreePanel()
    widget.run_in_background = on_a_thread
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    widget.show()
    tree = object_tree(Checkpoint.open(checkpoints / "many"))
    assert len(tree.by_key) > LARGE_TREE  # large enough for the panel to filter on a worker
    widget.set_trees({"objects": tree, "keys": tree})
    return widget


def test_a_broad_filter_makes_only_the_levels_on_screen(qtbot, large_panel, checkpoints, monkeypatch):
    """Review: a filter matching 11,000 of 200,000 variables made the levels of all
    their groups and their shown lists on the GUI thread (0.5 to 1 s). What it shows
    is worked out on the worker that matched; levels are made as the view reaches
    them, and the tree shows exactly what the filter chose."""
    panel, tree = large_panel, large_panel.tree
    threads = []
    worked_out = VariableTree.filtered_view
    monkeypatch.setattr(VariableTree, "filtered_view", lambda *a: (threads.append(current_thread()), worked_out(*a))[1])
    qtbot.keyClicks(panel.search, "weight_3")  # one variable in each of the 500 blocks
    qtbot.waitUntil(lambda: not panel.count_label.text().startswith("filtering"), timeout=WAIT_MS)
    assert threads and main_thread() not in threads
    oracle = object_tree(Checkpoint.open(checkpoints / "many"))
    expected = oracle.apply_filter(variable_filter("weight_3"))
    assert expected == 500 and panel.count_label.text() == f"{expected} of 5,000"
    qtbot.wait(100)  # painted
    made = len(list(tree.root.built_nodes()))
    assert made < 50, made  # the levels on screen: not 500 blocks' (5,500 nodes)
    shown = {n.variable.key for n in tree.by_key.values() if panel.model.is_shown(n)}
    assert shown == {f"model/blocks/{i}/weight_3/.ATTRIBUTES/VARIABLE_VALUE" for i in range(500)}
    blocks = tree.by_key[LAST_BLOCK].parent.parent
    assert panel.model.index_of(blocks, SHAPE).data() == "500 of 5,000"  # the group's totals under the filter


def test_search_texts_are_made_in_the_background_once_a_large_tree_is_shown(qtbot, large_panel, monkeypatch):
    """Review: the first filter of a 200,000-variable tree waited 1 to 2.4 s for the
    search texts, made at the first keystroke. They are made on a worker once the tree
    is shown, and while a filter is worked out the field says so."""
    panel, tree = large_panel, large_panel.tree
    qtbot.waitUntil(lambda: tree.searchable, timeout=WAIT_MS)  # no key typed
    assert all(node.search_text for node in tree.by_key.values())
    made = []
    monkeypatch.setattr(variable_tree, "search_text", lambda *a: made.append(1) or "")
    qtbot.keyClicks(panel.search, "blocks/12/")
    assert panel.busy.isVisible() and panel.count_label.text() == "filtering..."
    qtbot.waitUntil(lambda: not panel.count_label.text().startswith("filtering"), timeout=WAIT_MS)
    assert not panel.busy.isVisible() and not made  # the filter only scanned them
    assert panel.count_label.text() == "10 of 5,000"


def test_a_filter_typed_while_search_texts_are_made_waits_for_them(qtbot, checkpoints):
    """Typing before the background texts are made: the filter waits for them (one
    thread makes them), and texts made before the object paths came are made again."""
    tree = object_tree(Checkpoint.open(checkpoints / "many"))
    results = []
    first = Thread(target=tree.prepare_search)
    first.start()
    second = Thread(target=lambda: results.append(len(tree.matching(["blocks/499/"], None))))
    second.start()
    first.join(60)
    second.join(60)
    assert results == [10] and tree.searchable
    tree.search_also(lambda key: "extra words" if key == LAST_BLOCK else "")
    assert not tree.searchable
    assert [n.variable.key for n in tree.matching(["extra", "words"], None)] == [LAST_BLOCK]


def test_a_filtered_tree_is_freed_by_dismantling_without_a_collection(checkpoints):
    """A filter's rows (tree_filter.LazyShown) hold their nodes: dismantling the tree
    cuts that cycle too, or a frozen checkpoint's tree would never be freed."""
    tree = object_tree(Checkpoint.open(checkpoints / "keras_seq"))
    tree.apply_filter(variable_filter("kernel"))
    for node in tree.root.walk():  # every level's rows made, as a view showing it all
        list(node.shown)
    refs = [weakref.ref(node) for node in tree.by_key.values()] + [weakref.ref(tree.root)]
    del node
    gc.disable()
    try:
        for _ in tree.dismantle():
            pass
        assert sum(ref() is not None for ref in refs) == 0  # reference counting freed them all
    finally:
        gc.enable()


def test_a_checkpoint_that_does_not_open_says_so_in_every_panel(qtbot, window, tmp_path):
    """Review: a broken checkpoint (its index truncated) opened first left "Select a
    variable" on the Heatmap and Values tabs and under the histogram, with no
    checkpoint and so no variable to select, while Details said to open one. (Named
    by its prefix: a folder opens at its newest readable checkpoint instead.)"""
    broken = tmp_path / "broken"
    shutil.copytree(demo_path(), broken)
    index = broken / "ckpt-300.index"
    index.write_bytes(index.read_bytes()[:1000])
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(broken / "ckpt-300"))
    assert str(index) in window.banner.text and window.browse.ckpt is None
    said = window.details.title.text()
    assert said.startswith("Open a checkpoint")
    tensor = window.tensor  # no "Select a variable": a short word, what to do said once (Details)
    assert tensor.picture.currentWidget() is tensor.message and tensor.message.text() == "No checkpoint open."
    assert window.histogram.empty.text() == "No checkpoint open."


def test_small_counts_and_sizes_are_said_once():
    # A group of 4 parameters read "4  (4, optimizer slots not counted)", its 16 bytes
    # "16  (16 B)": the short form only where it says more than the number.
    from ckpt_gui.core.views.describe import bytes_text, count_text

    assert bytes_text(16) == "16 B" and bytes_text(28_000) == "28,000  (27.3 KB)"
    assert count_text(4, "optimizer slots not counted") == "4  (optimizer slots not counted)"
    assert count_text(12_345, "slots") == "12,345  (12.3K; slots)"
