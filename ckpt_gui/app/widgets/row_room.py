"""Rows tall enough for what hangs below a name's baseline: with DejaVu in the Fusion
style a row was its font's height exactly, and an underscore, drawn a pixel lower,
fell into the row below: a selected ``_kernel`` read "kernel", the next row showed an
overline (review 7; ``_kernel`` and ``kernel`` are different variables in Keras 3)."""

from __future__ import annotations

from PySide6.QtWidgets import QStyledItemDelegate


def least_row_height(metrics) -> int:
    """The font's height and, above and below it, half its descent (a pixel at least)."""
    return metrics.height() + 2 * max(1, metrics.descent() // 2)


class RoomyRows(QStyledItemDelegate):
    """A delegate whose rows are at least ``least_row_height`` tall (a tree of uniform
    row heights takes its first row's: the name column's delegate sets every row's)."""

    def sizeHint(self, option, index):  # noqa: N802 - Qt's API
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), least_row_height(option.fontMetrics)))
        return size
