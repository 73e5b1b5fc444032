"""Statistics of a tensor, computed chunk by chunk in bounded memory.

The caller feeds flat chunks of the tensor (as :meth:`TensorReader.iter_chunks`
yields them), so a tensor larger than RAM works, and chunks may be summarised on
several threads (numpy releases the GIL) and merged afterwards. Numbers are exact:
min, max, mean and std over the finite values (mean and std merged across chunks
with Chan's parallel formulas, in float64), counts of NaN, +Inf, -Inf and zeros.

Complex tensors are summarised by magnitude (real_numbers.py). The histograms
(histogram.py) merge the same :class:`Partial` records.

Chunk functions take a :class:`Scratch` whose arrays they reuse from chunk to chunk
(fresh multi-megabyte temporaries cost more in page faults than the arithmetic).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from ckpt_gui.core.analysis.real_numbers import as_real
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.values.scratch import Scratch


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


def summarize_chunk(chunk: np.ndarray, scratch: Scratch | None = None) -> Partial:
    """Counts, extremes and moments of one chunk, with reductions only (no sort)."""
    values, magnitude = as_real(chunk)
    part = Partial(count=values.size, of_magnitude=magnitude)
    if values.size == 0:
        return part
    scratch = scratch or Scratch()
    part.zeros = count_zeros(values, scratch)
    finite = values
    low, high = values.min(), values.max()
    if values.dtype.kind == "f" and not (math.isfinite(low) and math.isfinite(high)):  # NaN propagates
        part.nan = int(np.count_nonzero(np.isnan(values)))
        part.posinf = int(np.count_nonzero(values == np.inf))
        part.neginf = int(np.count_nonzero(values == -np.inf))
        finite = values[np.isfinite(values)]
        if finite.size:
            low, high = finite.min(), finite.max()
    if finite.size:
        # An all-finite chunk's extremes are taken once, not twice (a tenth of the
        # statistics' pass; each numpy call is also a hand-over of the interpreter lock).
        part.low, part.high = low.item(), high.item()
        add_moments(part, finite, scratch)
    return part


def range_chunk(chunk: np.ndarray) -> Partial:
    """Only the finite extremes of one chunk: the cheap first pass of a histogram."""
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


def count_zeros(values: np.ndarray, scratch: Scratch) -> int:
    """How many values are zero."""
    # A comparison and a count of booleans are both vectorised; np.count_nonzero of
    # the floats themselves is not, and takes five times as long.
    flags = scratch.array("flags", values.size, np.bool_)
    np.equal(values, 0, out=flags)
    return int(np.count_nonzero(flags))


_WELL_CONDITIONED = 1e6  # mean^2 / variance below this: sums of squares lose < 1e-10
# The moments convert this many values to float64 at a time (2 MB): whole chunks
# would leave the cache, much smaller blocks mean many short numpy calls, each a
# GIL hand-over between the chunk threads (measured best at 128-256K).
_MOMENTS_BLOCK = 1 << 18


def add_moments(part: Partial, finite: np.ndarray, scratch: Scratch | None = None) -> None:
    """Mean and squared deviations of one chunk, in float64.

    From the plain sums when the chunk is well conditioned, which weights and
    optimizer state are; otherwise (values far from zero with little spread, e.g. a
    constant 1.0 +- 1e-7) from explicit float64 deviations, which stay exact.
    """
    n = finite.size
    block = max(1, min(n, _MOMENTS_BLOCK))
    wide = (scratch or Scratch()).array("wide", block, np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # near 1e308 std overflows, like np.std
        total = squares = 0.0
        for start in range(0, n, block):
            # In float64 (exact for every float32 value and its square), summed by
            # np.einsum, whose vectorised loop with several accumulators is as
            # accurate as a float64 dot product and faster than np.sum's pairwise
            # one. Not np.dot: BLAS spreads long dot products over all cores, which
            # fights the chunk threads (measured 1.5x slower overall). Not np.einsum
            # with a float64 accumulator on the float32 values: it converts them in
            # small internal buffers and takes twice as long.
            piece = finite[start : start + block]
            w = wide[: piece.size]
            np.copyto(w, piece, casting="unsafe")
            total += float(np.einsum("i->", w))
            np.multiply(w, w, out=w)
            squares += float(np.einsum("i->", w))
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
    _scratch: Scratch = field(default_factory=Scratch)

    def add(self, chunk: np.ndarray) -> None:
        self.partial.merge(summarize_chunk(chunk, self._scratch))

    def result(self) -> TensorStats:
        return self.partial.stats()


def compute_stats(chunks: Iterable[np.ndarray]) -> TensorStats:
    acc = StatsAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    return acc.result()
