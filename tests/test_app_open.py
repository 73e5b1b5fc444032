"""Opening a checkpoint with a large object graph (issue 11): the key view is shown as
soon as the index is read, while the object graph is decoded; then the object view
replaces it with the selection kept, or, when the user has worked in the key view
meanwhile, the key view stays as they left it. The decoding is held here with an
event (a large graph's seconds, made deterministic); the oracle for the key view is
``tf.train.list_variables``, run once in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from ckpt_gui.app import opening
from ckpt_gui.core.checkpoint import Checkpoint

WAIT_MS = 60_000
LIST_VARIABLES = (
    "import json, sys, tensorflow as tf; print(json.dumps([k for k, _ in tf.train.list_variables(sys.argv[1])]))"
)


@pytest.fixture(scope="module")
def listed_keys(checkpoints) -> list[str]:
    """TensorFlow's listing of keras_seq's keys."""
    prefix = str(Checkpoint.open(checkpoints / "keras_seq").prefix)
    result = subprocess.run(
        [sys.executable, "-c", LIST_VARIABLES, prefix], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _open_keys_first(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.browse.keys_shown, timeout=WAIT_MS):
        window.browse.open_path(str(path))


def _lanes_submitted(monkeypatch, browse) -> list[str]:
    lanes = []
    submit = browse.runner.submit

    def spy(lane, *args, **kwargs):
        lanes.append(lane)
        return submit(lane, *args, **kwargs)

    monkeypatch.setattr(browse.runner, "submit", spy)
    return lanes


def test_key_view_first_then_the_object_view_with_the_first_selection(
    qtbot, window, checkpoints, held_graph, listed_keys, monkeypatch
):
    browse, panel = window.browse, window.tree_panel
    lanes = _lanes_submitted(monkeypatch, browse)
    _open_keys_first(qtbot, window, checkpoints / "keras_seq")
    # Shown from the index alone: the keys as TensorFlow lists them, the object graph not read,
    # no variable selected yet (nothing read, no plot drawn while the graph is decoded).
    assert not browse.ckpt.graph_decoded
    assert panel.current_view == "keys" and not panel.objects_button.isEnabled()
    assert sorted(panel.tree.by_key) == sorted(listed_keys)
    assert panel.selected_node() is None and browse.current is None
    assert "reading the object graph" in window.status_message()
    assert "histogram" not in lanes and "values" not in lanes

    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    assert panel.current_view == "objects" and panel.objects_button.isEnabled()
    node = panel.selected_node()
    assert node is not None and len(node.variable.shape) >= 2  # the largest matrix, as always
    assert node.variable.object_paths and browse.current is node
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    assert lanes.count("histogram") == 1 and lanes.count("values") == 1
    assert window.histogram.histogram is not None and window.tensor.value is not None


def test_the_selection_of_the_checkpoint_before_is_kept_through_both_views(
    qtbot, window, checkpoints, held_graph, monkeypatch
):
    """Opening another save of the same model: the variable selected stays selected in
    the key view shown first, and in the object view after it."""
    browse, panel = window.browse, window.tree_panel
    held_graph.set()
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "keras_seq"))
    key = panel.selected_node().variable.key
    held_graph.clear()
    _open_keys_first(qtbot, window, checkpoints / "keras_seq")
    assert panel.current_view == "keys" and panel.selected_node() is panel.tree.by_key[key]
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    assert panel.current_view == "objects" and panel.selected_node() is panel.tree.by_key[key]


def test_a_user_working_in_the_key_view_keeps_it_as_they_left_it(qtbot, window, checkpoints, held_graph, listed_keys):
    browse, panel, view = window.browse, window.tree_panel, window.tree_panel.view
    _open_keys_first(qtbot, window, checkpoints / "keras_seq")
    tree = panel.tree
    first = panel.selected_node()
    groups = [n for n in tree.root.walk() if n is not tree.root and n.variable is None and n.has_shown()]
    chosen, group = next(
        (v, g) for g in groups for v in tree.by_key.values()
        if v is not first and v.variable.dtype.is_floating and g not in _ancestors(v)
    )  # fmt: skip
    assert panel.select_node(chosen)
    view.expand(panel.model.index_of(group))
    view.collapse(panel.model.index_of(group))  # the user's own expansion state

    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    # The same tree, the group as the user left it, the row still selected; the object view a click away.
    assert panel.current_view == "keys" and panel.tree is tree and panel.objects_button.isEnabled()
    assert not view.isExpanded(panel.model.index_of(group)) and panel.selected_node() is chosen
    assert all(view.isExpanded(panel.model.index_of(n)) for n in _ancestors(chosen))
    assert chosen.variable.object_paths == browse.ckpt.variable(chosen.variable.key).object_paths
    assert chosen.variable.object_paths, "the variables of the key view got their object paths"
    assert "Object paths" in _facts(window.details)
    panel.objects_button.setChecked(True)
    assert panel.current_view == "objects" and panel.selected_node().variable.key == chosen.variable.key


def test_every_step_of_an_open_is_reported_with_progress(qtbot, window, checkpoints, monkeypatch):
    """The status bar names each step as it starts; the progress bar is determinate
    throughout (never only a busy indicator) and only moves forward, to its end."""
    monkeypatch.setattr(opening, "EARLY_GRAPH_BYTES", 0)  # every step, the key view first included
    messages, bar = [], []
    window.status_changed.connect(messages.append)
    window.browse.runner.progress_changed.connect(lambda _label, done, total: bar.append((done, total)))
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "keras_seq"))
    steps = [name for name in opening.STEPS if any(name.lower() in m for m in messages)]
    assert steps == list(opening.STEPS), messages
    reported = [(done, total) for done, total in bar if total or done]  # submit's own (0, 0) aside
    assert reported and all(total == opening.SCALE for _done, total in reported)
    done = [d for d, _total in reported]
    assert done == sorted(done) and done[-1] == opening.SCALE


def test_cancel_while_the_object_graph_is_decoded_keeps_the_key_view(
    qtbot, window, checkpoints, held_graph, listed_keys
):
    """Cancel during the decoding (held here, as a large graph's seconds): the open ends
    at once, though the decoder cannot be stopped mid-call, and the key view stays as
    the checkpoint's only view, the banner saying the object graph was not read."""
    browse, panel = window.browse, window.tree_panel
    _open_keys_first(qtbot, window, checkpoints / "keras_seq")
    step = opening.DECODING_GRAPH.lower()
    qtbot.waitUntil(lambda: step in window.status_message(), timeout=WAIT_MS)
    assert window.cancel_button.isVisible()
    with qtbot.waitSignal(window.loaded, timeout=5_000):  # the graph is still held: not waited for
        window.cancel_button.click()
    assert not held_graph.is_set()
    assert panel.current_view == "keys" and not panel.objects_button.isEnabled()
    assert sorted(panel.tree.by_key) == sorted(listed_keys)
    assert browse.ckpt.graph_error is not None and "cancelled" in str(browse.ckpt.graph_error)
    assert all(not v.object_paths for v in browse.ckpt.variables)  # as the index lists them, not decoded
    assert "cancelled" in window.banner.text and "object graph" in window.banner.text
    qtbot.waitUntil(lambda: not browse.runner.is_running("open"), timeout=WAIT_MS)


def test_cancel_while_the_index_is_read_leaves_the_window_as_it_was(qtbot, window, checkpoints, monkeypatch):
    """Before anything is shown, a cancel stops the open and says so; nothing is replaced."""
    gate = threading.Event()
    read = Checkpoint.open

    def held(cls, path, progress=None):
        gate.wait(WAIT_MS / 1000)
        return read(path, progress)

    monkeypatch.setattr(Checkpoint, "open", classmethod(held))
    try:
        window.browse.open_path(str(checkpoints / "keras_seq"))
        qtbot.waitUntil(lambda: opening.READING_INDEX.lower() in window.status_message(), timeout=WAIT_MS)
        window.cancel_button.click()
        with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
            gate.set()
    finally:
        gate.set()
    assert window.browse.ckpt is None and window.tree_panel.tree is None
    assert window.status_message() == "Opening cancelled"


def test_the_view_opens_the_levels_the_open_job_made(qtbot, window, checkpoints):
    """The tree view expands exactly the groups core's default_open names (whose levels
    the open job made off the GUI thread), and nothing else."""
    from ckpt_gui.core.views.tree import default_open

    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(checkpoints / "many"))
    panel = window.tree_panel
    panel.select_node(panel.tree.root.children[0])  # a top row: no group opened to reveal a selection
    panel.expand_default()
    tree, model = panel.tree, panel.model
    expanded = [n for n in tree.root.built_nodes() if n is not tree.root and panel.view.isExpanded(model.index_of(n))]
    assert expanded and expanded == default_open(tree)


def _facts(details) -> list[str]:
    """The labels of the Details panel's facts."""
    grid = details.facts
    return [grid.itemAt(i).widget().text() for i in range(grid.count()) if grid.itemAt(i).widget() is not None]


def _ancestors(node):
    found = []
    while node.parent is not None and node.parent.parent is not None:
        node = node.parent
        found.append(node)
    return found
