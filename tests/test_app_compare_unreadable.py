"""Review 14 #1 in the app: a pair whose B fails its CRC32C check stopped the whole
comparison, every row and the header "comparing" for good. Now that pair alone is
"unreadable" (its status, a badge on both sides, first in the flat list, Details
naming side, file and problem, A's histogram alone) and every other pair is compared,
as TensorFlow's values give them. A TensorFlow-written checkpoint (the session's),
one byte flipped by the test. Offscreen."""

from __future__ import annotations

import pytest

from ckpt_gui.app.models.compare_model import NAME_A, NAME_B, REL, STATUS, status_label
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.formatting import format_number
from tests.test_app_compare_counts import _panel_numbers
from tests.test_app_desktop import WAIT_MS
from tests.test_cli_review12 import _flip_tensor
from tests.test_diff import expected_metrics
from tests.test_diff_unreadable import KERNEL

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture()
def compared(qtbot, window, scratch_copy):
    """keras_seq's ckpt-4 with its first kernel's bytes flipped, compared with the previous (ckpt-3)."""
    folder = scratch_copy("keras_seq")
    _flip_tensor(folder / "ckpt-4", KERNEL)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder / "ckpt-4"))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):  # it never came: the pass stopped
        window.compare.compare_with_previous()
    trees = window.compare_trees
    bad = next(pair for pair in window.compare.diff.pairs if pair.key == KERNEL)
    return window, trees, bad, folder


def test_the_unreadable_pair_is_marked_and_every_other_pair_compared(qtbot, compared, checkpoints, tf):
    window, trees, bad, folder = compared
    tree, model = trees.model.tree, trees.model
    assert "comparing" not in trees.title.text() and tree.pending_below(tree.root) == 0
    trees.view_a.expandAll()
    words = [model.index_of(leaf, STATUS).data() for leaf in tree.leaves]
    assert status_label(None) not in words  # no row left "comparing"
    leaf = tree.leaf_of(bad)
    assert model.index_of(leaf, STATUS).data() == status_label("unreadable")
    # Said in tree A, beside its Status; not in tree B, where it was drawn on some alike
    # rows only (review 18, F4): B's row has its red name and tint.
    assert model.index_of(leaf, NAME_A).data().endswith("[B: CRC mismatch]")
    assert "CRC mismatch" not in model.index_of(leaf, NAME_B).data()
    assert "B:" in model.index_of(leaf, NAME_A).data(0x0003)  # the tooltip: the whole error
    chip = trees.summary["unreadable"]
    assert chip.isVisible() and chip.text().endswith("  1")
    assert words.count(status_label("unreadable")) == 1
    # Every other pair compared, as TensorFlow's values of the undamaged checkpoints give it.
    reader_a = tf.train.load_checkpoint(str(checkpoints / "keras_seq" / "ckpt-3"))
    reader_b = tf.train.load_checkpoint(str(checkpoints / "keras_seq" / "ckpt-4"))
    for other in tree.leaves:
        pair = other.pair
        if pair is bad:
            continue
        want = expected_metrics(reader_a.get_tensor(pair.key), reader_b.get_tensor(pair.key))
        assert pair.status == ("same" if want["differing"] == 0 else "changed"), pair.key
        assert pair.values.differing == want["differing"]
        if want["differing"] and want["rel_l2"] is not None:
            assert pair.values.rel_l2 == pytest.approx(want["rel_l2"], rel=1e-9)
            assert model.index_of(other, REL).data() == format_number(pair.values.rel_l2)
    # The flat list: the unreadable pair first (a corrupt file before any change).
    trees.by_change.setChecked(True)
    qtbot.waitUntil(lambda: trees.flat_model.rowCount() == len(tree.leaves), timeout=WAIT_MS)
    first = trees.flat_model.index(0, STATUS)
    assert trees.flat_model.node(first) is leaf and first.data() == status_label("unreadable")


def test_its_details_name_the_side_the_file_and_the_problem(qtbot, compared):
    window, trees, bad, folder = compared
    trees.select_pair(bad)
    panel = window.compare.pair_panel
    qtbot.waitUntil(lambda: panel.view is not None and panel.view.pair is bad, timeout=WAIT_MS)
    data_b = Checkpoint.open(folder / "ckpt-4").index.data_path(0)
    said = _panel_numbers(panel)["Cannot read"].replace("\u200b", "")
    assert said.startswith(f"B: {data_b}: ") and "fails its CRC32C check" in said and KERNEL in said
    assert panel.plots.isVisible() and not panel.group_note.isVisible()  # not "Computing the histograms..."
    assert panel.curve_a.isVisible() and not panel.curve_b.isVisible()  # A's values, read; B's, not


def test_a_comparison_stopped_by_an_error_leaves_no_row_comparing(qtbot, window, scratch_copy, checkpoints):
    """An error that stops the comparison (object storage that does not answer, here for
    B's object graph): the rows, groups, chips and header then say "not compared", not
    "comparing" for good. (An object graph that cannot be read no longer stops it:
    tests/test_app_compare_graph_unreadable.py.)"""
    from ckpt_gui.core.format.errors import StorageUnreachableError

    folder = scratch_copy("keras_seq")
    graph = Checkpoint.open(folder / "ckpt-4").entry("_CHECKPOINTABLE_OBJECT_GRAPH")
    a, b = Checkpoint.open(checkpoints / "keras_seq" / "ckpt-3"), Checkpoint.open(folder / "ckpt-4")
    dropped = StorageUnreachableError(b.prefix, f"reading {graph.key}", "the connection dropped", 3)
    b.__dict__["_graph_or_error"] = (None, dropped)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(a.prefix)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    window.compare.compare(a, b)
    qtbot.waitUntil(lambda: "Comparison stopped" in window.banner.text, timeout=WAIT_MS)
    assert "_CHECKPOINTABLE_OBJECT_GRAPH" in window.banner.text
    trees = window.compare_trees
    tree, model = trees.model.tree, trees.model
    pending = tree.pending_below(tree.root)
    assert pending and "comparing" not in trees.title.text()
    assert trees.title.text().endswith("&mdash; stopped")  # the count said once, beside the chips (review 15)
    assert f"{pending:,}" in trees.summary_bar.so_far.text()
    trees.view_a.expandAll()
    words = {model.index_of(leaf, STATUS).data() for leaf in tree.leaves if leaf.pair.needs_values}
    assert words == {"\u2026 not compared"}  # the "comparing" symbol, no longer its word
    inner = next(leaf for leaf in tree.leaves if leaf.parent is not tree.root)
    assert "not compared" in model.index_of(inner).parent().siblingAtColumn(STATUS).data()
    assert "not compared" in trees.summary_bar.so_far.text()


WIDE_KERNEL = "model/_functional/_operations/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE"  # keras_wide's, [12, 32]


@pytest.fixture()
def widened(qtbot, window, scratch_copy, checkpoints):
    """keras_seq against keras_wide with the widened kernel's bytes flipped in B: a shape
    change, whose status the index gives, whose B cannot be read."""
    return _compare_widened(qtbot, window, scratch_copy, checkpoints)


def _compare_widened(qtbot, window, scratch_copy, checkpoints):
    folder = scratch_copy("keras_wide")
    _flip_tensor(folder, WIDE_KERNEL)
    a, b = Checkpoint.open(checkpoints / "keras_seq"), Checkpoint.open(folder)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(a.prefix)
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.compare.compare(a, b)
    bad = next(pair for pair in window.compare.diff.pairs if pair.key_b == WIDE_KERNEL)
    assert bad.status == "shape_changed"  # from the index: its values are never compared
    return window, window.compare_trees, bad, b


def _selected(qtbot, window, trees, pair, error: str) -> None:
    """``pair`` selected and its details done: its view shown, or the banner saying
    ``error`` (the old code's end: the banner's error, Details "Computing..." for good)."""
    trees.select_pair(pair)
    panel = window.compare.pair_panel
    qtbot.waitUntil(
        lambda: (panel.view is not None and panel.view.pair is pair) or error in window.banner.text, timeout=WAIT_MS
    )


def test_a_shape_change_whose_side_cannot_be_read_says_so_and_plots_the_other(qtbot, widened):
    """Review 14 #1 left over: a shape-changed pair with a corrupt B ended in an error
    banner when selected, Details "Computing..." for good. Now Details name the side, the
    file and the problem, A's histogram is drawn, the row keeps "shape" with the badge."""
    window, trees, bad, b = widened
    _selected(qtbot, window, trees, bad, WIDE_KERNEL)
    panel = window.compare.pair_panel
    assert WIDE_KERNEL not in window.banner.text, window.banner.text  # no error: said in Details
    assert panel.view is not None and panel.view.pair is bad
    said = _panel_numbers(panel)["Cannot read"].replace("\u200b", "")
    assert said.startswith(f"B: {b.index.data_path(0)}: ") and "fails its CRC32C check" in said
    assert WIDE_KERNEL in said
    assert panel.plots.isVisible() and not panel.group_note.isVisible()  # not "Computing the histograms..."
    assert panel.curve_a.isVisible() and not panel.curve_b.isVisible()
    xs, counts = panel.curve_a.getData()
    assert counts.sum() == pytest.approx(bad.a.num_elements)  # every one of A's values, read
    # Still a shape change, its rows badged as an unreadable pair's.
    model = trees.model
    leaf = model.tree.leaf_of(bad)
    assert bad.status == "shape_changed" and model.index_of(leaf, STATUS).data() == status_label("shape_changed")
    assert model.index_of(leaf, NAME_A).data().endswith("[B: CRC mismatch]")
    assert "CRC mismatch" not in model.index_of(leaf, NAME_B).data()  # tree A's (review 18, F4)


def test_a_pair_whose_read_fails_otherwise_leaves_nothing_computing(qtbot, compared, monkeypatch):
    """A pair's plots that fail for another reason than its own bytes (storage that stops
    answering): the banner says it, and Details say it too, not "Computing..." for good."""
    from ckpt_gui.app import compare_selection
    from ckpt_gui.app.widgets.pair_panel import COMPUTING_NOTE
    from ckpt_gui.core.format.errors import StorageError

    window, trees, _bad, folder = compared

    def gone(diff, pair, *_args):
        raise StorageError(str(folder / "ckpt-4.data-00000-of-00001"), "the storage stopped answering")

    monkeypatch.setattr(compare_selection, "pair_view", gone)
    pair = next(p for p in window.compare.diff.pairs if p.status == "changed")
    _selected(qtbot, window, trees, pair, "the storage stopped answering")
    panel = window.compare.pair_panel
    assert panel.view is None  # the error, not a view
    note = panel.group_note.text()
    assert panel.group_note.isVisible() and note != COMPUTING_NOTE and "the storage stopped answering" in note
    assert all("comparing" not in value for value in _panel_numbers(panel).values())


def test_the_background_comparison_marks_a_shape_change_whose_side_cannot_be_read(qtbot, widened):
    """The closing note's leftover: such a pair was found only when selected. The
    comparison's own pass now reads both sides of each shape or dtype change once: the
    row keeps "shape" and carries the badge with no pair selected, as `diff` marks it
    (test_diff_unreadable), and Details say it as before."""
    window, trees, bad, b = widened
    assert bad.sides_read and bad.status == "shape_changed"
    assert [(side.side, side.short) for side in bad.unreadable] == [("B", "B: CRC mismatch")]
    model = trees.model
    leaf = model.tree.leaf_of(bad)
    assert model.index_of(leaf, STATUS).data() == status_label("shape_changed")
    assert model.index_of(leaf, NAME_A).data().endswith("[B: CRC mismatch]")
    assert "CRC mismatch" not in model.index_of(leaf, NAME_B).data()  # tree A's (review 18, F4)
    assert not trees.summary["unreadable"].isVisible()  # no pair "unreadable": the change keeps its status
    others = [p for p in window.compare.diff.pairs if p.status == "shape_changed" and p is not bad]
    assert others and all(p.sides_read and not p.unreadable for p in others)  # read, and readable: no mark


@pytest.fixture()
def widened_unselected(qtbot, window, scratch_copy, checkpoints, monkeypatch):
    """As ``widened``, no pair plotted (the comparison selects browse's variable as it
    opens and its largest change when it ends: that pair's plots would read the corrupt
    side too): only the pass reads."""
    from ckpt_gui.app.controllers.compare import CompareController

    monkeypatch.setattr(CompareController, "_select_wanted", lambda self, diff, wanted: None)
    monkeypatch.setattr(CompareController, "_select_largest_change", lambda self, diff: None)
    return _compare_widened(qtbot, window, scratch_copy, checkpoints)


def test_the_mark_comes_from_the_pass_not_from_a_pair_plotted(qtbot, widened_unselected):
    window, trees, bad, b = widened_unselected
    assert window.compare.pair_panel.view is None  # nothing plotted
    assert [(side.side, side.short) for side in bad.unreadable] == [("B", "B: CRC mismatch")]
    leaf = trees.model.tree.leaf_of(bad)
    assert trees.model.index_of(leaf, NAME_A).data().endswith("[B: CRC mismatch]")
