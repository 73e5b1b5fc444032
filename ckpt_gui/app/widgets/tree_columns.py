"""The variable tree's columns beside the name: fitted to their contents up to a
limit, the least needed giving way while the tree is too narrow, the user's own
choice in the header's menu kept, except that the restore status, once a diagnosis
shows it, is never cut for it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QMenu, QTreeView

from ckpt_gui.app.models.tree_model import BYTES, DTYPE, ELEMENTS, NAME, RESTORE, SHAPE
from ckpt_gui.app.widgets.column_widths import (
    NAME_SHARE,
    columns_giving_way,
    fit_columns,
    hide_columns,
    measure_columns,
    names_then_room,
    repainted_once,
    stretch_names,
)

FIT_SAMPLE = 48  # rows measured when fitting the columns
# The columns beside the name take what their contents need, up to these widths, so
# the name column (which stretches) keeps the rest, the Restore column shown or not.
COLUMN_LIMITS = {DTYPE: 110, SHAPE: 150, ELEMENTS: 80, BYTES: 80, RESTORE: 110}
GIVE_WAY = (ELEMENTS, BYTES)  # hidden in this order while the tree is too narrow to show its columns whole
# Then the name gives way, down to this share of the tree (cut in the middle, its
# tooltip whole), and DType after it (Details and the report say it), the names below
# the root kept whole while DType can give way for them (``TreeColumns._fit``): in a desktop's
# 10 pt font (the gtk3 theme's) at 1024 px beside a report, the doctor's names
# ("_kernel  (model only)") and DType, Shape and Restore were 10 px too wide, and
# every column was cut a little ("float…", "○ unmatch…", "2 model o…").
NAME_LEAST_SHARE = 0.4
LAST_GIVING_WAY = DTYPE
# The restore status (the diagnosis's one new fact) stays whole: the columns the user
# ticked back in the header's menu give way to it, in the same order, while it is shown
# and they do not fit whole beside it and the names (as the others give way: a layer's
# leaf whole, "mo…um  (slot)" at 1024 px had DType stayed); they come back with a tree
# without a report. At 1024x640 with DType, Elements and Bytes ticked back,
# every column had been squeezed together, the status to "✖ sha…", "○ un…" (review 22,
# #9). A column ticked while the status is shown (a choice made seeing it) stays, and
# the status keeps its width beside it, the others cut.


class TreeColumns:
    """The columns of ``view`` (a variable tree): the name stretches, the others fit."""

    def __init__(self, view: QTreeView) -> None:
        self.view = view
        header = view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        for column in COLUMN_LIMITS:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        view.setColumnHidden(RESTORE, True)  # until a restore diagnosis ran
        self.gave_way: list[int] = []  # columns hidden while the tree is too narrow for them (fit)
        self.kept: set[int] = set()  # columns the user chose to show (the header's menu): they never give way
        self.kept_beside_restore: set[int] = set()  # of those, chosen while the Restore column was shown
        column_menu(view, [DTYPE, SHAPE, ELEMENTS, BYTES], self.chosen)

    def fit(self) -> None:
        """Columns beside the name to their contents (on a new tree or report, not on
        every keystroke: the filter must stay fast on large trees). The tree repainted
        once, only if a column changed (``repainted_once``)."""
        with repainted_once(self.view):
            self._fit()

    def _fit(self) -> None:
        view = self.view
        stretch_names(view, True)  # measured as the name column usually is: stretching
        for column in self.gave_way:  # measured again at the width the tree has now
            view.setColumnHidden(column, False)
        limits = {c: w for c, w in COLUMN_LIMITS.items() if not view.isColumnHidden(c)}
        # A sample of rows (those in view first): measuring 200 took 0.2 s of an expand at load 4.
        # Measured once for both steps (hiding a column changes no other column's contents).
        measured = measure_columns(view, limits, rows=FIT_SAMPLE)
        order = tuple(c for c in GIVE_WAY if c not in self.kept)
        self.gave_way = columns_giving_way(view, limits, order, rows=FIT_SAMPLE, measured=measured)
        # Past what the name leaves down to NAME_LEAST_SHARE, the same order goes on, DType
        # last: DType alone had gone (short names, so nothing had given way beside the
        # name's room) while Elements and Bytes stayed (review 6), against the README's order.
        # A name below the root (a layer's leaf) keeps its room whole, up to NAME_SHARE,
        # before DType stays: "moving…riance" beside a whole "float32" in a 430 px doctor's
        # tree, 10 pt (review 11). Only the root's outlier is cut down to NAME_LEAST_SHARE.
        width = view.viewport().width()
        room = width - max(int(width * NAME_LEAST_SHARE), min(measured.nested_name, int(width * NAME_SHARE)))
        for column in (*order, LAST_GIVING_WAY):
            if self._beside(limits, measured) <= room:
                break
            if column in limits and column not in self.gave_way and column not in self.kept:
                self.gave_way.append(column)
        restore = not view.isColumnHidden(RESTORE)
        if restore:  # the user's columns give way to the restore status (the note above the class)
            for column in (*GIVE_WAY, LAST_GIVING_WAY):
                if self._beside(limits, measured) <= room:
                    break
                if column in limits and column not in self.gave_way and column not in self.kept_beside_restore:
                    self.gave_way.append(column)
        hide_columns(view, self.gave_way)  # a user's own choice (the header's menu) is left as it is
        for column in self.gave_way:
            del limits[column]
        fit_columns(
            view, limits, spare_outliers=True, rows=FIT_SAMPLE, measured=measured, name_least=NAME_LEAST_SHARE,
            whole=(RESTORE,) if restore else (),
        )  # fmt: skip
        # Room to spare: the names get theirs, the rest stays empty after the last column.
        names_then_room(view, sum(view.columnWidth(c) for c in limits), measured.widest_name, bool(self.gave_way))

    def _beside(self, limits: dict[int, int], measured) -> int:
        """What the columns beside the name not given way need, each up to its limit."""
        return sum(min(measured.contents[c], w) for c, w in limits.items() if c not in self.gave_way)

    def chosen(self, column: int, shown: bool) -> None:
        """The user's choice in the header's menu stands: a column shown stays (beside
        the restore status only if chosen, or in view, when a column was ticked while it
        is shown), a column hidden is theirs to bring back."""
        if column in self.gave_way:
            self.gave_way.remove(column)
        if shown:
            self.kept.add(column)
            if not self.view.isColumnHidden(RESTORE):
                # The columns in view when the user added this one stay with it: a column
                # shown had made one ticked back before the report give way.
                shown = {c for c in self.kept if not self.view.isColumnHidden(c)}
                self.kept_beside_restore |= shown | {column}
        else:
            self.kept.discard(column)
            self.kept_beside_restore.discard(column)


def column_menu(view: QTreeView, optional: list[int], chosen: Callable[[int, bool], None] | None = None) -> None:
    """A right click on the header offers to hide or show the ``optional`` columns;
    ``chosen(column, shown)`` hears of the user's choice."""
    header = view.header()
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show_menu(position) -> None:
        menu = QMenu(header)
        model = view.model()
        for column in optional:
            action = menu.addAction(str(model.headerData(column, Qt.Orientation.Horizontal)))
            action.setCheckable(True)
            action.setChecked(not view.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: _show_column(view, c, on))
            if chosen is not None:
                action.toggled.connect(lambda on, c=column: chosen(c, on))
        menu.exec(header.mapToGlobal(position))

    header.customContextMenuRequested.connect(show_menu)


def _show_column(view: QTreeView, column: int, shown: bool) -> None:
    if shown:
        view.setColumnHidden(column, False)
    else:
        hide_columns(view, [column])  # taking no width while the names stretch (see hide_columns)
