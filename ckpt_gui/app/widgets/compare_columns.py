"""The comparison trees' columns: which each side shows, how wide they may grow, which
give way first when a tree is narrow, and numbers fitted to their room."""

from __future__ import annotations

import math

from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyleOptionViewItem, QTreeView

from ckpt_gui.app.models.compare_model import COLUMNS, NAME_A, NAME_B, REL, SHAPE_A, SHAPE_B, STATUS
from ckpt_gui.app.widgets.elided_names import painted_margins, painted_room
from ckpt_gui.app.widgets.lock_keeping import LockKeepingTreeView
from ckpt_gui.app.widgets.row_room import RoomyRows

# Each side shows few columns, so names stay readable; dtypes and the other numbers
# are in the tooltips and the details.
A_COLUMNS = (NAME_A, SHAPE_A, STATUS)
B_COLUMNS = (NAME_B, SHAPE_B, REL)
# Beside the names, columns take what their contents need up to these widths (a
# group's status under a filter, "2 of 6: 1 changed, 1 only in A", about 200 px).
A_LIMITS = {SHAPE_A: 160, STATUS: 240}
B_LIMITS = {SHAPE_B: 160, REL: 120}
# A column shows its contents whole or gives way, in this order, while its tree is too
# narrow (review at 1024x640: "≠ chan…", "[3, 3, 8,…", "0.1974…": a cut number misleads);
# the details show what a hidden column did.
A_GIVE_WAY = (SHAPE_A, STATUS)
# Under a chip of one status every pair shown has that status, which the chip says:
# tree A's Status column tells the least then and gives way before Shape. (It went
# first only when it did not fit even alone, so a wider window swapped Shape for it
# and back, review 17, D.)
A_GIVE_WAY_ONE_STATUS = (STATUS, SHAPE_A)
B_GIVE_WAY = (SHAPE_B, REL)


class SideTree(LockKeepingTreeView):
    """One side's tree. Both trees share one selection, so the current index sits in
    whichever side's columns the last click or ``select_pair`` put it (A's name column),
    hidden in the other tree. A key moving from a hidden column left the highlight
    behind (review 9, a click in B, a chip, then End: the details followed, the row
    highlighted stayed at the top): Qt selects the row under the new current's cell,
    and a hidden cell has no place, so it took the top row's. Keys move in a column
    this tree shows."""

    def moveCursor(self, action, modifiers):  # noqa: N802 - Qt's API
        index = super().moveCursor(action, modifiers)
        if index.isValid() and self.isColumnHidden(index.column()):
            index = index.siblingAtColumn(self.treePosition())
        return index

    def scrollTo(self, index, hint=QAbstractItemView.ScrollHint.EnsureVisible):  # noqa: N802 - Qt's API
        # A click in B makes current a cell of B's names, a column A hides; Qt scrolled
        # A sideways to where that hidden column sits, after A's own, until A's names and
        # header were out of view (review 11 at 1024x640). This tree scrolls to its names.
        if index.isValid() and self.isColumnHidden(index.column()):
            index = index.siblingAtColumn(self.treePosition())
        super().scrollTo(index, hint)


def arrange_columns(view: QTreeView, columns: tuple[int, ...]) -> None:
    """The columns ``view`` shows (the others are the other side's), its names stretching."""
    for column in range(len(COLUMNS)):
        view.setColumnHidden(column, column not in columns)
    view.header().setSectionResizeMode(view.treePosition(), QHeaderView.ResizeMode.Stretch)


class NumberFitted(RoomyRows):
    """A number in the room it has: with fewer digits when narrow ("0.00123" for
    "0.00123457"), never cut inside ("0.00…" read as another number, review finding 33)."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's API
        super().initStyleOption(option, index)
        if option.rect.width() > 0:
            # In the room the style paints the text in (measured unrounded, as it elides):
            # with TEXT_MARGINS the column kept 4 px more than its widest number needs, which
            # a hinted name beside it lacked ("optimizer  ·  adam…" 0.5 px short, issue 11).
            option.text = fit_number(option.text, QFontMetricsF(option.font), painted_room(option))

    def sizeHint(self, option, index):  # noqa: N802 - Qt's API
        # What the whole number needs with the margins ``initStyleOption`` leaves it: Qt's
        # hint, rounded, could be a fraction of a pixel short, so a column as wide as its
        # widest number showed that number with a digit less (review 11 at 2560 px: "1.4343"
        # under a filter, where "1.43432" was the widest; "0.4888" for "0.488823" without one).
        size = super().sizeHint(option, index)
        whole = QStyleOptionViewItem(option)
        whole.rect = QRect()  # no room given: the text whole (initStyleOption)
        self.initStyleOption(whole, index)
        if whole.text:
            advance = math.ceil(QFontMetricsF(whole.font).horizontalAdvance(whole.text))
            size.setWidth(max(size.width(), advance + painted_margins(whole.widget)))
        return size


def fit_number(text: str, metrics, room: int) -> str:
    """``text`` (a number) whole in ``room`` pixels, else with fewer significant digits,
    else "…" alone (never a number cut inside)."""
    if metrics.horizontalAdvance(text) <= room:
        return text
    try:
        value = float(text)
    except ValueError:
        return text  # not a number: elided as any text
    for digits in range(5, 0, -1):
        shorter = f"{value:.{digits}g}"
        if metrics.horizontalAdvance(shorter) <= room:
            return shorter
    return "\u2026"
