"""Colours that follow the desktop's palette, light or dark: muted labels, plots.

Nothing here hard-codes a colour for text or a background: a dark theme's window
colour would turn it into dark grey on dark grey. ``follow(panel)`` re-applies the
palette to a panel's muted labels and plots whenever the palette changes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

MUTED_WEIGHT = 0.62  # a muted text: this much of the text colour, the rest the background's
_CHANGES = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange)


def blend(front: QColor, back: QColor, weight: float) -> QColor:
    return QColor(
        *(round(weight * f + (1 - weight) * b) for f, b in zip(front.getRgb()[:3], back.getRgb()[:3], strict=True))
    )


def muted(palette: QPalette | None = None) -> QColor:
    """Secondary text (a label beside its value), readable on the window colour."""
    palette = palette or QGuiApplication.palette()
    return blend(palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window), MUTED_WEIGHT)


def mute(label: QLabel) -> QLabel:
    """Draw ``label`` in the muted colour, now and after palette changes (``follow``)."""
    label.setProperty("muted", True)
    _paint_muted(label, QGuiApplication.palette())
    return label


def follow(panel: QWidget) -> None:
    """Re-apply the palette to the panel's muted labels and plots whenever it changes."""
    _Follower(panel)
    apply(panel)


def apply(panel: QWidget) -> None:
    palette = QGuiApplication.palette()
    for label in panel.findChildren(QLabel):
        if label.property("muted"):
            _paint_muted(label, palette)
    for view in panel.findChildren(pg.GraphicsView):
        style_plot(view, palette)


def style_plot(view: pg.GraphicsView, palette: QPalette | None = None) -> None:
    """A plot's background, axes and titles in the palette's base and text colours."""
    palette = palette or QGuiApplication.palette()
    text = palette.color(QPalette.ColorRole.Text)
    view.setBackground(palette.color(QPalette.ColorRole.Base))
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            item.setPen(text)
            item.setTextPen(text)
        elif isinstance(item, pg.LabelItem):
            item.setAttr("color", text)
            item.setText(item.text)


def _paint_muted(label: QLabel, palette: QPalette) -> None:
    own = label.palette()
    own.setColor(QPalette.ColorRole.WindowText, muted(palette))
    label.setPalette(own)


class _Follower(QObject):
    def __init__(self, panel: QWidget) -> None:
        super().__init__(panel)
        self.panel = panel
        self._applying = False
        panel.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in _CHANGES and not self._applying:
            self._applying = True
            try:
                apply(self.panel)
            finally:
                self._applying = False
        return False
