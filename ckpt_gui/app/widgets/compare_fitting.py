"""The comparison's columns fitted to its two trees: each tree's columns beside the
names whole, or hidden in the order they give way. At once when the counts or the
tree's rows change (fit_columns); when rows open or a tree changes width (the flat
list's click: its scroll bar), a tree per turn (both in one turn were the busiest turn
after that click at 200,000 pairs), never in a turn with a step of the flat list's
path depths."""

from __future__ import annotations

import math

from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QTreeView

from ckpt_gui.app.models.compare_model import REL, STATUS, status_label
from ckpt_gui.app.status_style import DIFF_STYLES
from ckpt_gui.app.widgets.column_widths import (
    NAME_SHARE,
    Measured,
    columns_giving_way,
    fit_columns,
    hide_columns,
    measure_columns,
    refit_on_expand,
    repainted_once,
    stretch_names,
)
from ckpt_gui.app.widgets.compare_columns import A_GIVE_WAY, A_GIVE_WAY_ONE_STATUS, A_LIMITS, B_GIVE_WAY, B_LIMITS
from ckpt_gui.app.widgets.elided_names import painted_margins
from ckpt_gui.core.statuses import NONFINITE, DiffStatus
from ckpt_gui.core.views.pair_tree import PairTree

# The statuses of a pair whose values were compared: what the Rel. L2 column has a number for.
COMPARED = (DiffStatus.SAME, DiffStatus.CHANGED)


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

    def _sides(self) -> list[tuple[QTreeView, dict[int, int], tuple[int, ...], tuple[int, ...]]]:
        """Each tree with its columns' limits, the order they give way in, and those
        empty on every row (they give way before any other)."""
        empty_b = (REL,) if no_metric(self.model.tree) else ()
        order_a = A_GIVE_WAY_ONE_STATUS if self.one_status_shown() else A_GIVE_WAY
        return [(self.view_a, A_LIMITS, order_a, ()), (self.view_b, B_LIMITS, B_GIVE_WAY, empty_b)]

    def one_status_shown(self) -> bool:
        """Whether the chips filter to one status (the NaN/Inf chip's pairs have any)."""
        chosen = [status for status, button in self.summary.items() if button.isChecked()]
        return len(chosen) == 1 and chosen[0] != NONFINITE

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
        view, limits, order, empty = self._to_fit.pop(0)
        with repainted_once(view):
            self._fit(view, limits, order, empty)
        if self._to_fit:
            self._refit.start()  # the other tree in the next turn
        else:
            self._bands_alike()

    def fit_columns(self) -> None:
        """Each tree's columns beside the names whole, or hidden; the names take what
        is left, however wide the tree. Each tree repainted once, only if a column
        changed (``repainted_once``)."""
        self._to_fit = []
        for view, limits, order, empty in self._sides():
            with repainted_once(view):
                self._fit(view, limits, order, empty)
        self._bands_alike()

    def _bands_alike(self) -> None:
        """Once both trees are fitted: where one fills its width (names stretching) and the
        other left its room blank after its last column, that one fills too. The trees
        stand side by side as one view; at 1920x1080 the key-paired comparison opened with
        tree A filled and tree B's short collapsed names leaving a 220 px band beside it
        (review 18, F8). Both wide, both keep their room blank, as a wide tree alone."""
        stretching = [view for view in (self.view_a, self.view_b) if names_stretch(view)]
        if len(stretching) == 1:
            for view in (self.view_a, self.view_b):
                with repainted_once(view):
                    stretch_names(view, True)

    @staticmethod
    def _fit(view, limits: dict[int, int], order: tuple[int, ...], empty: tuple[int, ...] = ()) -> None:
        stretch_names(view, True)  # measured as the name column usually is: stretching
        for column in limits:  # measured again at the width the tree has now
            view.setColumnHidden(column, False)
        measured = measure_columns(view, limits)  # once for what gives way and the widths
        shown = dict(limits)
        # Columns empty on every row give way first, whenever the names and the columns do
        # not all fit whole: the others are then measured without them (columns_giving_way
        # keeps a column whole beside names whose badges it could not make fit, and the
        # empty Rel. L2 stayed while Shape was cut, review 16).
        gave_way = [column for column in empty if not fits_whole(view, limits, measured)]
        for column in gave_way:
            del shown[column]
        order = tuple(column for column in order if column in shown)
        gave_way += status_kept(view, shown, order, columns_giving_way(view, shown, order, measured=measured), measured)
        hide_columns(view, gave_way)  # not view.setColumnHidden: see hide_columns
        for column in gave_way:
            shown.pop(column, None)
        badged = max(measured.usual_name, measured.nested_name)
        beside = sum(min(measured.contents[column], most) for column, most in shown.items())
        if measured.unbadged_name < badged and badged + beside > view.viewport().width():
            # The badges not drawn whole beside the columns kept (the delegates then leave
            # them out): the names need their room without them, not the columns cut for
            # them ("11 unreada…" beside "_kernel", review 18).
            measured = measured._replace(usual_name=measured.unbadged_name)
        # The names stretching over what the columns leave, however wide the tree: a wide
        # tree's room left blank after its last column (names_then_room, as the browse tree
        # does) kept the names at what the rows in view needed, and the longer names of
        # rows opened or filtered to later were cut beside 400 px of nothing (review 20,
        # G11, at 2560x1440).
        fit_columns(view, shown, spare_outliers=True, measured=measured)


def status_kept(
    view: QTreeView, limits: dict[int, int], order: tuple[int, ...], way: list[int], measured: Measured
) -> list[int]:
    """The columns giving way (``way``, of ``order``), Status kept in tree A where it
    can be: a NaN/Inf badge gets no room of Status (the names measured without badges
    then), and Status shows instead of a column less needed that came back beside the
    names (Shape, the same as tree B's beside it), a group's long text cut, where a
    pair's status fits whole beside the names' share. At 1024x640 tree A hid Status for
    "[B: 1 NaN, 1 +Inf]" on one row and for a group's "11 changed, 1 NaN/Inf", kept
    Shape, and told the statuses by their tint alone (review 24)."""
    if STATUS not in way or STATUS not in order or order[0] == STATUS:
        return way  # Status shown, or the least needed (a chip of one status says it)
    unbadged = measured.unbadged_name
    if 0 < unbadged < max(measured.usual_name, measured.nested_name):
        way = columns_giving_way(
            view, limits, order, measured=measured._replace(usual_name=unbadged, nested_name=unbadged)
        )
        if STATUS not in way:
            return way
    less = [column for column in order[: order.index(STATUS)] if column not in way]
    viewport = view.viewport().width()
    names = min(unbadged or max(measured.usual_name, measured.nested_name), int(viewport * NAME_SHARE))
    if not less or viewport - names < pair_status_width(view):
        return way
    return [column for column in way if column != STATUS] + less


def pair_status_width(view: QTreeView) -> int:
    """The px the widest status of a pair takes in ``view``'s Status column, whole."""
    metrics = QFontMetricsF(view.font())
    labels = [status_label(status) for status in DIFF_STYLES if status != NONFINITE]
    return math.ceil(max(metrics.horizontalAdvance(label) for label in labels)) + painted_margins(view)


def names_stretch(view: QTreeView) -> bool:
    """Whether ``view``'s name column stretches (no blank room after its last column)."""
    header = view.header()
    return header.sectionResizeMode(view.treePosition()) == header.ResizeMode.Stretch


def no_metric(tree: PairTree | None) -> bool:
    """Whether the Rel. L2 column is empty on every row, and will stay so: every pair is
    compared and none had its values compared (each unreadable, only on one side, of
    another shape). At 1024x640 a comparison with a B whose data file is missing kept
    that empty column, its header cut to "Rel. L", and cut Shape to "[784…" (review 16)."""
    if tree is None or tree.pending_below(tree.root):
        return False
    counts = tree.statuses_below(tree.root)
    return not any(counts[status] for status in COMPARED)


def fits_whole(view: QTreeView, limits: dict[int, int], measured) -> bool:
    """Whether the names (what they need, up to NAME_SHARE of the tree) and every column
    of ``limits`` (its contents, up to its limit) fit in ``view`` side by side."""
    viewport = view.viewport().width()
    names = min(max(measured.usual_name, measured.nested_name), int(viewport * NAME_SHARE))
    return names + sum(min(measured.contents[column], most) for column, most in limits.items()) <= viewport
