"""Statistics and histograms of a checkpoint's tensors: one tensor, a sampled preview,
a group of tensors as one population, or every tensor (the NaN/Inf scan, ``inspect
--stats``). The CLI and the app call these; neither computes on its own."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ckpt_gui.core.analysis.stats import (
    DEFAULT_BINS,
    Histogram,
    HistogramAccumulator,
    Partial,
    TensorStats,
    compute_stats,
    count_chunk,
    default_range,
    range_chunk,
    real_dtype,
    summarize_chunk,
)
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES
from ckpt_gui.core.values.chunk_map import monitored
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.values.reader import sample_elements

Progress = Callable[[int], None] | None
Cancelled = Callable[[], bool] | None


def tensor_stats(
    ckpt: Checkpoint,
    key: str,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> TensorStats:
    """Exact statistics, streamed in bounded memory, chunks summarised in parallel."""
    total = Partial()
    for part in ckpt.map_chunks(key, summarize_chunk, progress, cancelled, chunk_bytes):
        total.merge(part)
    return total.stats()


def tensor_histogram(
    ckpt: Checkpoint,
    key: str,
    bins: int | None = None,
    value_range: tuple[float, float] | None = None,
    stats: TensorStats | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> tuple[TensorStats, Histogram]:
    """Statistics and the histogram over ``value_range``, or over the finite min..max
    as ``np.histogram`` picks it.

    Without a range or known ``stats`` that takes two passes: a cheap one for the
    extremes (the range depends on them), then one that counts and sums. With a
    range, or with ``stats`` already known, just the second.
    """
    bins = DEFAULT_BINS if bins is None else bins
    entry = ckpt.entry(key)
    verified = False
    if value_range is None:
        extremes: TensorStats | Partial | None = stats
        if stats is None:
            extremes = Partial()
            for part in ckpt.map_chunks(key, lambda c, _s: range_chunk(c), progress, cancelled, chunk_bytes):
                extremes.merge(part)
            verified = True
        value_range = default_range(extremes, numpy_dtype(entry.dtype))
    acc = HistogramAccumulator(bins, value_range[0], value_range[1])
    edges = acc.edges_for(real_dtype(numpy_dtype(entry.dtype)))
    fine = acc.fine_bins()
    with_moments = stats is None

    def count(chunk, scratch):
        return count_chunk(chunk, edges, with_moments, fine, scratch)

    # After a first pass the CRCs are verified: the second need not do it again.
    for part in ckpt.map_chunks(key, count, progress, cancelled, chunk_bytes, verify=not verified):
        acc.add_partial(part)
    return (acc.partial.stats() if with_moments else stats), acc.result()


def preview_summary(ckpt: Checkpoint, key: str, bins: int) -> tuple[TensorStats, Histogram, int]:
    """Statistics and histogram of an evenly spread sample of a large tensor, shown
    while the exact ones are computed; with the number of values sampled."""
    values = sample_elements(ckpt.reader, ckpt.entry(key))
    stats = compute_stats([values])
    acc = HistogramAccumulator(bins, *default_range(stats, values.dtype))
    acc.add(values)
    return stats, acc.result(), values.size


def group_histogram(
    ckpt: Checkpoint,
    keys: list[str],
    bins: int = DEFAULT_BINS,
    value_range: tuple[float, float] | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
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


def all_stats(
    ckpt: Checkpoint,
    keys: Iterable[str] | None = None,
    known: dict[str, TensorStats] | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
) -> dict[str, TensorStats]:
    """Exact statistics of every numeric variable (or of ``keys``), one streamed pass
    each; those in ``known`` are not read again. ``progress`` counts elements over all
    of them."""
    if keys is None:
        keys = [v.key for v in ckpt.variables if v.dtype.is_numeric]
    found = dict(known or {})
    done = 0
    for key in keys:
        if key not in found:
            found[key] = tensor_stats(
                ckpt, key, None if progress is None else lambda n, b=done: progress(b + n), cancelled
            )
        done += ckpt.variable(key).num_elements
        if progress is not None:
            progress(done)
    return found
