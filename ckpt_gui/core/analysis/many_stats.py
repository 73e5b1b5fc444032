"""Exact statistics of many small tensors at once.

:func:`summarize_chunk` costs about 0.3 ms of numpy calls whatever the size of the
tensor: for 200,000 tiny variables a minute. Here tensors of one dtype are joined
into one array and reduced segment by segment (``np.ufunc.reduceat``): a few numpy
calls for thousands of tensors. The numbers are those of :func:`summarize_chunk`
(min/max/zeros exactly, mean and std in float64 from explicit deviations); a tensor
holding NaN or Inf, or empty, or of a narrow or complex type goes through
:func:`summarize_chunk` itself.
"""

from __future__ import annotations

import math

from ckpt_gui.core.analysis.real_numbers import as_real
from ckpt_gui.core.analysis.stats import TensorStats, summarize_chunk
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.values.scratch import Scratch


def joinable(values: np.ndarray) -> bool:
    """Whether :func:`summarize_many` reduces this tensor with others of its dtype."""
    return values.size > 0 and values.dtype.kind in "iuf"


def summarize_many(tensors: list[np.ndarray], scratch: Scratch | None = None) -> list[TensorStats]:
    """The statistics of each tensor (all of one dtype, :func:`joinable`), in order."""
    if not tensors:
        return []
    sizes = np.fromiter(map(len, tensors), dtype=np.int64, count=len(tensors))
    starts = np.zeros(len(tensors), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    flat, _ = as_real(np.concatenate(tensors))
    with np.errstate(over="ignore", invalid="ignore"):
        if flat.dtype.kind == "f":
            finite = np.logical_and.reduceat(np.isfinite(flat), starts)
        else:
            finite = np.ones(len(tensors), dtype=bool)
        zeros = np.add.reduceat(flat == 0, starts).tolist()
        low = np.minimum.reduceat(flat, starts).tolist()
        high = np.maximum.reduceat(flat, starts).tolist()
        wide = flat.astype(np.float64)
        means = np.add.reduceat(wide, starts) / sizes
        wide -= np.repeat(means, sizes)
        np.multiply(wide, wide, out=wide)
        m2 = np.add.reduceat(wide, starts).tolist()
    means = means.tolist()
    counts = sizes.tolist()
    out = []
    for i, tensor in enumerate(tensors):
        if not finite[i]:  # NaN or Inf: counted and left out of the moments as one tensor is
            out.append(summarize_chunk(tensor, scratch).stats())
            continue
        n = counts[i]
        out.append(TensorStats(n, n, low[i], high[i], means[i], math.sqrt(m2[i] / n), 0, 0, 0, zeros[i]))
    return out
