"""What the user did in the key view while the object graph was decoded wins over the
selection the app would make when it lands (review 24 #3): the row they picked (a
variable or a group), not the previous checkpoint's kept selection nor the object
view's first choice; a row menu open over a tree that is replaced closes. The decoding
is held with an event (conftest ``held_graph``: a large graph's seconds, made
deterministic); the oracle for the keys is TensorFlow's own reader
(``tf.train.load_checkpoint(...).get_variable_to_shape_map()``), run once in a child
process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PySide6.QtCore import QTimer

from ckpt_gui.core.checkpoint import Checkpoint

WAIT_MS = 60_000
KEYS_OF = (
    "import json, sys, tensorflow as tf; "
    "print(json.dumps(sorted(tf.train.load_checkpoint(sys.argv[1]).get_variable_to_shape_map())))"
)


@pytest.fixture(scope="module")
def tf_keys(checkpoints) -> list[str]:
    """TensorFlow's keys of ``many`` (500 blocks of 10 variables: ``model/blocks/N/weight_J``)."""
    prefix = str(Checkpoint.open(checkpoints / "many").prefix)
    result = subprocess.run(
        [sys.executable, "-c", KEYS_OF, prefix], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _open_remembering(qtbot, window, path, held_graph) -> str:
    """``path`` opened once whole (its object view's first selection), then again with
    the object graph held: the key view shows first, the variable selected before
    selected in it (the selection the open keeps, as the reviewer's previous one).
    Returns that variable's key."""
    browse, panel = window.browse, window.tree_panel
    held_graph.set()
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        browse.open_path(str(path))
    kept = panel.selected_node().variable.key
    held_graph.clear()
    return kept


def _before_the_key_view_is_finished(browse, act) -> None:
    """``act`` posted as soon as the key view is set, ahead of the browser's own posted
    call that finishes showing it: a click queued while the key view's first paint of
    200,000 rows held the event loop (the reviewer's, at "step 3 of 5")."""

    def queued(_ckpt) -> None:
        browse.index_read.disconnect(queued)
        QTimer.singleShot(0, act)

    browse.index_read.connect(queued)


def _group(tree, path: str):
    node = tree.root
    for name in path.split("/"):
        node = next(child for child in node.children if child.name == name)
    return node


def _keys_under(node) -> set[str]:
    return {n.variable.key for n in node.walk() if n.variable is not None}


def test_a_variable_picked_before_the_key_view_settled_stays_picked_when_the_objects_land(
    qtbot, window, checkpoints, held_graph, tf_keys
):
    """The click came before the key view's own finishing call: it was taken for no
    action, and the object view replaced the view the user had clicked in."""
    browse, panel = window.browse, window.tree_panel
    kept = _open_remembering(qtbot, window, checkpoints / "many", held_graph)
    picked = next(k for k in tf_keys if k.startswith("model/blocks/3/") and k != kept)
    _before_the_key_view_is_finished(browse, lambda: panel.select_key(picked))
    with qtbot.waitSignal(browse.keys_shown, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "many"))
    keys = panel.tree
    assert panel.current_view == "keys" and panel.selected_node().variable.key == picked

    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    # The key view as the user left it, their variable selected (not the one kept from before).
    assert panel.current_view == "keys" and panel.tree is keys
    assert panel.selected_node().variable.key == picked != kept
    assert browse.current is panel.selected_node()
    panel.objects_button.setChecked(True)  # Ctrl+1: the object view selects the same variable
    assert panel.current_view == "objects" and panel.selected_node().variable.key == picked


def test_a_group_picked_in_the_key_view_is_not_replaced_by_the_first_choice(
    qtbot, window, checkpoints, held_graph, tf_keys
):
    """The reviewer's ``model/blocks``: the first choice (a variable inside it) had been
    selected over it; Ctrl+1 then selects the object view's group of the same keys."""
    browse, panel, view = window.browse, window.tree_panel, window.tree_panel.view
    _open_remembering(qtbot, window, checkpoints / "many", held_graph)
    with qtbot.waitSignal(browse.keys_shown, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "many"))
    blocks = _group(panel.tree, "model/blocks")
    assert blocks.path == "model/blocks" and blocks.variable is None
    panel.select_node(blocks)
    view.expand(panel.model.index_of(blocks))

    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    assert panel.current_view == "keys" and panel.selected_node() is blocks, panel.selected_node().path
    assert browse.current is blocks and view.isExpanded(panel.model.index_of(blocks))

    panel.objects_button.setChecked(True)
    group = panel.selected_node()
    assert panel.current_view == "objects" and group is not None and group.variable is None
    assert group.path == "model/blocks"
    assert _keys_under(group) == {k for k in tf_keys if k.startswith("model/blocks/")}


def test_a_row_menu_open_when_the_object_view_replaces_the_key_view_closes(qtbot, window, checkpoints, held_graph):
    """The key view's menu (opened from the keyboard on the row kept selected: nothing
    changed, so the object view replaces the key view) stayed open over the new view,
    and its "Filter to this subtree" did nothing there."""
    browse, panel, view = window.browse, window.tree_panel, window.tree_panel.view
    kept = _open_remembering(qtbot, window, checkpoints / "many", held_graph)
    with qtbot.waitSignal(browse.keys_shown, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "many"))
    assert panel.current_view == "keys" and panel.selected_node().variable.key == kept

    menus, open_at_swap = [], []
    real = browse.row_menu

    def recorded(node):
        menu = real(node)
        menus.append(menu)
        menu.aboutToShow.connect(held_graph.set)  # the object graph lands while the menu is open
        return menu

    def at_swap(_ckpt) -> None:
        open_at_swap.extend(m for m in menus if m.isVisible())
        for menu in menus:  # never left open: its exec would hold the test
            QTimer.singleShot(0, menu.close)

    browse.row_menu = recorded
    browse.checkpoint_shown.connect(at_swap)
    where = view.visualRect(view.currentIndex()).center()
    QTimer.singleShot(0, lambda: panel._on_menu(where))  # the Menu key's call (widgets/keyboard_menu.py)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        pass
    assert menus, "the menu was opened"
    assert panel.current_view == "objects" and panel.selected_node().variable.key == kept
    assert not open_at_swap, "the key view's menu stayed open over the object view"


def test_a_filter_typed_in_the_key_view_applies_to_the_object_view_too(qtbot, window, checkpoints, held_graph, tf_keys):
    """Text typed while the object graph was decoded: the key view stays filtered by
    it when the graph lands, and the object view (Ctrl+1) shows the same variables."""
    browse, panel = window.browse, window.tree_panel
    with qtbot.waitSignal(browse.keys_shown, timeout=WAIT_MS):
        browse.open_path(str(checkpoints / "many"))
    panel.search.setText("weight_7")
    matching = {k for k in tf_keys if "weight_7" in k}
    qtbot.waitUntil(lambda: not panel.filtering.debounce.isActive() and not panel._filtering, timeout=WAIT_MS)
    assert _shown_keys(panel.tree.root) == matching

    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        held_graph.set()
    assert panel.current_view == "keys" and panel.search.text() == "weight_7"
    assert _shown_keys(panel.tree.root) == matching
    panel.objects_button.setChecked(True)
    qtbot.waitUntil(lambda: not panel._filtering, timeout=WAIT_MS)
    assert panel.current_view == "objects" and _shown_keys(panel.tree.root) == matching


def _shown_keys(node) -> set[str]:
    """The keys of the variables the filter shows below ``node``."""
    found, stack = set(), [node]
    while stack:
        node = stack.pop()
        if node.variable is not None:
            found.add(node.variable.key)
        stack.extend(node.shown)
    return found
