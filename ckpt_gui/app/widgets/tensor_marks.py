"""The Values tab's way to the NaN and Inf of the tensor shown: its first ones (found by
the statistics' pass), each a link that shows its cell, the slice holding it chosen
first for a tensor of more than two axes (review 10: nothing led to the first NaN of a
[1000, 50] matrix, and Details' "NaN/Inf at [3, 7]" was below the fold at 1024x640)."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox

from ckpt_gui.core.analysis.overview import NonFinite
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.views.planes import PlaneChoice


class NonFiniteMarks:
    """Mixed into TensorPanel: the positions of ``note_positions`` shown as links over
    its table (``self.table``) while the tensor they are of is shown."""

    _positions: tuple[str, tuple[NonFinite, ...], int] | None = None

    def note_positions(self, title: str, positions: tuple[NonFinite, ...], total: int) -> None:
        """The first NaN/Inf of the tensor ``title`` (``total`` of them in all)."""
        self._positions = (title, positions, total)
        self.show_marks()

    def show_marks(self) -> None:
        """The links, if the positions noted are of the tensor shown; else none."""
        noted = self._positions
        shown = noted is not None and noted[0] == self.title and self.value is not None and bool(noted[1])
        if not shown:
            self.table.show_links("", None)
            return
        _title, positions, total = noted
        links = ", ".join(f'<a href="{n}">{_where(p)}</a>' for n, p in enumerate(positions))
        more = f" (the first {len(positions)} of {total:,})" if total > len(positions) else ""
        self.table.show_links(f"NaN/Inf at {links}{more}", lambda n: self.go_to_position(positions[n].index))

    def go_to_position(self, index: tuple[int, ...]) -> None:
        """The table at ``index`` of the tensor, its cell current: the slice holding it
        shown first when the table shows a plane of more axes."""
        value, shown = self.value, self.shown
        if value is None or shown is None or len(index) != value.ndim:
            return
        if value.ndim == 1 or shown.ndim == 1:  # a vector, or all values in order (flattened)
            self.table.go_to_cell(int(np.ravel_multi_index(index, value.shape)), 0)
            return
        choice = self.choice
        fixed = tuple(index[a] if a not in (choice.rows, choice.cols) else f for a, f in enumerate(choice.fixed))
        if fixed != choice.fixed:
            self.choice = PlaneChoice(choice.rows, choice.cols, fixed)
            _set_quietly(self.spins, fixed)
            self._show_plane()
        self.table.go_to_cell(index[choice.rows], index[choice.cols])


def _where(position: NonFinite) -> str:
    """ "[3,&nbsp;7]&nbsp;NaN": one link never split over two lines."""
    return f"[{',&nbsp;'.join(map(str, position.index))}]&nbsp;{position.kind}"


def _set_quietly(spins: dict[int, QSpinBox], fixed: tuple[int, ...]) -> None:
    """The slice boxes showing ``fixed`` without each redrawing the plane."""
    for axis, spin in spins.items():
        spin.blockSignals(True)
        spin.setValue(fixed[axis])
        spin.blockSignals(False)
