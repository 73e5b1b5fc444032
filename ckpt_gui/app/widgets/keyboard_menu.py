"""A tree's context menu from the keyboard (the Menu key, Shift+F10) for its current row.

Qt delivers a keyboard context menu to the view itself, at a point in the view's own
coordinates (the header included), while ``customContextMenuRequested`` handlers read
positions in the viewport's: ``indexAt`` then found the row below the current one (review
finding 1). X11 has no Shift+F10 alias for the Menu key, so it is added here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QTreeView

# The keys it answers, as the shortcuts dialog (F1) lists them: they are no QAction or
# QShortcut, so the dialog asks each KeyboardMenu (review: F1 did not list them).
KEYS = (QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10"))
WHAT = "The current row's menu"


class KeyboardMenu(QObject):
    """Calls ``open_at(position)`` (viewport coordinates, inside the current row) when the
    keyboard asks ``view`` for a context menu; the mouse's requests are left to Qt."""

    def __init__(self, view: QTreeView, open_at: Callable[[QPoint], None]) -> None:
        super().__init__(view)
        self.view = view
        self.open_at = open_at
        view.installEventFilter(self)
        view.viewport().installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            if event.reason() != QContextMenuEvent.Reason.Keyboard:
                return False
        elif not (event.type() == QEvent.Type.KeyPress and _is_shift_f10(event)):
            return False
        self.open_current()
        return True

    def open_current(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            return
        self.view.scrollTo(index)
        rect = _row_rect(self.view, index)
        if rect.isValid():
            self.open_at(QPoint(rect.left() + min(rect.width() // 2, 40), rect.center().y()))


def _is_shift_f10(event: QEvent) -> bool:
    return (
        isinstance(event, QKeyEvent)
        and event.key() == Qt.Key.Key_F10
        and event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier == Qt.KeyboardModifier.ShiftModifier
    )


def _row_rect(view: QTreeView, index) -> QRect:
    """The current row's rectangle in the viewport: its first shown column's cell."""
    header = view.header()
    for visual in range(header.count()):
        rect = view.visualRect(index.siblingAtColumn(header.logicalIndex(visual)))
        if rect.isValid() and not header.isSectionHidden(header.logicalIndex(visual)):
            return rect
    return QRect()
