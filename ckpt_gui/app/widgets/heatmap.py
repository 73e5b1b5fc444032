"""What every heatmap shares: index axes with integer ticks, and NaN/Inf drawn apart.

A colour map has no colour for "not a number": pyqtgraph leaves NaN cells blank
(white, the colour of zero in the diverging map) and clips +/-Inf to the extreme
colours, so a NaN would look like a zero and an Inf like a large value. An overlay
paints those cells in colours neither map uses, and the caller says so in words.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

NAN_COLOUR, NAN_NAME = (255, 0, 255), "magenta"  # in neither viridis nor the blue-white-red map
INF_COLOUR, INF_NAME = (0, 0, 0), "black"  # for +Inf and -Inf (the readout tells the sign)


class IndexAxis(pg.AxisItem):
    """An axis of element indices: ticks on whole numbers only (a tick at 0.5 would
    name no element)."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        # The first index sits half a cell from the edge: let its label overhang a
        # little rather than be dropped.
        self.setStyle(hideOverlappingLabels=12)

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802, N803 - pyqtgraph's API
        levels = [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal, size) if spacing >= 1]
        return levels or [(1.0, 0.0)]


def index_axes() -> dict[str, IndexAxis]:
    return {"left": IndexAxis("left"), "bottom": IndexAxis("bottom")}


def place(item: pg.ImageItem, rows: int, cols: int) -> None:
    """Cell (i, j) centred on (j, i): integer ticks then sit on elements, not edges.
    Call after ``setImage``: the rect scales the image the item holds."""
    item.setRect(-0.5, -0.5, cols, rows)


class NonFinite:
    """The NaN/Inf cells of one image, as an RGBA overlay, and how many there are
    (counted in ``counted``, the whole plane, when the image is a strided view of it)."""

    def __init__(self, image: np.ndarray, counted: np.ndarray | None = None) -> None:
        self.nan = self.inf = 0
        self.overlay: np.ndarray | None = None
        if image.dtype.kind not in "fc" or np.isfinite(image).all():
            return
        nan = np.isnan(image)
        inf = np.isinf(image)
        if counted is not None and counted is not image:
            self.nan, self.inf = int(np.isnan(counted).sum()), int(np.isinf(counted).sum())
        else:
            self.nan, self.inf = int(nan.sum()), int(inf.sum())
        overlay = np.zeros((*image.shape, 4), dtype=np.uint8)  # transparent where finite
        overlay[nan] = (*NAN_COLOUR, 255)
        overlay[inf] = (*INF_COLOUR, 255)
        self.overlay = overlay

    def show_on(self, item: pg.ImageItem) -> None:
        """Draw the overlay on ``item`` (an ImageItem above the heatmap), or clear it."""
        if self.overlay is None:
            item.clear()
        else:
            item.setImage(self.overlay, autoLevels=False, levels=None)

    def note(self) -> str:
        """Rich text for a title or label: which colour stands for what; "" if none."""
        parts = []
        if self.nan:
            parts.append(f"{_swatch(NAN_COLOUR)} {self.nan:,} NaN")
        if self.inf:
            parts.append(f"{_swatch(INF_COLOUR)} {self.inf:,} \u00b1Inf")
        return ", ".join(parts)


def overlay_item() -> pg.ImageItem:
    item = pg.ImageItem()
    item.setZValue(10)  # above the heatmap
    return item


def _swatch(colour: tuple[int, int, int]) -> str:
    return f"<span style='color: rgb{colour};'>\u25a0</span>"
