"""The Values tab's table: any number of rows, read a band at a time as they are shown.

The source is a 2-D array-like (a numpy array, or a memory map of a tensor too large
to read: then only the rows on screen are read from the file). Qt's views cannot
scroll through more than about 2**31 pixels, so rows come in pages of PAGE_ROWS, as
h5web and silx do, with a bar to move between pages.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QEvent, QItemSelectionModel, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.focus_ring import FocusRing
from ckpt_gui.app.widgets.layouts import FlowLayout, keep_flow_height, labelled
from ckpt_gui.app.widgets.lock_keeping import LockKeepingTableView
from ckpt_gui.app.widgets.table_copy import EXACT_ROLE, TableCopy
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.formatting import exact_text, format_number, string_text

PAGE_ROWS = 1_000_000  # rows in one page of the table
BAND_ELEMENTS = 1 << 14  # the table reads about this many values at a time
_BANDS_KEPT = 16
# The longest texts format_number gives a float (6 significant digits below 1e6 and from
# 1e-4, else 5 in an exponent of up to 3 digits): a float column as wide as these shows
# every float whole, with no band measured.
WIDEST_FLOATS = ("-0.000888888", "-8.8888e-308")
MAX_COLUMN_CHARS = 60  # a longer string is cut (whole in its tooltip): one cell must not fill the pane
TOOLTIP_CHARS = 2000


class PagedTableModel(QAbstractTableModel):
    """A read-only table over the rows ``first_row``.. of a 2-D array-like; cells are
    read a band of rows at a time, on demand, and formatted as they are painted.
    ``widest`` is the widest text of the cells read so far, in pixels of ``text_width``
    (the view's font): ``widened`` says it grew (a band of longer numbers or strings)."""

    widened = Signal()

    def __init__(self, parent=None, text_width: Callable[[str], int] = len) -> None:
        super().__init__(parent)
        self.source = None
        self.first_row = 0
        self._band_rows = 1
        self._bands: OrderedDict[int, np.ndarray] = OrderedDict()
        self.text_width = text_width
        self.widest = 0
        self._floats = False  # the widest text known without reading (WIDEST_FLOATS)
        self._strings = False

    def set_source(self, source, first_row: int = 0) -> None:
        """Show ``source`` (2-D; a vector as one column) from row ``first_row``."""
        self.beginResetModel()
        if source is not None and source.ndim != 2:
            source = source.reshape(-1, 1)
        kept = source is self.source  # another page of the same tensor: its columns stay as wide
        self.source = source
        self.first_row = first_row
        self._bands.clear()
        if not kept:
            # bfloat16 and float8 (ml_dtypes) are no numpy kind "f" but format as floats; an
            # array-like without a dtype has its bands measured, whatever they hold.
            dtype = getattr(source, "dtype", None)
            self._floats = dtype is not None and (dtype.kind == "f" or dtype.name.startswith(("bfloat", "float")))
            self._strings = dtype is not None and dtype.kind in "OSU"
            self.widest = max(map(self.text_width, WIDEST_FLOATS)) if self._floats else 0
        self._band_rows = max(1, BAND_ELEMENTS // max(1, source.shape[1])) if source is not None else 1
        self.endResetModel()

    @property
    def total_rows(self) -> int:
        return 0 if self.source is None else self.source.shape[0]

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return max(0, min(PAGE_ROWS, self.total_rows - self.first_row))

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if self.source is None or parent.isValid() else self.source.shape[1]

    def cell(self, row: int, column: int):
        """The value at ``row`` (of the source, not of the page) and ``column``."""
        band = row // self._band_rows
        rows = self._bands.get(band)
        if rows is None:
            start = band * self._band_rows
            rows = self._bands[band] = np.array(self.source[start : start + self._band_rows])
            while len(self._bands) > _BANDS_KEPT:
                self._bands.popitem(last=False)
            if not self._floats:
                self._measure(rows)
        else:
            self._bands.move_to_end(band)
        return rows[row - band * self._band_rows, column]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if self.source is None or not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(self.cell(self.first_row + index.row(), index.column()))
        if role == EXACT_ROLE:  # what Ctrl+C copies: every digit the dtype holds
            return exact_text(self.cell(self.first_row + index.row(), index.column()))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            # Numbers right-aligned, their digits under each other; text left-aligned, as read.
            side = Qt.AlignmentFlag.AlignLeft if self._strings else Qt.AlignmentFlag.AlignRight
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and self._strings:  # whole, when the column cuts it
            return cell_text(self.cell(self.first_row + index.row(), index.column()))[:TOOLTIP_CHARS]
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._non_finite_colour(index, role)
        return None

    def _measure(self, rows) -> None:
        """``widest`` grown to the texts of ``rows`` (a band just read): integers by their
        least and greatest (digits are as wide as each other), the rest cell by cell."""
        if rows.size == 0:
            return
        if rows.dtype.kind in "iu":
            texts = [str(rows.min()), str(rows.max())]
        else:
            texts = [cell_text(value)[:MAX_COLUMN_CHARS] for value in rows.reshape(-1)]
        widest = max(map(self.text_width, texts))
        if widest > self.widest:
            self.widest = widest
            self.widened.emit()

    def _non_finite_colour(self, index: QModelIndex, role: int) -> QColor | None:
        """NaN and +/-Inf cells in the heatmap's colours (magenta, black), their text
        in black or white, whichever reads on that colour whatever the palette."""
        number = scalar(self.cell(self.first_row + index.row(), index.column()))
        if not isinstance(number, float) or math.isfinite(number):
            return None
        ground = QColor(*(theme.NAN_RGB if math.isnan(number) else theme.INF_RGB))
        if role == Qt.ItemDataRole.BackgroundRole:
            return ground
        black, white = QColor(0, 0, 0), QColor(255, 255, 255)
        return black if theme.contrast(black, ground) >= theme.contrast(white, ground) else white

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + (self.first_row if orientation == Qt.Orientation.Vertical else 0))
        return None


class CornerKeys(QObject):
    """Ctrl+Home and Ctrl+End on ``view`` go to the page's first and last cell and select
    it: Qt moves only the current cell when Ctrl is held, and a Ctrl+C after Ctrl+End
    copied the cell selected before, far from the one framed (review 24)."""

    def __init__(self, view) -> None:
        super().__init__(view)
        view.installEventFilter(self)

    def eventFilter(self, view, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() != QEvent.Type.KeyPress or event.modifiers() != Qt.KeyboardModifier.ControlModifier:
            return False
        if event.key() not in (Qt.Key.Key_Home, Qt.Key.Key_End):
            return False
        model = view.model()
        if not model.rowCount() or not model.columnCount():
            return False
        end = event.key() == Qt.Key.Key_End
        index = model.index(model.rowCount() - 1 if end else 0, model.columnCount() - 1 if end else 0)
        view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        view.scrollTo(index)
        return True


class PagedTable(QWidget):
    """The table, with a bar to go to any row when there is more than one page."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Values table")  # F1 names the panel of its Ctrl+C so, not "Paged table"
        self.view = LockKeepingTableView()
        # Tab leaves the table (the arrow keys move between cells): Qt's table kept Tab
        # for its cells, a keyboard user could not Tab past a million rows of them.
        self.view.setTabKeyNavigation(False)
        self.copying = TableCopy(self.view)  # Ctrl+C: the cells selected, said in the status bar
        self.corners = CornerKeys(self.view)  # Ctrl+Home / Ctrl+End select the cell they go to
        FocusRing(self.view)  # a Tab stop: framed as the trees are (review 17, F)
        self.model = PagedTableModel(self, self.view.fontMetrics().horizontalAdvance)
        self.view.setModel(self.model)
        # Columns as wide as their widest value read so far: 90 px cut -0.000998732 to
        # "-0.0009987..." (review 10); widened on the next turn (a band is read while painted).
        self.model.widened.connect(self._fit_columns, Qt.ConnectionType.QueuedConnection)
        # Rows a line of text tall (the style's 30 px showed 5 rows in a 230 px pane).
        rows = self.view.verticalHeader()
        rows.setMinimumSectionSize(0)
        rows.setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        self.row = QSpinBox(minimum=0)
        self.row.setKeyboardTracking(False)
        self.row.setToolTip("Show this row (the table holds a page of 1,000,000 rows at a time)")
        self.previous = QPushButton("\u25c0")
        self.previous.setToolTip("Previous page")
        self.next = QPushButton("\u25b6")
        self.next.setToolTip("Next page")
        for button in (self.previous, self.next):
            button.setMaximumWidth(32)
        # Two labels, so that a narrow panel wraps "of 134,217,728" onto a line of its own
        # (one label was cut at the pane's edge, review 24).
        self.page_label = QLabel()
        self.total_label = QLabel()
        self.bar = QWidget()
        # A row that wraps: in a narrow panel "Go to row" and "rows 0-9..." were cut.
        bar = FlowLayout(self.bar)
        bar.addWidget(labelled("Go to row", self.row))
        pages = QWidget()
        buttons = QHBoxLayout(pages)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.previous)
        buttons.addWidget(self.next)
        bar.addWidget(pages)
        bar.addWidget(self.page_label)
        bar.addWidget(self.total_label)
        # What part of the tensor the rows are (an N-D tensor's slice), when not all of it.
        self.caption = theme.mute(QLabel())
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.hide()
        # Links to cells the tensor panel points out (its first NaN/Inf): show_links.
        self.links = LinkLine()
        self.links.setWordWrap(True)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.links.linkActivated.connect(lambda href: self._on_link(int(href)) if self._on_link else None)
        self._on_link: Callable[[int], None] | None = None
        self.links.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.links)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        # Instead of the table when there are no values (an empty white table says nothing).
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        theme.mute(self.message)
        layout.addWidget(self.message, 1)
        keep_flow_height(self.bar, bar)
        self.row.valueChanged.connect(self.go_to_row)
        self.previous.clicked.connect(lambda: self._show_page(self.model.first_row - PAGE_ROWS))
        self.next.clicked.connect(lambda: self._show_page(self.model.first_row + PAGE_ROWS))
        self.set_source(None)

    def set_source(self, source, message: str = "", caption: str = "", from_start: bool = False) -> None:
        """The values shown (an array-like), or ``None`` and ``message`` saying why not;
        ``caption``: which part of the tensor they are ("slice [0, :, :] of [4, 8, 16]...");
        ``from_start``: scrolled to [0, 0] (another tensor: the last one's place means nothing
        in it), else where the view was (another slice of the same tensor)."""
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption) and source is not None)
        self.model.set_source(source)
        if self.model.rowCount() and self.model.columnCount():
            self.model.cell(0, 0)  # the first band measured: the first frame's columns fit it
        self._fit_columns()
        self.view.setVisible(source is not None)
        self.message.setVisible(source is None)
        self.message.setText(message)
        self.bar.setVisible(self.model.total_rows > PAGE_ROWS)
        self.row.blockSignals(True)
        self.row.setRange(0, max(0, min(self.model.total_rows - 1, 2**31 - 1)))
        self.row.setValue(0)
        self.row.blockSignals(False)
        self._label()
        if from_start:
            self.view.scrollToTop()
            self.view.horizontalScrollBar().setValue(0)

    def show_links(self, html: str, on_link: Callable[[int], None] | None) -> None:
        """A line of links over the table (``<a href="N">``), ``on_link(N)`` when one is
        followed; "" hides it."""
        self._on_link = on_link
        self.links.setText(html)
        self.links.setVisible(bool(html))

    def go_to_cell(self, row: int, column: int) -> None:
        """The page holding ``row``, the cell at ``row``, ``column`` current, in view (centred)
        and focused: the arrow keys go on from it."""
        if not 0 <= row < self.model.total_rows or not 0 <= column < self.model.columnCount():
            return
        self.go_to_row(row)
        index = self.model.index(row - self.model.first_row, column)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QTableView.ScrollHint.PositionAtCenter)
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def go_to_row(self, row: int) -> None:
        """Show the page holding ``row`` and scroll to it; "Go to row" says it (after a
        jump to a NaN it still read 0, review 24)."""
        first = row - row % PAGE_ROWS
        if first != self.model.first_row:
            self._show_page(first)
        if self.row.value() != row:
            self.row.blockSignals(True)
            self.row.setValue(row)
            self.row.blockSignals(False)
        self.view.scrollTo(self.model.index(row - first, 0), QTableView.ScrollHint.PositionAtTop)

    def _show_page(self, first: int) -> None:
        if 0 <= first < self.model.total_rows:
            self.model.set_source(self.model.source, first)
            self._label()
            if not first <= self.row.value() < first + PAGE_ROWS:  # the page's arrows: its first row
                self.row.blockSignals(True)
                self.row.setValue(first)
                self.row.blockSignals(False)

    def _label(self) -> None:
        total, first = self.model.total_rows, self.model.first_row
        last = first + self.model.rowCount() - 1
        self._fit_row_numbers(last)
        self.page_label.setText(f"rows {first:,}-{last:,}")
        self.total_label.setText(f"of {total:,}")
        self.previous.setEnabled(first > 0)
        self.next.setEnabled(last < total - 1)

    def _fit_columns(self) -> None:
        """Every column as wide as the widest value read (or, for floats, any float
        can be) and its own number, up to MAX_COLUMN_CHARS."""
        model, header = self.model, self.view.horizontalHeader()
        metrics = self.view.fontMetrics()
        # The style's text margins, the grid line, and 2 px for a text's fractional advance
        # (the style's own size for "-0.000998732" was elided by a fraction of a pixel).
        margin = cell_width(self.view, "0") - metrics.horizontalAdvance("0") + 1 + 2
        number = metrics.horizontalAdvance(str(max(model.columnCount() - 1, 0)))
        header_margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        widest = min(model.widest, metrics.averageCharWidth() * MAX_COLUMN_CHARS)
        header.setDefaultSectionSize(max(widest + margin, number + header_margin, header.minimumSectionSize()))

    def _fit_row_numbers(self, last: int) -> None:
        """The row header as wide as the page's largest row number: Qt sizes it once, from
        the first page's, and cut 50,000,000 to "5000000" on a later page."""
        header = self.view.verticalHeader()
        margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        header.setMinimumWidth(header.fontMetrics().horizontalAdvance(str(max(last, 0))) + 4 * margin + 4)


class LinkLine(QLabel):
    """A label of links whose first (or, going back, last) link takes the focus as Tab
    enters it: Qt's label took a Tab stop of its own first, showing no focus (review 10's
    complaint of a Tab that changed nothing on screen)."""

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's API
        super().focusInEvent(event)
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            self.focusNextPrevChild(event.reason() == Qt.FocusReason.TabFocusReason)


def cell_width(view: QTableView, text: str) -> int:
    """The width ``view``'s style asks for a cell showing ``text``."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.text = text
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
    return view.style().sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, option, QSize(), view).width()


def cell_text(value) -> str:
    if isinstance(value, bytes | str):
        return string_text(value)
    number = scalar(value)
    return number if isinstance(number, str) else format_number(number)


def scalar(value) -> float | int | str:
    item = value.item() if hasattr(value, "item") else value
    if isinstance(item, complex):
        return str(item)
    if isinstance(item, bool):
        return int(item)
    if isinstance(item, float | int):
        return item
    try:
        return float(item)  # ml_dtypes scalars (bfloat16...)
    except (TypeError, ValueError):
        return str(item)
