"""Histograms of a tensor (or of several as one population), chunk by chunk in
bounded memory, in two passes: the finite extremes first (the range depends on
them), then the counts.

Counts are exactly ``np.histogram``'s over the same values and range. Float chunks
inside the range are counted by the optional C kernel (histogram_kernel) when it is
built, else by the fast numpy way. That way
(:class:`FineBins`, float chunks inside the range) gives every value an int16 "cell"
number with one subtraction and one multiplication, having proved once per histogram
that rounding can only misplace values lying in the two cells at a bin edge; it
counts all other values by their cell's bin and the few in those cells exactly.
Anything else (NaN or Inf in the chunk, values outside the range, integer types, a
range the arithmetic cannot resolve) takes the general way: sort the chunk and
locate every bin edge by binary search.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ckpt_gui.core.analysis import histogram_kernel
from ckpt_gui.core.analysis.real_numbers import as_real, real_dtype
from ckpt_gui.core.analysis.stats import Partial, TensorStats, add_moments, count_zeros, range_chunk
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.values.scratch import Scratch

DEFAULT_BINS = 100

# fn(chunk, scratch) -> Partial run over every chunk of the values, and whether to
# verify the chunks' CRCs: the partials, in any order.
MapChunks = Callable[[Callable[["np.ndarray", Scratch], Partial], bool], Iterable[Partial]]


@dataclass(frozen=True, slots=True)
class Histogram:
    counts: np.ndarray  # int64, len == bins
    edges: np.ndarray  # len == bins + 1
    nan: int
    posinf: int
    neginf: int
    outside: int = 0  # finite values outside the requested range
    of_magnitude: bool = False

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def count_chunk(
    chunk: np.ndarray,
    edges: np.ndarray,
    with_moments: bool = True,
    fine: FineBins | None = None,
    scratch: Scratch | None = None,
) -> Partial:
    """Everything :func:`summarize_chunk` gives, plus histogram counts over ``edges``.

    A float chunk of finite values inside the edges (the usual case) is counted by the
    C kernel (histogram_kernel) when it is built, else, with ``fine``, the
    :meth:`FineBins.plan` for these edges, without sorting the values.
    Otherwise from one sorted copy of the chunk: each count is a binary search, exact
    for values on or next to an edge. NaN sorts last, -inf first and +inf just before
    NaN, so those counts, the zeros and the extremes are binary searches too."""
    values, magnitude = as_real(chunk)
    scratch = scratch or Scratch()
    part = histogram_kernel.counted_in_c(values, edges, magnitude)  # float chunks inside the edges, in C
    if part is not None:
        if with_moments:
            add_moments(part, values, scratch)
        return part
    if fine is not None and fine.edges is edges and values.size >= _MIN_FINE and values.dtype == edges.dtype:
        low, high = values.min(), values.max()
        if edges[0] <= low and high <= edges[-1]:  # False for NaN, Inf and values out of range
            part = Partial(count=values.size, low=low.item(), high=high.item(), of_magnitude=magnitude)
            part.zeros = count_zeros(values, scratch)
            part.counts = fine.counts(values, scratch)
            if with_moments:
                add_moments(part, values, scratch)
            return part
    ordered = scratch.array("work", values.size, values.dtype)
    np.copyto(ordered, values)
    ordered.sort()
    n = ordered.size
    part = Partial(count=n, of_magnitude=magnitude)
    begin, end = 0, n
    if ordered.dtype.kind == "f" and n:
        # Search with scalars of the array's own type: a Python float would make
        # numpy convert the whole array to float64 first.
        inf = ordered.dtype.type(np.inf)
        end = int(np.searchsorted(ordered, inf, side="right"))
        part.nan = n - end
        finite_end = int(np.searchsorted(ordered[:end], inf, side="left"))
        part.posinf = end - finite_end
        begin = int(np.searchsorted(ordered, -inf, side="right"))
        part.neginf = begin
        end = finite_end
    finite = ordered[begin:end]
    zero = finite.dtype.type(0)
    part.zeros = int(np.searchsorted(finite, zero, side="right") - np.searchsorted(finite, zero, side="left"))
    if finite.size:
        part.low, part.high = finite[0].item(), finite[-1].item()
        if with_moments:
            add_moments(part, finite, scratch)
    part.counts, part.outside = _sorted_counts(finite, edges)
    return part


def _sorted_counts(ordered: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, int]:
    """Histogram counts of sorted finite values, and how many fall outside the edges."""
    below = np.searchsorted(ordered, edges[:-1], side="left")  # values < each left edge
    upto_last = np.searchsorted(ordered, edges[-1], side="right")  # the last bin includes its right edge
    counts = np.diff(np.append(below, upto_last)).astype(np.int64)
    return counts, ordered.size - int(upto_last - below[0])


# Below this many values a chunk is simply sorted: as fast, and the code path the
# small test tensors exercise everywhere.
_MIN_FINE = 1 << 14
_INT16_MAX = (1 << 15) - 1  # np.iinfo(np.int16).max, without importing numpy with the module
_GIL_SLICE = 1 << 16  # values per call of a numpy function that holds the GIL (~0.1 ms)


@dataclass(frozen=True, slots=True)
class FineBins:
    """Exact histogram counts over fixed edges for float values, without sorting them.

    Sorting float32 costs ~3 ns a value; this costs about 1. Every value x gets a
    "cell" ``trunc((x - offset) * scale)``, computed in the values' own float type and
    stored as int16, with F = ``2**shift`` cells per bin, offset so that edge k falls
    on the border between cells ``k*F`` and ``k*F + 1``. Subtraction, multiplication
    by a positive number and truncation are each monotone in IEEE arithmetic, so the
    cell never decreases as x grows. :meth:`plan` evaluates the cells of every edge e
    and of the float just below it: when ``cell(e) >= k*F`` and ``cell(below e) <=
    k*F + 1``, every value in any other cell is on the correct side of edge k, so its
    bin is exactly ``cell >> shift``. Only the values in the two cells around an edge
    (2/F of the values, under 1% for 100 bins) need the exact treatment, a comparison
    with that edge (bin k - 1 below it, bin k from it on); the rest are counted by
    their int16 bin numbers with np.bincount. When most values are near an edge (B - A
    of a pair with few changes: its zeros at the low edge), every bin number is
    corrected in place rather than the near values gathered.
    """

    edges: np.ndarray
    offset: np.floating
    scale: np.floating
    shift: int

    @classmethod
    def plan(cls, edges: np.ndarray) -> FineBins | None:
        """The cell arithmetic for these edges, or None when rounding could misplace
        a value by more than a cell (or the range overflows): then sort instead."""
        bins = edges.size - 1
        if edges.dtype not in (np.float32, np.float64) or bins < 1:
            return None
        shift = 8  # 256 cells a bin, as many as int16 allows for up to 127 bins
        while shift > 4 and (bins << shift) + 2 > _INT16_MAX:
            shift -= 1
        cells = 1 << shift
        if bins * cells + 2 > _INT16_MAX:
            return None  # thousands of bins: the cells around the edges would hold too many values
        kind = edges.dtype.type
        first, last = edges[0], edges[-1]
        with np.errstate(all="ignore"):
            scale = kind(bins * cells) / (last - first)
            offset = first - kind(1) / scale  # edge 0 at the start of cell 1
        if not (np.isfinite(scale) and np.isfinite(offset) and scale > 0):
            return None
        fine = cls(edges, offset, scale, shift)
        inner = edges[1:-1]
        probes = np.concatenate([edges[:1], inner, np.nextafter(inner, kind(-np.inf)), edges[-1:]])
        scaled = fine._scaled(probes, np.empty_like(probes))
        if not (scaled[0] >= 0 and scaled[-1] < _INT16_MAX):  # the lowest and highest cells fit int16
            return None
        at = scaled.astype(np.int16).astype(np.int64)
        borders = np.arange(1, bins, dtype=np.int64) * cells
        if not (
            np.all(at[1:bins] >= borders)  # no value at or above edge k lands below cell k*F
            and np.all(at[bins : 2 * bins - 1] <= borders + 1)  # none below it lands above cell k*F + 1
            and at[-1] <= bins * cells + 1  # the top edge's cell is one of the last two
        ):
            return None
        return fine

    def _scaled(self, values: np.ndarray, out: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            np.subtract(values, self.offset, out=out)
            return np.multiply(out, self.scale, out=out)

    def counts(self, values: np.ndarray, scratch: Scratch) -> np.ndarray:
        """Histogram counts of ``values``: all finite and within the edges, the edges' dtype."""
        n, bins = values.size, self.edges.size - 1
        # Whole-chunk operations, not cache-sized blocks: with chunks on two threads,
        # many short numpy calls spend more time handing the GIL over than they save.
        scaled = self._scaled(values, scratch.array("work", n, values.dtype))
        cells = scratch.array("cells", n, np.int16)
        np.copyto(cells, scaled, casting="unsafe")  # truncates
        # Cells k*F and k*F + 1 (low bits 0 or 1) are the only ones whose bin needs a
        # comparison, with edge k.
        per_bin = 1 << self.shift
        low_bits = np.bitwise_and(cells, per_bin - 2, out=scratch.array("work", n, np.int16))
        near = np.equal(low_bits, 0, out=scratch.array("flags", n, np.bool_))
        dense = np.count_nonzero(near) * _DENSE_NEAR > n
        if dense:
            # Those at the first edge are in bin 0 and those at the last in the last bin
            # without one: often all of them (B - A of a pair with few changes, its zeros
            # at the first edge).
            inner = np.greater_equal(cells, per_bin, out=scratch.array("below", n, np.bool_))
            np.logical_and(near, inner, out=near)
            np.logical_and(near, np.less(cells, bins * per_bin, out=inner), out=near)
            dense = np.count_nonzero(near) * _DENSE_NEAR > n
        np.right_shift(cells, self.shift, out=cells)  # now bin numbers, 0..bins
        if dense:
            # Many values at an inner edge (integers; B - A with its zeros at the middle
            # edge): gathering them would cost more than correcting every bin number.
            counts = self._counted(cells, self._below_edge(values, cells, near, scratch), bins)
        else:
            where = np.flatnonzero(near)
            near_cells = cells.take(where)
            below = np.less(values.take(where), self.edges.take(near_cells))
            counts = self._counted(cells, None, bins)
            counts -= np.bincount(near_cells, minlength=bins + 1)  # exact for all values not near an edge...
            # ...plus those near one: in bin k - 1 below edge k, in bin k from it on.
            counts += np.bincount(np.subtract(near_cells, below, dtype=np.int16), minlength=bins + 1)
        counts[bins - 1] += counts[bins]  # the last bin includes its right edge
        return counts[:bins]

    def _below_edge(self, values: np.ndarray, cells: np.ndarray, near: np.ndarray, scratch: Scratch) -> np.ndarray:
        """Flags of the values near an edge and below it (their bin is one less)."""
        edge = self.edges.take(cells, out=scratch.array("work", values.size, self.edges.dtype))
        below = np.less(values, edge, out=scratch.array("below", values.size, np.bool_))
        return np.logical_and(below, near, out=below)

    @staticmethod
    def _counted(cells: np.ndarray, below: np.ndarray | None, bins: int) -> np.ndarray:
        """The counts of the bin numbers ``cells`` (less one where ``below``), 0..bins."""
        # Counted with np.bincount, not by sorting the int16 bin numbers: numpy's 16-bit
        # sort is fast only on CPUs with AVX512-VBMI2 and ten times slower than this
        # elsewhere (measured 146 ms against 13 ms per million values). np.bincount
        # holds the GIL, so it gets a slice at a time: the GUI thread never waits for
        # more than one slice.
        if below is not None:
            np.subtract(cells, below, out=cells, casting="unsafe")
        counts = np.zeros(bins + 1, np.int64)
        for start in range(0, cells.size, _GIL_SLICE):
            counts += np.bincount(cells[start : start + _GIL_SLICE], minlength=bins + 1)
        return counts


_DENSE_NEAR = 8  # more than 1/8 of a chunk's values near an edge: correct all bin numbers in place


@dataclass(slots=True)
class HistogramAccumulator:
    """Exact ``np.histogram`` counts over a fixed range, accumulated over chunks.

    The edges are ``np.histogram``'s for the same bins and range: give the range as
    the values' own scalars (:func:`default_range` does) to get the histogram of
    ``np.histogram(all_finite_values, bins)``, or as Python floats for the one of
    ``np.histogram(values, bins, range=(low, high))``.
    """

    bins: int
    low: float | int
    high: float | int
    partial: Partial = field(default_factory=Partial)
    _edges: np.ndarray | None = None
    _fine: FineBins | None = None
    _scratch: Scratch = field(default_factory=Scratch)

    def __post_init__(self) -> None:
        if self.bins < 1:
            raise ValueError("a histogram needs at least one bin")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"bad histogram range {self.low}..{self.high}")

    def edges_for(self, dtype: np.dtype) -> np.ndarray:
        if self._edges is None:
            try:
                with np.errstate(all="ignore"):  # an overflowing width is handled below, not warned about
                    empty = np.empty(0, dtype)
                    edges = np.histogram_bin_edges(empty, bins=self.bins, range=(self.low, self.high))
                if not np.isfinite(edges).all():  # one bin over the whole float range: a NaN first edge
                    raise ValueError(edges)
                self._edges = edges
            except ValueError:  # "Too many bins for data range": numpy gives up, this does not
                self._edges = _wide_edges(self.bins, self.low, self.high)
            else:
                self._fine = FineBins.plan(self._edges)
        return self._edges

    def fine_bins(self) -> FineBins | None:
        """The plan for counting without sorting (after :meth:`edges_for`), if any."""
        return self._fine

    def add(self, chunk: np.ndarray, with_moments: bool = False) -> None:
        edges = self.edges_for(real_dtype(chunk.dtype))
        self.partial.merge(count_chunk(chunk, edges, with_moments, self._fine, self._scratch))

    def add_partial(self, part: Partial) -> None:
        self.partial.merge(part)

    def result(self) -> Histogram:
        edges = self._edges if self._edges is not None else self.edges_for(np.dtype(np.float64))
        counts = self.partial.counts if self.partial.counts is not None else np.zeros(self.bins, np.int64)
        p = self.partial
        return Histogram(counts, edges, p.nan, p.posinf, p.neginf, p.outside, p.of_magnitude)


def _wide_edges(bins: int, low: float | int, high: float | int) -> np.ndarray:
    """Edges where numpy's own cannot be made in the values' dtype: a range of a few
    adjacent float32 numbers (too narrow for ``bins`` distinct edges) or one whose
    width overflows (the whole float range). In float64, from the halved ends, so
    neither the width nor any edge overflows; for adjacent float64 numbers some edges
    repeat (empty bins), which np.histogram accepts as bins too. Values are compared
    with these edges exactly (numpy promotes float32 to float64 for that)."""
    low, high = float(low), float(high)
    fraction = np.arange(bins + 1, dtype=np.float64) / bins
    edges = (low / 2 * (1 - fraction) + high / 2 * fraction) * 2
    edges[0], edges[-1] = low, high
    return np.maximum.accumulate(np.clip(edges, low, high))


def default_range(extremes: TensorStats | Partial | None, dtype: np.dtype) -> tuple:
    """The range ``np.histogram`` would pick for values of ``dtype``: their finite min
    and max as scalars of the values' real dtype ((0, 1) when there is none)."""
    if extremes is None:
        return 0, 1
    low, high = (extremes.min, extremes.max) if isinstance(extremes, TensorStats) else (extremes.low, extremes.high)
    if low is None or high is None:
        return 0, 1
    convert = real_dtype(dtype).type
    return convert(low), convert(high)


def two_pass_histogram(
    map_chunks: MapChunks,
    dtype: np.dtype,
    bins: int = DEFAULT_BINS,
    value_range: tuple | None = None,
    extremes: TensorStats | Partial | None = None,
    with_moments: bool = True,
) -> HistogramAccumulator:
    """The histogram of values of ``dtype`` over ``value_range``, or else over the
    finite min..max as ``np.histogram`` picks it: from ``extremes`` when known, from a
    first pass over the chunks otherwise. The second pass counts (and, with
    ``with_moments``, sums the moments); after a first pass it need not verify CRCs."""
    first_pass = value_range is None and extremes is None
    if first_pass:
        extremes = Partial()
        for part in map_chunks(_extremes_of_chunk, True):
            extremes.merge(part)
    if value_range is None:
        value_range = default_range(extremes, dtype)
    acc = HistogramAccumulator(bins, value_range[0], value_range[1])
    edges = acc.edges_for(real_dtype(dtype))
    fine = acc.fine_bins()

    def count(chunk: np.ndarray, scratch: Scratch) -> Partial:
        return count_chunk(chunk, edges, with_moments, fine, scratch)

    for part in map_chunks(count, not first_pass):
        acc.add_partial(part)
    return acc


def _extremes_of_chunk(chunk: np.ndarray, _scratch: Scratch) -> Partial:
    return range_chunk(chunk)


def map_serially(chunks: Callable[[], Iterable[np.ndarray]]) -> MapChunks:
    """A :data:`MapChunks` over the chunks ``chunks()`` yields afresh for each pass,
    on this thread (the chunks verify themselves as they are read, or need not)."""

    def run(fn: Callable[[np.ndarray, Scratch], Partial], _verify: bool) -> Iterable[Partial]:
        scratch = Scratch()
        return (fn(chunk, scratch) for chunk in chunks())

    return run
