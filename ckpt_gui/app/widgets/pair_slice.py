"""Which plane of a tensor of more than two axes the comparison's heatmaps show: the
axis shown as rows, the one as columns, and an index along each other axis, as the
browse heatmap offers (tensor_panel)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QSpinBox, QWidget

from ckpt_gui.app.widgets.layouts import FlowLayout, clear_layout, labelled
from ckpt_gui.core.views.planes import PlaneChoice, axes_chosen


class SliceControls(QWidget):
    """Rows, columns and the other axes' indexes; ``chosen`` a new PlaneChoice."""

    chosen = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.shape: tuple[int, ...] = ()
        self.choice: PlaneChoice | None = None
        self.rows_box, self.cols_box = QComboBox(), QComboBox()
        for box in (self.rows_box, self.cols_box):
            # Sized to the items of each shape, not kept at the first one's width (Qt's
            # default): after conv1's [3, 3, 1, 8], conv2's kernel read "axis 3 (16" (review 11).
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.spins: dict[int, QSpinBox] = {}
        self.flow = FlowLayout(self)
        self.rows_box.currentIndexChanged.connect(lambda _row: self._axes_changed(self.rows_box))
        self.cols_box.currentIndexChanged.connect(lambda _row: self._axes_changed(self.cols_box))

    def show_choice(self, shape: tuple[int, ...], choice: PlaneChoice) -> None:
        """The controls for ``shape``, showing ``choice`` (no signal)."""
        self.shape, self.choice = tuple(shape), choice
        labels = [f"axis {axis} ({size:,})" for axis, size in enumerate(shape)]
        for box, axis in ((self.rows_box, choice.rows), (self.cols_box, choice.cols)):
            box.blockSignals(True)
            box.clear()
            box.addItems(labels)
            box.setCurrentIndex(axis)
            box.blockSignals(False)
        self._lay_out()

    def _lay_out(self) -> None:
        for box in (self.rows_box, self.cols_box):  # kept: taken out of the layout before it is cleared
            self.flow.removeWidget(box)
        clear_layout(self.flow)
        self.spins.clear()
        self.flow.addWidget(labelled("Rows", self.rows_box))
        self.flow.addWidget(labelled("Columns", self.cols_box))
        for axis, size in enumerate(self.shape):
            if axis in (self.choice.rows, self.choice.cols):
                continue
            spin = QSpinBox(minimum=0, maximum=max(size - 1, 0), value=min(self.choice.fixed[axis], max(size - 1, 0)))
            spin.valueChanged.connect(lambda _value: self._fixed_changed())
            self.spins[axis] = spin
            self.flow.addWidget(labelled(f"axis {axis} =", spin, f"The slice shown: index along axis {axis}"))
        for box in (self.rows_box, self.cols_box):
            box.show()

    def _axes_changed(self, changed: QComboBox) -> None:
        rows, cols = self.rows_box.currentIndex(), self.cols_box.currentIndex()
        if rows < 0 or cols < 0 or self.choice is None:
            return
        if rows == cols:  # the other box takes the axis this one had: a swap, not a degenerate plane
            rows, cols = axes_chosen(rows, cols, self.choice)
            other, axis = (self.cols_box, cols) if changed is self.rows_box else (self.rows_box, rows)
            other.blockSignals(True)
            other.setCurrentIndex(axis)
            other.blockSignals(False)
        self.choice = PlaneChoice(rows, cols, self.choice.fixed)
        self._lay_out()
        self.chosen.emit(self.choice)

    def _fixed_changed(self) -> None:
        fixed = list(self.choice.fixed)
        for axis, spin in self.spins.items():
            fixed[axis] = spin.value()
        self.choice = PlaneChoice(self.choice.rows, self.choice.cols, tuple(fixed))
        self.chosen.emit(self.choice)
