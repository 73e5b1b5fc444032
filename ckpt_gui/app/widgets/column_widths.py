"""Column widths of trees and tables measured and fitted to their contents: the
name column keeping its room in a narrow tree, the columns beside it giving way
together (or hidden, the least needed first), a table's last column keeping a share;
and refitted once after a resize or an expansion."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QTimer
from PySide6.QtWidgets import QHeaderView, QTreeView

from ckpt_gui.app.widgets.elided_names import badge_of, optional_hint

FIT_ROWS = 200  # rows measured per column (those in view first)
NAME_SHARE = 0.7  # the (stretching) name column keeps up to this share of a narrow tree
LEAST_COLUMN = 36  # what a column beside the name shrinks to at most
CELL_SLACK = 8  # a cell's painted text needs a few pixels more than its delegate's size hint


class Measured(NamedTuple):
    """A tree's columns measured once, for both what gives way and the widths
    (``measure_columns``): each measured twice made a fit after an expansion at
    200,000 variables 80 to 100 ms of the GUI thread's CPU, one turn."""

    contents: dict[int, int]  # each column's contents or header, as resizeColumnToContents sizes it
    usual_name: int  # what nine names in ten in view need (``_usual_width``), without their hints
    nested_name: int  # what the widest name below the root needs (0: none in view), without its hint
    widest_name: int  # what the widest name in view needs, its hint whole
    # usual_name and nested_name's max without the NaN/Inf badges: what the names need if
    # their badges are left out (``columns_giving_way``).
    unbadged_name: int = 0


def measure_columns(view: QTreeView, columns, rows: int = FIT_ROWS) -> Measured:
    """``columns`` beside the name and the name column, measured once (``rows`` of them)."""
    header = view.header()
    header.setResizeContentsPrecision(rows)
    hidden = header.isHidden()  # as resizeColumnToContents: the header's own width counts when shown
    contents = {c: max(view.sizeHintForColumn(c), 0 if hidden else header.sectionSizeHint(c)) for c in columns}
    usual, nested, widest, unbadged = _name_widths(view, view.treePosition())
    return Measured(contents, usual, nested, widest, unbadged)


def fit_columns(
    view: QTreeView,
    limits: dict[int, int],
    names_first: bool = True,
    spare_outliers: bool = False,
    rows: int = FIT_ROWS,
    measured: Measured | None = None,
    name_least: float | None = None,
    whole: tuple[int, ...] = (),
) -> None:
    """Size each column to its contents and header, at most ``limits[column]`` pixels
    (what is still cut has the full text in its tooltip). Qt measures the rows in view
    and then others up to the header's precision, bounded here: a few ms on any tree.
    ``names_first``: in a narrow tree the columns beside the name give way together,
    so the name column keeps what its names need, up to ``NAME_SHARE`` of the width;
    ``spare_outliers``: what nine names in ten need (see ``_usual_width``); ``rows``:
    how many rows are measured; ``measured``: those measures, taken already;
    ``name_least``: the share of the width down to which the name gives way (cut in
    the middle) before the columns beside it are cut (None: they give way first);
    ``whole``: columns kept at their contents' width (up to their limit) while the
    others beside the name are cut (the restore status)."""
    view.header().setResizeContentsPrecision(rows)
    widths = {}
    for column, most in limits.items():
        if measured is None:
            view.resizeColumnToContents(column)
        widths[column] = min(view.columnWidth(column) if measured is None else measured.contents[column], most)
    if names_first:
        widths = _names_first_widths(view, limits, widths, spare_outliers, measured, name_least, whole)
    for column, width in widths.items():
        view.setColumnWidth(column, width)


def columns_giving_way(
    view: QTreeView,
    limits: dict[int, int],
    order: tuple[int, ...],
    rows: int = FIT_ROWS,
    measured: Measured | None = None,
) -> list[int]:
    """The columns of ``order`` (the least needed first) to hide so that the others,
    beside the name (what nine names in ten need, up to ``NAME_SHARE``), show their
    contents whole: a narrow tree (1024 px, the doctor's Restore column shown) had
    every column cut ("float…", "35.5 …", "32 variab…"), which tells nothing; the
    Details tab has what a hidden column showed. ``rows``: how many rows are measured
    (as fit_columns'; 200 of a group of 20,000 took 0.15 s of the GUI thread);
    ``measured``: the measures of ``measure_columns``, taken already."""
    measured = measure_columns(view, limits, rows) if measured is None else measured
    viewport = view.viewport().width()
    needed = max(measured.usual_name, measured.nested_name)
    share = int(viewport * NAME_SHARE)
    hidden, left = _giving_way(min(needed, share), limits, order, measured.contents, viewport, needed)
    names_alone = len(hidden) == len(limits)
    if hidden and measured.unbadged_name < needed and (needed > viewport - left or names_alone):
        # Columns hidden for a NaN/Inf badge that would still not fit whole, and so not
        # be drawn (the delegates leave it out rather than cut it): at 1024x640 tree A
        # lost Status and B Shape for a badge seen in neither (review 14, F1). They give
        # way for a badge only where it is then drawn; else for the names without it.
        # Nor does a badge leave the names alone: it says of its row what a column says
        # of every row (tree A lost Shape and Status for "[B: data file truncated]", its
        # Status "⊘ unreadable" too, the other rows' "≠ changed" then told by a tint, review 18).
        unbadged = measured.unbadged_name
        hidden, _left = _giving_way(min(unbadged, share), limits, order, measured.contents, viewport, unbadged)
    return hidden


def _giving_way(
    name: int, limits: dict[int, int], order: tuple[int, ...], contents: dict[int, int], viewport: int, whole: int
):
    """The columns of ``order`` hidden, the least needed first, until ``name`` px and the
    others' contents fit in the viewport; and the px those others take. A column hidden
    early comes back when it fits beside those kept and the names' ``whole`` width (each
    hidden after it did not fit even alone with them, so it takes nothing from a more
    needed one, nor from the names, whole with the columns gone): at 1024x640 tree A hid
    Shape, then Status for a `[B: CRC mismatch]` badge, and left a 40 px blank strip
    where Shape fitted whole (issue 11)."""
    limited = {c: min(contents[c], most) for c, most in limits.items()}
    wanted = dict(limited)
    hidden: list[int] = []
    for column in order:
        if name + sum(wanted.values()) <= viewport:
            break
        if column in wanted:
            del wanted[column]
            hidden.append(column)
    for column in reversed(hidden[:-1]):  # the last hidden did not fit beside those kept
        if whole + sum(wanted.values()) + limited[column] <= viewport:
            wanted[column] = limited[column]
            hidden.remove(column)
    return hidden, sum(wanted.values())


def _names_first_widths(
    view: QTreeView,
    limits: dict[int, int],
    widths: dict[int, int],
    spare_outliers: bool,
    measured: Measured | None,
    name_least: float | None = None,
    whole: tuple[int, ...] = (),
) -> dict[int, int]:
    """The columns beside the name shrunk together so the name keeps its room; none
    below LEAST_COLUMN, and what those at the least cannot give, the others give;
    unless the name, down to ``name_least`` of the width, leaves them their whole width.
    The ``whole`` columns are not shrunk: the others give their share."""
    viewport = view.viewport().width()
    names = [c for c in range(view.model().columnCount()) if c not in limits and not view.isColumnHidden(c)]
    if measured is not None and spare_outliers and names == [view.treePosition()]:
        wanted = measured.usual_name
    else:
        measure = _usual_width if spare_outliers else QTreeView.sizeHintForColumn
        wanted = max((measure(view, c) for c in names), default=0)
    room = viewport - min(wanted, int(viewport * NAME_SHARE))
    if room <= 0 or sum(widths.values()) <= room:
        return widths
    if name_least is not None and sum(widths.values()) <= viewport - int(viewport * name_least):
        return widths  # a name cut in the middle still reads (its tooltip whole); "float…" does not
    floor = max(LEAST_COLUMN, view.header().minimumSectionSize())  # Qt's header keeps its own least
    kept = {c: w for c, w in widths.items() if c in whole}
    room -= sum(kept.values())
    least, rest, scale = {}, {c: w for c, w in widths.items() if c not in kept}, 1.0
    while rest:
        scale = max(room - sum(least.values()), 0) / max(sum(rest.values()), 1)
        at_least = [c for c, w in rest.items() if w * scale < floor]
        if not at_least:
            break
        for column in at_least:
            least[column] = floor
            del rest[column]
    return {**kept, **least, **{c: int(w * scale) for c, w in rest.items()}}


def _usual_width(view: QTreeView, column: int, nested_whole: bool = False) -> int:
    """What nine names in ten in view need, as Qt measures them: one long outlier (the
    object graph's own key, ``_CHECKPOINTABLE_OBJECT_GRAPH``, at the root) is cut in the
    middle, with its tooltip, rather than cutting every row's dtype and shape beside it.
    ``nested_whole``: and every name below the root whole (the deepest rows, a layer's
    ``moving_variance``, are the one tenth spared, and were cut while Elements and
    Bytes, which give way first, stayed whole beside them)."""
    usual, nested, _widest, _unbadged = _name_widths(view, column)
    return max(usual, nested) if nested_whole else usual


def _name_widths(view: QTreeView, column: int) -> tuple[int, int, int, int]:
    """What nine names in ten in view need, the widest name below the root (0: none),
    both without the hints that give way first (``optional_hint``: the hint takes what
    room the columns beside leave), the widest name with its hint, and the first two's
    max without the NaN/Inf badges too (``columns_giving_way``), in one pass over the
    rows (``_usual_width``)."""
    widths, bare, nested, unbadged, nested_unbadged = [], [], [0], [], [0]
    metrics = view.fontMetrics()  # a hinted row's (groups have no font of their own)
    index = view.indexAt(QPoint(0, 0)).siblingAtColumn(column)
    while index.isValid() and len(widths) < view.header().resizeContentsPrecision():  # as fit_columns set it
        indent = view.visualRect(index).x() - view.columnViewportPosition(column)
        widths.append(indent + view.sizeHintForIndex(index).width() + CELL_SLACK)
        text = index.data()
        hint = optional_hint(text) if isinstance(text, str) else ""
        bare.append(widths[-1] - metrics.horizontalAdvance(hint) if hint else widths[-1])
        badge = badge_of(text) if isinstance(text, str) else ""
        unbadged.append(bare[-1] - metrics.horizontalAdvance(badge) if badge else bare[-1])
        if index.parent().isValid():
            nested.append(bare[-1])
            nested_unbadged.append(unbadged[-1])
        index = view.indexBelow(index)
    if not widths:
        size = view.sizeHintForColumn(column)
        return size, size, size, size
    bare.sort()
    unbadged.sort()
    tenth = (len(bare) - 1) * 9 // 10
    return bare[tenth], max(nested), max(widths), max(unbadged[tenth], max(nested_unbadged))


# A wide tree's name column is as wide as its names need plus this room, the rest left
# empty after the last column: the name stretched, it was 1,190 px at 2560 px, DType and
# Shape far from the names they describe (review 6); the last column (Bytes) stretched,
# its numbers sat at the far right, away from their row and from Elements (issue 11).
NAME_ROOM = 40


def stretch_names(view: QTreeView, stretch: bool) -> None:
    """The name column stretching (in a narrow tree: it gives way), or at its width;
    never the last column (``names_then_room``)."""
    header = view.header()
    header.setStretchLastSection(False)
    mode = QHeaderView.ResizeMode.Stretch if stretch else QHeaderView.ResizeMode.Interactive
    if header.sectionResizeMode(view.treePosition()) != mode:
        header.setSectionResizeMode(view.treePosition(), mode)


def hide_columns(view: QTreeView, columns) -> None:
    """``columns`` hidden, taking no width. Qt leaves a column hidden while another
    stretches at its width in the header's length (an auto-resizing header resizes its
    sections itself, later, and never did once the names stopped stretching): a
    comparison tree showing only its names kept a scroll bar over 120 px of nothing,
    which a click in the other tree scrolled to (review 11 at 1024x640)."""
    header = view.header()
    names = view.treePosition()
    mode = header.sectionResizeMode(names)
    if mode != QHeaderView.ResizeMode.Interactive:
        header.setSectionResizeMode(names, QHeaderView.ResizeMode.Interactive)
    for column in columns:
        view.setColumnHidden(column, True)
    if mode != QHeaderView.ResizeMode.Interactive:
        header.setSectionResizeMode(names, mode)


def names_then_room(view: QTreeView, beside: int, widest_name: int, gave_way: bool = False) -> None:
    """After a fit (the name column stretching, the ``beside`` px of columns beside it
    at their widths): with room to spare, the names get what they need plus NAME_ROOM
    and every column stays beside the one before it, the rest of the width left empty
    after the last; else the name column keeps stretching (and is cut in the middle).
    A spare strip narrower than the names' own column goes to the names too (stretching): a blank
    strip of 10 to 25 px had been left at a comparison tree's right edge at 1024x640,
    too narrow to set the columns apart from anything, while a name could use it. With
    no column beside, or a column that ``gave_way`` for want of room, the tree is not a
    wide one: the names stretch (tree A of the CRC folder's comparison had hidden Status
    and left 40 to 70 px blank after its names, at 1024x640, issue 11)."""
    names = max(widest_name, view.header().sectionSizeHint(view.treePosition())) + NAME_ROOM
    # Blank only where the names stretched would be more than twice their room (review 6's
    # 1,190 px names at 2560 px): a comparison tree of a 1920 px window left 45 px blank
    # after A's Status and 125 px after B's Rel. L2 (review 15), a band, not room.
    if beside > 0 and not gave_way and view.viewport().width() - beside - names > max(names, NAME_ROOM):
        stretch_names(view, False)
        view.setColumnWidth(view.treePosition(), names)


@contextmanager
def repainted_once(view: QTreeView) -> Iterator[None]:
    """A fit's many steps (the name column stretched to be measured, then set back;
    columns shown to be measured, then hidden again) with the header's signals held:
    each step told the tree, which repainted from that column to its right edge a turn
    later (the name column's: the whole tree, 15 to 17 ms at 200,000 variables), even
    when the fit ended where it began, and again after a paint that had already shown
    the new widths. Now the tree is told once, at the end, and only if a column's width
    or visibility changed: its geometry updated and the part from the first column
    changed repainted with the next paint of this turn."""
    header = view.header()
    before = _sections(header)
    blocked = header.blockSignals(True)
    try:
        yield
    finally:
        header.blockSignals(blocked)
    after = _sections(header)
    if after == before:
        return
    view.updateGeometries()  # the scroll bars (what the header's geometriesChanged did)
    order = [header.logicalIndex(v) for v in range(header.count())]
    first = next(v for v, c in enumerate(order) if before[c] != after[c])
    x = max(sum(after[c][1] for c in order[:first] if not after[c][0]) - header.offset(), 0)
    viewport = view.viewport()
    viewport.update(QRect(x, 0, max(viewport.width() - x, 0), viewport.height()))


def _sections(header: QHeaderView) -> list[tuple[bool, int]]:
    """Each column's (hidden, width), by logical index."""
    return [(header.isSectionHidden(c), header.sectionSize(c)) for c in range(header.count())]


LAST_SHARE = 0.3  # what a table's last (stretching) column keeps at least, of its width


def fit_beside_last(view, least_share: float = LAST_SHARE, keep: tuple[int, ...] = ()) -> None:
    """A table whose last column (long text: a suggestion, a reason) stretches: every
    other column gets what its contents need when together they leave the last one
    ``least_share`` of the width; else the ``keep`` columns (short ones that must read
    whole: a status, shapes) keep theirs and the others give way, the widest first, to
    an equal share (``share_widths``). A QTreeView or a QTableView."""
    header = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()
    header.setResizeContentsPrecision(FIT_ROWS)
    columns = [c for c in range(header.count() - 1) if not view.isColumnHidden(c)]
    wanted = {}
    for column in columns:
        view.resizeColumnToContents(column)
        wanted[column] = view.columnWidth(column)
    least = header.minimumSectionSize()
    room = view.viewport().width() - max(int(view.viewport().width() * least_share), least)
    room -= sum(wanted[c] for c in columns if c in keep)
    others = [c for c in columns if c not in keep]
    shares = share_widths([wanted[c] for c in others], room, least)
    for column, width in zip(others, shares, strict=True):
        view.setColumnWidth(column, width)


def share_widths(wanted: list[int], room: int, least: int) -> list[int]:
    """``wanted`` widths fitted into ``room``: all of them when they fit; else each
    at most one cap, the largest that fits (water-filling), none below ``least``."""
    if sum(wanted) <= room:
        return list(wanted)
    left, count, cap = room, len(wanted), 0
    for width in sorted(wanted):
        if width * count > left:
            cap = left // count
            break
        left, count = left - width, count - 1
    return [max(least, min(width, cap)) for width in wanted]


def refit_on_resize(view, fit: Callable[[], None]) -> QTimer:
    """Call ``fit`` shortly after the view changes width (a window resized, a splitter
    dragged): once per resize, not per pixel."""
    timer = QTimer(view, singleShot=True, interval=50)
    timer.timeout.connect(fit)
    _Resized(view.viewport(), timer)
    return timer


class _Resized(QObject):
    """Starts a timer whenever the watched widget changes width."""

    def __init__(self, watched, timer: QTimer) -> None:
        super().__init__(watched)
        self.timer = timer
        watched.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and event.oldSize().width() != event.size().width():
            self.timer.start()
        return False


def refit_on_expand(view: QTreeView, fit: Callable[[], None], timer: QTimer | None = None) -> QTimer:
    """Call ``fit`` once rows appear (expanding shows longer names and shapes) or the
    tree changes width: one pass per burst of expansions or resizes, after them.
    ``timer``: another tree's (refit_on_expand's), whose ``fit`` fits both trees."""
    if timer is None:
        timer = QTimer(view, singleShot=True, interval=0)
        timer.timeout.connect(fit)
    view.expanded.connect(lambda _index: timer.start())
    _Resized(view.viewport(), timer)
    return timer
