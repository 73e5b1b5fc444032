"""A frame over a widget while it has the keyboard focus, for the Tab stops whose style
draws none: the Details pane (a frameless scroll area) and the trees, where the focus
showed only as a faint change of the selected row (review 17, findings C and F)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QWidget

from ckpt_gui.app import theme

WIDTH = 2  # px: a 1 px line in a light blue was as faint as the selection change it replaces


class FocusRing(QWidget):
    """Drawn over ``target`` (a child of it, above its viewport and scroll bars, the mouse
    going through) from its FocusIn to its FocusOut, in :func:`theme.focus_colour`."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.target = target
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        target.installEventFilter(self)

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            self.setGeometry(self.target.rect())
            self.raise_()  # above the viewport and scroll bars made after it
            self.show()
        elif kind == QEvent.Type.FocusOut:
            self.hide()
        elif kind == QEvent.Type.Resize:
            self.setGeometry(self.target.rect())
        return False

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's API
        painter = QPainter(self)
        painter.setPen(QPen(theme.focus_colour(self.palette()), WIDTH))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inset = WIDTH // 2
        painter.drawRect(self.rect().adjusted(inset, inset, -inset - 1 + WIDTH % 2, -inset - 1 + WIDTH % 2))
        painter.end()
