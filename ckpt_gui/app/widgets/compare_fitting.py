"""The comparison's columns fitted to its two trees: each tree's columns beside the
names whole, or hidden in the order they give way. At once when the counts or the
tree's rows change (fit_columns); when rows open or a tree changes width (the flat
list's click: its scroll bar), a tree per turn (both in one turn were the busiest turn
after that click at 200,000 pairs), never in a turn with a step of the flat list's
path depths."""

from __future__ import annotations

from PySide6.QtWidgets import QTreeView

from ckpt_gui.app.widgets.column_widths import (
    columns_giving_way,
    fit_columns,
    hide_columns,
    measure_columns,
    names_then_room,
    refit_on_expand,
    repainted_once,
    stretch_names,
)
from ckpt_gui.app.widgets.compare_columns import A_GIVE_WAY, A_LIMITS, B_GIVE_WAY, B_LIMITS


class CompareFitting:
    """Mixed into CompareTrees: its ``view_a``, ``view_b`` and ``path_depths`` (the flat
    list's path depths, counted a step per turn) are its own."""

    def _start_fitting(self) -> None:
        """In __init__, once both trees are made: ``_refit`` fits them in turns of their own."""
        # One timer: both trees resize together (the flat list's scroll bar), and each fit
        # is both trees' (twice 80 ms at 200,000 pairs in the turn after the flat list's click).
        # A tree per turn, and not in a turn with a step of the flat list's path depths.
        fit = self._fit_in_a_turn
        self._refit = refit_on_expand(self.view_b, fit, refit_on_expand(self.view_a, fit))
        self._to_fit: list = []  # the trees the refit's turns have still to fit (_fit_in_a_turn)

    def _sides(self) -> list[tuple[QTreeView, dict[int, int], tuple[int, ...]]]:
        """Each tree with its columns' limits and the order they give way in."""
        return [(self.view_a, A_LIMITS, A_GIVE_WAY), (self.view_b, B_LIMITS, B_GIVE_WAY)]

    def _fit_in_a_turn(self) -> None:
        """The refit timer's turn: one tree's columns, the other's in the next turn
        (both in one turn took 60 ms of GUI CPU at 200,000 pairs, the busiest turn after
        the flat list's click), and neither in a turn with a step of the flat list's
        path depths (PathDepths.in_a_turn)."""
        if not self._to_fit:
            self._to_fit = self._sides()
        self.path_depths.in_a_turn(self._fit_next)

    def _fit_next(self) -> None:
        if not self._to_fit:  # fitted meanwhile (fit_columns)
            return
        view, limits, order = self._to_fit.pop(0)
        with repainted_once(view):
            self._fit(view, limits, order)
        if self._to_fit:
            self._refit.start()  # the other tree in the next turn

    def fit_columns(self) -> None:
        """Each tree's columns beside the names whole, or hidden; in a wide tree the
        names what they need and the rest empty after the last column (as the browse
        tree's). Each tree repainted once, only if a column changed (``repainted_once``)."""
        self._to_fit = []
        for view, limits, order in self._sides():
            with repainted_once(view):
                self._fit(view, limits, order)

    @staticmethod
    def _fit(view, limits: dict[int, int], order: tuple[int, ...]) -> None:
        stretch_names(view, True)  # measured as the name column usually is: stretching
        for column in limits:  # measured again at the width the tree has now
            view.setColumnHidden(column, False)
        measured = measure_columns(view, limits)  # once for what gives way and the widths
        shown = dict(limits)
        gave_way = columns_giving_way(view, limits, order, measured=measured)
        hide_columns(view, gave_way)  # not view.setColumnHidden: see hide_columns
        for column in gave_way:
            del shown[column]
        fit_columns(view, shown, spare_outliers=True, measured=measured)
        names_then_room(view, sum(view.columnWidth(c) for c in shown), measured.widest_name, bool(gave_way))
