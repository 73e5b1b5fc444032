"""What every heatmap shares: index axes with integer ticks, and NaN/Inf drawn apart.

A colour map has no colour for "not a number": pyqtgraph leaves NaN cells blank
(white, the colour of zero in the diverging map) and clips +/-Inf to the extreme
colours, so a NaN would look like a zero and an Inf like a large value. An overlay
paints those cells in colours neither map uses, and the caller says so in words.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPicture

from ckpt_gui.app.theme import INF_RGB, NAN_RGB
from ckpt_gui.app.widgets.plot_axes import spaced_levels, spaced_rows, tick_labels, with_exponent
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.formatting import nonfinite_text
from ckpt_gui.core.views.planes import color_limits

NAN_COLOUR, NAN_NAME = NAN_RGB, "magenta"  # in neither viridis nor the blue-white-red map
INF_COLOUR, INF_NAME = INF_RGB, "black"  # for +Inf and -Inf (the readout tells the sign)


class IndexAxis(pg.AxisItem):
    """An axis of element indices: ticks on whole numbers only (a tick at 0.5 would
    name no element)."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        # The first index sits half a cell from the edge: let its label overhang a
        # little rather than be dropped.
        self.setStyle(hideOverlappingLabels=12)
        # An index is a count, never scaled: pyqtgraph would label a one-column
        # matrix's axis "axis 1 (x0.001)".
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's API
        levels = [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal, size) if spacing >= 1]
        levels = spaced_levels(self, levels or [(1.0, 0.0)], minVal, maxVal, size)
        return spaced_rows(self, levels, minVal, maxVal, size)  # a short plot: fewer rows named


def index_axes() -> dict[str, IndexAxis]:
    return {"left": IndexAxis("left"), "bottom": IndexAxis("bottom")}


def value_label(value: float) -> str:
    """A constant plane's value in full (6 significant digits): "0.123", "3e8"."""
    mantissa, _e, exponent = f"{value:.6g}".partition("e")
    return with_exponent(mantissa, int(exponent)) if exponent else mantissa


class ColourAxis(pg.AxisItem):
    """The colour bar's axis: :func:`tick_labels`, at least two ticks (the ends when
    the bar is too short for more), and one tick naming the value of a constant plane
    (``constant``), as wide as its labels need."""

    def __init__(self, orientation: str = "right", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.constant: float | None = None

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's API
        if self.constant is not None:
            return [(max(abs(self.constant), 1.0), [self.constant])]
        levels = super().tickValues(minVal, maxVal, size)
        if sum(len(values) for _spacing, values in levels) >= 2 or not maxVal > minVal:
            return levels
        return [(maxVal - minVal, [minVal, maxVal])]

    def fit_width(self, low: float, high: float) -> None:
        """As wide as the labels of ``low..high`` need, before the first paint: left
        to itself the axis widens only after a paint that dropped the labels that
        did not fit."""
        font = self.style["tickFont"] or self.font()
        metrics = QFontMetrics(font)
        size = max(self.geometry().height(), 100.0)
        levels = self.tickValues(low, high, size)[: self.style["maxTextLevel"] + 1]
        labels = [text for spacing, values in levels for text in self.tickStrings(values, 1.0, spacing)]
        widest = max((metrics.horizontalAdvance(text) for text in labels), default=0)
        self.setWidth(widest + self.style["tickTextOffset"][0] + max(0, self.style["tickLength"]) + 4)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's API
        if self.constant is not None:
            return [value_label(v) for v in values]
        return tick_labels([v * scale for v in values], spacing * scale)


DIVERGING = "CET-D1A"  # blue-white-red, for signed values (levels symmetric around 0)


@functools.cache  # one map, made once: every signed plane drawn sets it
def diverging_map() -> pg.ColorMap:
    """CET-D1A with a neutral grey at its middle, where 0 falls: its own middle colours
    (238, 227, 232) are pinkish, and an all-zero B - A read as pale pink (review 7).
    The stops either side of 0.5 both turn grey: a 256-entry table's 0 lands on the
    first past the middle."""
    base = pg.colormap.get(DIVERGING)
    colours = base.getColors(mode=pg.ColorMap.FLOAT) * 255.0  # the constructor takes 0..255
    middle = np.flatnonzero(np.abs(base.pos - 0.5) <= 0.5 / (len(base.pos) - 1) + 1e-9)
    grey = colours[middle, :3].mean()
    colours[middle, :3] = grey
    return pg.ColorMap(base.pos, colours, name=f"{DIVERGING} (neutral 0)")


def colour_bar(colour_map: str | pg.ColorMap, width: int) -> pg.ColorBarItem:
    """A fixed (not draggable) colour bar whose axis is a :class:`ColourAxis`."""
    bar = pg.ColorBarItem(values=(0, 1), colorMap=colour_map, interactive=False, width=width)
    axis = ColourAxis("right")
    bar.setAxisItems({"right": axis})
    axis.setStyle(showValues=True)
    axis.unlinkFromView()
    axis.setRange(*bar.values)
    bar.axis = axis  # what ColorBarItem moves when its levels change
    return bar


def set_levels(bar: pg.ColorBarItem, low: float, high: float, constant: float | None = None) -> None:
    """The bar's range; ``constant``: the one value of a constant plane."""
    bar.axis.constant = constant
    bar.setLevels((low, high))
    bar.axis.fit_width(low, high)
    bar.axis.picture = None  # the ticks of the new range, not the cached ones
    bar.axis.update()


def constant_value(image: np.ndarray, low: float, high: float) -> float | None:
    """The value of a constant plane (``planes.color_limits`` widens it to v +/- 0.5),
    else None; only that case costs a pass over the image."""
    if not high - low <= 1.0:
        return None
    finite = image[np.isfinite(image)] if image.dtype.kind in "fc" else image
    if finite.size and finite.min() == finite.max():
        return float(finite.flat[0])
    return None


def shared_levels(images: list[np.ndarray]) -> tuple[float, float, float | None]:
    """One colour range for planes drawn side by side (a comparison's A and B): it
    covers every plane's finite values, and the value of them all when they hold one
    value only (else None). Each plane's own limits merged had widened a constant
    plane to v +/- 0.5 first: beside an all-zero B, A's 0..5e-5 then filled -0.5..0.5
    as one flat colour, and read as all zero too (review 20, G3)."""
    extremes = []
    for image in images:
        finite = image[np.isfinite(image)] if image.dtype.kind in "fc" else image
        if finite.size:
            extremes += [float(finite.min()), float(finite.max())]
    low, high, _diverging = color_limits(np.asarray(extremes, dtype=np.float64))
    constant = extremes[0] if extremes and min(extremes) == max(extremes) else None
    return low, high, constant


def place(item: pg.ImageItem, rows: int, cols: int) -> None:
    """Cell (i, j) centred on (j, i): integer ticks then sit on elements, not edges.
    Call after ``setImage``: the rect scales the image the item holds."""
    item.setRect(-0.5, -0.5, cols, rows)


class WrappingLabel(pg.LabelItem):
    """A label of a graphics layout that wraps to the width its cell gets: a LabelItem
    asks for its one line's width, which widened its cell past the view and took the
    room of the plots beside it (review 8: a NaN pair's note hid B - A)."""

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's API
        width = self.rect().width()
        if width > 0 and abs(self.item.textWidth() - width) >= 1:
            self.item.setTextWidth(width)
        super().resizeEvent(ev)

    def updateMin(self) -> None:  # noqa: N802 - pyqtgraph's API
        super().updateMin()
        height = self.itemRect().height()
        self.setMinimumWidth(0)  # any width: the text wraps to it
        self._sizeHint[Qt.SizeHint.MinimumSize] = (0, height)
        self._sizeHint[Qt.SizeHint.PreferredSize] = (0, height)
        self.updateGeometry()


class NonFinite:
    """The NaN/Inf cells of one image, as an RGBA overlay, and how many there are
    (counted in ``counted``, the whole plane, when the image is a strided view of it)."""

    def __init__(self, image: np.ndarray, counted: np.ndarray | None = None) -> None:
        self.nan = self.inf = 0  # inf: +Inf and -Inf
        self.posinf: int | None = 0  # None: no sign (a complex value's Inf)
        self.overlay: np.ndarray | None = None
        if image.dtype.kind not in "fc" or np.isfinite(image).all():
            return
        nan = np.isnan(image)
        inf = np.isinf(image)
        values = counted if counted is not None else image
        self.nan, self.inf = int(np.isnan(values).sum()), int(np.isinf(values).sum())
        self.posinf = int(np.isposinf(values).sum()) if values.dtype.kind == "f" else None
        overlay = np.zeros((*image.shape, 4), dtype=np.uint8)  # transparent where finite
        overlay[nan] = (*NAN_COLOUR, 255)
        overlay[inf] = (*INF_COLOUR, 255)
        self.overlay = overlay

    def show_on(self, item: pg.ImageItem) -> None:
        """Draw the overlay on ``item`` (an ImageItem above the heatmap), or clear it;
        a few of its cells marked too (``mark_cells``), on an overlay_item."""
        if self.overlay is None:
            item.clear()
        else:
            item.setImage(self.overlay, autoLevels=False, levels=None)
        marks = getattr(item, "marks", None)
        if marks is not None:
            mark_cells(marks, self.overlay)

    def counts_text(self) -> str:
        """ "2 NaN, 1 +Inf" (plain text, as the tree's badge and the histogram say it)."""
        return nonfinite_text(self.nan, *self._signed())

    def _signed(self) -> tuple[int, int, int]:
        """(+Inf, -Inf, either) for nonfinite_text."""
        return (self.posinf, self.inf - self.posinf, 0) if self.posinf is not None else (0, 0, self.inf)

    def note(self) -> str:
        """Rich text for a title or label: which colour stands for what; "" if none."""
        parts = []  # compact: one line of a narrow plot's title (the colours are in its tooltip too)
        if self.nan:
            parts.append(f"{_swatch(NAN_COLOUR)}{_unsplit(nonfinite_text(self.nan))}")
        if self.inf:
            parts.append(f"{_swatch(INF_COLOUR)}{_unsplit(nonfinite_text(0, *self._signed()))}")
        return ", ".join(parts)


def _unsplit(counts: str) -> str:
    """ "1 +Inf, 1 -Inf" wrapped only after a comma: a narrow title split "1 / +Inf" (review 10)."""
    return counts.replace(" ", "&nbsp;").replace(",&nbsp;", ", ")


class ExtremeImageItem(pg.ImageItem):
    """An image drawn at the screen's resolution by block extremes: with more cells
    than the view has pixels, Qt draws one cell of each run that shares a pixel and
    drops the rest (a [90472, 64] embedding's 512 blocks of rows in a 220 px plot:
    its one outlier, or the one element B changed, showed one time in two or three),
    and pyqtgraph's own downsampling averages them away. Each pixel shows its cells'
    value furthest from 0 (NaN if one is NaN), an overlay's pixel the colour of any
    coloured cell; zoomed in, the cells are drawn one by one again."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._drawn_factors = (1, 1)
        # The last reduction: (image, blocks, screen cells). pyqtgraph renders again for
        # a new colour map or new levels (a heatmap's first picture: twice), each time
        # reducing the same image to the same cells (2 to 10 ms of the GUI thread's
        # paint). ``setImage(array)`` holds a new view of it, so the image itself is the
        # key (pyqtgraph's own ``updateImage()`` for new levels keeps it); the app never
        # changes a drawn image in place.
        self._cells: tuple[np.ndarray, tuple[int, int], np.ndarray] | None = None

    def render(self) -> None:
        full = self.image
        factors = self._cells_per_pixel() if full is not None and full.size else (1, 1)
        self._drawn_factors = factors
        if factors == (1, 1):
            self._cells = None
            super().render()
            return
        across, down = factors  # cells per pixel along the item's x and y
        per = (down, across) if self.axisOrder == "row-major" else (across, down)
        cells = self._cells
        if cells is None or cells[0] is not full or cells[1] != per:
            cells = self._cells = (full, per, screen_cells(full, *per))
        self.image = cells[2]
        self._imageHasNans = self._imageNanLocations = None
        try:
            super().render()
        finally:  # paint() sizes the drawn image by the full one
            self.image = full
            self._imageHasNans = self._imageNanLocations = None

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's API
        super().viewTransformChanged()
        if self.image is not None and self._cells_per_pixel() != self._drawn_factors:
            self._renderRequired = True
            self.update()

    def _cells_per_pixel(self) -> tuple[int, int]:
        """Cells a pixel must show along x and y, rounded up (pyqtgraph rounds down:
        2.3 cells a pixel made blocks of 2, and every seventh block was still dropped)."""
        origin = self.mapToDevice(QPointF(0, 0))
        if origin is None:  # not in a view yet
            return 1, 1
        across = QLineF(origin, self.mapToDevice(QPointF(1, 0))).length()
        down = QLineF(origin, self.mapToDevice(QPointF(0, 1))).length()
        if across == 0 or down == 0:
            return 1, 1
        return max(1, math.ceil(1 / across - 1e-9)), max(1, math.ceil(1 / down - 1e-9))


def screen_cells(image: np.ndarray, rows_per: int, cols_per: int) -> np.ndarray:
    """``image`` in blocks of ``rows_per`` x ``cols_per`` cells: each block's value
    furthest from 0, NaN if it holds a NaN; for an RGBA overlay, the largest of each
    channel (any coloured cell colours the block; NaN's magenta over Inf's black)."""
    rows, cols = image.shape[:2]
    if image.ndim == 3:
        sparse = _sparse_block_max(image, rows_per, cols_per)
        if sparse is not None:
            return sparse
        down, across = -(-rows // rows_per), -(-cols // cols_per)
        padded = np.zeros((down * rows_per, across * cols_per, image.shape[2]), image.dtype)
        padded[:rows, :cols] = image
        blocks = padded.reshape(down, rows_per, across, cols_per, -1)
        return blocks.max(axis=(1, 3))
    envelope = BlockEnvelope(rows, cols, rows_per, cols_per, mark_nan=True)
    envelope.add(np.ascontiguousarray(image).reshape(-1), 0)
    return envelope.image().astype(image.dtype, copy=False)


SPARSE_AT_MOST = 1 / 16  # of an overlay's cells coloured, reduced cell by cell


def _sparse_block_max(image: np.ndarray, rows_per: int, cols_per: int) -> np.ndarray | None:
    """:func:`screen_cells` of an RGBA uint8 overlay whose coloured cells are few (a
    tensor's NaN and Inf): only they are reduced, each into its block (a pixel of all
    zero adds nothing to a maximum); None when the overlay is not such an image or
    holds many. The whole overlay reduced block by block took 5 to 6 ms of the GUI
    thread's paint for a 512x512 one, at each paint of a large matrix's first picture."""
    rows, cols, channels = image.shape
    if image.dtype != np.uint8 or channels != 4 or not image.flags.c_contiguous:
        return None
    pixels = image.view(np.uint32).reshape(rows * cols)  # one word a cell: zero when transparent black
    coloured = np.flatnonzero(pixels)
    if coloured.size > rows * cols * SPARSE_AT_MOST:
        return None
    reduced = np.zeros((-(-rows // rows_per), -(-cols // cols_per), channels), np.uint8)
    row, col = np.divmod(coloured, cols)
    np.maximum.at(reduced, (row // rows_per, col // cols_per), image.reshape(rows * cols, channels)[coloured])
    return reduced


MARKED_AT_MOST = 500  # NaN/Inf cells marked one by one; more are no lone cell to miss
MARK_PX = 7  # a mark's side on screen


class OverlayItem(ExtremeImageItem):
    """The NaN/Inf overlay, and a few of its cells each marked a few pixels wide whatever
    the zoom: a lone NaN of a 1000x50 matrix was a 1-2 px sliver (review 8). The marks
    are a child: placed in the image's own cells, moved and scaled with it."""

    def __init__(self) -> None:
        super().__init__()
        self.marks = pg.ScatterPlotItem(pxMode=True, size=MARK_PX, symbol="s", pen=pg.mkPen(MARK_EDGE, width=1))
        self.marks.setParentItem(self)

    def clear(self) -> None:
        super().clear()
        self.marks.clear()

    def setRect(self, *args) -> None:  # noqa: N802 - pyqtgraph's API
        super().setRect(*args)
        # Placed after the marks were set (``place``): their cached bounds were of the old
        # transform, and the view clipped them away.
        self.marks.viewTransformChanged()

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's API
        super().viewTransformChanged()
        self.marks.viewTransformChanged()  # zoomed: their bounds in pixels anew


def overlay_item() -> OverlayItem:
    item = OverlayItem()
    item.setZValue(10)  # above the heatmap
    return item


MARK_EDGE = (255, 255, 255)  # a light edge: the mark stands out on dark cells and on the NaN colour's own


def mark_cells(marks: pg.ScatterPlotItem, overlay: np.ndarray | None) -> None:
    """Mark each coloured cell of ``overlay`` (NonFinite's RGBA image) at its centre,
    in its colour, while there are at most MARKED_AT_MOST; else none."""
    coloured = overlay[..., 3] > 0 if overlay is not None else None
    if coloured is None or not 0 < np.count_nonzero(coloured) <= MARKED_AT_MOST:
        marks.clear()
        return
    rows, cols = np.nonzero(coloured)
    brushes = [pg.mkBrush(*overlay[i, j, :3]) for i, j in zip(rows.tolist(), cols.tolist())]
    parent = marks.parentItem()
    if parent is not None and parent.axisOrder == "col-major":  # image[x, y]
        rows, cols = cols, rows
    marks.setData(x=cols + 0.5, y=rows + 0.5, brush=brushes)  # row-major: x is the column


SWATCH_GROUND = (255, 255, 255)  # behind a swatch: the black ±Inf one vanished on a dark theme's title


def _swatch(colour: tuple[int, int, int]) -> str:
    """A square of ``colour`` on a white ground, readable on light and dark palettes."""
    return f"<span style='color: rgb{colour}; background-color: rgb{SWATCH_GROUND};'>\u25a0</span>"


TITLE_LINE = 15  # px of one 9pt title line
TITLE_MARGIN = 40  # px of the view's width a wrapped title leaves free (layout margins)


def wrap_title(plot: pg.PlotItem, width: float) -> None:
    """Wrap ``plot``'s title to what ``width`` (the view's) leaves beside the axes and
    colour bar: left alone a title is as wide as its text,
    and a long one ("this plane holds 2 NaN, 1 Inf") held the plot, colour bar and
    last columns included, wider than its window."""
    label = plot.titleLabel
    if not label.isVisible():
        return
    label.item.setTextWidth(-1)  # its natural width first
    label.updateMin()
    beside = plot.minimumWidth() - label.minimumWidth()  # the axes, the colour bar
    room = width - max(beside, 0.0)
    if label.item.boundingRect().width() > room:
        label.item.setTextWidth(max(room, 4 * TITLE_LINE))
        label.updateMin()
    height = max(TITLE_LINE, int(label.item.boundingRect().height()) + 2)
    label.setMaximumHeight(height)
    plot.layout.setRowFixedHeight(0, height)


def settle_axes(view: pg.GraphicsView, plot: pg.PlotItem) -> None:
    """The index axes' room for their tick labels, as their first paint would set it,
    set now and laid out: pyqtgraph widens an axis for its labels only once it has
    painted them, and the heatmap of a new range (0..16383 after the 0..1 of the
    waiting picture) was painted, laid out again (the left axis 48 px wider), and
    painted again in the same turn (11 to 16 ms of the GUI thread for the second
    paint of a 512x512 envelope). Again if that changed an axis: the room one axis
    takes changes the other's length, and so its labels."""
    axes = [plot.getAxis(name) for name in ("left", "bottom")]
    axes = [axis for axis in axes if axis.isVisible()]
    for _ in range(2):
        rooms = [(axis.textWidth, axis.textHeight) for axis in axes]
        for axis in axes:
            picture = QPicture()  # what AxisItem.paint draws into: the same font and sizes
            painter = QPainter(picture)
            try:
                if axis.style["tickFont"]:
                    painter.setFont(axis.style["tickFont"])
                axis.generateDrawSpecs(painter)  # tells the axis the room its labels take
            finally:
                painter.end()
        if rooms == [(axis.textWidth, axis.textHeight) for axis in axes]:
            return
        lay_out_now(view, plot)


def lay_out_now(view: pg.GraphicsView, plot: pg.PlotItem) -> None:
    """``plot`` laid out in ``view`` now, not at the event loop's next turn."""
    central = view.centralWidget
    for item in (central, plot):
        layout = getattr(item, "layout", None)  # pyqtgraph's items keep theirs in an attribute
        layout = layout() if callable(layout) else layout
        if layout is not None:
            layout.activate()


class TitleWrapper(QObject):
    """Re-wraps a plot's title whenever its view changes width, before the view lays
    the plot out at the new width."""

    def __init__(self, view: pg.GraphicsView, plot: pg.PlotItem, margin: int = TITLE_MARGIN) -> None:
        super().__init__(view)
        self.view, self.plot, self.margin = view, plot, margin
        view.installEventFilter(self)

    def fit(self) -> None:
        """Call after setting a title: its text had already widened the plot (Qt grows
        a graphics widget to its new least width, and never shrinks it back)."""
        wrap_title(self.plot, self.view.width() - self.margin)
        central = self.view.centralWidget
        if central is not None:
            central.setGeometry(QRectF(0, 0, self.view.width(), self.view.height()))
        # Laid out now, not at the next turn of the event loop: a picture drawn before
        # it showed the new title in the old title's place, cut at both ends (review:
        # a 512 MB vector's first picture).
        lay_out_now(self.view, self.plot)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's API
        if event.type() == QEvent.Type.Resize and event.size().width() != event.oldSize().width():
            wrap_title(self.plot, event.size().width() - self.margin)
        return False
