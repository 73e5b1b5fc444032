"""Focus marks for the Tab stops whose style draws none, or too faint a one: a frame over
a widget while it has the keyboard (the Details pane, a frameless scroll area; the trees,
where the focus showed only as a faint change of the selected row: review 17, findings
C and F), and a dashed frame round a tab bar's current tab (review 19, F7)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QRect, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea, QTabBar, QWidget

from ckpt_gui.app import theme

WIDTH = 2  # px: a 1 px line in a light blue was as faint as the selection change it replaces
TAB_INSET = 3  # px between a tab's edge and its dashed frame: inside the tab, round its text


class FocusRing(QWidget):
    """Drawn over ``target`` (a child of it, above its viewport and scroll bars, the mouse
    going through) from its FocusIn to its FocusOut, in :func:`theme.focus_colour`.

    A scroll area's page is kept clear of the ring: its viewport is set in from the edge
    by what the ring is wider than the area's own frame. Drawn over the page, the ring
    hid the underscores of the Details' last visible line (review 19, F1). An item view
    keeps its viewport (its header sits in the viewport margins)."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.target = target
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        self._clear_the_page()
        target.installEventFilter(self)

    def _clear_the_page(self) -> None:
        target = self.target
        if isinstance(target, QAbstractScrollArea) and not isinstance(target, QAbstractItemView):
            inset = max(0, WIDTH - target.frameWidth())
            target.setViewportMargins(inset, inset, inset, inset)  # always: the page does not move on focus

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
        elif kind == QEvent.Type.StyleChange:
            self._clear_the_page()  # another style, another frame width
        return False

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's API
        _frame(self, self.rect(), Qt.PenStyle.SolidLine)


class TabFocusFrame(QWidget):
    """A dashed frame in :func:`theme.focus_colour` round the current tab of ``bar``
    while the bar has the keyboard (the tab the arrow keys move), as a status chip's
    (status_style.chip_css): Fusion marks a focused tab by a faint fill only, a light
    blue in a light theme and a slate close to the selected tab's in a dark one, and
    Tab from the tree seemed to lose the keyboard (review 19, F7). Drawn over the bar (a
    child of it, the mouse going through), following its tabs' places."""

    def __init__(self, bar: QTabBar) -> None:
        super().__init__(bar)
        self.bar = bar
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        bar.installEventFilter(self)
        bar.currentChanged.connect(lambda _index: self.update())

    def frame_rect(self):
        """Where the frame goes: inside the current tab, round its text (an empty rect
        with no tab)."""
        tab = self.bar.tabRect(self.bar.currentIndex())
        return tab.adjusted(TAB_INSET, TAB_INSET, -TAB_INSET, -TAB_INSET) if tab.isValid() else tab

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt's API
        kind = event.type()
        if not shiboken6.isValid(self.bar):  # the bar being destroyed (the window closed while it had the keyboard)
            return False
        if kind == QEvent.Type.FocusIn:
            self.setGeometry(self.bar.rect())
            self.raise_()  # above the scroll buttons of a bar too narrow for its tabs
            self.show()
        elif kind == QEvent.Type.FocusOut:
            self.hide()
        elif kind in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self.setGeometry(self.bar.rect())
            self.update()
        return False

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's API
        if not shiboken6.isValid(self.bar):  # a last paint while the bar is destroyed (its window closed)
            return
        rect = self.frame_rect()
        if not rect.isValid():
            return
        _frame(self, rect, Qt.PenStyle.DashLine)


def _frame(widget: QWidget, rect: QRect, style: Qt.PenStyle) -> None:
    """A WIDTH px frame in the focus colour drawn on ``widget`` just inside ``rect``, its
    outer WIDTH px: the pen's middle half its width in (the ring had been drawn 1 px in on
    the right and at the bottom, over the Details' last pixel column and row)."""
    painter = QPainter(widget)
    painter.setPen(QPen(theme.focus_colour(widget.palette()), WIDTH, style))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    half = WIDTH / 2
    painter.drawRect(QRectF(rect).adjusted(half, half, -half, -half))
    painter.end()
