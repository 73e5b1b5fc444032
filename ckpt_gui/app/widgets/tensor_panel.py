"""Values of the selected tensor: a heatmap of a 2-D plane (axes and slice chosen by
the user), a line plot for vectors, and a table of the numbers shown."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ckpt_gui.app import theme
from ckpt_gui.app.widgets.heatmap import INF_NAME, NAN_NAME, IndexAxis, NonFinite, index_axes, overlay_item, place
from ckpt_gui.app.widgets.layouts import clear_layout
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

pg.setConfigOptions(imageAxisOrder="row-major")  # image[row, col], like numpy

MAX_TABLE_CELLS = 2_000_000


class TensorPanel(QTabWidget):
    """Two tabs: the picture (heatmap or line) and the numbers (table)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.value: np.ndarray | None = None
        self.choice: PlaneChoice | None = None
        self.shown: np.ndarray | None = None  # the 2-D (or 1-D) array on screen

        # Heatmap page: axis pickers and slice spin boxes over an image with a colour bar.
        self.picture = QStackedWidget()
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        heat_page = QWidget()
        self.rows_box = QComboBox()
        self.cols_box = QComboBox()
        self.slicers = QHBoxLayout()
        self.spins: dict[int, QSpinBox] = {}
        self.graphics = pg.GraphicsLayoutWidget()
        self.image_plot = self.graphics.addPlot(axisItems=index_axes())
        self.image_plot.invertY(True)  # row 0 at the top, like a matrix
        self.image_plot.setAspectLocked(False)
        self.image = pg.ImageItem()
        self.image_plot.addItem(self.image)
        self.overlay = overlay_item()  # NaN and Inf cells, in colours of their own
        self.image_plot.addItem(self.overlay)
        self.nonfinite = NonFinite(np.zeros((1, 1)))
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap="viridis", interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.image_plot)
        self.readout = QLabel(" ")
        self.readout.setStyleSheet("font-family: monospace;")
        for box in (self.rows_box, self.cols_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        axes = QHBoxLayout()
        axes.addWidget(QLabel("Rows: axis"))
        axes.addWidget(self.rows_box)
        axes.addWidget(QLabel("Columns: axis"))
        axes.addWidget(self.cols_box)
        axes.addStretch(1)
        self.slicers.addStretch(1)
        heat_layout = QVBoxLayout(heat_page)
        heat_layout.setContentsMargins(0, 0, 0, 0)
        heat_layout.addLayout(axes)
        heat_layout.addLayout(self.slicers)
        heat_layout.addWidget(self.graphics, 1)
        heat_layout.addWidget(self.readout)
        self.line = pg.PlotWidget(axisItems={"bottom": IndexAxis("bottom")})
        self.line.showGrid(x=True, y=True, alpha=0.2)
        self.line_curve = self.line.plot(pen=pg.mkPen(40, 90, 160))
        self.line_low = self.line.plot(pen=pg.mkPen(40, 90, 160))
        self.line_band = pg.FillBetweenItem(self.line_low, self.line_curve, brush=(70, 130, 200, 120))
        self.line.addItem(self.line_band)
        self.picture.addWidget(self.message)
        self.picture.addWidget(heat_page)
        self.picture.addWidget(self.line)

        self.table_model = ArrayTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.horizontalHeader().setDefaultSectionSize(90)

        self.addTab(self.picture, "Heatmap")
        self.addTab(self.table, "Values")
        self.rows_box.currentIndexChanged.connect(lambda _i: self._axes_changed())
        self.cols_box.currentIndexChanged.connect(lambda _i: self._axes_changed())
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse)
        self.show_message("Select a variable to see its values.")
        theme.follow(self)

    # -- content --------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.value = None
        self.shown = None
        self.picture.setCurrentWidget(self.message)
        self.message.setText(text)
        self.table_model.set_array(None)

    def show_value(self, value: np.ndarray | ValueView, title: str) -> None:
        """Show a tensor; pass a ValueView (core.planes.prepare_view, run off the GUI
        thread) for large ones so the first picture costs nothing here."""
        view = value if isinstance(value, ValueView) else prepare_view(value)
        value = view.value
        self.value = value
        if value.dtype == object:  # strings: only the table makes sense
            self.picture.setCurrentWidget(self.message)
            self.message.setText(f"{title}\n{format_shape(value.shape)} strings: see the Values tab.")
            self._show_table(value.reshape(-1) if value.ndim != 2 else value)
            return
        if value.ndim == 0:
            self.picture.setCurrentWidget(self.message)
            self.message.setText(f"{title}\nscalar: {_text(value)}")
            self._show_table(value.reshape(1))
            return
        if view.envelope is not None:
            self._show_vector(value.reshape(-1), view.envelope, title)
            return
        self.choice = view.choice
        self._build_axis_controls(value.shape)
        self._show_plane(view)

    # -- internals --------------------------------------------------------------------------

    def _show_vector(self, vector: np.ndarray, envelope: Envelope, title: str) -> None:
        self.picture.setCurrentWidget(self.line)
        self.line_curve.setData(envelope.x, envelope.high)
        self.line_low.setData(envelope.x, envelope.low)
        self.line_band.setVisible(envelope.step > 1)
        note = f"  (min/max of every {envelope.step:,} values)" if envelope.step > 1 else ""
        self.line.setTitle(f"{title}  {format_shape(vector.shape)}{note}", size="9pt")
        self.line.setLabel("bottom", "index")
        self._show_table(vector)

    def _build_axis_controls(self, shape: tuple[int, ...]) -> None:
        labels = [f"{axis}  (size {size})" for axis, size in enumerate(shape)]
        for box, axis in ((self.rows_box, self.choice.rows), (self.cols_box, self.choice.cols)):
            box.blockSignals(True)
            box.clear()
            box.addItems(labels)
            box.setCurrentIndex(axis)
            box.blockSignals(False)
        self._rebuild_slicers()

    def _rebuild_slicers(self) -> None:
        clear_layout(self.slicers)
        self.spins.clear()
        assert self.value is not None and self.choice is not None
        for axis, size in enumerate(self.value.shape):
            if axis in (self.choice.rows, self.choice.cols):
                continue
            spin = QSpinBox(minimum=0, maximum=max(size - 1, 0), value=min(self.choice.fixed[axis], max(size - 1, 0)))
            spin.setToolTip(f"Index along axis {axis} (size {size})")
            spin.valueChanged.connect(lambda _v: self._fixed_changed())
            self.slicers.addWidget(QLabel(f"Slice: axis {axis} ="))
            self.slicers.addWidget(spin)
            self.spins[axis] = spin
        self.slicers.addStretch(1)

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
        self.picture.setCurrentWidget(self.picture.widget(1))
        shown = plane(self.value, self.choice)
        if view is not None and view.image is not None:
            image, (low, high, diverging) = view.image, view.limits
        else:
            image, _step = display_image(shown)
            low, high, diverging = color_limits(image)
        self.colorbar.setColorMap(pg.colormap.get("CET-D1A" if diverging else "viridis"))
        self.image.setImage(image, autoLevels=False)
        self.nonfinite = NonFinite(image, counted=shown if shown.dtype.kind in "fc" else None)
        self.nonfinite.show_on(self.overlay)
        for item in (self.image, self.overlay):  # axes in the plane's own indices (after setImage)
            place(item, shown.shape[0], shown.shape[1])
        self.colorbar.setLevels((low, high))
        note = self.nonfinite.note()
        self.image_plot.setTitle(f"this plane holds {note}" if note else None, size="9pt")
        self.image_plot.setLabel("left", f"axis {self.choice.rows}")
        self.image_plot.setLabel("bottom", f"axis {self.choice.cols}")
        self.image_plot.autoRange(padding=0)  # no margin: it would show ticks past the last index
        self._show_table(shown)

    def _show_table(self, array: np.ndarray) -> None:
        self.shown = array
        self.table_model.set_array(array if array.size <= MAX_TABLE_CELLS else None)

    def _on_mouse(self, position: QPointF) -> None:
        if self.shown is None or self.shown.ndim != 2:
            return
        point = self.image_plot.vb.mapSceneToView(position)
        row, col = int(np.floor(point.y() + 0.5)), int(np.floor(point.x() + 0.5))  # cells centred on indices
        if 0 <= row < self.shown.shape[0] and 0 <= col < self.shown.shape[1]:
            rows_axis, cols_axis = self.choice.rows, self.choice.cols
            value = self.shown[row, col]
            self.readout.setText(
                f"[axis {rows_axis} = {row}, axis {cols_axis} = {col}]  {_text(value)}{_colour_note(value)}"
            )


class ArrayTableModel(QAbstractTableModel):
    """A read-only table over a 1-D or 2-D numpy array (cells formatted on demand)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.array: np.ndarray | None = None

    def set_array(self, array: np.ndarray | None) -> None:
        self.beginResetModel()
        self.array = array if array is None or array.ndim == 2 else array.reshape(-1, 1)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if self.array is None or parent.isValid() else self.array.shape[0]

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if self.array is None or parent.isValid() else self.array.shape[1]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if self.array is None or not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            cell = self.array[index.row(), index.column()]
            if isinstance(cell, bytes):
                return cell.decode("utf-8", "replace")
            return _text(cell)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section)
        return None


def _colour_note(value) -> str:
    """What the hovered cell's colour means when it is not on the colour scale."""
    number = _scalar(value)
    if isinstance(number, float) and np.isnan(number):
        return f"  (drawn {NAN_NAME}: not a number)"
    if isinstance(number, float) and np.isinf(number):
        return f"  (drawn {INF_NAME}: off the colour scale)"
    return ""


def _text(value) -> str:
    number = _scalar(value)
    return number if isinstance(number, str) else format_number(number)


def _scalar(value) -> float | int | str:
    item = value.item() if hasattr(value, "item") else value
    if isinstance(item, complex):
        return str(item)
    if isinstance(item, bool):
        return int(item)
    if isinstance(item, float | int):
        return item
    try:
        return float(item)  # ml_dtypes scalars (bfloat16...)
    except (TypeError, ValueError):
        return str(item)
