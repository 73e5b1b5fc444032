"""The comparison trees' names cut to their room: a name in the middle, a path (the
flat list's rows) at its start by whole parts, never below the parts that tell it
from every other row of its side (core/views/path_ends.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ckpt_gui.app.models.compare_model import NAME_B
from ckpt_gui.app.widgets.elided_names import TEXT_MARGINS
from ckpt_gui.app.widgets.row_room import RoomyRows
from ckpt_gui.core.views.path_ends import EndDepths


class PathElided(RoomyRows):
    """Names cut in the middle, and a path (the flat list's rows) cut at its start by
    whole parts, its leaf and the layer above it kept: "…/4/beta/momentum", not
    "model/_func…el/momentum" (review: the flat list's names lost their layer), and
    as many parts as tell it apart: "…/kernel/v" read alike on six rows at 1024 px."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._depths: tuple[object, int, EndDepths] | None = None  # (tree, column, its side's paths)

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's API
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle
        room = option.rect.width() - TEXT_MARGINS
        if "/" in option.text and option.rect.width() > 0 and option.fontMetrics.horizontalAdvance(option.text) > room:
            option.text = elide_path(option.text, option.fontMetrics, room, self._least(index, option.text))

    def _least(self, index, path: str) -> int:
        """The parts ``path`` keeps in the flat list (1 in the tree, whose names are no paths)."""
        tree = getattr(index.model(), "tree", None)
        if tree is None or not tree.flat:
            return 1
        column = index.column()
        if self._depths is None or self._depths[0] is not tree or self._depths[1] != column:
            # Every pair of the side, not only those shown: the same cut under any filter,
            # and counted once per comparison (lazily, see EndDepths).
            side = "b" if column == NAME_B else "a"
            paths = (leaf.side_path(side) for leaf in tree.leaves if getattr(leaf.pair, side) is not None)
            self._depths = (tree, column, EndDepths(paths))
        return self._depths[2].depth(path)


def elide_path(path: str, metrics, room: int, least: int = 1) -> str:
    """``path`` in ``room`` pixels: whole, else its last parts after "…/" (as many as
    fit, at least ``least``), else those with the first of them cut in the middle
    ("…/lay…s-0/kernel/v"), else its end cut in the middle."""
    if metrics.horizontalAdvance(path) <= room:
        return path
    parts = path.split("/")
    least = min(max(least, 1), len(parts))
    for start in range(1, len(parts) - least + 1):
        tail = "\u2026/" + "/".join(parts[start:])
        if metrics.horizontalAdvance(tail) <= room:
            return tail
    kept = parts[len(parts) - least :]
    head = "\u2026/" if least < len(parts) else ""
    rest = "".join("/" + part for part in kept[1:])
    left = room - metrics.horizontalAdvance(head + rest)
    first = metrics.elidedText(kept[0], Qt.TextElideMode.ElideMiddle, left) if left > 0 else ""
    if first.strip("\u2026"):
        return head + first + rest
    return metrics.elidedText("/".join(kept), Qt.TextElideMode.ElideMiddle, room)
