"""Statistics and one histogram over several variables together (a layer, a model)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ckpt_gui.core.analysis.stats import (
    DEFAULT_BINS,
    Histogram,
    HistogramAccumulator,
    Partial,
    TensorStats,
    count_chunk,
    default_range,
    monitored,
    range_chunk,
)
from ckpt_gui.core.checkpoint import Checkpoint


def group_histogram(
    ckpt: Checkpoint,
    keys: list[str],
    bins: int = DEFAULT_BINS,
    value_range: tuple[float, float] | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[TensorStats, Histogram]:
    """Exact statistics and histogram of all the values of ``keys`` as one population
    (equal to ``np.histogram`` of their concatenation in float64). Two passes when
    the range is not given: extremes, then counts and moments."""
    keys = [k for k in keys if ckpt.entry(k).dtype.is_numeric and not ckpt.entry(k).dtype.is_complex]

    def chunks():
        every = (chunk for key in keys for chunk in ckpt.iter_chunks(key))
        return monitored(every, progress, cancelled)

    if value_range is None:
        extremes = Partial()
        for chunk in chunks():
            extremes.merge(range_chunk(chunk))
        value_range = default_range(extremes, np.dtype(np.float64))
        low, high = float(value_range[0]), float(value_range[1])
    else:
        low, high = value_range
    acc = HistogramAccumulator(bins, low, high)
    edges = acc.edges_for(np.dtype(np.float64))  # one set of edges for every dtype in the group
    for chunk in chunks():
        acc.add_partial(count_chunk(chunk, edges, with_moments=True))
    return acc.partial.stats(), acc.result()
