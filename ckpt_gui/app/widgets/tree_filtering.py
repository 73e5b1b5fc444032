"""Filtering a large variable tree off the GUI thread: typing is debounced, the words
are matched and what they show worked out on a worker (the GUI thread only shows
it), a result for older text is dropped, and the search texts are made ahead, once a
large tree is shown (the view shown first; not while the object graph is decoded: the
key view's texts change once it is; a preparation for trees replaced since is
cancelled). A change of another filter (dtype, NaN/Inf, status, a subtree) in a
large tree runs there too, at once. Also the tests a filter is made of (a subtree,
the chosen nodes). The
comparison's filter (widgets/compare_matching.py) runs its own matching on the same
machinery."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from PySide6.QtCore import QObject, QTimer, Signal

from ckpt_gui.core.views.tree import TreeNode, VariableTree
from ckpt_gui.core.views.tree_filter import node_names

DEBOUNCE_MS = 250  # typing in a large tree filters once the user pauses (keys come 150-200 ms apart)
LARGE_TREE = 5000  # variables from which typing filters on a worker, and search texts are made ahead
PREPARE_MS = 1000  # after a large tree is shown, its search texts are made on a worker (the first paint first)


class BackgroundFilter(QObject):
    """Runs a large tree's filters on a worker; ``matched`` brings each result back to
    the GUI thread with its generation (the panel shows the latest one only)."""

    matched = Signal(int, object)  # a filter's generation, (the tree, the nodes chosen, what they show)

    def __init__(self, parent: QObject, filter_now: Callable[[], None]) -> None:
        super().__init__(parent)
        self.debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.debounce.timeout.connect(filter_now)
        self.generation = 0  # of the filter asked for last: a worker's older result is dropped
        # How a large tree's filter runs off the GUI thread: given by the controller
        # (widgets start no threads); unset, the panel filters at once.
        self.run_in_background: Callable[[Callable[[], None]], None] | None = None
        # How the search texts are made ahead (given by the controller): ``(work,
        # cancelled)``, ``work(give_way)`` run in the background extras' turn
        # (app/background_work.py), not beside them; unset, on ``run_in_background``.
        self.prepare_later: Callable[[Callable[[Callable[[], None]], None], Callable[[], bool]], None] | None = None
        self._prepare = QTimer(self, singleShot=True, interval=PREPARE_MS)
        self._prepare.timeout.connect(self._prepare_search)
        self._trees: list[VariableTree] = []
        self._cancel = _Flag()  # set when the trees being prepared are replaced

    def drop(self) -> None:
        """No result asked for so far is shown (a filter applied at once, more typed)."""
        self.debounce.stop()
        self.generation += 1

    def typed(self) -> None:
        """Text typed in a large tree: filtered once the user pauses."""
        self.generation += 1
        self.debounce.start()

    def start(self, tree: VariableTree, words: list[str], accept) -> bool:
        """Match ``words`` and ``accept`` on a worker; False when there is no worker to run on."""
        nodes = tree.filterable()

        def match():
            chosen = tree.matching(words, accept, nodes)
            # What it shows, worked out here too: the GUI thread makes only the levels on screen.
            return tree, chosen, None if every_row(tree, chosen) else tree.filtered_view(chosen)

        return self.run(match)

    def run(self, work: Callable[[], object]) -> bool:
        """``work()`` on a worker, its result brought back by ``matched`` with this
        filter's generation; False when there is no worker to run on (the comparison's
        filter gives its own work, widgets/compare_matching.py)."""
        if self.run_in_background is None:
            return False
        self.generation += 1
        generation = self.generation

        def match() -> None:
            try:
                result = work()
            except Exception:  # noqa: BLE001 (a tree dismantled meanwhile: nothing to show)
                return
            self.matched.emit(generation, result)

        self.run_in_background(match)
        return True

    def prepare(self, trees: list[VariableTree]) -> None:
        """Make the large ``trees``' search texts on a worker in a moment (the tree
        painted first), the first of them (the one shown) first: the first filter then
        only scans them (it waited 1 to 2.4 s for them at 200,000 variables). A
        preparation asked for before is cancelled (none for an empty list)."""
        self._cancel.set()
        self._cancel = _Flag()
        self._trees = list({id(tree): tree for tree in trees if tree is not None}.values())
        if self._trees:
            self._prepare.start()
        else:
            self._prepare.stop()

    def _prepare_search(self) -> None:
        trees, self._trees = self._trees, []
        trees = [tree for tree in trees if is_large(tree) and not tree.searchable]
        cancelled = self._cancel
        if not trees:
            return

        def prepare(give_way: Callable[[], None]) -> None:  # one tree after the other, the shown one first
            def stop() -> bool:  # between two slices: more urgent work first (an open)
                give_way()
                return cancelled()

            for tree in trees:
                if not tree.prepare_search(stop):
                    return

        if self.prepare_later is not None:
            self.prepare_later(prepare, cancelled)
        elif self.run_in_background is not None:
            self.run_in_background(_quietly(lambda: prepare(lambda: None)))


class _Flag:
    """Set on the GUI thread, read by the preparation between two slices."""

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> bool:
        return self.done

    def set(self) -> None:
        self.done = True


def is_large(tree) -> bool:
    """Whether typing in ``tree`` filters on a worker (and its search texts are made
    ahead): a VariableTree counted in variables, a comparison's PairTree (or its
    PairSearch, whose texts ``prepare`` makes) in pairs."""
    if tree is None:
        return False
    by_key = getattr(tree, "by_key", None)
    return (len(by_key) if by_key is not None else len(tree.leaves)) > LARGE_TREE


def every_row(tree: VariableTree, chosen: list[TreeNode]) -> bool:
    """Whether a filter chose every row of ``tree``."""
    return len(chosen) == len(tree.by_key) + len(tree.model_only)


def among(chosen, view) -> Callable:
    """A test of a node: whether the filter chose it (Down from the filter box, a
    group's histogram over what the filter shows)."""
    ids = view.chosen if view is not None else set(map(id, chosen))
    return lambda node: id(node) in ids


def under(top: TreeNode, accept):
    """``accept``, limited to the nodes below ``top``: by path, as names (a leaf is
    placed by its names), never through ``parent``, which makes the levels above a
    leaf not placed yet: the test runs on a worker for a large tree, while the GUI
    thread makes levels of the same tree."""
    above = node_names(top)
    depth = len(above)

    def test(node: TreeNode) -> bool:
        names = node_names(node)
        return len(names) > depth and names[:depth] == above and (accept is None or accept(node))

    return test


def _quietly(work: Callable[[], None]) -> Callable[[], None]:
    """``work`` for a worker thread, whose failure (a tree dismantled meanwhile) matters to no one."""

    def run() -> None:
        with suppress(Exception):  # the next filter makes what is missing
            work()

    return run
