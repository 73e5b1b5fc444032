"""Small helpers shared by the panels."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout


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
