"""What every heatmap shares: index axes with integer ticks, the colour bar and its
levels, titles that wrap. The cells themselves (drawn at the screen's resolution, and
NaN/Inf apart) are heatmap_cells'."""

from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPicture

from ckpt_gui.app.widgets.plot_axes import spaced_levels, spaced_rows, tick_labels, with_exponent
from ckpt_gui.core.views.planes import color_limits


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
