"""The chip that says which subtree "Filter to this subtree" limits the tree to.

It had its place on the view switch's line, after "Object graph" and "Checkpoint keys":
at 1024x640 about 100 px were left for it there, and it read "...nder model/blocks/5",
its start and its close mark gone (review 25 #7). It now has a line of its own, shown
only while a subtree is chosen, and when even that line is too narrow the path gives way
in its middle: "Under model/.../blocks/5  x" keeps what it is, where it ends, and how to
lift it. The whole path is in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QPushButton, QSizePolicy

CLOSE = "  \u2715"
TIP = "Showing one subtree only: click (or Escape) to show all"


class SubtreeChip(QPushButton):
    """A flat button "Under PATH  x" (a click lifts the filter), its path elided in the
    middle to fit its width."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFlat(True)
        self.setToolTip(TIP)
        # As wide as its whole text, down to "Under ...  x" on a narrow line (minimumSizeHint).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.path = ""
        self.hide()

    def set_path(self, path: str) -> None:
        self.path = path
        self.setToolTip(f"Under {path}\n\n{TIP}")
        self.updateGeometry()
        self._fit()

    def text(self) -> str:  # noqa: D102 - the whole text, whatever shows (``shown``)
        return f"Under {self.path}{CLOSE}"

    def shown(self) -> str:
        return super().text()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        return QSize(self._margins() + self.fontMetrics().horizontalAdvance(self.text()), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's API
        shortest = self.fontMetrics().horizontalAdvance(f"Under \u2026{CLOSE}")
        return QSize(self._margins() + shortest, super().minimumSizeHint().height())

    def _margins(self) -> int:
        """The button's own room around its text (its style's), as its sizeHint adds it."""
        return super().sizeHint().width() - self.fontMetrics().horizontalAdvance(super().text())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's API
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        room = self.width() - self._margins()
        if metrics.horizontalAdvance(self.text()) <= room:
            super().setText(self.text())
            return
        fixed = metrics.horizontalAdvance(f"Under {CLOSE}")
        path = metrics.elidedText(self.path, Qt.TextElideMode.ElideMiddle, max(room - fixed, 0))
        super().setText(f"Under {path or chr(0x2026)}{CLOSE}")
