"""A label that gives way by saying less, not by losing its start: a right-aligned
QLabel narrower than its text showed "bles + 2 model only" beside the tree's view
switch at 1024 px in a 10 pt font."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel


class FittingLabel(QLabel):
    """Shows the longest of its forms that fits its width (``setText(text, *shorter)``),
    the last one cut at its end if even that does not fit; the whole text is in its
    tooltip whenever a shorter form shows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._forms: tuple[str, ...] = ("",)
        self._about = ""  # the tooltip's own explanation, under the whole text when cut

    def setText(self, text: str, *shorter: str) -> None:  # noqa: N802 (Qt's name)
        self._forms = (text, *shorter)
        self.updateGeometry()
        self._show_fitting()

    def text(self) -> str:
        """The whole text, whatever form shows (``shown``)."""
        return self._forms[0]

    def shown(self) -> str:
        return super().text()

    def set_about(self, about: str) -> None:
        self._about = about
        self._show_fitting()

    def sizeHint(self) -> QSize:  # noqa: N802
        return self._size_of(self._forms[0], super().sizeHint())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self._size_of(self._forms[-1], super().minimumSizeHint())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._show_fitting()

    def _size_of(self, text: str, size: QSize) -> QSize:
        margins = self.contentsMargins().left() + self.contentsMargins().right() + 2 * self.margin()
        return QSize(self.fontMetrics().horizontalAdvance(text) + margins, size.height())

    def _show_fitting(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        metrics = self.fontMetrics()
        shown = next((f for f in self._forms if metrics.horizontalAdvance(f) <= room), None)
        if shown is None:
            shown = metrics.elidedText(self._forms[-1], Qt.TextElideMode.ElideRight, room)
        super().setText(shown)
        whole = self._forms[0]
        self.setToolTip(self._about if shown == whole else f"{whole}\n\n{self._about}".strip())
