"""Everything the app shows about one large tensor, from streamed passes instead of
one per view: the main one computes the exact statistics (the same as ``inspect
--stats``), the first NaN/Inf positions and the min/max envelope the plot or heatmap
is drawn from, and counts the histogram too when its range is known before it starts
(a range typed in, or found by :func:`finite_range`, a pass of two reductions a chunk
that costs a fraction of counting in a pass of its own); else :func:`histogram_pass`
counts it after, over the range the main pass found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ckpt_gui.core.analysis.envelope import BlockEnvelope
from ckpt_gui.core.analysis.histogram import (
    DEFAULT_BINS,
    Histogram,
    HistogramAccumulator,
    counts_of_summarized,
    default_range,
    two_pass_histogram,
)
from ckpt_gui.core.analysis.real_numbers import as_real, real_dtype
from ckpt_gui.core.analysis.stats import Partial, TensorStats, range_chunk, summarize_chunk
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
    histogram: Histogram | None = None  # when asked for (``bins``): exactly histogram_pass's


def first_pass(
    ckpt: Checkpoint,
    key: str,
    envelope: BlockEnvelope | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    bins: int | None = None,
    value_range: tuple | None = None,
) -> FirstPass:
    """Statistics, the first NaN/Inf positions and ``envelope`` filled, in one pass
    (CRC32C verified), chunks in parallel; with ``bins``, the histogram over
    ``value_range`` too (the values' finite min..max as :func:`finite_range` gives it,
    or a range typed in), the same counts a :func:`histogram_pass` after it gives."""
    counter = HistogramAccumulator(bins, *value_range) if bins is not None else None
    edges = counter.edges_for(real_dtype(numpy_dtype(ckpt.entry(key).dtype))) if counter is not None else None
    fine = counter.fine_bins() if counter is not None else None

    def chunk_facts(chunk: np.ndarray, scratch: Scratch, start: int):
        part = summarize_chunk(chunk, scratch)
        if edges is not None:
            part.counts, part.outside = counts_of_summarized(chunk, part, edges, fine, scratch)
        where = _nonfinite(chunk, start) if part.nan or part.posinf or part.neginf else []
        return part, where, envelope.chunk_blocks(chunk, start) if envelope is not None else []

    total, found = Partial(), []
    for part, where, blocks in ckpt.map_chunks(key, chunk_facts, progress, cancelled, chunk_bytes, positioned=True):
        total.merge(part)
        found.extend(where[: MAX_POSITIONS - len(found)])
        if envelope is not None:
            envelope.merge(blocks)
    shape = tuple(ckpt.entry(key).shape)
    positions = tuple(NonFinite(_unravel(flat, shape), kind) for flat, kind in found)
    histogram = None
    if counter is not None:
        counter.add_partial(total)
        histogram = counter.result()
    return FirstPass(total.stats(), positions, envelope, histogram)


def finite_range(
    ckpt: Checkpoint,
    key: str,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> tuple:
    """The histogram's default range (``np.histogram``'s: the finite min and max, as
    the values' own scalars) from a pass of two reductions a chunk, so that the
    statistics pass can count the histogram too. CRCs are not checked here: the pass
    after checks them before any result is out."""
    extremes = Partial()
    for part in ckpt.map_chunks(key, _range_of_chunk, progress, cancelled, chunk_bytes, verify=False):
        extremes.merge(part)
    return default_range(extremes, numpy_dtype(ckpt.entry(key).dtype))


def counted_range(
    ckpt: Checkpoint,
    key: str,
    value_range: tuple | None,
    known: TensorStats | None,
    progress: Progress = None,
    cancelled: Cancelled = None,
) -> tuple:
    """The range for :func:`first_pass` to count the histogram over: ``value_range``
    (typed in) if given, else the finite min..max of the statistics ``known``, else
    found by :func:`finite_range` (a pass, reported to ``progress``)."""
    if value_range is not None:
        return value_range
    if known is not None:
        return default_range(known, numpy_dtype(ckpt.entry(key).dtype))
    return finite_range(ckpt, key, progress, cancelled)


def _range_of_chunk(chunk: np.ndarray, _scratch: Scratch) -> Partial:
    return range_chunk(chunk)


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

    def map_chunks(fn, _verify: bool):
        return ckpt.map_chunks(key, fn, progress, cancelled, chunk_bytes, verify=False)

    dtype = numpy_dtype(ckpt.entry(key).dtype)
    return two_pass_histogram(map_chunks, dtype, bins, value_range, stats, with_moments=False).result()


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
