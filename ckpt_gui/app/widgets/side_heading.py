"""A comparison tree's heading ("A (before): folder/prefix") that gives way by cutting
the checkpoint's name in its middle, its whole path in the tooltip: a plain label held
both trees at their names' full width, so two timestamped prefixes (seed 004's
``model_v1_20250130_101500-1``) made the window's minimum 1128 px, wider than a 1024 px
screen (review 20, G2)."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QLabel

LEAST_NAME_CHARS = 8  # of the name kept at the least ("mod…00-1"): the minimum width asks for no more


class SideHeading(QLabel):
    """``set_side("A", "before", name, tooltip)``: "<b>A</b> (before): name", the name
    cut in its middle to the label's width, whole in the tooltip."""

    def __init__(self, side: str, parent=None) -> None:
        super().__init__(side, parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self._side = side
        self._lead = side  # the plain text before the name ("A (before): ")
        self._name = ""

    def set_side(self, role: str, name: str, whole: str = "") -> None:
        self._lead = f"{self._side}{f' ({role})' if role else ''}: "
        self._name = name
        self.setToolTip(whole or name)
        self.updateGeometry()
        self._show_fitting()

    def name(self) -> str:
        return self._name

    def shown_name(self) -> str:
        """The name as shown (cut in its middle when the label is narrow)."""
        return self._fitting_name(self.contentsRect().width())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        least = self._name if len(self._name) <= LEAST_NAME_CHARS else self._name[: LEAST_NAME_CHARS - 1] + "\u2026"
        width = self._lead_width() + self._plain_width(least) + self._margins()
        return QSize(width, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._lead_width() + self._plain_width(self._name) + self._margins(), super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._show_fitting()

    def _margins(self) -> int:
        margins = self.contentsMargins()
        return margins.left() + margins.right() + 2 * self.margin() + 2  # 2: the rounding of the advances

    def _plain_width(self, text: str) -> int:
        return int(QFontMetricsF(self.font()).horizontalAdvance(text)) + 1

    def _lead_width(self) -> int:
        bold = QFont(self.font())
        bold.setBold(True)
        side, rest = self._lead[: len(self._side)], self._lead[len(self._side) :]
        return int(QFontMetricsF(bold).horizontalAdvance(side) + QFontMetricsF(self.font()).horizontalAdvance(rest)) + 1

    def _fitting_name(self, width: int) -> str:
        room = width - self._lead_width() - self._margins()
        if self._plain_width(self._name) <= room:
            return self._name
        return QFontMetricsF(self.font()).elidedText(self._name, Qt.TextElideMode.ElideMiddle, max(room, 0))

    def _show_fitting(self) -> None:
        side, rest = self._lead[: len(self._side)], self._lead[len(self._side) :]
        name = self._fitting_name(self.contentsRect().width()) if self._name else ""
        super().setText(f"<b>{html.escape(side)}</b>{html.escape(rest)}{html.escape(name)}")
