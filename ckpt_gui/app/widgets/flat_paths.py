"""The comparison trees' names cut to their room: a name in the middle, a path (the
flat list's rows) at its start by whole parts, never below the parts that tell it
from every other row of its side (core/views/path_ends.py).

Those parts are counted over every path of a side: half a second at 200,000 pairs,
which the flat list's first paint spent on the GUI thread in one turn, once per side
(issue 11: the event loop never blocked over 100 ms). A large side's are counted a
slice per turn of the event loop (:class:`PathDepths`; on a worker, the count took the
interpreter lock from the GUI thread's paints); meanwhile a path that does not fit is
cut in the middle, whole parts at both ends readable, and the rows change to their
short form when the counts come (a repaint: the rows keep their height, the list its
scroll position)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ckpt_gui.app.models.compare_model import NAME_B
from ckpt_gui.app.models.tree_model import BADGE_SEPARATOR, HINT_SEPARATOR
from ckpt_gui.app.widgets.elided_names import TEXT_MARGINS, hint_kept
from ckpt_gui.app.widgets.row_room import RoomyRows
from ckpt_gui.core.views.path_ends import Steps, depth_steps, end_depths, gapped_forms, unique_gapped_forms

# A side of up to this many paths is counted at once in the paint that asks (about 15 ms
# at most on this machine's CPUs); a larger one a slice per turn.
COUNTED_AT_ONCE = 5000

Depths = dict[str, int]


class PathDepths(QObject):
    """The depths (core/views/path_ends.py) of the paths of each side of the tree shown,
    counted when first asked for: at once for a small side, else one step
    (``path_ends.SLICE`` paths) per turn of the event loop, ``ready`` emitted when a
    side's are all counted."""

    ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tree = None
        self._sides: dict[str, Depths | None] = {}  # a side's depths, None while they are counted
        self._gapped: dict[str, set[str]] = {}  # a small side's unique_gapped_forms
        self._counting: dict[str, Steps] = {}
        # A real 0 ms timer, not a chain of singleShot(0) posted calls, which Qt's glib
        # loop runs back to back (app/plot_turns.py): each step in a turn of its own.
        self._turns = QTimer(self, interval=0)
        self._turns.timeout.connect(self.step)
        self._waiting: Callable[[], None] | None = None  # other work taking the next step's turn (in_a_turn)

    def forget(self) -> None:
        """Another tree is shown (or none): counts under way are dropped."""
        self._tree, self._sides, self._counting, self._gapped = None, {}, {}, {}
        if self._waiting is None:
            self._turns.stop()

    def in_a_turn(self, work: Callable[[], None]) -> None:
        """``work`` (the trees' column fit) in a turn without a step of the counts: at
        once when none is under way, else in place of the next step. The fit's timer and
        the steps' are both real 0 ms timers, which Qt fires in the same pass when both
        are due: the turn after the flat list's click held the fit (about 42 ms at
        200,000 pairs) and a step of both sides (about 50 ms) together."""
        if not self._counting:
            work()
            return
        self._waiting = work  # a later fit replaces one not run yet: the widths of now
        self._turns.start()

    def depth(self, tree, side: str, path: str) -> int | None:
        """The parts ``path`` of ``tree``'s ``side`` keeps; None until they are counted."""
        if tree is not self._tree:
            self.forget()
            self._tree = tree
        if side not in self._sides:
            self._count(tree, side)
        depths = self._sides[side]
        return None if depths is None else depths.get(path, 1)

    def gapped(self, side: str) -> set[str]:
        """Side ``side``'s unique_gapped_forms, once its depths are counted (a small side's only)."""
        return self._gapped.get(side, set())

    def _count(self, tree, side: str) -> None:
        # Every pair of the side, not only those shown: the same cut under any filter,
        # and counted once per comparison.
        if len(tree.leaves) <= COUNTED_AT_ONCE:
            self._sides[side] = end_depths(tree.side_paths(side))
            self._gapped[side] = unique_gapped_forms(self._sides[side])  # (not for a large side: time)
            return
        self._sides[side] = None
        self._counting[side] = depth_steps(tree.side_paths(side))
        self._turns.start()  # the first step after this paint

    def step(self) -> None:
        """One step of each side's count under way (the timer's turn), or the work
        waiting for a turn of its own (``in_a_turn``) instead."""
        if self._waiting is not None:
            work, self._waiting = self._waiting, None
            if not self._counting:
                self._turns.stop()
            work()
            return
        finished = False
        for side, steps in list(self._counting.items()):
            try:
                next(steps)
            except StopIteration as counted:
                self._sides[side] = counted.value
                del self._counting[side]
                finished = True
        if not self._counting:
            self._turns.stop()
        if finished:
            self.ready.emit()


class PathElided(RoomyRows):
    """Names cut in the middle, and a path (the flat list's rows) cut at its start by
    whole parts, its leaf and the layer above it kept: "…/4/beta/momentum", not
    "model/_func…el/momentum" (review: the flat list's names lost their layer), and
    as many parts as tell it apart: "…/kernel/v" read alike on six rows at 1024 px.
    Until those parts are counted (``depths``), a path cut in the middle."""

    def __init__(self, parent, depths: PathDepths) -> None:
        super().__init__(parent)
        self._depths = depths

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's API
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle
        room = option.rect.width() - TEXT_MARGINS
        if option.rect.width() <= 0 or option.fontMetrics.horizontalAdvance(option.text) <= room:
            return
        name, separator, badge = option.text.rpartition(BADGE_SEPARATOR)
        if separator and name and badge.endswith("]"):  # a NaN/Inf badge: whole beside the name, or left out
            badge = separator + badge
            option.text = name
            left = room - option.fontMetrics.horizontalAdvance(badge)
            self._cut(option, index, left)
            cut = option.fontMetrics.elidedText(option.text, Qt.TextElideMode.ElideMiddle, max(left, 0))  # as Qt would
            if not (cut == name or cut.startswith("\u2026/") and name.endswith(cut[1:])):  # parts cut: they come first
                option.text = name  # (its red still says NaN/Inf; the details give the counts)
                self._cut(option, index, room)
            else:
                option.text = cut + badge
            return
        self._cut(option, index, room)

    def _cut(self, option, index, room: int) -> None:
        if option.fontMetrics.horizontalAdvance(option.text) <= room:
            return
        name, separator, hint = option.text.partition(HINT_SEPARATOR)
        if separator and name and hint:  # a layer and its hint, each cut on its own (its number kept)
            option.text = hint_kept(option, name, separator, hint)
        elif "/" in option.text:
            least = self._least(index, option.text)
            if least is not None:  # else cut in the middle
                side = "b" if index.column() == NAME_B else "a"
                option.text = elide_path(option.text, option.fontMetrics, room, least, self._depths.gapped(side))

    def _least(self, index, path: str) -> int | None:
        """The parts ``path`` keeps in the flat list (1 in the tree, whose names are no
        paths); None while they are counted."""
        tree = getattr(index.model(), "tree", None)
        if tree is None or not tree.flat:
            return 1
        return self._depths.depth(tree, "b" if index.column() == NAME_B else "a", path)


def elide_path(path: str, metrics, room: int, least: int = 1, gapped: set[str] | frozenset = frozenset()) -> str:
    """``path`` in ``room`` pixels: whole, else its last parts after "…/" (as many as
    fit, at least ``least``), else those with parts between the first and the leaf left
    out where no other row reads the same (``gapped``: path_ends.unique_gapped_forms:
    "…/Capital-Gain/…/Ftrl", not "…/Ca…in/weights/part_0/Ftrl" beside "…/Ca…ss/...",
    review 12), else with the first of them cut in the middle ("…/lay…s-0/kernel/v"),
    else its end cut in the middle."""
    if metrics.horizontalAdvance(path) <= room:
        return path
    parts = path.split("/")
    least = min(max(least, 1), len(parts))
    for start in range(1, len(parts) - least + 1):
        tail = "\u2026/" + "/".join(parts[start:])
        if metrics.horizontalAdvance(tail) <= room:
            return tail
    short = next((f for f in gapped_forms(path, least) if f in gapped and metrics.horizontalAdvance(f) <= room), None)
    if short is not None:
        return short
    kept = parts[len(parts) - least :]
    head = "\u2026/" if least < len(parts) else ""
    rest = "".join("/" + part for part in kept[1:])
    left = room - metrics.horizontalAdvance(head + rest)
    first = metrics.elidedText(kept[0], Qt.TextElideMode.ElideMiddle, left) if left > 0 else ""
    if first.strip("\u2026"):
        return head + first + rest
    return metrics.elidedText("/".join(kept), Qt.TextElideMode.ElideMiddle, room)
