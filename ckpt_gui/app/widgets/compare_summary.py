"""The comparison's summary bar: a chip per status with its count (each filters the
trees to its pairs; first, a chip of the pairs with NaN/Inf on one side only),
what the chips show, the pairs still to compare, and the hint of variables that look
moved (as ``ckpt-gui diff`` proposes them)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from ckpt_gui.app import status_style, theme
from ckpt_gui.app.models.compare_model import STYLES, TO_COMPARE, status_label
from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.statuses import NONFINITE, DiffStatus

# By side, as the pairs' badges ("2 NaN only in B"): not "appeared", which reads B - A as time.
NONFINITE_TIP = "Show only the pairs where NaN or Inf is in one checkpoint and not the other (click again for all)"


class SummaryBar(QWidget):
    """The chips (``chips``: a checkable button per status), ``showing``, ``so_far`` and ``moved_note``."""

    toggled = Signal()  # a chip turned on or off: the trees filter again
    moved_chosen = Signal(object)  # the only-A pair of a rename, from the hint's link

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.chips: dict[str, QToolButton] = {}
        # The pairs with NaN/Inf on one side only first: the largest change there is (review 12);
        # before them, those that cannot be read (a corrupt file), as the flat list orders them.
        unreadable = DiffStatus.UNREADABLE
        for status in (unreadable, NONFINITE, *(status for status in DiffStatus if status != unreadable)):
            button = QToolButton()
            button.setCheckable(True)
            button.setToolTip(NONFINITE_TIP if status == NONFINITE else "Show only these pairs (click again for all)")
            button.toggled.connect(lambda _on: self.toggled.emit())
            self.chips[status] = button
            row.addWidget(button)
        self.showing = QLabel()
        row.addWidget(self.showing)
        # The pairs still to compare ("… to compare  29"): with the chips, every pair.
        self.so_far = theme.mute(QLabel())
        row.addWidget(self.so_far)
        # The renames found once compared (as `ckpt-gui diff` proposes them): a link to the first.
        self.moved_note = QLabel()
        self.moved_note.setTextFormat(Qt.TextFormat.RichText)
        self.moved_note.linkActivated.connect(self._on_moved_link)
        row.addWidget(self.moved_note)
        self._moves: list[tuple[Pair, Pair]] = []
        # Never a least width (the trees' split comes back on close), but the width their
        # text needs when there is room: ignored, it got none beside the stretch below.
        for note in (self.showing, self.so_far, self.moved_note):
            note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            note.setMinimumWidth(1)
        row.addStretch(1)
        # The chips' row holds its place from the start, with the counts so far: it
        # appeared when the comparison ended and pushed the filter box down under the
        # user's click (review finding 32). "showing: ..." says a chip filters.
        button.setText("0")
        self.setMinimumHeight(button.sizeHint().height())
        theme.follow(self)  # calls follow_palette: the chips' colours

    def follow_palette(self) -> None:
        """The status colours, readable on the current palette; a pressed chip framed in
        its colour and tinted (a slightly darker grey was all it had)."""
        for status, button in self.chips.items():
            button.setStyleSheet(status_style.chip_css(status, self.palette(), STYLES))
        # The row keeps its place at the chips' height as their style sheet draws them.
        self.setMinimumHeight(max(button.sizeHint().height() for button in self.chips.values()))

    def show_counts(self, counts: dict, pending: int, word: str = TO_COMPARE) -> None:
        """Each status's count on its chip (shown when not 0) and the pairs still to
        compare (``word``: what they are called, compare_model.pending_word)."""
        for status, button in self.chips.items():
            button.setText(f"{status_label(status)}  {counts.get(status, 0):,}")
            button.setVisible(bool(counts.get(status, 0)))
        # The pairs still to compare beside the chips: the row's counts add up to every pair.
        waiting = pending and not any(counts.values())
        to_compare = f"{status_style.label(None, STYLES, word)}  {pending:,}" if pending else ""
        # None compared yet: said plainly (it read "… to compare 200,000 (counts by status come as ...)").
        self.so_far.setText(f"{pending:,} pairs {word}" if waiting else to_compare)

    def show_moved(self, moves: list[tuple[Pair, Pair]], path_of: Callable[[Pair], str]) -> None:
        """The (only-A, only-B) pairs that look like one variable moved, linked to the first."""
        self._moves = moves
        self.moved_note.setText(f"<a href='0'>{len(moves):,} perhaps moved</a>" if moves else "")
        self.moved_note.setToolTip(
            "Only in A and only in B, same shape and values (as ckpt-gui diff proposes):\n"
            + "\n".join(f"{path_of(a)} \u2192 {path_of(b)}" for a, b in moves)
            if moves
            else ""
        )
        self.moved_note.setVisible(bool(moves))

    def _on_moved_link(self, _link: str) -> None:
        if self._moves:
            self.moved_chosen.emit(self._moves[0][0])
