"""The Values tab's table: any number of rows, read a band at a time as they are shown.

The source is a 2-D array-like (a numpy array, or a memory map of a tensor too large
to read: then only the rows on screen are read from the file). Qt's views cannot
scroll through more than about 2**31 pixels, so rows come in pages of PAGE_ROWS, as
h5web and silx do, with a bar to move between pages.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QStyle, QTableView, QVBoxLayout, QWidget

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.layouts import FlowLayout, keep_flow_height, labelled
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.formatting import format_number

PAGE_ROWS = 1_000_000  # rows in one page of the table
BAND_ELEMENTS = 1 << 14  # the table reads about this many values at a time
_BANDS_KEPT = 16


class PagedTableModel(QAbstractTableModel):
    """A read-only table over the rows ``first_row``.. of a 2-D array-like; cells are
    read a band of rows at a time, on demand, and formatted as they are painted."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.source = None
        self.first_row = 0
        self._band_rows = 1
        self._bands: OrderedDict[int, np.ndarray] = OrderedDict()

    def set_source(self, source, first_row: int = 0) -> None:
        """Show ``source`` (2-D; a vector as one column) from row ``first_row``."""
        self.beginResetModel()
        if source is not None and source.ndim != 2:
            source = source.reshape(-1, 1)
        self.source = source
        self.first_row = first_row
        self._bands.clear()
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
        else:
            self._bands.move_to_end(band)
        return rows[row - band * self._band_rows, column]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if self.source is None or not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            cell = self.cell(self.first_row + index.row(), index.column())
            if isinstance(cell, bytes):
                return cell.decode("utf-8", "replace")
            return cell_text(cell)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return self._non_finite_colour(index, role)
        return None

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


class PagedTable(QWidget):
    """The table, with a bar to go to any row when there is more than one page."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = PagedTableModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.horizontalHeader().setDefaultSectionSize(90)
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
        self.page_label = QLabel()
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
        # What part of the tensor the rows are (an N-D tensor's slice), when not all of it.
        self.caption = theme.mute(QLabel())
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
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

    def go_to_row(self, row: int) -> None:
        """Show the page holding ``row`` and scroll to it."""
        first = row - row % PAGE_ROWS
        if first != self.model.first_row:
            self._show_page(first)
        self.view.scrollTo(self.model.index(row - first, 0), QTableView.ScrollHint.PositionAtTop)

    def _show_page(self, first: int) -> None:
        if 0 <= first < self.model.total_rows:
            self.model.set_source(self.model.source, first)
            self._label()

    def _label(self) -> None:
        total, first = self.model.total_rows, self.model.first_row
        last = first + self.model.rowCount() - 1
        self._fit_row_numbers(last)
        self.page_label.setText(f"rows {first:,}-{last:,} of {total:,}")
        self.previous.setEnabled(first > 0)
        self.next.setEnabled(last < total - 1)

    def _fit_row_numbers(self, last: int) -> None:
        """The row header as wide as the page's largest row number: Qt sizes it once, from
        the first page's, and cut 50,000,000 to "5000000" on a later page."""
        header = self.view.verticalHeader()
        margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        header.setMinimumWidth(header.fontMetrics().horizontalAdvance(str(max(last, 0))) + 4 * margin + 4)


def cell_text(value) -> str:
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
