"""The cells a heatmap draws: at the screen's resolution by block extremes, and its
NaN/Inf apart.

A colour map has no colour for "not a number": pyqtgraph leaves NaN cells blank
(white, the colour of zero in the diverging map) and clips +/-Inf to the extreme
colours, so a NaN would look like a zero and an Inf like a large value. An overlay
paints those cells in colours neither map uses, and the caller says so in words.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF

from ckpt_gui.app.theme import INF_RGB, NAN_RGB
from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.formatting import nonfinite_text

# image[row, col], like numpy, for every image drawn: set where the image items are, as a
# comparison's heatmaps made before the tensor panel's plots module was imported were
# drawn col-major, an [8, 16] slice as 16 rows of 8 under axes of 8 rows and 16 columns.
pg.setConfigOptions(imageAxisOrder="row-major")

NAN_COLOUR, NAN_NAME = NAN_RGB, "magenta"  # in neither viridis nor the blue-white-red map
INF_COLOUR, INF_NAME = INF_RGB, "black"  # for +Inf and -Inf (the readout tells the sign)


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
