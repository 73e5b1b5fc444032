"""The restore report's panes: a one-line label elided in its middle, the problem
table's elision, and wrapped labels in scrolling panes that end between two lines."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QTextDocument
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QStyledItemDelegate

VARIABLE_COLUMN = 1  # the problem table's variable: cut in its middle


class ElideDelegate(QStyledItemDelegate):
    """Paths lose their middle (they differ at their ends), sentences their end."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        middle = index.column() == VARIABLE_COLUMN
        option.textElideMode = Qt.TextElideMode.ElideMiddle if middle else Qt.TextElideMode.ElideRight


class OneLine(QLabel):
    """A label on one line, its middle elided when narrow (the provenance's paths):
    ``text()`` keeps it whole, the tooltip shows it whole."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's API
        rect = self.contentsRect()
        whole = self.text().replace("\u200b", "")  # the break hints a wrapped label needed
        text = self.fontMetrics().elidedText(whole, Qt.TextElideMode.ElideMiddle, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), text,
                                  self.foregroundRole())  # fmt: skip


def text_height(area: QScrollArea) -> int:
    """The height ``area`` needs to show its label whole at its present width."""
    label = area.widget()
    frame = 2 * area.frameWidth()
    return label.heightForWidth(area.viewport().width()) + frame + 2


def line_bottoms(area: QScrollArea, width: int | None = None) -> list[float]:
    """Where each line of ``area``'s (rich text, wrapped) label ends, from the label's
    top, at ``width`` (the view's present width): laid out as QLabel lays it out (in
    its contents margins, no document margin)."""
    label = area.widget()
    margins = label.contentsMargins()
    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setDocumentMargin(0)
    document.setHtml(label.text())
    document.setTextWidth((area.viewport().width() if width is None else width) - margins.left() - margins.right())
    document.size()  # lays it out: the blocks have no lines before
    bottoms = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        top = margins.top() + layout.position().y()
        bottoms += [top + layout.lineAt(i).y() + layout.lineAt(i).height() for i in range(layout.lineCount())]
        block = block.next()
    return bottoms


def whole_lines(area: QScrollArea, height: int) -> int:
    """``height`` for ``area``, or the nearest height that ends its view between two
    lines when its text does not fit (below, unless that is under its least height)."""
    bar = area.verticalScrollBar()
    frame = area.height() - area.viewport().height()
    full_width = area.viewport().width() + (bar.width() if bar.isVisible() else 0)
    bottoms = line_bottoms(area, full_width)
    if not bottoms or bottoms[-1] <= height - frame:
        return height  # everything shows, without a scroll bar
    bottoms = line_bottoms(area, full_width - bar.sizeHint().width())  # it scrolls: beside its bar
    fitting = [b for b in bottoms if frame + b <= height]
    if fitting and frame + fitting[-1] >= area.minimumHeight():
        return frame + math.ceil(fitting[-1])
    return frame + math.ceil(next((b for b in bottoms if frame + b >= area.minimumHeight()), bottoms[-1]))


def scrolling(label: QLabel, least_height: int) -> QScrollArea:
    """``label`` in a framed pane that scrolls what does not fit."""
    area = QScrollArea()
    area.setWidget(label)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.StyledPanel)
    area.setMinimumHeight(least_height)
    return area
