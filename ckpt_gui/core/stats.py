"""Statistics and histograms of a tensor, computed chunk by chunk in bounded memory.

The caller feeds flat chunks of the tensor (as :meth:`TensorReader.iter_chunks`
yields them), so a tensor larger than RAM works. Numbers are exact: min, max, mean
and std over the finite values (mean and std merged across chunks with Chan's
parallel formulas in float64), plus counts of NaN, +Inf, -Inf and zeros. The
histogram counts are exactly those of ``np.histogram`` over the same values and
range, chunk by chunk. Complex tensors are summarised by magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

DEFAULT_BINS = 100


class Cancelled(Exception):
    """The caller asked a long computation to stop."""


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
class _Moments:
    """Running count, mean and sum of squared deviations (Chan et al.)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, n: int, mean: float, m2: float) -> None:
        if n == 0:
            return
        if self.n == 0:
            self.n, self.mean, self.m2 = n, mean, m2
            return
        total = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.n * n / total
        self.n = total


@dataclass(slots=True)
class StatsAccumulator:
    """Feed chunks with :meth:`add`, read :meth:`result` at the end."""

    count: int = 0
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    zeros: int = 0
    low: float | int | None = None
    high: float | int | None = None
    moments: _Moments = field(default_factory=_Moments)
    of_magnitude: bool = False

    def add(self, chunk: np.ndarray) -> None:
        values, self.of_magnitude = as_real(chunk)
        self.count += values.size
        if values.size == 0:
            return
        self.zeros += values.size - int(np.count_nonzero(values))
        finite = values
        if values.dtype.kind == "f":
            low, high = values.min(), values.max()
            if not (math.isfinite(low) and math.isfinite(high)):  # NaN propagates through min/max
                nan_mask = np.isnan(values)
                self.nan += int(np.count_nonzero(nan_mask))
                self.posinf += int(np.count_nonzero(values == np.inf))
                self.neginf += int(np.count_nonzero(values == -np.inf))
                finite = values[np.isfinite(values)]
        if finite.size == 0:
            return
        low, high = finite.min().item(), finite.max().item()
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)
        as64 = finite.astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):  # |x| near 1e308: std overflows to inf, like np.std
            mean = float(as64.sum()) / as64.size
            as64 -= mean
            self.moments.add(as64.size, mean, float(np.dot(as64, as64)))

    def result(self) -> TensorStats:
        m = self.moments
        mean = m.mean if m.n else None
        std = math.sqrt(m.m2 / m.n) if m.n else None
        return TensorStats(
            self.count, m.n, self.low, self.high, mean, std,
            self.nan, self.posinf, self.neginf, self.zeros, self.of_magnitude,
        )  # fmt: skip


@dataclass(slots=True)
class HistogramAccumulator:
    """Exact ``np.histogram`` counts over a fixed range, accumulated over chunks.

    The range bounds are converted to the values' own dtype before each call, as
    ``np.histogram`` does with the min and max it finds itself, so the counts equal
    ``np.histogram(all_finite_values, bins)`` bit for bit.
    """

    bins: int
    low: float | int
    high: float | int
    counts: np.ndarray = field(init=False)
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    outside: int = 0
    of_magnitude: bool = False
    value_dtype: np.dtype | None = None

    def __post_init__(self) -> None:
        if self.bins < 1:
            raise ValueError("a histogram needs at least one bin")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"bad histogram range {self.low}..{self.high}")
        self.counts = np.zeros(self.bins, dtype=np.int64)

    def add(self, chunk: np.ndarray) -> None:
        values, self.of_magnitude = as_real(chunk)
        self.value_dtype = values.dtype
        if values.size == 0:
            return
        if values.dtype.kind == "f":
            low, high = values.min(), values.max()
            if not (math.isfinite(low) and math.isfinite(high)):
                self.nan += int(np.count_nonzero(np.isnan(values)))
                self.posinf += int(np.count_nonzero(values == np.inf))
                self.neginf += int(np.count_nonzero(values == -np.inf))
                values = values[np.isfinite(values)]
        counts, _ = np.histogram(values, bins=self.bins, range=self._range(values.dtype))
        self.counts += counts
        self.outside += values.size - int(counts.sum())

    def _range(self, dtype: np.dtype) -> tuple:
        convert = dtype.type
        return convert(self.low), convert(self.high)

    def result(self) -> Histogram:
        dtype = self.value_dtype if self.value_dtype is not None else np.dtype(np.float64)
        edges = np.histogram_bin_edges(np.empty(0, dtype), bins=self.bins, range=self._range(dtype))
        return Histogram(self.counts.copy(), edges, self.nan, self.posinf, self.neginf, self.outside, self.of_magnitude)


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
    if kind == "f":  # float16
        return chunk.astype(np.float32), False
    # ml_dtypes types report kind 'V': floats (bfloat16, float8_*, float4) or ints (int4, int2)
    name = chunk.dtype.name
    if "int" in name:
        return chunk.astype(np.int8 if name.startswith("int") else np.uint8), False
    return chunk.astype(np.float32), False


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


def default_range(stats: TensorStats) -> tuple[float, float]:
    """The range ``np.histogram`` would use: the finite min and max ((0, 1) if none)."""
    if stats.min is None or stats.max is None:
        return 0, 1
    return stats.min, stats.max
