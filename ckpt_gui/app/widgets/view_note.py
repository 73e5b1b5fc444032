"""A line of text in an item view's place when it has no rows to show: a filter that
matches nothing said only "0 of 5" above an empty tree (review 7)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel

from ckpt_gui.app import theme


class ViewNote(QObject):
    """``say(text)`` shows ``text`` centred over ``view``'s rows (its header stays);
    ``say("")`` takes it away."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.viewport = view.viewport()
        self.label = theme.mute(QLabel(self.viewport, alignment=Qt.AlignmentFlag.AlignCenter))
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # the filter's text as typed
        self.label.hide()
        self.viewport.installEventFilter(self)

    def say(self, text: str) -> None:
        self.label.setText(text)
        self.label.setVisible(bool(text))
        self._place()

    def text(self) -> str:
        return self.label.text() if self.label.isVisibleTo(self.viewport) else ""

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        margin = self.label.fontMetrics().averageCharWidth() * 2
        self.label.setGeometry(self.viewport.rect().adjusted(margin, margin, -margin, -margin))


def no_match(typed: str, what: str, also: tuple[str, ...] = ()) -> str:
    """ "No variables match 'xyz'", or the other filters' when nothing was typed; ``also``:
    the other filters on ("dtype int64"), named: "velo" with the dtype box at int64 said
    nothing of the box, which was what emptied the tree (review 24)."""
    typed = typed.strip()
    found = f"No {what} match '{typed}'" if typed else f"No {what} match the filters"
    return f"{found} ({', '.join(also)})" if also else found
