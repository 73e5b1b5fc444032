"""A message in a plot's place, the plot kept beneath it: a large tensor's picture while
its min/max envelope is being drawn, or once that was cancelled. Its empty plot had
shown under the message: axes with a lone "0" tick and a 0..1 colour bar that belonged
to no data (review 19, F4). The plot stays laid out under the cover, so drawing the
envelope does not lay it out again in the same turn (tensor_panel._empty_picture)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontMetrics, QPalette
from PySide6.QtWidgets import QLabel, QWidget


class PlotCover(QLabel):
    """Over the whole of ``plot`` (its axes and colour bar too) in the plot's background
    colour, the message centred in lines of even length, as the group and object graph
    placeholders are centred: wrapped at the plot's width, "select the variable again to
    draw it" had left "it" alone on its last line."""

    def __init__(self, plot: QWidget) -> None:
        super().__init__(plot)
        self.plot = plot
        self.message = ""
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)  # a word longer than the plot is wide still wraps
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setBackgroundRole(QPalette.ColorRole.Base)  # the plots' background (theme.style_plot)
        self.setForegroundRole(QPalette.ColorRole.Text)
        self.setAutoFillBackground(True)
        self.hide()
        plot.installEventFilter(self)

    def say(self, text: str) -> None:
        self.message = text
        self._place()
        self.raise_()
        self.show()

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Resize and self.isVisibleTo(self.plot):
            self._place()
        return False

    def _place(self) -> None:
        self.setGeometry(self.plot.rect())
        margin = self.fontMetrics().averageCharWidth() * 2
        self.setText(balanced(self.message, self.fontMetrics(), max(1, self.width() - 2 * margin)))


def cover(plot: QWidget) -> PlotCover:
    """``plot``'s cover, made on first use."""
    found = plot.findChild(PlotCover, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return found if found is not None else PlotCover(plot)


def uncover(plot: QWidget | None) -> None:
    """``plot`` shown again (a drawing on it comes)."""
    if plot is not None:
        found = plot.findChild(PlotCover, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if found is not None:
            found.hide()


def balanced(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` broken into the lines it takes at ``width``, made as even as they can be:
    the narrowest width that still takes no more lines."""
    words = text.split(" ")
    lines = _greedy(words, metrics, width)
    if len(lines) <= 1:
        return text
    low, high = max(metrics.horizontalAdvance(word) for word in words), width
    while low < high:
        middle = (low + high) // 2
        if len(_greedy(words, metrics, middle)) <= len(lines):
            high = middle
        else:
            low = middle + 1
    return "\n".join(_greedy(words, metrics, high))


def _greedy(words: list[str], metrics: QFontMetrics, width: int) -> list[str]:
    """The lines of ``words`` filled one after the other up to ``width``."""
    lines: list[str] = []
    for word in words:
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
