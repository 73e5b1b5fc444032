"""The histograms of a selected pair of one shape and dtype, and its heatmaps' block
extremes, from two passes over both values.

A's and B's histograms share one range (the same bins on both sides) and B - A's has
its own, so the ranges need the finite extremes of A, B and B - A: the first pass
takes them, and on the way the heatmaps' block extremes when the plane shown is a
contiguous part of the storage (a matrix; the last two axes of an N-D tensor at
index 0 of the others); the second pass counts all three histograms. Before, each
was its own pass (a range pass, A's and B's histograms, and B - A's two passes:
six reads of each side, with the heatmaps').

Each pass reads A's and B's chunks side by side (:func:`aligned_chunks`, bounded
memory: a chunk of each side in flight per worker), B - A made once per chunk, the
chunks summarised on the worker threads. The first pass checks the CRCs, the second
need not. The counts are exactly ``np.histogram``'s over the same bins
(:class:`HistogramAccumulator`), NaN and Inf counted apart as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ckpt_gui.core.analysis.diff import CheckpointDiff, Pair
from ckpt_gui.core.analysis.diff_values import should_parallelize
from ckpt_gui.core.analysis.envelope import BlockEnvelope, BlockPiece
from ckpt_gui.core.analysis.histogram import FineBins, Histogram, HistogramAccumulator, count_chunk, default_range
from ckpt_gui.core.analysis.real_numbers import real_dtype
from ckpt_gui.core.analysis.stats import Partial, range_chunk
from ckpt_gui.core.analysis.value_comparison import aligned_chunks
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.values.parallel import ordered_map
from ckpt_gui.core.values.scratch import Scratch, ScratchPool
from ckpt_gui.core.views.pair_planes import difference, plane_envelopes


@dataclass(slots=True)
class PairHistograms:
    hist_a: Histogram
    hist_b: Histogram
    hist_diff: Histogram | None  # None when no difference is finite (or none was asked for)
    envelopes: list[BlockEnvelope] | None = None  # A's, B's and B - A's, when a region was given


@dataclass(slots=True)
class _Extremes:
    """What the first pass learns from one pair of chunks."""

    a: Partial
    b: Partial
    diff: Partial = field(default_factory=Partial)
    blocks: list[list[BlockPiece]] | None = None


def pair_histograms(
    diff: CheckpointDiff,
    pair: Pair,
    bins: int,
    with_diff: bool,
    region: tuple[int, int, int] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PairHistograms:
    """A's and B's histograms over their shared finite range, B - A's (``with_diff``)
    over its own, and the envelopes of ``region`` (rows, columns, flat index of its
    first element) of A, B and B - A. Both sides numeric, of one shape and dtype."""
    parallel = should_parallelize(pair.a.num_elements)
    passes = _Passes(with_diff, plane_envelopes(*region[:2], 2, region[2]) if region is not None else None)
    low_high, diff_range = Partial(), Partial()
    for found in ordered_map(passes.extremes, _chunks(diff, pair, True, cancelled), parallel):
        low_high.merge(found.a)
        low_high.merge(found.b)
        diff_range.merge(found.diff)
        for envelope, pieces in zip(passes.envelopes or (), found.blocks or (), strict=True):
            envelope.merge(pieces)
    # One range for both sides, so their bins are the same bins (Python floats, as before).
    low, high = (float(low_high.low), float(low_high.high)) if low_high.low is not None else (0.0, 1.0)
    sides = [HistogramAccumulator(bins, low, high) for _ in range(2)]
    passes.with_diff = with_diff and diff_range.low is not None  # some difference is finite
    if passes.with_diff:
        sides.append(HistogramAccumulator(bins, *default_range(diff_range, np.dtype(np.float64))))
    dtypes = [real_dtype(numpy_dtype(diff.a.entry(pair.a.key).dtype))] * 2 + [np.dtype(np.float64)]
    passes.plans = [(acc.edges_for(dtype), acc.fine_bins()) for acc, dtype in zip(sides, dtypes, strict=False)]
    for parts in ordered_map(passes.counts, _chunks(diff, pair, False, cancelled), parallel):
        for acc, part in zip(sides, parts, strict=True):
            acc.add_partial(part)
    hist_diff = sides[2].result() if passes.with_diff else None
    return PairHistograms(sides[0].result(), sides[1].result(), hist_diff, passes.envelopes)


@dataclass(slots=True)
class _Passes:
    """What each pass does with one pair of chunks, on a worker thread."""

    with_diff: bool
    envelopes: list[BlockEnvelope] | None
    plans: list[tuple[np.ndarray, FineBins | None]] = field(default_factory=list)  # the second pass's edges
    pool: ScratchPool = field(default_factory=ScratchPool)

    def extremes(self, item: tuple[int, np.ndarray, np.ndarray]) -> _Extremes:
        start, a, b = item
        found = _Extremes(range_chunk(a), range_chunk(b))
        if not (self.with_diff or self.envelopes):
            return found
        with self.pool.borrow() as scratch:
            d = _difference(a, b, scratch)
            if self.with_diff:
                found.diff = range_chunk(d)
            if self.envelopes is not None:
                found.blocks = [
                    envelope.chunk_blocks(values, start)
                    for envelope, values in zip(self.envelopes, (a, b, self._pictured(a, b, d)), strict=True)
                ]
        return found

    def _pictured(self, a: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
        """B - A as its picture shows it (complex: |B - A|, pair_planes.difference)."""
        if a.dtype.kind == "c":
            return difference(a, b)
        if self.envelopes[2].block_rows == self.envelopes[2].block_cols == 1:
            return d.copy()  # unreduced blocks are views of it, merged after the scratch is reused
        return d

    def counts(self, item: tuple[int, np.ndarray, np.ndarray]) -> list[Partial]:
        _start, a, b = item
        with self.pool.borrow() as scratch:
            values = [a, b, _difference(a, b, scratch)] if self.with_diff else [a, b]
            return [
                count_chunk(v, edges, False, fine, scratch) for v, (edges, fine) in zip(values, self.plans, strict=True)
            ]


def _chunks(
    diff: CheckpointDiff, pair: Pair, verify: bool, cancelled: Callable[[], bool] | None
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(flat index of the first element, A's chunk, B's chunk), read on this thread."""
    start = 0
    for a, b in aligned_chunks(diff, pair, verify=verify):
        if cancelled is not None and cancelled():
            raise Cancelled()
        yield start, a, b
        start += a.size


def _difference(a: np.ndarray, b: np.ndarray, scratch: Scratch) -> np.ndarray:
    """B - A in float64 as its histogram counts it: of the real dtypes' values (for
    complex, of the real parts, as the comparison's histogram always took them)."""
    out = scratch.array("difference", a.size, np.float64)
    if a.dtype.kind == "c":
        a, b = a.real, b.real
    a = a.astype(real_dtype(a.dtype), copy=False)
    b = b.astype(real_dtype(b.dtype), copy=False)
    with np.errstate(invalid="ignore", over="ignore"):  # Inf - Inf: NaN, counted as such
        return np.subtract(b, a, out=out, dtype=np.float64)
