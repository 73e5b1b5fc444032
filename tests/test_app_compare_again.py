"""Issue 11: a comparison that stopped ("stopped, N pairs not compared") had no way to
try again but to close it and compare anew. The banner saying why now offers "Compare
again": storage that stopped answering, the pairs left are compared and those compared
kept; an object graph that could not be read, both checkpoints are opened again and
paired anew (a file copied again). Offscreen."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_gui.app.controllers import compare as compare_controller
from ckpt_gui.app.controllers.compare import COMPARE_AGAIN
from ckpt_gui.core.analysis.value_comparison import compare_pair
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import StorageError, StorageUnreachableError
from tests.test_app_compare_review7 import _write
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_browse import open_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _stopped(qtbot, window) -> None:
    qtbot.waitUntil(lambda: "Comparison stopped" in window.banner.text and not window.busy, timeout=WAIT_MS)
    trees = window.compare_trees
    assert "stopped" in trees.title.text() and "not compared" in trees.summary_bar.so_far.text()
    button = window.banner.action_button
    assert button.isVisible() and button.text() == COMPARE_AGAIN


def _again(qtbot, window) -> None:
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        window.banner.action_button.click()
    trees = window.compare_trees
    tree = trees.model.tree
    assert tree.pending_below(tree.root) == 0 and not tree.stopped
    assert "stopped" not in trees.title.text() and "comparing" not in trees.title.text()
    assert "not compared" not in trees.summary_bar.so_far.text()
    assert "Comparison stopped" not in window.banner.text and not window.banner.action_button.isVisible()


def test_compare_again_compares_the_pairs_left_and_keeps_those_compared(qtbot, window, tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    a = {f"model/layer{i}/kernel": rng.normal(size=(8, 4)).astype(np.float32) for i in range(6)}
    b = {key: value + np.float32(i % 2) for i, (key, value) in enumerate(a.items())}
    for side, tensors in (("a", a), ("b", b)):
        (tmp_path / side).mkdir()
        _write(str(tmp_path / side / "ckpt-1"), tensors)
    real, calls = compare_controller.compare_all, []

    def storage_stops(diff, progress=None, cancelled=None):
        """The first pass compares half the pairs, then the storage stops answering."""
        calls.append(diff)
        if len(calls) > 1:
            return real(diff, progress, cancelled)
        for pair in diff.pairs[: len(diff.pairs) // 2]:
            compare_pair(diff, pair)
        raise StorageError(str(tmp_path / "b"), "the storage stopped answering")

    monkeypatch.setattr(compare_controller, "compare_all", storage_stops)
    open_path(qtbot, window, tmp_path / "a" / "ckpt-1")
    window.compare.compare_with(str(tmp_path / "b" / "ckpt-1"))
    _stopped(qtbot, window)
    diff = window.compare.diff
    compared = {pair.key: pair.values for pair in diff.pairs if not pair.needs_values}
    assert 0 < len(compared) < len(diff.pairs)
    _again(qtbot, window)
    assert window.compare.diff is diff and len(calls) == 2  # the same comparison, gone on
    for pair in diff.pairs:
        want = "same" if np.array_equal(a[pair.key], b[pair.key]) else "changed"
        assert pair.status == want, pair.key
        if pair.key in compared:
            assert pair.values is compared[pair.key]  # kept, not compared again


def test_compare_again_opens_again_a_checkpoint_whose_graph_could_not_be_read(qtbot, window, checkpoints):
    """B's object graph could not be read because the storage stopped answering (pairing
    reads it; a graph that reads but is damaged no longer stops the comparison: the pairs
    are matched by key, tests/test_app_compare_graph_unreadable.py): Compare again opens
    both again from their files and compares every pair."""
    a, b = Checkpoint.open(checkpoints / "keras_seq" / "ckpt-3"), Checkpoint.open(checkpoints / "keras_seq" / "ckpt-4")
    graph = b.entry("_CHECKPOINTABLE_OBJECT_GRAPH")
    dropped = StorageUnreachableError(b.prefix, f"reading {graph.key}", "the connection dropped", 3)
    b.__dict__["_graph_or_error"] = (None, dropped)
    open_path(qtbot, window, a.prefix)
    window.compare.compare(a, b)
    _stopped(qtbot, window)
    assert "connection dropped" in window.banner.text
    stopped = window.compare.diff
    _again(qtbot, window)
    diff = window.compare.diff
    assert diff is not stopped and diff.b is not b and diff.b.graph_error is None
    assert all(not pair.needs_values for pair in diff.pairs)
    assert diff.summary()["unreadable"] == 0
