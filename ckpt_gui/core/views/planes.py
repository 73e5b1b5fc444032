"""2-D views of N-D tensors: which axes to show, and the plane at fixed indices."""

from __future__ import annotations

from dataclasses import dataclass

from ckpt_gui.core.analysis.envelope import MAX_ENVELOPE_SIDE, BlockEnvelope
from ckpt_gui.core.deferred import numpy as np

MAX_VIEW_BYTES = 512 << 20  # tensors larger than this are not read whole for the heatmap


@dataclass(frozen=True, slots=True)
class PlaneChoice:
    rows: int  # axis shown vertically
    cols: int  # axis shown horizontally
    fixed: tuple[int, ...]  # index along every axis (ignored for rows and cols)

    def key(self) -> tuple:
        return (self.rows, self.cols, tuple(i for a, i in enumerate(self.fixed) if a not in (self.rows, self.cols)))


def axes_chosen(rows: int, cols: int, before: PlaneChoice) -> tuple[int, int]:
    """The rows' and columns' axes once one of the two boxes changed to ``rows, cols``:
    when both would show one axis, the box not changed takes the axis the changed one
    had (a swap, not a degenerate plane)."""
    if rows != cols:
        return rows, cols
    return (rows, before.rows) if rows != before.rows else (before.cols, cols)


def default_choice(shape: tuple[int, ...]) -> PlaneChoice | None:
    """The two largest axes (later ones on ties: a conv kernel [3, 3, 64, 128] shows
    64 x 128), in their order; every other axis at index 0. None below two dims."""
    if len(shape) < 2:
        return None
    ranked = sorted(range(len(shape)), key=lambda axis: (shape[axis], axis), reverse=True)
    rows, cols = sorted(ranked[:2])
    return PlaneChoice(rows, cols, (0,) * len(shape))


def slice_label(choice: PlaneChoice, shape: tuple[int, ...]) -> str:
    """Which plane of a tensor of more than two axes is shown: "slice [0, 0, :, :] of
    [3, 3, 8, 16], rows axis 2, columns axis 3" (empty for a matrix: it is all there is)."""
    if len(shape) <= 2:
        return ""
    free = (choice.rows, choice.cols)
    index = ", ".join(":" if axis in free else str(choice.fixed[axis]) for axis in range(len(shape)))
    shown = "[" + ", ".join(str(size) for size in shape) + "]"
    return f"slice [{index}] of {shown}, rows axis {choice.rows}, columns axis {choice.cols}"


def plane(value: np.ndarray, choice: PlaneChoice) -> np.ndarray:
    """The 2-D slice ``value[..., :, ..., :, ...]`` with ``rows`` and ``cols`` free."""
    if choice.rows == choice.cols:
        raise ValueError("rows and columns must be different axes")
    index: list[int | slice] = []
    for axis, size in enumerate(value.shape):
        if axis in (choice.rows, choice.cols):
            index.append(slice(None))
        else:
            index.append(min(max(choice.fixed[axis], 0), size - 1))
    result = value[tuple(index)]
    return result if choice.rows < choice.cols else result.T


def as_image(values: np.ndarray) -> np.ndarray:
    """Numbers a heatmap can colour: float32/float64, complex as magnitude, bool as 0/1."""
    kind = values.dtype.kind
    if kind == "c":
        return np.abs(values)
    if kind in "fiub" and values.dtype.itemsize <= 8 and kind != "b":
        return values.astype(np.float64 if values.dtype.itemsize == 8 else np.float32, copy=False)
    return values.astype(np.float32)


def color_limits(image: np.ndarray) -> tuple[float, float, bool]:
    """Levels for the colour scale and whether a diverging map fits (signed data:
    symmetric around zero so that zero is the neutral colour)."""
    finite = image[np.isfinite(image)]
    if finite.size == 0:
        return 0.0, 1.0, False
    low, high = float(finite.min()), float(finite.max())
    if low < 0 < high:
        bound = max(-low, high)
        return -bound, bound, True
    if low == high:
        return low - 0.5, high + 0.5, False
    return low, high, False


MAX_LINE_POINTS = 8192  # longer vectors are drawn as a min/max envelope


def extreme_image(values: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """A plane ready for the tensor panel's heatmap: at most MAX_ENVELOPE_SIDE cells
    along each axis, each the min or the max of its block, whichever lies further from
    zero, NaN when the block holds a NaN, as large tensors' envelopes and the
    comparison's heatmaps are drawn. Returns the image and the block's (rows,
    columns), (1, 1) when every value is its own cell.

    A plane taller (or wider) than the screen has pixels for is drawn one sampled row
    per pixel otherwise: a [90472, 8] embedding's outliers (-3..2.2, std 0.31) were
    lost among the rows between, and it read as a blank pale wash (review)."""
    image = as_image(values)
    rows, cols = image.shape
    block_rows, block_cols = -(-rows // MAX_ENVELOPE_SIDE), -(-cols // MAX_ENVELOPE_SIDE)
    if block_rows == block_cols == 1:
        return image, (1, 1)
    envelope = BlockEnvelope(rows, cols, block_rows, block_cols, mark_nan=True)
    envelope.add(np.ascontiguousarray(image).reshape(-1), 0)
    return envelope.image().astype(image.dtype, copy=False), (block_rows, block_cols)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A long vector drawn as the min and max of each run of ``step`` values."""

    x: np.ndarray
    low: np.ndarray
    high: np.ndarray
    step: int


def vector_envelope(vector: np.ndarray) -> Envelope:
    values = as_image(vector)
    step = max(1, -(-values.size // MAX_LINE_POINTS))
    if step == 1:
        return Envelope(np.arange(values.size), values, values, 1)
    usable = values.size - values.size % step
    runs = values[:usable].reshape(-1, step)
    with np.errstate(invalid="ignore"):
        low, high = np.nanmin(runs, axis=1), np.nanmax(runs, axis=1)
    return Envelope(np.arange(runs.shape[0]) * step, low, high, step)


@dataclass(frozen=True, slots=True)
class ValueView:
    """What the values panel first shows for a tensor, computed off the GUI thread."""

    value: np.ndarray
    envelope: Envelope | None = None  # vectors
    choice: PlaneChoice | None = None  # two or more dimensions
    image: np.ndarray | None = None
    block: tuple[int, int] = (1, 1)  # values per cell of ``image`` (rows, columns)
    limits: tuple[float, float, bool] | None = None


def prepare_view(value: np.ndarray) -> ValueView:
    if value.dtype == object or value.ndim == 0:
        return ValueView(value)
    if value.ndim == 1 or value.size == 0:
        return ValueView(value, envelope=vector_envelope(value.reshape(-1)))
    choice = default_choice(value.shape)
    image, block = extreme_image(plane(value, choice))
    return ValueView(value, choice=choice, image=image, block=block, limits=color_limits(image))
