"""Views of tensors too large to read whole: the line or heatmap comes from a min/max
envelope (core/analysis/envelope.py) and the table reads the rows it shows.

The first plane shown of a large N-D tensor is the one over its last two axes at
index 0 of the others: its elements are contiguous in the file, so the statistics
pass builds its envelope on the way. Any other plane the user picks is read on its
own (:func:`plane_envelope`), through a memory map, touching only its elements.
"""

from __future__ import annotations

from collections.abc import Callable

from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.views.planes import PlaneChoice, plane

LARGE_VIEW_BYTES = 32 << 20  # larger tensors are never read whole for a view
_ROWS_READ_ELEMENTS = 1 << 20  # a plane is read this many elements at a time


def large_choice(shape: tuple[int, ...]) -> PlaneChoice | None:
    """The first plane of a large tensor: the last two axes, the others at 0."""
    if len(shape) < 2:
        return None
    return PlaneChoice(len(shape) - 2, len(shape) - 1, (0,) * len(shape))


def streamed_envelope(shape: tuple[int, ...], choice: PlaneChoice | None) -> BlockEnvelope | None:
    """An empty envelope the statistics pass can fill: of the whole vector, or of the
    plane ``choice`` when its elements are contiguous (the last two axes); else None."""
    if len(shape) == 1:
        return BlockEnvelope.for_region(1, shape[0])
    if choice is None or (choice.rows, choice.cols) != (len(shape) - 2, len(shape) - 1):
        return None
    leading = tuple(min(max(i, 0), n - 1) for i, n in zip(choice.fixed[:-2], shape[:-2], strict=True))
    base = int(np.ravel_multi_index((*leading, 0, 0), shape))
    return BlockEnvelope.for_region(shape[-2], shape[-1], base)


def plane_envelope(
    values: np.ndarray,
    choice: PlaneChoice,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BlockEnvelope:
    """The envelope of one plane of ``values`` (a memory map: only the plane's
    elements are read), a band of rows at a time, in storage order: a plane whose
    rows axis comes after its columns axis is read as its transpose, and the
    envelope transposed (reading it column by column would touch every page of the
    plane for each band)."""
    if choice.rows > choice.cols:
        flipped = PlaneChoice(choice.cols, choice.rows, choice.fixed)
        return plane_envelope(values, flipped, cancelled, progress).transposed()
    shown = plane(values, choice)
    rows, cols = shown.shape
    envelope = BlockEnvelope.for_region(rows, cols)
    step = max(1, _ROWS_READ_ELEMENTS // max(cols, 1))
    for start in range(0, rows, step):
        if cancelled is not None and cancelled():
            raise Cancelled()
        band = np.ascontiguousarray(shown[start : start + step])
        envelope.add(band.reshape(-1), start * cols)
        if progress is not None:
            progress(min(rows, start + step), rows)
    return envelope
