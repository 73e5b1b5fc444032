"""Element-wise comparison of two same-shaped tensors, chunk by chunk, on all cores.

Each pair of chunks is reduced to sums (in float64) that merge exactly across
chunks: elements that differ, |B - A| max and sum, sum of (B - A)^2, A.A, B.B, A.B
and the NaN/Inf that appeared or went away. An identical chunk costs one
comparison pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .diff import ValueDiff
from .errors import Cancelled
from .parallel import ordered_map

PARALLEL_ELEMENTS = 1 << 20  # below this, threads cost more than they give


@dataclass(slots=True)
class _Sums:
    count: int = 0
    differing: int = 0
    finite: int = 0  # elements finite on both sides
    abs_max: float = 0.0
    abs_sum: float = 0.0
    sq_diff: float = 0.0
    aa: float = 0.0
    bb: float = 0.0
    ab: float = 0.0
    nan_appeared: int = 0
    nan_vanished: int = 0
    inf_appeared: int = 0
    inf_vanished: int = 0

    def merge(self, o: _Sums) -> None:
        self.count += o.count
        self.differing += o.differing
        self.finite += o.finite
        self.abs_max = max(self.abs_max, o.abs_max)
        self.abs_sum += o.abs_sum
        self.sq_diff += o.sq_diff
        self.aa += o.aa
        self.bb += o.bb
        self.ab += o.ab
        self.nan_appeared += o.nan_appeared
        self.nan_vanished += o.nan_vanished
        self.inf_appeared += o.inf_appeared
        self.inf_vanished += o.inf_vanished

    def result(self) -> ValueDiff:
        n = self.finite
        rel = math.sqrt(self.sq_diff) / math.sqrt(self.aa) if self.aa > 0 else (0.0 if self.sq_diff == 0 else None)
        norms = math.sqrt(self.aa) * math.sqrt(self.bb)
        cosine = self.ab / norms if norms > 0 else None
        if cosine is not None:
            cosine = max(-1.0, min(1.0, cosine))
        return ValueDiff(
            self.count, self.differing,
            self.abs_max if n else None, self.abs_sum / n if n else None, rel, cosine,
            self.nan_appeared, self.nan_vanished, self.inf_appeared, self.inf_vanished,
        )  # fmt: skip


def compare_chunks(
    chunks: Iterable[tuple[np.ndarray, np.ndarray]],
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    parallel: bool = True,
) -> ValueDiff:
    total = _Sums()
    done = 0

    def checked():
        for pair in chunks:
            if cancelled is not None and cancelled():
                raise Cancelled()
            yield pair

    for sums in ordered_map(_compare, checked(), parallel):
        total.merge(sums)
        done += sums.count
        if progress is not None:
            progress(done)
    return total.result()


SUB_CHUNK = 1 << 18  # elements: the passes below run over arrays that stay in the L2 cache


def _compare(pair: tuple[np.ndarray, np.ndarray]) -> _Sums:
    a, b = _as_real(pair[0]), _as_real(pair[1])
    sums = _Sums()
    for start in range(0, a.size, SUB_CHUNK):
        sums.merge(_compare_block(a[start : start + SUB_CHUNK], b[start : start + SUB_CHUNK]))
    return sums


def _compare_block(a: np.ndarray, b: np.ndarray) -> _Sums:
    sums = _Sums(count=a.size)
    if a.size == 0:
        return sums
    with np.errstate(over="ignore", invalid="ignore"):
        aa = float(np.einsum("i,i->", a, a, dtype=np.float64))
        bb = float(np.einsum("i,i->", b, b, dtype=np.float64))
        if not (math.isfinite(aa) and math.isfinite(bb)):
            return _compare_with_nonfinite(a, b, sums)
        d = np.subtract(b, a, dtype=_work_dtype(a))
        sq_diff = float(np.einsum("i,i->", d, d, dtype=np.float64))
        sums.finite, sums.aa, sums.bb, sums.sq_diff = a.size, aa, bb, sq_diff
        # A.B from the three sums already taken (one pass fewer): exact enough in float64.
        sums.ab = (aa + bb - sq_diff) / 2
        sums.differing = int(np.count_nonzero(d))
        if sums.differing:
            np.abs(d, out=d)
            sums.abs_max = float(d.max())
            sums.abs_sum = float(np.einsum("i->", d, dtype=np.float64))
    return sums


def identical_chunks(chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> bool | None:
    """For pairs whose stored CRCs already agree: True if every chunk is equal (one
    comparison pass, no sums), None as soon as one is not (then measure properly)."""
    for a, b in chunks:
        if not np.array_equal(a, b):
            return None
    return True


def _compare_with_nonfinite(a: np.ndarray, b: np.ndarray, sums: _Sums) -> _Sums:
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    inf_a, inf_b = np.isinf(a), np.isinf(b)
    sums.nan_appeared = int(np.count_nonzero(~nan_a & nan_b))
    sums.nan_vanished = int(np.count_nonzero(nan_a & ~nan_b))
    sums.inf_appeared = int(np.count_nonzero(~inf_a & inf_b))
    sums.inf_vanished = int(np.count_nonzero(inf_a & ~inf_b))
    equal = (a == b) | (nan_a & nan_b)
    sums.differing = int(a.size - np.count_nonzero(equal))
    finite = ~(nan_a | nan_b | inf_a | inf_b)
    fa, fb = a[finite], b[finite]
    sums.finite = fa.size
    if fa.size:
        d = np.subtract(fb, fa, dtype=_work_dtype(a))
        sums.aa = float(np.einsum("i,i->", fa, fa, dtype=np.float64))
        sums.bb = float(np.einsum("i,i->", fb, fb, dtype=np.float64))
        sums.ab = float(np.einsum("i,i->", fa, fb, dtype=np.float64))
        sums.sq_diff = float(np.einsum("i,i->", d, d, dtype=np.float64))
        np.abs(d, out=d)
        sums.abs_max = float(d.max())
        sums.abs_sum = float(np.einsum("i->", d, dtype=np.float64))
    return sums


def _as_real(chunk: np.ndarray) -> np.ndarray:
    """Numbers to subtract: narrow floats widen to float32, complex splits into its
    real and imaginary parts, bool and integers (ml_dtypes ones too) become floats."""
    kind = chunk.dtype.kind
    if kind == "f" and chunk.dtype.itemsize >= 4:
        return chunk
    if kind == "c":
        return chunk.view(np.float32 if chunk.dtype.itemsize == 8 else np.float64)
    if kind in "iub":
        return chunk.astype(np.float64)
    if "int" in chunk.dtype.name:  # ml_dtypes int4 & co
        return chunk.astype(np.float32)
    return chunk.astype(np.float32)


def _work_dtype(a: np.ndarray) -> np.dtype:
    """float32 differences for float32 data (exact for close values), float64 otherwise."""
    return np.dtype(np.float32) if a.dtype == np.float32 else np.dtype(np.float64)


def should_parallelize(elements: int) -> bool:
    return elements >= PARALLEL_ELEMENTS
