"""Python's garbage collector in the app (issue 11; app/gui_gc.py): a checkpoint's
objects are frozen once shown, so no collection on the GUI thread walks them again
(collecting a 200,000-variable checkpoint's objects stalled the event loop for
seconds), and the trees of a checkpoint the app forgets are taken apart so that
reference counting frees them although frozen. Behaviour only; the stalls themselves
are measured by benchmarks/scale_app.py."""

from __future__ import annotations

import gc
import weakref

import pytest

from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.tree import key_tree

WAIT_MS = 60_000


@pytest.fixture()
def collector(monkeypatch):
    """The app's collector, as `ckpt-gui` starts it; afterwards nothing stays frozen
    (the test session collects after each test)."""
    from ckpt_gui.app import gui_gc

    monkeypatch.setattr(gui_gc, "_running", False)
    running = gui_gc.GuiThreadCollector()
    yield running
    running.timer.stop()
    gc.unfreeze()


def _young_ids() -> set[int]:
    """The objects a collection may walk: those of generations 0 to 2 (not the frozen)."""
    return {id(obj) for generation in range(3) for obj in gc.get_objects(generation)}


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(path))


def test_a_shown_checkpoint_is_frozen(qtbot, window, checkpoints, collector):
    _open(qtbot, window, checkpoints / "keras_seq")
    tree = window.tree_panel.tree
    nodes = [tree.root, *tree.root.children, *tree.by_key.values()]
    assert all(gc.is_tracked(node) for node in nodes)
    young = _young_ids()
    assert not [node.path for node in nodes if id(node) in young]
    assert gc.get_freeze_count() >= len(nodes)


def test_without_the_apps_collector_nothing_is_frozen(qtbot, window, checkpoints):
    """A window embedded elsewhere (or a test) leaves the collector alone."""
    gc.unfreeze()
    _open(qtbot, window, checkpoints / "keras_seq")
    assert gc.get_freeze_count() == 0


def test_a_forgotten_checkpoint_is_freed(qtbot, window, checkpoints, collector):
    """Opening A, then B, then A again: the first A is forgotten, frozen as it was, and
    freed; B stays (remembered for switching back) and so does the second A."""
    _open(qtbot, window, checkpoints / "keras_seq")
    first = window.browse.ckpt
    first_ckpt, first_tree = weakref.ref(first), weakref.ref(window.tree_panel.tree)
    first_root = weakref.ref(window.tree_panel.tree.root)
    first_leaf = weakref.ref(next(iter(window.tree_panel.tree.by_key.values())))
    del first
    _open(qtbot, window, checkpoints / "subclassed")
    other = weakref.ref(window.tree_panel.tree.root)
    _open(qtbot, window, checkpoints / "keras_seq")
    qtbot.waitUntil(lambda: not window.browse.releaser.busy, timeout=WAIT_MS)
    gc.collect()  # walks everything but the frozen objects
    assert first_ckpt() is None
    assert first_root() is None and first_leaf() is None
    assert first_tree() is None or not first_tree().by_key
    assert other() is not None
    assert window.browse.ckpt is not None and window.tree_panel.tree.by_key


def test_the_collector_freezes_a_bulk_and_collects_the_rest(collector):
    from ckpt_gui.app import gui_gc

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    collector.check()
    garbage = weakref.ref(Cycle())
    collector.threshold = (0, *collector.threshold[1:])  # collect on this tick
    collector.check()
    assert garbage() is None  # a young cycle is collected
    bulk = [[n] for n in range(gui_gc.FREEZE_ABOVE + 1000)]
    frozen = gc.get_freeze_count()
    collector.check()
    assert gc.get_freeze_count() >= frozen + len(bulk)
    young = _young_ids()
    assert id(bulk) not in young and id(bulk[0]) not in young


def test_while_objects_are_made_in_bulk_only_the_young_generation_is_collected(monkeypatch):
    """A tick that finds more new objects than BULK_ABOVE (a job making them: an open)
    collects the young generation only; the older ones, where what survives piles up,
    are collected on a quieter tick (or frozen once the checkpoint is shown)."""
    from types import SimpleNamespace

    from ckpt_gui.app import gui_gc

    collected: list[int] = []
    monkeypatch.setattr(gui_gc.gc, "collect", collected.append)
    monkeypatch.setattr(gui_gc.gc, "freeze", lambda: collected.append("freeze"))
    collector = SimpleNamespace(threshold=(700, 10, 10))  # Python's thresholds, as the app keeps them
    for young, generations in ((gui_gc.BULK_ABOVE + 1, [0]), (gui_gc.BULK_ABOVE, [0, 1, 2]), (800, [0, 1, 2])):
        collected.clear()
        monkeypatch.setattr(gui_gc.gc, "get_count", lambda young=young: (young, 11, 11))
        gui_gc.GuiThreadCollector.check(collector)
        assert collected == generations, young
    monkeypatch.setattr(gui_gc.gc, "get_count", lambda: (gui_gc.FREEZE_ABOVE + 1, 11, 11))
    collected.clear()
    gui_gc.GuiThreadCollector.check(collector)
    assert collected == ["freeze"]


def test_dismantling_a_tree_frees_it_without_a_collection(checkpoints):
    ckpt = Checkpoint.open(str(checkpoints / "keras_seq"))
    tree = key_tree(ckpt.variables)
    leaf = next(iter(tree.by_key.values()))
    assert tree.root.children  # a level made: group and leaf nodes point at their parents
    root, leaf_ref = weakref.ref(tree.root), weakref.ref(leaf)
    del leaf
    steps = sum(1 for _ in tree.dismantle())
    assert steps >= 1
    assert root() is None and leaf_ref() is None  # no gc.collect: reference counting did it
    assert not tree.by_key and not tree.root.has_children()
