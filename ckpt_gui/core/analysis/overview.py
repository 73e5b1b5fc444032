"""Everything the app shows about one large tensor, from two streamed passes instead
of one per view: the first computes the exact statistics (the same as ``inspect
--stats``), the first NaN/Inf positions and the min/max envelope the plot or heatmap
is drawn from; the second counts the histogram, whose range the first one found.

Both work on a :class:`TensorChunks`, whatever reads it: a checkpoint in this process
(:func:`chunks_of`), or one data file in the app's pass process (pass_child.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.analysis.histogram import DEFAULT_BINS, Histogram, two_pass_histogram
from ckpt_gui.core.analysis.real_numbers import as_real
from ckpt_gui.core.analysis.stats import Partial, TensorStats, summarize_chunk
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.values.scratch import Scratch

MAX_POSITIONS = 10  # NaN/Inf positions listed: the first few say where to look

Progress = Callable[[int], None] | None
Cancelled = Callable[[], bool] | None


@dataclass(frozen=True, slots=True)
class NonFinite:
    """One NaN or Inf: its index in the tensor and what it is ("NaN", "+Inf", "-Inf")."""

    index: tuple[int, ...]
    kind: str


@dataclass(frozen=True, slots=True)
class FirstPass:
    stats: TensorStats
    positions: tuple[NonFinite, ...]  # the first MAX_POSITIONS, in storage order
    envelope: BlockEnvelope | None


@dataclass(frozen=True, slots=True)
class TensorChunks:
    """One tensor as the passes see it: its shape, its values' type and its chunk
    mapper, ``map(fn, progress, cancelled, chunk_bytes, verify, positioned)`` (the
    arguments of :meth:`Checkpoint.map_chunks` after the key)."""

    shape: tuple[int, ...]
    dtype: np.dtype
    map: Callable[..., Iterator]


def chunks_of(ckpt: Checkpoint, key: str) -> TensorChunks:
    """The variable ``key`` of ``ckpt``, read in this process."""
    entry = ckpt.entry(key)
    return TensorChunks(tuple(entry.shape), numpy_dtype(entry.dtype), functools.partial(ckpt.map_chunks, key))


def first_pass(
    ckpt: Checkpoint,
    key: str,
    envelope: BlockEnvelope | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> FirstPass:
    """Statistics, the first NaN/Inf positions and ``envelope`` filled, in one pass
    (CRC32C verified), chunks in parallel."""
    return first_pass_over(chunks_of(ckpt, key), envelope, progress, cancelled, chunk_bytes)


def first_pass_over(
    tensor: TensorChunks,
    envelope: BlockEnvelope | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> FirstPass:
    """:func:`first_pass` of a tensor however it is read."""

    def chunk_facts(chunk: np.ndarray, scratch: Scratch, start: int):
        part = summarize_chunk(chunk, scratch)
        where = _nonfinite(chunk, start) if part.nan or part.posinf or part.neginf else []
        return part, where, envelope.chunk_blocks(chunk, start) if envelope is not None else []

    total, found = Partial(), []
    for part, where, blocks in tensor.map(chunk_facts, progress, cancelled, chunk_bytes, True, True):
        total.merge(part)
        found.extend(where[: MAX_POSITIONS - len(found)])
        if envelope is not None:
            envelope.merge(blocks)
    positions = tuple(NonFinite(_unravel(flat, tensor.shape), kind) for flat, kind in found)
    return FirstPass(total.stats(), positions, envelope)


def histogram_pass(
    ckpt: Checkpoint,
    key: str,
    stats: TensorStats,
    bins: int = DEFAULT_BINS,
    value_range: tuple[float, float] | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Histogram:
    """The histogram over ``value_range`` or the data's range (from ``stats``), in
    one pass that need not verify CRCs again (the first pass did)."""
    return histogram_pass_over(chunks_of(ckpt, key), stats, bins, value_range, progress, cancelled, chunk_bytes)


def histogram_pass_over(
    tensor: TensorChunks,
    stats: TensorStats,
    bins: int = DEFAULT_BINS,
    value_range: tuple[float, float] | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Histogram:
    """:func:`histogram_pass` of a tensor however it is read."""

    def map_chunks(fn, _verify: bool):
        return tensor.map(fn, progress, cancelled, chunk_bytes, False)

    return two_pass_histogram(map_chunks, tensor.dtype, bins, value_range, stats, with_moments=False).result()


def _nonfinite(chunk: np.ndarray, start: int) -> list[tuple[int, str]]:
    values, _magnitude = as_real(chunk)
    if values.dtype.kind != "f":
        return []
    where = np.flatnonzero(~np.isfinite(values))[:MAX_POSITIONS]
    return [(start + int(i), _kind(values[i])) for i in where]


def _kind(value) -> str:
    return "NaN" if np.isnan(value) else "+Inf" if value > 0 else "-Inf"


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()
