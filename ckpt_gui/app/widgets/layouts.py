"""Small helpers shared by the panels."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QMenu, QStyledItemDelegate, QTreeView, QWidget


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


class _MiddleElided(QStyledItemDelegate):
    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


def names_first(view: QTreeView) -> None:
    """A tree whose names stay readable when narrow: small indentation, and names cut
    in the middle (``_oper…ions``: both ends kept) rather than at the end; the other
    columns (numbers, shapes) keep their start. The full names are in the tooltips."""
    view.setIndentation(INDENT)
    view.setItemDelegateForColumn(view.treePosition(), _MiddleElided(view))


def fit_columns(
    view: QTreeView,
    limits: dict[int, int],
    names_first: bool = True,
    spare_outliers: bool = False,
    rows: int = FIT_ROWS,
) -> None:
    """Size each column to its contents and header, at most ``limits[column]`` pixels
    (what is still cut has the full text in its tooltip). Qt measures the rows in view
    and then others up to the header's precision, bounded here: a few ms on any tree.
    ``names_first``: in a narrow tree the columns beside the name give way together,
    so the name column keeps what its names need, up to ``NAME_SHARE`` of the width;
    ``spare_outliers``: what nine names in ten need (see ``_usual_width``); ``rows``:
    how many rows are measured."""
    view.header().setResizeContentsPrecision(rows)
    widths = {}
    for column, most in limits.items():
        view.resizeColumnToContents(column)
        widths[column] = min(view.columnWidth(column), most)
    if names_first:
        widths = _names_first_widths(view, limits, widths, spare_outliers)
    for column, width in widths.items():
        view.setColumnWidth(column, width)


def _names_first_widths(
    view: QTreeView, limits: dict[int, int], widths: dict[int, int], spare_outliers: bool
) -> dict[int, int]:
    """The columns beside the name shrunk together so the name keeps its room; none
    below LEAST_COLUMN, and what those at the least cannot give, the others give."""
    viewport = view.viewport().width()
    names = [c for c in range(view.model().columnCount()) if c not in limits and not view.isColumnHidden(c)]
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


def _usual_width(view: QTreeView, column: int) -> int:
    """What nine names in ten in view need, as Qt measures them: one long outlier (the
    object graph's own key, ``_CHECKPOINTABLE_OBJECT_GRAPH``, at the root) is cut in the
    middle, with its tooltip, rather than cutting every row's dtype and shape beside it."""
    widths = []
    index = view.indexAt(QPoint(0, 0)).siblingAtColumn(column)
    while index.isValid() and len(widths) < view.header().resizeContentsPrecision():  # as fit_columns set it
        indent = view.visualRect(index).x() - view.columnViewportPosition(column)
        widths.append(indent + view.sizeHintForIndex(index).width() + CELL_SLACK)
        index = view.indexBelow(index)
    if not widths:
        return view.sizeHintForColumn(column)
    widths.sort()
    return widths[(len(widths) - 1) * 9 // 10]


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


def column_menu(view: QTreeView, optional: list[int]) -> None:
    """A right click on the header offers to hide or show the ``optional`` columns."""
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
