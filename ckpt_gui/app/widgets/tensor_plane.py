"""The tensor panel's heatmap page: the axes and slice chosen by the user, a 2-D plane
(or a large tensor's min/max envelope of it) drawn as a heatmap, and the readout of
the cell under the mouse."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QComboBox, QSpinBox, QVBoxLayout, QWidget

from ckpt_gui.app.widgets.fitting_label import FittingLabel
from ckpt_gui.app.widgets.histogram_panel import PLOT_MIN_HEIGHT
from ckpt_gui.app.widgets.layouts import FlowLayout, keep_flow_height, labelled
from ckpt_gui.app.widgets.paged_table import cell_text, scalar
from ckpt_gui.app.widgets.tensor_plot_parts import plots
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.formatting import format_number, nonfinite_text
from ckpt_gui.core.views.planes import PlaneChoice, ValueView, axes_chosen, color_limits, extreme_image, plane


class PlaneDrawing:
    """Mixed into TensorPanel: its heatmap page (made by :meth:`_make_heat_page`), drawn
    from the tensor it shows (``self.value``, ``self.choice``, ``self.large``...); the
    heatmap itself (``self.image_plot`` and its parts) is made when first used."""

    def _make_heat_page(self) -> QWidget:
        """Axis pickers and slice spin boxes over the heatmap's place and the readout."""
        heat_page = QWidget()
        self.rows_box = QComboBox()
        self.cols_box = QComboBox()
        self.spins: dict[int, QSpinBox] = {}
        # Says less when narrow ("[3, 6]  -0.0115896", then the value alone), never cut at
        # the panel's edge (review 7: a dark theme's larger font at 1024 px lost the value's end).
        self.readout = FittingLabel(" ")
        self.readout.setStyleSheet("font-family: monospace;")
        for box in (self.rows_box, self.cols_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # One row that wraps (axes, then a slice box per other axis): nothing is cut
        # however narrow the splitters leave the panel.
        self.controls = FlowLayout()
        # Short labels (what they choose is in the tooltips): two units a row in a
        # narrow panel, a row of controls fewer over the heatmap at 1024x640.
        self.controls.addWidget(labelled("Rows", self.rows_box, "The tensor axis shown as the heatmap's rows"))
        self.controls.addWidget(labelled("Columns", self.cols_box, "The tensor axis shown as its columns"))
        self.slice_units: list[QWidget] = []
        heat_layout = self._heat_layout = QVBoxLayout(heat_page)
        heat_layout.setContentsMargins(0, 0, 0, 0)
        heat_layout.addLayout(self.controls)
        self._plot_place = QWidget(minimumHeight=PLOT_MIN_HEIGHT)  # the heatmap's place until made
        heat_layout.addWidget(self._plot_place, 1)
        heat_layout.addWidget(self.readout)
        keep_flow_height(heat_page, self.controls)
        self.rows_box.currentIndexChanged.connect(lambda _i: self._axes_changed())
        self.cols_box.currentIndexChanged.connect(lambda _i: self._axes_changed())
        return heat_page

    def _build_axis_controls(self, shape: tuple[int, ...]) -> None:
        labels = [f"axis {axis} ({size:,})" for axis, size in enumerate(shape)]
        for box, axis in ((self.rows_box, self.choice.rows), (self.cols_box, self.choice.cols)):
            box.blockSignals(True)
            box.clear()
            box.addItems(labels)
            box.setCurrentIndex(axis)
            box.blockSignals(False)
        self._rebuild_slicers()

    def _rebuild_slicers(self) -> None:
        for unit in self.slice_units:
            self.controls.removeWidget(unit)
            unit.hide()
            unit.deleteLater()
        self.slice_units.clear()
        self.spins.clear()
        assert self.value is not None and self.choice is not None
        for axis, size in enumerate(self.value.shape):
            if axis in (self.choice.rows, self.choice.cols):
                continue
            spin = QSpinBox(minimum=0, maximum=max(size - 1, 0), value=min(self.choice.fixed[axis], max(size - 1, 0)))
            spin.setToolTip(f"Index along axis {axis} (size {size})")
            spin.valueChanged.connect(lambda _v: self._fixed_changed())
            unit = labelled(f"axis {axis} =", spin, f"The slice shown: index along axis {axis} (size {size})")
            self.controls.addWidget(unit)
            self.slice_units.append(unit)
            self.spins[axis] = spin

    def _axes_changed(self) -> None:
        if self.value is None or self.choice is None:
            return
        rows, cols = self.rows_box.currentIndex(), self.cols_box.currentIndex()
        if rows == cols:  # swap instead of showing a degenerate plane
            # Whichever box changed (the Columns box given the rows' axis had set both to it:
            # "rows and columns must be different axes", review 26 #1).
            rows, cols = axes_chosen(rows, cols, self.choice)
            for box, axis in ((self.rows_box, rows), (self.cols_box, cols)):
                box.blockSignals(True)
                box.setCurrentIndex(axis)
                box.blockSignals(False)
        self.choice = PlaneChoice(rows, cols, self.choice.fixed)
        self._rebuild_slicers()
        self._show_plane()

    def _fixed_changed(self) -> None:
        if self.choice is None:
            return
        fixed = list(self.choice.fixed)
        for axis, spin in self.spins.items():
            fixed[axis] = spin.value()
        self.choice = PlaneChoice(self.choice.rows, self.choice.cols, tuple(fixed))
        self._show_plane()

    def _show_plane(self, view: ValueView | None = None) -> None:
        assert self.value is not None and self.choice is not None
        if self.large:  # a memory map: the envelope of the new plane is computed elsewhere
            self.envelope = None
            self._show_table(plane(self.value, self.choice))
            self._wait_for_picture()
            self.plane_requested.emit(self.choice)
            return
        self.picture.setCurrentWidget(self.picture.widget(1))
        shown = plane(self.value, self.choice)
        if view is not None and view.image is not None:
            image, block, (low, high, diverging) = view.image, view.block, view.limits
        else:
            image, block = extreme_image(shown)
            low, high, diverging = color_limits(image)
        self.colorbar.setColorMap(plots().colour_map(diverging))
        self.image.setImage(image, autoLevels=False)
        self.nonfinite = plots().NonFinite(image, counted=shown if shown.dtype.kind in "fc" else None)
        self.nonfinite.show_on(self.overlay)
        for item in (self.image, self.overlay):  # axes in the plane's own indices (after setImage)
            plots().place(item, shown.shape[0], shown.shape[1])
        plots().set_levels(self.colorbar, low, high, plots().constant_value(image, low, high))
        note = self.nonfinite.note()
        # One short line (a long title left a heatmap of 25 px at 1024x640).
        self.image_plot.setTitle(note or None, size="9pt")
        self.image_title.fit()
        colours = (
            f"This plane holds {self.nonfinite.counts_text()}: NaN cells in {plots().NAN_NAME},"
            f" \u00b1Inf in {plots().INF_NAME}."
            if note
            else ""
        )
        self.graphics.setToolTip(" ".join(text for text in (_blocks_note(block), colours) if text))
        self.image_plot.setLabel("left", f"axis {self.choice.rows}{_per_cell(block[0])}")
        self.image_plot.setLabel("bottom", f"axis {self.choice.cols}{_per_cell(block[1])}")
        self.image_plot.autoRange(padding=0)  # no margin: it would show ticks past the last index
        if view is None:  # a new plane chosen (show_value showed the first one's numbers)
            self._show_table(shown)

    def _draw_plane_envelope(self, envelope: BlockEnvelope) -> None:
        self.picture.setCurrentWidget(self.picture.widget(1))
        image = envelope.image()
        low, high, diverging = color_limits(image)
        self.colorbar.setColorMap(plots().colour_map(diverging))
        self.image.setImage(image, autoLevels=False)
        self.nonfinite = plots().NonFinite(image)
        self.nonfinite.show_on(self.overlay)
        for item in (self.image, self.overlay):
            plots().place(item, envelope.rows, envelope.cols)
        plots().set_levels(self.colorbar, low, high, plots().constant_value(image, low, high))
        self._title_envelope(envelope)
        self.image_plot.autoRange(padding=0)
        plots().settle_axes(self.graphics, self.image_plot)

    def _title_envelope(self, envelope: BlockEnvelope) -> None:
        """A short title (the plot's width, beside its axes and colour bar, is 100 px
        in a narrow panel): the NaN and Inf of the tensor (counted by its statistics
        when they are in) or of the cells; the size of a cell's block is in the axis
        labels, the rest in the tooltip (a 4-line title had left 25 px of heatmap)."""
        counted = self._counted
        whole = counted is not None and counted[0] == self.title and self.value.ndim == 2
        if whole:  # the tensor's counts, each sign on its own: as Details and the histogram word them
            found = nonfinite_text(*counted[1:])
        else:  # cells holding a NaN, cells reaching Inf (of either sign: a cell is a block's min or max)
            found = nonfinite_text(self.nonfinite.nan, either_inf=self.nonfinite.inf)
        self.image_plot.setTitle(found or None, size="9pt")
        self.image_title.fit()
        self.image_plot.setLabel("left", f"axis {self.choice.rows} ({envelope.block_rows:,} per cell)")
        self.image_plot.setLabel("bottom", f"axis {self.choice.cols} ({envelope.block_cols:,} per cell)")
        colours = (
            f" A cell holding a NaN is {plots().NAN_NAME}; one holding \u00b1Inf, {plots().INF_NAME}."
            if self.nonfinite.overlay is not None
            else ""
        )
        where = "this matrix holds" if whole else "cells holding"
        self.graphics.setToolTip(
            f"Each cell shows the min or the max of a block of {envelope.block_rows:,}x{envelope.block_cols:,}"
            f" values, whichever is further from 0.{colours}" + (f" NaN/Inf: {where} {found}." if found else "")
        )

    def _on_mouse(self, position: QPointF) -> None:
        if self.shown is None or self.shown.ndim != 2:
            return
        point = self.image_plot.vb.mapSceneToView(position)
        row, col = int(np.floor(point.y() + 0.5)), int(np.floor(point.x() + 0.5))  # cells centred on indices
        if not (0 <= row < self.shown.shape[0] and 0 <= col < self.shown.shape[1]):
            return
        rows_axis, cols_axis = self.choice.rows, self.choice.cols
        envelope = self.envelope
        if self.large and envelope is not None:  # a block of values, not one
            i, j = row // envelope.block_rows, col // envelope.block_cols
            rows, cols = envelope.block_bounds(i, j)
            span = f"min {format_number(envelope.low[i, j])} max {format_number(envelope.high[i, j])}"
            self.readout.set_about(f"rows along axis {rows_axis}, columns along axis {cols_axis}")
            self.readout.setText(f"[{rows.start}..{rows.stop - 1}, {cols.start}..{cols.stop - 1}] {span}", span)
            return
        if self.large:
            return
        value = self.shown[row, col]
        said = f"{cell_text(value)}{_colour_note(value)}"
        self.readout.set_about("")
        self.readout.setText(f"[axis {rows_axis} = {row}, axis {cols_axis} = {col}]  {said}", f"[{row}, {col}]  {said}",
                             said)  # fmt: skip


def _per_cell(count: int) -> str:
    """An axis label's note on a decimated heatmap: " (177 per cell)"."""
    return f" ({count:,} per cell)" if count > 1 else ""


def _blocks_note(block: tuple[int, int]) -> str:
    if block == (1, 1):
        return ""
    return (
        f"Each cell shows the min or the max of a block of {block[0]:,}x{block[1]:,} values, whichever is"
        " further from 0 (NaN if it holds a NaN); the readout below names the value under the mouse."
    )


def _colour_note(value) -> str:
    """What the hovered cell's colour means when it is not on the colour scale."""
    number = scalar(value)
    if isinstance(number, float) and np.isnan(number):
        return f"  (drawn {plots().NAN_NAME}: not a number)"
    if isinstance(number, float) and np.isinf(number):
        return f"  (drawn {plots().INF_NAME}: off the colour scale)"
    return ""
