"""Statistics and histograms of a checkpoint's tensors: one tensor, a sampled preview,
a group of tensors as one population, or every tensor (the NaN/Inf scan, ``inspect
--stats``). The CLI and the app call these; neither computes on its own."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

from ckpt_gui.core.analysis.histogram import (
    DEFAULT_BINS,
    Histogram,
    HistogramAccumulator,
    default_range,
    map_serially,
    two_pass_histogram,
)
from ckpt_gui.core.analysis.many_stats import joinable, summarize_many
from ckpt_gui.core.analysis.stats import Partial, TensorStats, compute_stats, summarize_chunk
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.errors import Cancelled as CancelledError
from ckpt_gui.core.format.lock_slices import paced
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES
from ckpt_gui.core.values.chunk_map import monitored
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.values.reader import sample_elements
from ckpt_gui.core.values.runs import SMALL_BYTES, joined_runs, read_runs, split_small
from ckpt_gui.core.values.scratch import Scratch

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

    def map_chunks(fn, verify: bool):
        return ckpt.map_chunks(key, fn, progress, cancelled, chunk_bytes, verify=verify)

    with_moments = stats is None
    acc = two_pass_histogram(map_chunks, numpy_dtype(ckpt.entry(key).dtype), bins, value_range, stats, with_moments)
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
    tensors: Progress = None,
) -> tuple[TensorStats, Histogram]:
    """Exact statistics and histogram of all the values of ``keys`` as one population
    (equal to ``np.histogram`` of their concatenation in float64). Two passes when
    the range is not given: extremes, then counts and moments. ``tensors`` hears how
    many of the tensors the pass under way has read."""
    # Paced (lock_slices.paced): Python for each of 200,000 keys, 0.8 s on a worker, and the
    # GUI thread waited a switch interval for the lock at each of its Python calls meanwhile.
    entries = [ckpt.entry(k) for k in paced(keys)]
    entries = [e for e in entries if e.dtype.is_numeric and not e.dtype.is_complex]
    small, large = split_small(ckpt.reader, paced(entries))

    def each_pass():
        # Small tensors in runs, joined by dtype (one numpy call for thousands), then the rest.
        done = 0
        for count, values in joined_runs(ckpt.reader, small, cancelled, _JOINED_ELEMENTS):
            yield values
            done += count
            if tensors is not None:
                tensors(done)
        for entry in large:
            yield from ckpt.reader.iter_chunks(entry)
            done += 1
            if tensors is not None:
                tensors(done)

    def chunks():
        return monitored(each_pass(), progress, cancelled)

    # One set of float64 edges for every dtype in the group.
    acc = two_pass_histogram(map_serially(chunks), np.dtype(np.float64), bins, value_range)
    return acc.partial.stats(), acc.result()


_JOINED_ELEMENTS = 1 << 16  # small tensors' values joined per numpy call (and per progress step)


def all_stats(
    ckpt: Checkpoint,
    keys: Iterable[str] | None = None,
    known: dict[str, TensorStats] | None = None,
    progress: Progress = None,
    cancelled: Cancelled = None,
) -> dict[str, TensorStats]:
    """Exact statistics of every numeric variable (or of ``keys``); those in ``known``
    are not read again. Small tensors come in runs of neighbours, one pass over each
    shard (:mod:`runs`); larger ones are streamed one by one. ``progress`` counts
    elements over all of them. The result is in the order of ``keys``."""
    if keys is None:
        keys = [v.key for v in ckpt.variables if v.dtype.is_numeric]
    keys = list(keys)
    found = dict(known or {})
    small, large = split_small(ckpt.reader, [ckpt.entry(k) for k in keys if k not in found])
    # Small tensors split_small leaves out (object storage, V1 tables) are read one by one
    # but summarised as the others: the same numbers wherever the checkpoint lives.
    alone = [e for e in large if _small(e)]
    large = [e for e in large if not _small(e)]
    done = sum(ckpt.variable(k).num_elements for k in keys if k in found)
    read_alone = ((entry, ckpt.reader.read(entry).reshape(-1)) for entry in monitored_entries(alone, cancelled))
    for part in _small_stats(itertools.chain(read_runs(ckpt.reader, small, cancelled=cancelled), read_alone)):
        found.update(part)
        done += sum(stats.count for stats in part.values())
        if progress is not None:
            progress(done)
    for entry in large:
        found[entry.key] = tensor_stats(
            ckpt, entry.key, None if progress is None else lambda n, b=done: progress(b + n), cancelled
        )
        done += ckpt.variable(entry.key).num_elements
        if progress is not None:
            progress(done)
    if progress is not None:
        progress(done)
    return {key: found[key] for key in keys} | found


_JOIN = 4096  # small tensors of one dtype summarised together


def monitored_entries(entries: list, cancelled: Cancelled) -> Iterator:
    """The entries, raising :class:`Cancelled` between them once ``cancelled()``."""
    for entry in entries:
        if cancelled is not None and cancelled():
            raise CancelledError()
        yield entry


def _small(entry) -> bool:
    """A tensor summarised with others (:func:`summarize_many`), however it is read."""
    return (
        not entry.is_partitioned
        and entry.dtype.is_numeric
        and entry.size <= SMALL_BYTES
        and entry.size == entry.num_elements * entry.dtype.itemsize
    )


def _small_stats(read: Iterable) -> Iterator[dict[str, TensorStats]]:
    """Statistics of small tensors, (entry, values) as ``read`` yields them, a few
    thousand at a time."""
    scratch = Scratch()
    waiting: dict[np.dtype, list[tuple[str, np.ndarray]]] = {}

    def flush(batch: list[tuple[str, np.ndarray]]) -> dict[str, TensorStats]:
        stats = summarize_many([values for _k, values in batch], scratch)
        return {key: s for (key, _v), s in zip(batch, stats)}

    for entry, values in read:
        if not joinable(values):
            yield {entry.key: summarize_chunk(values, scratch).stats()}
            continue
        batch = waiting.setdefault(values.dtype, [])
        batch.append((entry.key, values))
        if len(batch) >= _JOIN:
            yield flush(waiting.pop(values.dtype))
    for batch in waiting.values():
        yield flush(batch)
