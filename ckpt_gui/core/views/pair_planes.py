"""The comparison's heatmaps of a pair: the pictures of A's, B's and B - A's plane.

A plane with more rows or columns than a heatmap has pixels is cut into blocks (at
most MAX_ENVELOPE_SIDE along each axis, as the browse heatmap's), each drawn as its
value furthest from zero: a single outlier in a [90472, 8] embedding shows, where
skipping rows lost it. B - A is made from the element-wise difference, block by
block, not from the two pictures: one changed element among a block's thousands
shows, with its sign. A block holding a NaN is drawn NaN (the overlays colour it): a
NaN that appeared is a change to see.

The planes are read a band of rows at a time, in storage order, from arrays in
memory or memory maps alike: a large pair's pictures take the memory of a band of
each side, not of the tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ckpt_gui.core.analysis.envelope import MAX_ENVELOPE_SIDE, BlockEnvelope
from ckpt_gui.core.analysis.real_numbers import as_real
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.views.planes import PlaneChoice, as_image, plane

BAND_ELEMENTS = 1 << 20  # a plane is read this many elements a side at a time


@dataclass(frozen=True, slots=True)
class PlanePicture:
    """One heatmap: ``image`` has a cell per block of ``block`` (rows, columns) of the
    plane's ``rows`` x ``cols`` values ((1, 1): every value its own cell)."""

    image: np.ndarray
    rows: int
    cols: int
    block: tuple[int, int]


def side_picture(values: np.ndarray, choice: PlaneChoice, cancelled: Callable[[], bool] | None = None) -> PlanePicture:
    """The picture of one side's plane ``choice``."""
    return pair_pictures(values, None, choice, cancelled)[0]


def pair_pictures(
    a: np.ndarray,
    b: np.ndarray | None,
    choice: PlaneChoice,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[PlanePicture, PlanePicture | None, PlanePicture | None]:
    """The pictures of plane ``choice`` of ``a``, of ``b`` (the same shape) and of
    B - A, from one read of each band of both planes (``b`` None: A's alone)."""
    if choice.rows > choice.cols:
        # Read in storage order, as the transpose of the plane (a band of the plane's
        # rows would touch every page of a memory-mapped plane), and turn the pictures.
        flipped = PlaneChoice(choice.cols, choice.rows, choice.fixed)
        pictures = _pictures(a, b, flipped, cancelled)
        return tuple(None if env is None else _picture(env.transposed(), kind) for env, kind in pictures)
    return tuple(None if env is None else _picture(env, kind) for env, kind in _pictures(a, b, choice, cancelled))


def _pictures(a, b, choice: PlaneChoice, cancelled):
    """The envelopes of A, B and B - A (None for B and B - A without ``b``) and the
    kind of image each becomes (a dtype)."""
    planes = [plane(a, choice)] + ([plane(b, choice)] if b is not None else [])
    rows, cols = planes[0].shape
    envelopes = plane_envelopes(rows, cols, 1 if b is None else 2)
    step = max(1, BAND_ELEMENTS // max(cols, 1))
    for start in range(0, rows, step):
        if cancelled is not None and cancelled():
            raise Cancelled()
        bands = [np.ascontiguousarray(shown[start : start + step]).reshape(-1) for shown in planes]
        for envelope, band in zip(envelopes, bands, strict=False):
            envelope.add(band, start * cols)
        if b is not None:
            envelopes[2].add(difference(bands[0], bands[1]), start * cols)
    kinds = [_image_dtype(a.dtype), _image_dtype(b.dtype) if b is not None else None, np.dtype(np.float64)]
    if b is None:
        return [(envelopes[0], kinds[0]), (None, None), (None, None)]
    return list(zip(envelopes, kinds, strict=True))


def plane_envelopes(rows: int, cols: int, sides: int, base: int = 0) -> list[BlockEnvelope]:
    """Empty envelopes of a plane of ``rows`` x ``cols`` starting at flat index ``base``:
    one side's, or (``sides`` 2) A's, B's and B - A's."""
    block = (max(1, -(-rows // MAX_ENVELOPE_SIDE)), max(1, -(-cols // MAX_ENVELOPE_SIDE)))  # 1: an empty side
    return [BlockEnvelope(rows, cols, *block, base, mark_nan=True) for _ in range(1 if sides == 1 else 3)]


def envelope_pictures(
    envelopes: list[BlockEnvelope], dtype_a: np.dtype, dtype_b: np.dtype
) -> tuple[PlanePicture, PlanePicture, PlanePicture]:
    """The pictures of A, B and B - A from their filled envelopes (:func:`plane_envelopes`)."""
    kinds = (_image_dtype(dtype_a), _image_dtype(dtype_b), np.dtype(np.float64))
    return tuple(_picture(envelope, kind) for envelope, kind in zip(envelopes, kinds, strict=True))


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """B - A element-wise, in float64 (integers do not wrap around); for complex
    values the magnitude |B - A| (a change of phase alone is a change, and has no sign)."""
    with np.errstate(invalid="ignore", over="ignore"):  # Inf - Inf: NaN, drawn as such
        if a.dtype.kind == "c" or b.dtype.kind == "c":
            return np.abs(np.subtract(b, a, dtype=np.complex128))
        return np.subtract(as_real(b)[0], as_real(a)[0], dtype=np.float64)


def _image_dtype(dtype: np.dtype) -> np.dtype:
    """What a heatmap of these values is drawn in (as the browse heatmap's)."""
    return as_image(np.empty(0, dtype=dtype)).dtype


def _picture(envelope: BlockEnvelope, dtype: np.dtype) -> PlanePicture:
    image = envelope.image().astype(dtype, copy=False)
    return PlanePicture(image, envelope.rows, envelope.cols, (envelope.block_rows, envelope.block_cols))
