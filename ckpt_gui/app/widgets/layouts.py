"""Small helpers shared by the panels."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QMenu,
    QSizePolicy,
    QStyledItemDelegate,
    QTreeView,
    QWidget,
)

from ckpt_gui.app.models.tree_model import BADGE_SEPARATOR


def clear_layout(layout: QLayout) -> None:
    """Remove every widget from ``layout`` now: hidden and detached at once (a widget
    only scheduled for deletion would still be drawn where it was)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


FIT_ROWS = 200  # rows measured per column (those in view first)
NAME_SHARE = 0.7  # the (stretching) name column keeps up to this share of a narrow tree
LEAST_COLUMN = 36  # what a column beside the name shrinks to at most
CELL_SLACK = 8  # a cell's painted text needs a few pixels more than its delegate's size hint
# Pixels per tree level. Qt's 20 puts an optimizer slot under a kernel (depth 5,
# ``model/_functional/_operations/1/_kernel/momentum``) 120 px in: in a comparison
# tree at 1024 px that left its name no room at all.
INDENT = 12


TEXT_MARGINS = 10  # px of a cell a style keeps beside its text (focus frame margins and slack)


class MiddleElided(QStyledItemDelegate):
    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle
        name, separator, badge = option.text.rpartition(BADGE_SEPARATOR)
        if separator and name and badge.endswith("]") and option.rect.width() > 0:
            option.text = _badge_kept(option, name, separator + badge)


def _badge_kept(option, name: str, badge: str) -> str:
    """The name cut in the middle so that its badge stays whole: cut from the middle
    of the whole text, "mat   [1 NaN, 1 Inf]" read "mat   [… 1 Inf]", the NaN hidden."""
    metrics = option.fontMetrics
    room = option.rect.width() - TEXT_MARGINS
    if not option.icon.isNull():
        room -= option.decorationSize.width() + 4
    if metrics.horizontalAdvance(name + badge) <= room:
        return name + badge
    left = room - metrics.horizontalAdvance(badge)
    least = name if len(name) <= 3 else f"{name[0]}\u2026{name[-1]}"  # the least of a name kept
    if left >= metrics.horizontalAdvance(least):
        return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, left) + badge
    # Too narrow for both: the badge loses its end, but its first count (NaN) is kept,
    # the name dropped if need be.
    both = metrics.elidedText(least + badge, Qt.TextElideMode.ElideRight, room)
    first = badge.strip().lstrip("[").split(",")[0].rstrip("]")
    return both if first in both else metrics.elidedText(badge.strip(), Qt.TextElideMode.ElideRight, room)


def names_first(view: QTreeView) -> None:
    """A tree whose names stay readable when narrow: small indentation, and names cut
    in the middle (``_oper…ions``: both ends kept) rather than at the end; the other
    columns (numbers, shapes) keep their start. The full names are in the tooltips."""
    view.setIndentation(INDENT)
    view.setItemDelegateForColumn(view.treePosition(), MiddleElided(view))


class Measured(NamedTuple):
    """A tree's columns measured once, for both what gives way and the widths
    (``measure_columns``): each measured twice made a fit after an expansion at
    200,000 variables 80 to 100 ms of the GUI thread's CPU, one turn."""

    contents: dict[int, int]  # each column's contents or header, as resizeColumnToContents sizes it
    usual_name: int  # what nine names in ten in view need (``_usual_width``)
    nested_name: int  # what the widest name below the root needs (0: none in view)


def measure_columns(view: QTreeView, columns, rows: int = FIT_ROWS) -> Measured:
    """``columns`` beside the name and the name column, measured once (``rows`` of them)."""
    header = view.header()
    header.setResizeContentsPrecision(rows)
    hidden = header.isHidden()  # as resizeColumnToContents: the header's own width counts when shown
    contents = {c: max(view.sizeHintForColumn(c), 0 if hidden else header.sectionSizeHint(c)) for c in columns}
    usual, nested = _name_widths(view, view.treePosition())
    return Measured(contents, usual, nested)


def fit_columns(
    view: QTreeView,
    limits: dict[int, int],
    names_first: bool = True,
    spare_outliers: bool = False,
    rows: int = FIT_ROWS,
    measured: Measured | None = None,
) -> None:
    """Size each column to its contents and header, at most ``limits[column]`` pixels
    (what is still cut has the full text in its tooltip). Qt measures the rows in view
    and then others up to the header's precision, bounded here: a few ms on any tree.
    ``names_first``: in a narrow tree the columns beside the name give way together,
    so the name column keeps what its names need, up to ``NAME_SHARE`` of the width;
    ``spare_outliers``: what nine names in ten need (see ``_usual_width``); ``rows``:
    how many rows are measured; ``measured``: those measures, taken already."""
    view.header().setResizeContentsPrecision(rows)
    widths = {}
    for column, most in limits.items():
        if measured is None:
            view.resizeColumnToContents(column)
        widths[column] = min(view.columnWidth(column) if measured is None else measured.contents[column], most)
    if names_first:
        widths = _names_first_widths(view, limits, widths, spare_outliers, measured)
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
    name = min(max(measured.usual_name, measured.nested_name), int(viewport * NAME_SHARE))
    wanted = {c: min(measured.contents[c], most) for c, most in limits.items()}
    hidden: list[int] = []
    for column in order:
        if name + sum(wanted.values()) <= viewport:
            break
        if column in wanted:
            del wanted[column]
            hidden.append(column)
    return hidden


def _names_first_widths(
    view: QTreeView, limits: dict[int, int], widths: dict[int, int], spare_outliers: bool, measured: Measured | None
) -> dict[int, int]:
    """The columns beside the name shrunk together so the name keeps its room; none
    below LEAST_COLUMN, and what those at the least cannot give, the others give."""
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
    floor = max(LEAST_COLUMN, view.header().minimumSectionSize())  # Qt's header keeps its own least
    least, rest, scale = {}, dict(widths), 1.0
    while rest:
        scale = max(room - sum(least.values()), 0) / max(sum(rest.values()), 1)
        at_least = [c for c, w in rest.items() if w * scale < floor]
        if not at_least:
            break
        for column in at_least:
            least[column] = floor
            del rest[column]
    return {**least, **{c: int(w * scale) for c, w in rest.items()}}


def _usual_width(view: QTreeView, column: int, nested_whole: bool = False) -> int:
    """What nine names in ten in view need, as Qt measures them: one long outlier (the
    object graph's own key, ``_CHECKPOINTABLE_OBJECT_GRAPH``, at the root) is cut in the
    middle, with its tooltip, rather than cutting every row's dtype and shape beside it.
    ``nested_whole``: and every name below the root whole (the deepest rows, a layer's
    ``moving_variance``, are the one tenth spared, and were cut while Elements and
    Bytes, which give way first, stayed whole beside them)."""
    usual, nested = _name_widths(view, column)
    return max(usual, nested) if nested_whole else usual


def _name_widths(view: QTreeView, column: int) -> tuple[int, int]:
    """What nine names in ten in view need, and the widest name below the root (0: none),
    in one pass over the rows (``_usual_width``)."""
    widths, nested = [], [0]
    index = view.indexAt(QPoint(0, 0)).siblingAtColumn(column)
    while index.isValid() and len(widths) < view.header().resizeContentsPrecision():  # as fit_columns set it
        indent = view.visualRect(index).x() - view.columnViewportPosition(column)
        widths.append(indent + view.sizeHintForIndex(index).width() + CELL_SLACK)
        if index.parent().isValid():
            nested.append(widths[-1])
        index = view.indexBelow(index)
    if not widths:
        hint = view.sizeHintForColumn(column)
        return hint, hint
    widths.sort()
    return widths[(len(widths) - 1) * 9 // 10], max(nested)


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
            action.toggled.connect(lambda on, c=column: view.setColumnHidden(c, not on))
            if chosen is not None:
                action.toggled.connect(lambda on, c=column: chosen(c, on))
        menu.exec(header.mapToGlobal(position))

    header.customContextMenuRequested.connect(show_menu)


def refit_on_expand(view: QTreeView, fit: Callable[[], None]) -> QTimer:
    """Call ``fit`` once rows appear (expanding shows longer names and shapes) or the
    tree changes width: one pass per burst of expansions or resizes, after them."""
    timer = QTimer(view, singleShot=True, interval=0)
    timer.timeout.connect(fit)
    view.expanded.connect(lambda _index: timer.start())
    _Resized(view.viewport(), timer)
    return timer


class FlowLayout(QLayout):
    """Widgets in a row that wraps onto more rows when the width is short: no control
    is cut, whatever width the splitters leave its panel. Its least width is its
    widest widget's; keep a label and its control together in one (``labelled``)."""

    def __init__(self, parent=None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items = []
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    def addItem(self, item) -> None:  # noqa: N802 - Qt's API
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802 - Qt's API
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802 - Qt's API
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):  # noqa: N802 - Qt's API
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's API
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt's API
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        """One row of everything (what it takes when there is room)."""
        shown = [item.sizeHint() for item in self._items if not item.isEmpty()]
        width = sum(size.width() for size in shown) + self.spacing() * max(len(shown) - 1, 0)
        return QSize(width, max((size.height() for size in shown), default=0))

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt's API
        """The widest widget, at the height one row takes (more rows ask through
        heightForWidth)."""
        shown = [item.sizeHint() for item in self._items if not item.isEmpty()]
        return QSize(max((s.width() for s in shown), default=0), max((s.height() for s in shown), default=0))

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Lay the items out row by row in ``rect`` (only measure unless ``move``);
        returns the height used."""
        x, y, row_height = rect.x(), rect.y(), 0
        for item in self._items:
            if item.isEmpty():  # hidden widgets take no room
                continue
            size = item.sizeHint()
            # Never wider than the row (a long combo box shrinks rather than runs off).
            size.setWidth(max(min(size.width(), rect.width()), item.minimumSize().width()))
            if x > rect.x() and x + size.width() > rect.right() + 1:
                x, y, row_height = rect.x(), y + row_height + self.spacing(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), size))
            x += size.width() + self.spacing()
            row_height = max(row_height, size.height())
        return y + row_height - rect.y()


ELIDED_LEAST = 40  # px: an ElidedLabel's own wish; it gets what its neighbours leave


class ElidedLabel(QLabel):
    """A one-line label that gives way: it takes the room left beside its neighbours
    and cuts its text in the middle to fit, the whole text in its tooltip (the
    checkpoint's path beside the picker, which had cut the picker's entry at 1024 px)."""

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self.setToolTip(text.strip())
        self._elide()

    def text(self) -> str:  # the whole text (what is painted may be cut; Qt paints its own copy)
        return self._full

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name): any width will do, it takes what is left
        return QSize(ELIDED_LEAST, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.sizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(self.width(), 0))
        super().setText(shown)


class _KeepFlowHeight(QObject):
    """Keeps a widget's least height at what its layout needs with ``flow`` wrapped to
    the widget's width: a splitter reads least heights, not heightForWidth, and had
    squeezed a panel whose controls wrapped onto more rows, its plot cut to 70 px."""

    def __init__(self, widget: QWidget, flow: FlowLayout) -> None:
        super().__init__(widget)
        self.widget, self.flow = widget, flow
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Resize and event.oldSize().width() != event.size().width():
            self.fit(event.size().width())
        elif event.type() == QEvent.Type.LayoutRequest:  # controls added or taken (a slice box per axis)
            self.fit(watched.width())
        return False

    def fit(self, width: int) -> None:
        layout = self.widget.layout()
        margins = layout.contentsMargins()
        rows = self.flow.heightForWidth(max(width - margins.left() - margins.right(), 1))
        least = layout.minimumSize().height() - self.flow.minimumSize().height() + rows
        if least != self.widget.minimumHeight():
            self.widget.setMinimumHeight(least)


class _ClearOnLeave(QObject):
    """Blanks a plot's readout when the mouse leaves the plot (it had stayed, naming a
    bin or a cell the mouse no longer points at)."""

    def __init__(self, plot: QWidget, readout: QLabel) -> None:
        super().__init__(plot)
        self.readout = readout
        plot.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Leave:
            self.readout.setText(" ")  # a space: the line keeps its height
        return False


def clear_on_leave(plot: QWidget, readout: QLabel) -> None:
    """``readout`` blanked when the mouse leaves ``plot``."""
    _ClearOnLeave(plot, readout)


def keep_flow_height(widget: QWidget, flow: FlowLayout) -> None:
    """``widget`` (whose layout holds ``flow``) asks for the height of its wrapped rows."""
    _KeepFlowHeight(widget, flow)


def labelled(text: str, control: QWidget, tooltip: str = "") -> QWidget:
    """``text`` and its ``control`` as one widget: a flow never puts them on two rows."""
    unit = QWidget()
    row = QHBoxLayout(unit)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    label = QLabel(text)
    label.setBuddy(control)
    row.addWidget(label)
    row.addWidget(control)
    if tooltip:
        unit.setToolTip(tooltip)
    return unit
