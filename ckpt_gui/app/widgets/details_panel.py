"""What is known about the selected variable or group: metadata, statistics, value."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.focus_ring import FocusRing
from ckpt_gui.app.widgets.layouts import clear_layout
from ckpt_gui.app.widgets.wrapping_text import WrappingText, needs_wrapping
from ckpt_gui.core.analysis.overview import NonFinite
from ckpt_gui.core.analysis.stats import TensorStats
from ckpt_gui.core.views.describe import describe_stats

_STAT_COLUMNS = 1
# Pixels between two rows of facts or of statistics, and above and below the page. The
# style's 6 px between rows and 9 px around: at 1024x640 in a desktop's 10 pt (a dark
# theme's) Details with a NaN was 20 to 40 px short of its room, the Zeros row under the
# fold (review 13, N1). A label and its value on a line read as a table's row without them.
ROW_SPACING = 2
PAGE_EDGE = 4
_NBSP = "\u00a0"
_NBSP_COMMA = "," + _NBSP


class DetailsPanel(QScrollArea):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # A Tab stop (arrows and Page keys scroll it) that showed nothing when reached (review 17, F).
        self.focus_ring = FocusRing(self)
        self.stats_shown = False  # statistics shown (see show_stats)
        self._settle_held = 0  # changes made in ``settled_once``: laid out at its end
        body = QWidget()
        self.setWidget(body)
        # The variable's path, wrapped inside a segment too long for the width (a key of
        # one 120-character segment scrolled Details sideways at 1024 px).
        self.title = WrappingText()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.facts = QGridLayout()
        self.facts.setColumnStretch(1, 1)
        self.facts.setHorizontalSpacing(12)
        self.facts.setVerticalSpacing(ROW_SPACING)
        self.stats_title = QLabel()
        self.stats_title.setStyleSheet("font-weight: bold;")
        self.stats_title.setWordWrap(True)
        self.stats = QGridLayout()
        self.stats.setHorizontalSpacing(12)
        self.stats.setVerticalSpacing(ROW_SPACING)
        # A string element of 200 characters and no space is one word a label cannot
        # break: Details scrolled sideways (review 22, 17).
        self.value = WrappingText()
        self.value.setStyleSheet("font-family: monospace;")
        # Where the first NaN/Inf are (indices), with the statistics that count them.
        self.positions = QLabel()
        self.positions.setWordWrap(True)
        self.positions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Facts on the left, statistics on the right: both visible without scrolling; the
        # statistics take the width their numbers need and the facts the rest (a fixed share
        # of two fifths wrapped the key at 1440 px beside an empty band).
        left = QVBoxLayout()
        left.addLayout(self.facts)
        left.addWidget(self.value)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.stats_title)
        # Above the rows: under them, at 1024x640 it was below the fold (review 10).
        right.addWidget(self.positions)
        right.addLayout(self.stats)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addSpacing(16)
        columns.addLayout(right, 0)
        layout = QVBoxLayout(body)
        side = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin)
        layout.setContentsMargins(side, PAGE_EDGE, side, PAGE_EDGE)
        layout.addWidget(self.title)
        layout.addLayout(columns, 1)
        self.show_message("Select a variable to see its details.")
        theme.follow(self)

    def show_message(self, text: str) -> None:
        self.title.setText(text)
        _fill(self.facts, [])
        self.value.hide()
        self.positions.hide()
        self.stats_title.hide()
        _fill(self.stats, [])
        self._settle()

    def show_facts(self, title: str, rows: list[tuple[str, str]]) -> None:
        self.title.setText(title)
        _fill(self.facts, rows)
        self.value.hide()
        self.positions.hide()
        self.stats_title.hide()
        _fill(self.stats, [])
        self._settle()

    def show_value(self, text: str | None) -> None:
        self.value.setVisible(bool(text))
        self.value.setText(f"Value: {text}" if text else "")
        self._settle()

    def show_stats(self, stats: TensorStats | None, note: str = "", whole: str = "") -> None:
        """Statistics (``note`` says e.g. that they are a preview from a sample; ``whole``,
        the title's longer form when ``note`` is a short one, in its tooltip)."""
        self.stats_title.setVisible(True)
        self.stats_title.setToolTip(whole)
        self.stats_shown = stats is not None  # a preview's or the exact ones
        if stats is None:
            self.stats_title.setText(note or "Statistics: computing...")
            _fill(self.stats, [])
        else:
            self.stats_title.setText("Statistics" + (f" ({note})" if note else ""))
            _fill(self.stats, describe_stats(stats), columns=_STAT_COLUMNS)
        self._settle()

    def show_positions(self, positions: tuple[NonFinite, ...] | None, stats: TensorStats | None) -> None:
        """The first NaN/Inf of the variable, by index (when the statistics count some)."""
        self.positions.setVisible(bool(positions) and stats is not None and stats.has_nonfinite)
        if positions and stats is not None:
            self.positions.setText(positions_text(positions, stats.nan + stats.posinf + stats.neginf))
        self._settle()

    def add_fact(self, label: str, text: str, after: str | None = None) -> None:
        """One row per label: a fact told again (the histogram recomputed for new bins
        says "CRC32C verified" each time) replaces its row instead of adding one. A new
        row goes under the ``after`` row when there is one (the CRC32C verdict under
        Bytes, above where the bytes are stored: in view at 1024x640), else last."""
        rows = self.facts_shown()
        labels = [name for name, _text in rows]
        if label in labels:
            value = self.facts.itemAtPosition(self._fact_row(label), 1).widget()
            if isinstance(value, WrappingText) == needs_wrapping(text):
                value.setText(text)
            else:  # the other kind of widget for it
                _fill(self.facts, [(name, text if name == label else shown) for name, shown in rows])
        elif after in labels:
            rows.insert(labels.index(after) + 1, (label, text))
            _fill(self.facts, rows)
        else:
            _add_row(self.facts, self.facts.rowCount(), 0, label, text)
        self._settle()

    def _fact_row(self, label: str) -> int:
        """The grid row of the fact ``label`` (one the facts show)."""
        for row in range(self.facts.rowCount()):
            name = self.facts.itemAtPosition(row, 0)
            if name is not None and name.widget().text() == label:
                return row
        raise KeyError(label)

    @contextmanager
    def settled_once(self) -> Iterator[None]:
        """Several changes (a large tensor's statistics, its first NaN/Inf, the CRC
        verdict) laid out once at the end, not once each: each layout walks every
        label and lays the page out twice (4 to 6 ms of the GUI thread's turn each)."""
        self._settle_held += 1
        try:
            yield
        finally:
            self._settle_held -= 1
            if not self._settle_held:
                self._settle()

    def _settle(self) -> None:
        """The panel laid out as it will be painted, now: new rows shown and placed, and
        the scroll area's page resized to hold them. Left to the event loop (a queued
        show per new label, then the page's layout, then the scroll area's resize of
        it), a frame painted in between showed the facts squeezed (the key's second
        line gone) and the statistics with only their first row (review: frames while a
        20,000- and a 200,000-variable checkpoint loaded)."""
        if self._settle_held or not self.isVisible():
            return
        self._lay_out_now()

    def _lay_out_now(self) -> None:
        body = self.widget()
        for label in body.findChildren(QLabel) + body.findChildren(WrappingText):
            if label.isHidden() and not label.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide):
                label.show()  # added to a shown layout: shown by a queued call otherwise
        QApplication.sendPostedEvents(body, QEvent.Type.LayoutRequest)  # the page's own layout
        for _ in range(2):  # the area resizes the page to hold it; again if that showed or hid a scroll bar
            QApplication.sendEvent(self, QEvent(QEvent.Type.LayoutRequest))
            QApplication.sendPostedEvents(body, QEvent.Type.LayoutRequest)

    def facts_shown(self) -> list[tuple[str, str]]:
        """The (label, text) rows of the facts grid, top to bottom."""
        rows = []
        for row in range(self.facts.rowCount()):
            name, value = self.facts.itemAtPosition(row, 0), self.facts.itemAtPosition(row, 1)
            if name is not None and value is not None:
                rows.append((name.widget().text(), value.widget().text()))
        return rows


def _fill(grid: QGridLayout, rows: list[tuple[str, str]], columns: int = 1) -> None:
    clear_layout(grid)
    per_column = -(-len(rows) // columns) if rows else 0
    for i, (label, text) in enumerate(rows):
        _add_row(grid, i % per_column, 2 * (i // per_column), label, text)


def _add_row(grid: QGridLayout, row: int, column: int, label: str, text: str) -> None:
    name = QLabel(label)
    theme.mute(name)
    name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    if needs_wrapping(text):  # a QLabel would not break it: Details would scroll sideways
        value = WrappingText(text)
    else:
        value = QLabel(text)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setWordWrap(True)
    grid.addWidget(name, row, column)
    grid.addWidget(value, row, column + 1)


def positions_text(positions: tuple[NonFinite, ...], total: int) -> str:
    """ "NaN/Inf at [0, 7] NaN, [61, 579] +Inf (the first 2 of 5)", each position joined by
    no-break spaces: a narrow Details wrapped "[10, 1]" away from its "+Inf" (review 10)."""
    where = ", ".join(f"[{_NBSP_COMMA.join(str(i) for i in p.index)}]{_NBSP}{p.kind}" for p in positions)
    more = f" (the first {len(positions)} of {total:,})" if total > len(positions) else ""
    return f"NaN/Inf at {where}{more}"
