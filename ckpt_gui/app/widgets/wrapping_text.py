"""Selectable text that looks like a label and breaks a line inside a word too long
for its width.

A QLabel's word wrap breaks only between words: a checkpoint key of one long segment (a
120-character name with no "/") was its least width, and Details scrolled sideways at
1024 px. Breaking it with zero-width spaces would put them into what the user copies;
this widget breaks it in its layout only (``QTextOption.WrapAtWordBoundaryOrAnywhere``:
between words where it can, inside one where it must), and what is selected and copied
is the text as given. Used for Details' title and where a fact has such a segment
(:func:`needs_wrapping`); every other fact stays a QLabel (lighter, made by the dozen
at each selection).
"""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QFontMetrics, QTextOption
from PySide6.QtWidgets import QApplication, QFrame, QSizePolicy, QTextEdit, QWidget

# A run of text with no place a word wrap breaks at (a space, or a "/" as Qt's line
# breaking takes it in a key) wider than this: a QLabel holding it could not get
# narrower, and Details' facts get about 250 px at 1024 px. Shorter ones (a SavedModel's
# "variables.data-00000-of-00001", 186 px in DejaVu Sans 9 pt) stay QLabels: this
# widget costs 2.5 ms of the GUI thread to make, a QLabel 0.1 ms.
LONG_SEGMENT_PX = 200
_SEGMENTS = re.compile(r"[^\s/]+")


def needs_wrapping(text: str, metrics: QFontMetrics | None = None) -> bool:
    """Whether ``text`` has a segment a word wrap cannot break wider than
    LONG_SEGMENT_PX (in ``metrics``, by default the application font's)."""
    metrics = metrics or QFontMetrics(QApplication.font())
    return any(metrics.horizontalAdvance(segment) > LONG_SEGMENT_PX for segment in _SEGMENTS.findall(text))


class WrappingText(QTextEdit):
    """Plain text, read-only, selectable by mouse (Ctrl+C and the context menu copy
    it), no frame, background or scroll bar; its height follows its width
    (heightForWidth), as a word-wrapped QLabel's does."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # as a selectable QLabel's
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.document().setDocumentMargin(0)
        self.viewport().setAutoFillBackground(False)  # the page's background, as a label's
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._heights: dict[int, int] = {}  # width -> height, for the text and font shown
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name: callers treat both alike
        if text == self.toPlainText():
            return
        self.setPlainText(text)
        self._heights.clear()
        self.updateGeometry()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's API
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._heights.clear()
            self.updateGeometry()

    def text(self) -> str:
        return self.toPlainText()

    def _height_at(self, width: int) -> int:
        """The text's height laid out at ``width`` (a copy of the document: the shown one
        keeps its own width). Layouts ask the same widths over and over: kept."""
        known = self._heights.get(width)
        if known is None:
            document = self.document().clone(self)
            try:
                document.setTextWidth(max(1, width))
                known = self._heights[width] = math.ceil(document.size().height())
            finally:
                document.deleteLater()
        return known

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's API
        return self._height_at(width)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        document = self.document().clone(self)
        try:
            document.setTextWidth(-1)  # each paragraph on one line
            width = math.ceil(document.idealWidth())
        finally:
            document.deleteLater()
        return QSize(width, self._height_at(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        # A few characters wide (not a scroll area's 70 px square), a line high.
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance("W" * 4), metrics.lineSpacing())

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's API
        event.ignore()  # the page around it scrolls, as over a label
