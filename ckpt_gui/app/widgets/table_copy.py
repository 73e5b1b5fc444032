"""Ctrl+C in the Values table: the cells selected, as text a spreadsheet pastes (tabs
between columns, a line a row), said in the status bar as the tree's Ctrl+C says what
it copied (review 17: Qt's own copy of the current cell was silent)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QTableView

MOST_CELLS = 100_000  # copied at most: the selection of a million rows is formatted cell by cell


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
        # Counted from the selection's ranges, not its indexes: a column selected whole is
        # a million of them, each formatted.
        count = sum(part.width() * part.height() for part in ranges)
        if count > MOST_CELLS:
            self.said.emit(f"Not copied: {count:,} cells selected, at most {MOST_CELLS:,} are copied")
            return
        cells = sorted(
            {
                (row, column)
                for part in ranges
                for row in range(part.top(), part.bottom() + 1)
                for column in range(part.left(), part.right() + 1)
            }
        )
        current = self.view.currentIndex()
        if not cells and current.isValid():
            cells = [(current.row(), current.column())]
        if model is None or not cells:
            return
        rows: dict[int, list[str]] = {}
        for row, column in cells:
            text = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
            rows.setdefault(row, []).append("" if text is None else str(text))
        QGuiApplication.clipboard().setText("\n".join("\t".join(texts) for _row, texts in sorted(rows.items())))
        if len(cells) == 1:
            self.said.emit(f"Copied 1 cell ({next(iter(rows.values()))[0]})")
        else:
            self.said.emit(f"Copied {len(cells):,} cells")
