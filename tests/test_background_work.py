"""The background extras take turns (app/background_work.py): one at a time, the most
urgent first, a long one giving way between two slices, a cancelled one dropped; a
superseded search-text preparation is cancelled; opening a large checkpoint runs the
open, the search texts and the NaN/Inf scan one after the other, and the filter works."""

from __future__ import annotations

import threading

import pytest

from ckpt_gui.app import background_work, opening
from ckpt_gui.app.background_work import Turns, Worker
from ckpt_gui.app.widgets import tree_filtering
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.views.tree import object_tree, variable_filter
from tests.test_gui import WAIT_MS, open_and_wait, window  # noqa: F401 (the fixture)


def overlapping(history) -> list:
    """The events at which a second piece of work ran while another had its turn."""
    running, found = None, []
    for event, name, _time in history:
        if event in ("start", "resume"):
            if running is not None:
                found.append((event, name, running))
            running = name
        elif running == name:
            running = None
        else:
            found.append((event, name, running))
    return found


def queued(turns: Turns, count: int) -> None:
    """Wait until ``count`` pieces of work wait for their turn."""
    for _ in range(1000):
        with turns._cond:
            if len(turns._queue) == count:
                return
        threading.Event().wait(0.005)
    raise AssertionError("the work did not queue")


def test_work_waiting_takes_its_turn_one_at_a_time_most_urgent_first():
    turns = Turns()
    threads = []

    def work(name: str, priority: int) -> None:
        with turns.turn(name, priority):
            pass

    with turns.turn("first", 9):
        for name, priority in (("scan", 3), ("import", 0), ("texts", 2)):
            threads.append(threading.Thread(target=work, args=(name, priority)))
            threads[-1].start()
            queued(turns, len(threads))
    for thread in threads:
        thread.join(10)
    history = list(turns.history)
    assert overlapping(history) == []
    assert [name for event, name, _ in history if event == "start"] == ["first", "import", "texts", "scan"]
    assert not turns.busy()


def test_a_long_job_gives_way_to_more_urgent_work_and_goes_on_after_it():
    turns = Turns()

    def more_urgent() -> None:
        with turns.turn("import", 0):
            pass

    with turns.turn("scan", 3) as give_way:
        give_way()  # nothing more urgent waits: no pause
        thread = threading.Thread(target=more_urgent)
        thread.start()
        queued(turns, 1)
        give_way()
        thread.join(10)
    events = [(event, name) for event, name, _ in turns.history]
    assert events == [
        ("start", "scan"),
        ("pause", "scan"),
        ("start", "import"),
        ("end", "import"),
        ("resume", "scan"),
        ("end", "scan"),
    ]
    assert overlapping(turns.history) == []


def test_work_cancelled_while_it_waits_leaves_its_place_to_the_next():
    turns = Turns()
    stop, errors = threading.Event(), []

    def cancelled_work() -> None:
        try:
            with turns.turn("old scan", 3, stop.is_set):
                errors.append("ran")
        except Cancelled:
            errors.append("cancelled")

    with turns.turn("open", 1):
        thread = threading.Thread(target=cancelled_work)
        thread.start()
        queued(turns, 1)
        stop.set()
        thread.join(10)
    assert errors == ["cancelled"]
    with turns.turn("next", 2):  # not blocked by the work that left
        pass
    assert not turns.busy()


def test_a_cancelled_holder_stuck_in_a_read_loses_its_turn():
    """An open stuck in a read that never returns (a stuck mount) held the turn, and
    every later open waited for it for good; cancelled, it lets the next one in."""
    turns = Turns()
    cancelled, inside, release, got = threading.Event(), threading.Event(), threading.Event(), []

    def stuck_open() -> None:
        with turns.turn("open", background_work.OPENING, cancelled.is_set):
            with reads_in_flight.reading("/mnt/gone/model.ckpt-1.index"):
                inside.set()
                release.wait()
            got.append("stuck one back")

    def next_open() -> None:
        with turns.turn("open", background_work.OPENING, lambda: False):
            got.append("next one")

    first = threading.Thread(target=stuck_open)
    first.start()
    try:
        assert inside.wait(10)
        second = threading.Thread(target=next_open)
        second.start()
        queued(turns, 1)  # behind the stuck one while it is not cancelled
        cancelled.set()
        second.join(10)
        assert got == ["next one"]
    finally:
        release.set()
        first.join(10)
    assert got == ["next one", "stuck one back"] and not turns.busy()
    with turns.turn("after", background_work.SEARCH_TEXTS):  # its late end freed nothing it held
        assert turns.busy()


def test_a_holder_stuck_in_a_read_loses_its_turn_and_takes_it_again_after(monkeypatch):
    """The NaN/Inf scan stuck in a read of a dead mount (not cancelled: an open does not
    cancel it) held the turn, and the next open waited for it for good. Once its read
    comes back, it waits for its turn again before it goes on."""
    monkeypatch.setattr(reads_in_flight, "STUCK_AFTER_S", 0.0)  # any read in progress counts as stuck
    turns = Turns()
    inside, release, open_may_end, got = threading.Event(), threading.Event(), threading.Event(), []

    def scan() -> None:
        with turns.turn("NaN scan", background_work.NAN_SCAN, lambda: False) as give_way:
            with reads_in_flight.reading("/mnt/gone/model.ckpt-1.data-00000-of-00001"):
                inside.set()
                release.wait()
            give_way()
            got.append("scan goes on")

    def open_() -> None:
        with turns.turn("open", background_work.OPENING, lambda: False):
            got.append("open")
            open_may_end.wait()

    scanning = threading.Thread(target=scan)
    scanning.start()
    opening_ = threading.Thread(target=open_)
    try:
        assert inside.wait(10)
        opening_.start()
        for _ in range(2000):
            if got:
                break
            threading.Event().wait(0.005)
        assert got == ["open"]  # while the scan's read is still stuck
        release.set()
        queued(turns, 1)  # the scan, back from its read, waits for its turn
        assert got == ["open"]
    finally:
        release.set()
        open_may_end.set()
        opening_.join(10)
        scanning.join(10)
    assert got == ["open", "scan goes on"] and not turns.busy()


def test_the_worker_runs_its_work_by_priority_and_drops_what_was_cancelled():
    turns = Turns()
    worker = Worker(turns)
    done, ran = threading.Event(), []
    with turns.turn("open", 1):  # everything queues meanwhile
        worker.run_later("busy", 0, lambda _give_way: None)
        queued(turns, 1)  # the worker waits for the turn with its first work: the rest waits for the worker
        worker.run_later("scan", 3, lambda _give_way: ran.append("scan"))
        worker.run_later("superseded", 2, lambda _give_way: ran.append("superseded"), lambda: True)
        worker.run_later("import", 0, lambda _give_way: ran.append("import"))
        worker.run_later("last", 4, lambda _give_way: done.set())
    assert done.wait(10)
    assert ran == ["import", "scan"]  # the cancelled work never ran
    assert overlapping(turns.history) == []


@pytest.fixture()
def many_tree(checkpoints):
    tree = object_tree(Checkpoint.open(checkpoints / "many"))
    assert tree_filtering.is_large(tree)
    return tree


def test_a_cancelled_preparation_of_search_texts_leaves_them_to_the_filter(many_tree, checkpoints):
    looks = []

    def cancelled() -> bool:
        looks.append(1)
        return len(looks) > 1  # cancelled after the first slice

    assert many_tree.prepare_search(cancelled) is False
    assert not many_tree.searchable
    expected = object_tree(Checkpoint.open(checkpoints / "many")).apply_filter(variable_filter("blocks/12/"))
    assert len(many_tree.matching(["blocks/12/"], None)) == expected  # the filter makes them, all of them
    assert many_tree.searchable


def test_a_superseded_preparation_is_cancelled_and_the_shown_tree_comes_first(
    qtbot, monkeypatch, many_tree, checkpoints
):
    from PySide6.QtCore import QObject

    monkeypatch.setattr(tree_filtering, "PREPARE_MS", 0)
    parent = QObject()
    asked = []
    filtering = tree_filtering.BackgroundFilter(parent, lambda: None)
    filtering.prepare_later = lambda work, cancelled: asked.append((work, cancelled))
    other = object_tree(Checkpoint.open(checkpoints / "many"))
    filtering.prepare([many_tree])
    qtbot.waitUntil(lambda: len(asked) == 1)
    filtering.prepare([other, many_tree, other])  # the trees replaced: the shown one first
    assert asked[0][1]() is True  # the first preparation is cancelled
    qtbot.waitUntil(lambda: len(asked) == 2)
    work, cancelled = asked[1]
    assert cancelled() is False
    order = []
    for tree in (other, many_tree):
        real = tree.prepare_search
        monkeypatch.setattr(
            tree, "prepare_search", lambda stop, real=real, tree=tree: (order.append(tree), real(stop))[1]
        )
    work(lambda: None)
    assert order == [other, many_tree]
    assert other.searchable and many_tree.searchable


def test_opening_a_large_checkpoint_runs_the_background_work_one_at_a_time(qtbot, window, checkpoints, monkeypatch):  # noqa: F811
    monkeypatch.setattr(opening, "EARLY_GRAPH_BYTES", 0)  # the key view first, as for a large object graph
    window.tree_panel.filtering._prepare.setInterval(0)
    turns = background_work.turns
    qtbot.waitUntil(lambda: not turns.busy(), timeout=WAIT_MS)  # what earlier tests left
    turns.history.clear()
    open_and_wait(qtbot, window, checkpoints / "many")
    panel = window.tree_panel
    trees = list({id(t): t for t in panel.trees.values()}.values())
    qtbot.waitUntil(
        lambda: not turns.busy() and panel.nonfinite is not None and all(t.searchable for t in trees),
        timeout=WAIT_MS,
    )
    history = [(event, name) for event, name, _ in turns.history]
    assert overlapping(turns.history) == []
    opened = history.index(("end", "open"))
    # The open first (pyqtgraph's import may come between two of its steps), the rest after it.
    assert history[0] == ("start", "open") and {name for _event, name in history[:opened]} <= {"open", "plot import"}
    assert {("start", "search texts"), ("start", "NaN scan")} <= set(history[opened:])
    # The filter works with the texts made ahead.
    qtbot.keyClicks(panel.search, "blocks/12/")
    qtbot.waitUntil(lambda: panel.count_label.text().startswith("10 of"), timeout=WAIT_MS)
    shown = {n.variable.key for n in panel.tree.by_key.values() if n.variable is not None and panel.model.is_shown(n)}
    assert shown == {f"model/blocks/12/weight_{j}/.ATTRIBUTES/VARIABLE_VALUE" for j in range(10)}


def test_no_search_texts_are_made_for_the_key_view_while_the_object_graph_is_read(qtbot, many_tree):
    from ckpt_gui.app.widgets.tree_panel import TreePanel

    panel = TreePanel()
    qtbot.addWidget(panel)
    asked = []
    panel.filtering.prepare_later = lambda work, cancelled: asked.append(work)
    panel.set_trees({"objects": many_tree, "keys": many_tree}, objects_pending=True)
    assert not panel.filtering._prepare.isActive()  # its texts change once the object graph is read
    panel.set_trees({"objects": many_tree, "keys": many_tree})
    assert panel.filtering._prepare.isActive() and panel.filtering._trees == [many_tree]
