"""Small helpers shared by the panels."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLayout, QTreeView


def clear_layout(layout: QLayout) -> None:
    """Remove every widget from ``layout`` now: hidden and detached at once (a widget
    only scheduled for deletion would still be drawn where it was)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()


FIT_ROWS = 200  # rows measured per column (those in view first)


def fit_columns(view: QTreeView, limits: dict[int, int]) -> None:
    """Size each column to its contents and header, at most ``limits[column]`` pixels
    (what is still cut has the full text in its tooltip). Qt measures the rows in view
    and then others up to the header's precision, bounded here: a few ms on any tree."""
    view.header().setResizeContentsPrecision(FIT_ROWS)
    for column, most in limits.items():
        view.resizeColumnToContents(column)
        if view.columnWidth(column) > most:
            view.setColumnWidth(column, most)


def refit_on_expand(view: QTreeView, fit: Callable[[], None]) -> QTimer:
    """Call ``fit`` once rows appear (expanding shows longer names and shapes): one
    pass per burst of expansions, after they are done."""
    timer = QTimer(view, singleShot=True, interval=0)
    timer.timeout.connect(fit)
    view.expanded.connect(lambda _index: timer.start())
    return timer
