"""Values of the selected tensor: a heatmap of a 2-D plane (axes and slice chosen by
the user), a line plot for vectors, and a table of the numbers shown."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import plot_import, theme
from ckpt_gui.app.widgets.histogram_panel import PLOT_MIN_HEIGHT
from ckpt_gui.app.widgets.layouts import FlowLayout, keep_flow_height, labelled, lay_out_now, lay_out_plots_now
from ckpt_gui.app.widgets.paged_table import PagedTable, cell_text, scalar
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.formatting import format_number, format_shape
from ckpt_gui.core.views.planes import (
    Envelope,
    PlaneChoice,
    ValueView,
    color_limits,
    display_image,
    plane,
    prepare_view,
)

# The plots' parts, made by tensor_plots (make_heatmap, make_line) when first asked for (pyqtgraph's
# import is a third of the time to a usable tree at launch).
HEATMAP_PARTS = frozenset(("graphics", "image_plot", "image", "overlay", "nonfinite", "colorbar", "image_title"))
LINE_PARTS = frozenset(("line", "line_curve", "line_title", "line_marks", "line_dots"))


def plots():
    """tensor_plots (and pyqtgraph), imported when the first picture is drawn."""
    from ckpt_gui.app.widgets import tensor_plots  # noqa: PLC0415 - start-up time: see HEATMAP_PARTS

    return tensor_plots


class TensorPanel(QTabWidget):
    """Two tabs: the picture (heatmap or line) and the numbers (table).

    A tensor too large to read whole (:meth:`show_large`) is a memory map: its table
    reads the rows shown, and its picture is a min/max envelope the controller
    computes off the GUI thread (:meth:`show_envelope`); choosing another plane asks
    for one with ``plane_requested``."""

    plane_requested = Signal(object)  # PlaneChoice of a large tensor whose envelope is needed

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.value: np.ndarray | None = None
        self.choice: PlaneChoice | None = None
        self.shown: np.ndarray | None = None  # the 2-D (or 1-D) array on screen
        self.large = False  # self.value is a memory map: never read it whole
        self.envelope: BlockEnvelope | None = None  # what a large tensor's picture shows
        self.title = ""
        self._pending_draw = None  # a drawing waiting for pyqtgraph's import (see _draw) or its plot
        self._expected: str | None = None  # the plot to make in a turn of its own (expect_picture)
        # NaN and Inf the statistics counted in a large tensor (its envelope's blocks
        # keep min and max, so a NaN among finite values shows in no cell): (title, NaN, Inf).
        self._counted: tuple[str, int, int] | None = None

        # Heatmap page: axis pickers and slice spin boxes over an image with a colour bar.
        self.picture = QStackedWidget()
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        heat_page = QWidget()
        self.rows_box = QComboBox()
        self.cols_box = QComboBox()
        self.spins: dict[int, QSpinBox] = {}
        self.readout = QLabel(" ")
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
        self.picture.addWidget(self.message)
        self.picture.addWidget(heat_page)  # the line plot, the third page, comes with the plots

        self.table = PagedTable()
        self.table_model = self.table.model

        self.addTab(self.picture, "Heatmap")
        self.addTab(self.table, "Values")
        self.rows_box.currentIndexChanged.connect(lambda _i: self._axes_changed())
        self.cols_box.currentIndexChanged.connect(lambda _i: self._axes_changed())
        self.show_message("Select a variable to see its values.")
        theme.follow(self)

    def __getattr__(self, name: str):
        if name in HEATMAP_PARTS:  # not made yet: made now
            plots().make_heatmap(self, self._heat_layout)
            return object.__getattribute__(self, name)
        if name in LINE_PARTS:
            plots().make_line(self)
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def expect_picture(self, ndim: int) -> None:
        """A picture of a tensor of ``ndim`` axes is coming (its values are being read):
        its plot, if not made yet, is made now in an event-loop turn of its own, not in
        the turn that draws the picture (making a pyqtgraph plot takes 40 to 70 ms, its
        first paint 15 to 25 more: one turn of both stalled the loop 0.3 to 0.5 s on a
        busy machine). Made when first wanted, never ahead of a selection."""
        part = _plot_of(ndim)
        if part is None or part in self.__dict__:
            return
        self._expected = part
        if plot_import.pending():
            plot_import.when_done(self._make_expected)
        else:
            QTimer.singleShot(0, self, self._make_expected)

    def _make_expected(self) -> None:
        if self._expected is not None:
            getattr(self, self._expected)  # made by __getattr__
            self._expected = None
        if self._pending_draw is not None and not plot_import.pending():  # a drawing waiting for it
            # Posted from here, it runs in the event loop's next pass: timers (and input)
            # get their turn between the two. (Posted with this one, it ran right after.)
            QTimer.singleShot(0, self, self._draw_pending)

    def _draw(self, draw, *args) -> None:
        """``draw(*args)`` now, or, while pyqtgraph is imported in the background
        (app/plot_import.py), once it is (the latest drawing asked for): the event loop
        does not wait for the import. The state (value, table) is set meanwhile."""
        if not plot_import.pending():
            self._pending_draw = None  # a drawing waiting for its plot (_draw_after_plot) is older
            draw(*args)
            return
        self.picture.setCurrentWidget(self.message)
        self.message.setText("Drawing...")
        if self._pending_draw is None:
            plot_import.when_done(self._draw_pending)
        self._pending_draw = (draw, args)

    def _draw_pending(self) -> None:
        if self._pending_draw is not None:
            draw, args = self._pending_draw
            self._pending_draw = None
            draw(*args)

    def _draw_after_plot(self, ndim: int, draw, *args) -> None:
        """``draw(*args)`` (see _draw), in the event-loop turn after the one that makes
        its plot when that is not made yet (a large tensor's first picture)."""
        part = _plot_of(ndim)
        if plot_import.pending() or part is None or part in self.__dict__:
            self._draw(draw, *args)
            return
        self.picture.setCurrentWidget(self.message)
        self.message.setText("Drawing...")
        self._pending_draw = (draw, args)  # dropped by a newer drawing or message meanwhile
        self.expect_picture(ndim)  # which draws it once the plot is made

    # -- content --------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self._pending_draw = None
        self.value = None
        self.shown = None
        self.large = False
        self.envelope = None
        self.picture.setCurrentWidget(self.message)
        self.message.setText(text)
        self.table.set_source(None, text)

    def show_large(self, values: np.ndarray, title: str, choice: PlaneChoice | None) -> None:
        """A tensor too large to read: ``values`` maps it; the picture waits for
        :meth:`show_envelope` of ``choice`` (the first plane) or of the whole vector."""
        self.value, self.large, self.envelope, self.title = values, True, None, title
        self.choice = choice
        if values.ndim == 1:
            self._show_table(values)
        else:
            self._build_axis_controls(values.shape)
            self._show_table(plane(values, choice))
        self._draw_after_plot(values.ndim, self._wait_for_picture)

    def show_envelope(self, envelope: BlockEnvelope, choice: PlaneChoice | None) -> None:
        """The min/max envelope of the large tensor's vector, or of its plane ``choice``
        (ignored if another plane has been chosen since)."""
        if not self.large or self.value is None or choice != self.choice:
            return
        self.envelope = envelope
        if self.value.ndim == 1:
            self._draw(self._draw_vector_envelope, envelope)
        else:
            self._draw(self._draw_plane_envelope, envelope)

    def note_nonfinite(self, title: str, nan: int, inf: int) -> None:
        """The NaN and +-Inf the statistics of the large tensor ``title`` counted: its
        heatmap's title names them (a redraw now if its envelope is on screen)."""
        self._counted = (title, nan, inf)
        shown = self.large and self.envelope is not None and self.value is not None and self.value.ndim == 2
        if shown and not plot_import.pending():  # else the envelope's drawing, waiting for it, titles it
            self._title_envelope(self.envelope)

    def _wait_for_picture(self) -> None:
        """The page the envelope will be drawn on, empty, its title saying it is coming:
        the page stays laid out (switching to the message page and back re-laid out the
        plot, with its title row, in the same turn as drawing the envelope)."""
        waiting = "drawing the min/max envelope..."  # short: the plot's title is one line
        if self.value.ndim == 1:
            self.picture.setCurrentWidget(self.line)
            self.line_curve.setData([], [])
            self.line.setTitle(waiting, size="9pt")
            self.line_title.fit()
        else:
            self.picture.setCurrentWidget(self.picture.widget(1))
            self.image.clear()
            self.overlay.clear()
            self.image_plot.setTitle(waiting, size="9pt")
            self.image_title.fit()

    def show_value(self, value: np.ndarray | ValueView, title: str) -> None:
        """Show a tensor; pass a ValueView (core.planes.prepare_view, run off the GUI
        thread) for large ones so the first picture costs nothing here."""
        view = value if isinstance(value, ValueView) else prepare_view(value)
        value = view.value
        self.value, self.large, self.envelope, self._pending_draw = value, False, None, None
        if value.dtype == object:  # strings: only the table makes sense
            self.picture.setCurrentWidget(self.message)
            self.message.setText(f"{title}\n{format_shape(value.shape)} strings: see the Values tab.")
            self._show_table(value.reshape(-1) if value.ndim != 2 else value)
            return
        if value.ndim == 0:
            self.picture.setCurrentWidget(self.message)
            self.message.setText(f"{title}\nscalar: {cell_text(value)}")
            self._show_table(value.reshape(1))
            return
        if view.envelope is not None:
            self._show_vector(value.reshape(-1), view.envelope, title)
            return
        self.choice = view.choice
        self._build_axis_controls(value.shape)
        if plot_import.pending():
            self._show_table(plane(value, self.choice))  # the numbers while the picture waits
        self._draw(self._show_plane, view)

    # -- internals --------------------------------------------------------------------------

    def _show_vector(self, vector: np.ndarray, envelope: Envelope, title: str) -> None:
        self._draw(self._draw_line, envelope.x, envelope.low, envelope.high, envelope.step, vector.shape, title)
        self._show_table(vector)

    def _draw_vector_envelope(self, envelope: BlockEnvelope) -> None:
        x = np.arange(envelope.low.shape[1]) * envelope.block_cols
        self._draw_line(x, envelope.low[0], envelope.high[0], envelope.block_cols, self.value.shape, self.title)

    def _draw_line(self, x, low, high, step: int, shape, title: str) -> None:
        self.picture.setCurrentWidget(self.line)
        # NaN leaves a gap; so does an Inf (no axis can hold it; its run's other
        # extreme still shows).
        raw_low, raw_high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        low, high = _finite_or_nan(raw_low), _finite_or_nan(raw_high)
        points_x = x
        if step > 1:  # one zigzag through each run's min and max: the band, drawn as one cheap curve
            x, y = np.repeat(x, 2), np.column_stack([low, high]).reshape(-1)
        else:
            y = high
        # A finite value between two gaps is a point no segment reaches: drawn as a dot.
        lonely = np.isfinite(y) & ~np.isfinite(np.r_[np.nan, y[:-1]]) & ~np.isfinite(np.r_[y[1:], np.nan])
        self.line_curve.setData(x, y, connect="finite")
        self.line_dots.setData(x[lonely], y[lonely])
        _set_line_range(self.line, x, y)
        marks = self._mark_nonfinite(points_x, raw_low, raw_high, y)
        note = f"  (min/max of every {step:,} values)" if step > 1 else ""
        self.line.setTitle(f"{title}  {format_shape(shape)}{note}{marks}", size="9pt")
        self.line_title.fit()
        self.line.setLabel("bottom", "index")

    def _mark_nonfinite(self, x, low, high, y) -> str:
        """Marks at the foot of the line where it is NaN (a block of only NaN, for an
        envelope) or reaches +-Inf; what they are, for the title ("" when none)."""
        nan = np.isnan(low) & np.isnan(high)
        inf = np.isinf(low) | np.isinf(high)
        if not (nan.any() or inf.any()):
            self.line_marks.setData([], [])
            return ""
        finite = y[np.isfinite(y)]
        foot = float(finite.min()) if finite.size else 0.0
        spots = [{"pos": (float(i), foot), "brush": plots().NAN_COLOUR, "symbol": "x"} for i in x[nan]]
        spots += [{"pos": (float(i), foot), "brush": plots().INF_COLOUR, "symbol": "t1"} for i in x[inf]]
        self.line_marks.setData(spots)
        counts = [f"{n:,} {what}" for n, what in ((int(nan.sum()), "NaN"), (int(inf.sum()), "\u00b1Inf")) if n]
        self.line.setToolTip(
            f"Marked at the foot of the plot: NaN ({plots().NAN_NAME} x), \u00b1Inf ({plots().INF_NAME} triangle)"
        )
        return "  \u00b7 " + ", ".join(counts) + " marked"

    def _build_axis_controls(self, shape: tuple[int, ...]) -> None:
        labels = [f"axis {axis} ({size:,})" for axis, size in enumerate(shape)]
        for box, axis in ((self.rows_box, self.choice.rows), (self.cols_box, self.choice.cols)):
            box.blockSignals(True)
            box.clear()
            box.addItems(labels)
            box.setCurrentIndex(axis)
            box.blockSignals(False)
        self._rebuild_slicers()
        lay_out_now(self.rows_box, self.cols_box)  # the boxes whole in the first picture (review finding 12)

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
            rows, cols = (self.choice.cols, self.choice.rows) if rows == self.choice.cols else (rows, self.choice.rows)
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
            image, (low, high, diverging) = view.image, view.limits
        else:
            image, _step = display_image(shown)
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
        self.graphics.setToolTip(
            f"This plane holds {self.nonfinite.counts_text()}: NaN cells in {plots().NAN_NAME},"
            f" \u00b1Inf in {plots().INF_NAME}"
            if note
            else ""
        )
        self.image_plot.setLabel("left", f"axis {self.choice.rows}")
        self.image_plot.setLabel("bottom", f"axis {self.choice.cols}")
        lay_out_plots_now()  # the axes' room for their labels in the first picture (review finding 12)
        self.image_plot.autoRange(padding=0)  # no margin: it would show ticks past the last index
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

    def _title_envelope(self, envelope: BlockEnvelope) -> None:
        """A short title (the plot's width, beside its axes and colour bar, is 100 px
        in a narrow panel): the NaN and Inf of the tensor (counted by its statistics
        when they are in) or of the cells; the size of a cell's block is in the axis
        labels, the rest in the tooltip (a 4-line title had left 25 px of heatmap)."""
        nan, inf = self.nonfinite.nan, self.nonfinite.inf  # cells of only NaN, cells reaching Inf
        counted = self._counted
        whole = counted is not None and counted[0] == self.title and self.value.ndim == 2
        if whole:
            nan, inf = counted[1], counted[2]
        found = ", ".join(f"{count:,} {name}" for count, name in ((nan, "NaN"), (inf, "\u00b1Inf")) if count)
        self.image_plot.setTitle(found or None, size="9pt")
        self.image_title.fit()
        self.image_plot.setLabel("left", f"axis {self.choice.rows} ({envelope.block_rows:,} per cell)")
        self.image_plot.setLabel("bottom", f"axis {self.choice.cols} ({envelope.block_cols:,} per cell)")
        colours = (
            f" A cell of only NaN is {plots().NAN_NAME}; one holding \u00b1Inf, {plots().INF_NAME}."
            if self.nonfinite.overlay is not None
            else ""
        )
        where = "this matrix holds" if whole else "cells of only"
        self.graphics.setToolTip(
            f"Each cell shows the min or the max of a block of {envelope.block_rows:,}x{envelope.block_cols:,}"
            f" values, whichever is further from 0 (NaN ignored).{colours}"
            + (f" NaN/Inf: {where} {found}." if found else "")
        )

    def _show_table(self, array: np.ndarray) -> None:
        self.shown = array
        self.table.set_source(array)

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
            self.readout.setText(
                f"[{rows.start}..{rows.stop - 1}, {cols.start}..{cols.stop - 1}]"
                f" min {format_number(envelope.low[i, j])} max {format_number(envelope.high[i, j])}"
            )
            self.readout.setToolTip(f"rows along axis {rows_axis}, columns along axis {cols_axis}")
            return
        if self.large:
            return
        value = self.shown[row, col]
        self.readout.setText(
            f"[axis {rows_axis} = {row}, axis {cols_axis} = {col}]  {cell_text(value)}{_colour_note(value)}"
        )


def _colour_note(value) -> str:
    """What the hovered cell's colour means when it is not on the colour scale."""
    number = scalar(value)
    if isinstance(number, float) and np.isnan(number):
        return f"  (drawn {plots().NAN_NAME}: not a number)"
    if isinstance(number, float) and np.isinf(number):
        return f"  (drawn {plots().INF_NAME}: off the colour scale)"
    return ""


def _set_line_range(plot, x: np.ndarray, y: np.ndarray) -> None:
    """The line's range from its data, once (auto-range recomputes it on every paint)."""
    finite = y[np.isfinite(y)]
    if not len(x) or not finite.size:
        plot.enableAutoRange()
        return
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    plot.setRange(xRange=(float(x[0]), float(x[-1]) + 1.0), yRange=(low, high), padding=0.02)


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values), values, np.nan)


def _plot_of(ndim: int) -> str | None:
    """The plot part a tensor of ``ndim`` axes is drawn with (None: no picture)."""
    if ndim == 1:
        return "line"
    return "graphics" if ndim >= 2 else None
