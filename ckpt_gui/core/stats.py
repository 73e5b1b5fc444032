"""Statistics and histograms of a tensor, computed chunk by chunk in bounded memory.

The caller feeds flat chunks of the tensor (as :meth:`TensorReader.iter_chunks`
yields them), so a tensor larger than RAM works, and chunks may be summarised on
several threads (numpy releases the GIL) and merged afterwards. Numbers are exact:
min, max, mean and std over the finite values (mean and std merged across chunks
with Chan's parallel formulas, in float64), counts of NaN, +Inf, -Inf and zeros.

Histogram counts are exactly ``np.histogram``'s over the same values and range:
each chunk is sorted (numpy's vectorised sort) and every bin edge located by binary
search, which is both exact at the edges and about twice as fast as
``np.histogram``'s own index arithmetic and edge correction. Complex tensors are
summarised by magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .errors import Cancelled

DEFAULT_BINS = 100


@dataclass(frozen=True, slots=True)
class TensorStats:
    count: int
    finite: int
    min: float | int | None  # None when no finite value exists
    max: float | int | None
    mean: float | None
    std: float | None  # population std (ddof=0), like np.std
    nan: int
    posinf: int
    neginf: int
    zeros: int
    of_magnitude: bool = False  # complex tensors: statistics of |z|

    @property
    def sparsity(self) -> float:
        return self.zeros / self.count if self.count else 0.0

    @property
    def has_nonfinite(self) -> bool:
        return bool(self.nan or self.posinf or self.neginf)

    def to_json(self) -> dict:
        return {
            "min": self.min,
            "max": self.max,
            "mean": self.mean,
            "std": self.std,
            "nan": self.nan,
            "posinf": self.posinf,
            "neginf": self.neginf,
            "zeros": self.zeros,
            "count": self.count,
        }


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


@dataclass(slots=True)
class Partial:
    """What is known about some of a tensor's elements; partials of disjoint parts merge."""

    count: int = 0
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    zeros: int = 0
    low: float | int | None = None
    high: float | int | None = None
    finite: int = 0
    mean: float = 0.0
    m2: float = 0.0  # sum of squared deviations from the mean
    counts: np.ndarray | None = None  # histogram counts, when edges were given
    outside: int = 0
    of_magnitude: bool = False

    def merge(self, other: Partial) -> None:
        self.count += other.count
        self.nan += other.nan
        self.posinf += other.posinf
        self.neginf += other.neginf
        self.zeros += other.zeros
        self.of_magnitude = self.of_magnitude or other.of_magnitude
        if other.low is not None:
            self.low = other.low if self.low is None else min(self.low, other.low)
            self.high = other.high if self.high is None else max(self.high, other.high)
        if other.finite and not self.finite:
            self.finite, self.mean, self.m2 = other.finite, other.mean, other.m2
        elif other.finite:  # Chan et al.: merge counts, means and squared deviations
            total = self.finite + other.finite
            delta = other.mean - self.mean
            self.mean += delta * other.finite / total
            self.m2 += other.m2 + delta * delta * self.finite * other.finite / total
            self.finite = total
        if other.counts is not None:
            self.counts = other.counts.copy() if self.counts is None else self.counts + other.counts
            self.outside += other.outside

    def stats(self) -> TensorStats:
        n = self.finite
        return TensorStats(
            self.count, n, self.low, self.high,
            self.mean if n else None, math.sqrt(self.m2 / n) if n else None,
            self.nan, self.posinf, self.neginf, self.zeros, self.of_magnitude,
        )  # fmt: skip


def summarize_chunk(chunk: np.ndarray) -> Partial:
    """Counts, extremes and moments of one chunk, with reductions only (no sort)."""
    values, magnitude = as_real(chunk)
    part = Partial(count=values.size, of_magnitude=magnitude)
    if values.size == 0:
        return part
    part.zeros = values.size - int(np.count_nonzero(values))
    finite = values
    if values.dtype.kind == "f":
        low, high = values.min(), values.max()
        if not (math.isfinite(low) and math.isfinite(high)):  # NaN propagates through min/max
            part.nan = int(np.count_nonzero(np.isnan(values)))
            part.posinf = int(np.count_nonzero(values == np.inf))
            part.neginf = int(np.count_nonzero(values == -np.inf))
            finite = values[np.isfinite(values)]
    if finite.size:
        part.low, part.high = finite.min().item(), finite.max().item()
        _add_moments(part, finite)
    return part


def range_chunk(chunk: np.ndarray) -> Partial:
    """Only the finite extremes of one chunk: the cheap first pass of a histogram
    (measured: moving the moments here instead of into the sorting pass is slower)."""
    values, magnitude = as_real(chunk)
    part = Partial(of_magnitude=magnitude)
    if values.size == 0:
        return part
    low, high = values.min(), values.max()
    if values.dtype.kind == "f" and not (math.isfinite(low) and math.isfinite(high)):
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return part
        low, high = finite.min(), finite.max()
    part.low, part.high = low.item(), high.item()
    return part


def count_chunk(chunk: np.ndarray, edges: np.ndarray, with_moments: bool = True) -> Partial:
    """Everything :func:`summarize_chunk` gives, plus histogram counts over ``edges``,
    from one sorted copy of the chunk: each count is a binary search, exact for
    values on or next to an edge. NaN sorts last, -inf first and +inf just before
    NaN, so those counts, the zeros and the extremes are binary searches too."""
    values, magnitude = as_real(chunk)
    ordered = np.sort(values)
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
            _add_moments(part, finite)
    below = np.searchsorted(finite, edges[:-1], side="left")  # values < each left edge
    upto_last = np.searchsorted(finite, edges[-1], side="right")  # the last bin includes its right edge
    part.counts = np.diff(np.append(below, upto_last)).astype(np.int64)
    part.outside = finite.size - int(upto_last - below[0])
    return part


_WELL_CONDITIONED = 1e6  # mean^2 / variance below this: sums of squares lose < 1e-10


def _add_moments(part: Partial, finite: np.ndarray) -> None:
    """Mean and squared deviations of one chunk, in float64.

    From the plain sums (two passes, no float64 copy) when the chunk is well
    conditioned, which weights and optimizer state are; otherwise (values far from
    zero with little spread, e.g. a constant 1.0 +- 1e-7) from explicit float64
    deviations, which stay exact.
    """
    n = finite.size
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # near 1e308 std overflows, like np.std
        total = float(np.einsum("i->", finite, dtype=np.float64))
        squares = float(np.einsum("i,i->", finite, finite, dtype=np.float64))
        mean = total / n
        m2 = squares - total * mean
        if not m2 > 0 or mean * mean * n > _WELL_CONDITIONED * m2:
            deviations = finite.astype(np.float64)
            deviations -= mean
            m2 = float(np.einsum("i,i->", deviations, deviations))
    part.finite, part.mean, part.m2 = n, mean, m2


@dataclass(slots=True)
class StatsAccumulator:
    """Feed chunks with :meth:`add`, read :meth:`result` at the end."""

    partial: Partial = field(default_factory=Partial)

    def add(self, chunk: np.ndarray) -> None:
        self.partial.merge(summarize_chunk(chunk))

    def result(self) -> TensorStats:
        return self.partial.stats()


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

    def __post_init__(self) -> None:
        if self.bins < 1:
            raise ValueError("a histogram needs at least one bin")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"bad histogram range {self.low}..{self.high}")

    def edges_for(self, dtype: np.dtype) -> np.ndarray:
        if self._edges is None:
            self._edges = np.histogram_bin_edges(np.empty(0, dtype), bins=self.bins, range=(self.low, self.high))
        return self._edges

    def add(self, chunk: np.ndarray, with_moments: bool = False) -> None:
        self.partial.merge(count_chunk(chunk, self.edges_for(real_dtype(chunk.dtype)), with_moments))

    def add_partial(self, part: Partial) -> None:
        self.partial.merge(part)

    def result(self) -> Histogram:
        edges = self._edges if self._edges is not None else self.edges_for(np.dtype(np.float64))
        counts = self.partial.counts if self.partial.counts is not None else np.zeros(self.bins, np.int64)
        p = self.partial
        return Histogram(counts, edges, p.nan, p.posinf, p.neginf, p.outside, p.of_magnitude)


def as_real(chunk: np.ndarray) -> tuple[np.ndarray, bool]:
    """The chunk as numbers numpy reduces natively; ``True`` if these are magnitudes.

    Narrow floats (float16, bfloat16, float8) widen to float32, bool and the
    ml_dtypes integers (int4...) to small ints, complex becomes |z|.
    """
    kind = chunk.dtype.kind
    if kind == "c":
        return np.abs(chunk), True
    if kind == "b":
        return chunk.view(np.uint8), False
    if kind in "iu" or (kind == "f" and chunk.dtype.itemsize >= 4):
        return chunk, False
    return chunk.astype(real_dtype(chunk.dtype)), False


def real_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype :func:`as_real` turns ``dtype`` into."""
    kind = dtype.kind
    if kind == "c":
        return np.dtype(np.float64 if dtype.itemsize == 16 else np.float32)
    if kind == "b":
        return np.dtype(np.uint8)
    if kind in "iu" or (kind == "f" and dtype.itemsize >= 4):
        return dtype
    # float16, and ml_dtypes types (kind 'V'): floats (bfloat16, float8_*, float4) or ints (int4...)
    name = dtype.name
    if "int" in name:
        return np.dtype(np.int8 if name.startswith("int") else np.uint8)
    return np.dtype(np.float32)


def monitored(
    chunks: Iterable[np.ndarray],
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[np.ndarray]:
    """Pass chunks through, reporting elements done and honouring cancellation."""
    done = 0
    for chunk in chunks:
        if cancelled is not None and cancelled():
            raise Cancelled()
        yield chunk
        done += chunk.size
        if progress is not None:
            progress(done)


def compute_stats(chunks: Iterable[np.ndarray]) -> TensorStats:
    acc = StatsAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    return acc.result()


def compute_histogram(
    chunks: Iterable[np.ndarray], bins: int = DEFAULT_BINS, value_range: tuple[float, float] = (0.0, 1.0)
) -> Histogram:
    acc = HistogramAccumulator(bins, value_range[0], value_range[1])
    for chunk in chunks:
        acc.add(chunk)
    return acc.result()


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
