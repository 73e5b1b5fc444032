"""Ctrl+C in the Values table: the cells selected, as text a spreadsheet pastes (tabs
between columns, a line a row), said in the status bar as the tree's Ctrl+C says what
it copied (review 17: Qt's own copy of the current cell was silent). Values are copied
whole, not as shown (review 19, F2: the table's 6 digits lose a float32's last three),
and cells Ctrl-clicked apart keep their places in the rectangle around them, the cells
between left empty, as spreadsheets copy them."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QTableView

MOST_CELLS = 100_000  # copied at most: the selection of a million rows is formatted cell by cell
# A model's text of a cell for a copy (PagedTableModel: every digit of the value); a
# model without it is copied as displayed.
EXACT_ROLE = Qt.ItemDataRole.UserRole + 1


class TableCopy(QObject):
    """On ``view``: Ctrl+C copies its selection (else its current cell) and ``said`` says
    what ("Copied 1 cell (-0.0497434)", "Copied 12 cells"). An action of the view's, as
    the trees' Ctrl+C: F1 lists it, saying where it applies."""

    said = Signal(str)

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view
        action = QAction("Copy the cells selected", view, shortcut=QKeySequence.StandardKey.Copy)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.setProperty("applies", "in the Values table")
        action.triggered.connect(self.copy)
        view.addAction(action)

    def copy(self) -> None:
        model, selection = self.view.model(), self.view.selectionModel()
        ranges = list(selection.selection()) if selection is not None else []
        current = self.view.currentIndex()
        if not ranges and current.isValid():
            ranges = [(current.row(), current.row(), current.column(), current.column())]
        else:
            ranges = [(part.top(), part.bottom(), part.left(), part.right()) for part in ranges]
        if model is None or not ranges:
            return
        top, bottom = min(r[0] for r in ranges), max(r[1] for r in ranges)
        left, right = min(r[2] for r in ranges), max(r[3] for r in ranges)
        # Counted from the ranges, not the indexes (a column selected whole is a million of
        # them), and as the rectangle pasted: two cells far apart are mostly empty cells.
        height, width = bottom - top + 1, right - left + 1
        if height * width > MOST_CELLS:
            self.said.emit(
                f"Not copied: the cells selected span {height:,} \u00d7 {width:,} cells, "
                f"at most {MOST_CELLS:,} are copied"
            )
            return
        chosen = {
            (row, column)
            for first, last, start, end in ranges
            for row in range(first, last + 1)
            for column in range(start, end + 1)
        }
        lines = [
            "\t".join(
                self._text(model, row, column) if (row, column) in chosen else "" for column in range(left, right + 1)
            )
            for row in range(top, bottom + 1)
        ]
        QGuiApplication.clipboard().setText("\n".join(lines))
        if len(chosen) == 1:
            self.said.emit(f"Copied 1 cell ({lines[0]})")
        elif len(chosen) == height * width:
            self.said.emit(f"Copied {len(chosen):,} cells")
        else:
            self.said.emit(
                f"Copied {len(chosen):,} cells, in their places in {height:,} \u00d7 {width:,} cells "
                "(the cells not selected left empty)"
            )

    @staticmethod
    def _text(model, row: int, column: int) -> str:
        index = model.index(row, column)
        text = model.data(index, EXACT_ROLE)
        if text is None:
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
        return "" if text is None else str(text)
