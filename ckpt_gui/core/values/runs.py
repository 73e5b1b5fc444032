"""Reading many small tensors in one pass over their data shard.

A checkpoint of 200,000 tiny variables read one tensor at a time opens the shard,
seeks and reads 200,000 times (about 1 ms each, over 3 minutes). Here the small
tensors are sorted by offset, each shard is opened once, and a run of neighbouring
tensors comes in with one read; each tensor is still checked against its own CRC32C,
so a corrupt one is named as a single read would name it.

Large, partitioned, packed (int4 & co) and non-numeric tensors, V1 tables and
object storage keep the per-tensor path (:class:`TensorReader`): the caller gets
them back from :func:`split_small`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import groupby

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.crc import crc32c
from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.format.shards import check_crc, past_end
from ckpt_gui.core.values.decode import numeric_elements
from ckpt_gui.core.values.reader import TensorReader

SMALL_BYTES = 64 << 10  # tensors up to this size are read in runs
RUN_BYTES = 1 << 20  # at most this much is read at once (unless one tensor is larger)
GAP_BYTES = 4 << 10  # neighbours this close share a read (the bytes between are skipped)


def split_small(
    reader: TensorReader, entries: Iterable[BundleEntry], small_bytes: int = SMALL_BYTES
) -> tuple[list[BundleEntry], list[BundleEntry]]:
    """``entries`` as (small ones :func:`read_runs` reads, the others)."""
    small: list[BundleEntry] = []
    other: list[BundleEntry] = []
    if getattr(reader.shards, "in_memory", False) or not hasattr(reader.shards, "index"):
        return small, list(entries)  # V1 tables: values inline, nothing to batch
    local: dict[int, bool] = {}
    for entry in entries:
        dtype = entry.dtype
        fits = (
            not entry.is_partitioned
            and dtype.is_numeric
            and entry.size <= small_bytes
            and entry.size == entry.num_elements * dtype.itemsize
            and 0 <= entry.shard_id < reader.index.header.num_shards
        )
        if fits and entry.shard_id not in local:
            local[entry.shard_id] = not storage.is_url(reader.index.data_path(entry.shard_id))
        (small if fits and local[entry.shard_id] else other).append(entry)
    return small, other


def read_runs(
    reader: TensorReader,
    entries: Iterable[BundleEntry],
    verify: bool = True,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[tuple[BundleEntry, np.ndarray]]:
    """Each entry (as :func:`split_small` chose) with its flat values, in storage order
    (shard by shard, by offset). The arrays are views of a buffer read for their run:
    read-only."""
    ordered = sorted(entries, key=lambda e: (e.shard_id, e.offset))
    for _shard, in_shard in groupby(ordered, key=lambda e: e.shard_id):
        yield from _read_shard(reader, list(in_shard), verify, cancelled)


def _read_shard(reader: TensorReader, entries: list[BundleEntry], verify: bool, cancelled) -> Iterator:
    path = reader.shards.path(entries[0])
    f = reader.shards.open(path, entries[0])  # raises, naming the file, when missing
    try:
        size = storage.size_of_open(f)
        for run in _runs(entries):
            if cancelled is not None and cancelled():
                raise Cancelled()
            start, end = run[0].offset, max(e.offset + e.size for e in run)
            f.seek(start)
            data = f.read(end - start)
            for entry in run:
                low = entry.offset - start
                if low + entry.size > len(data):
                    raise past_end(path, entry, min(size, start + len(data)))
                piece = data[low : low + entry.size]
                if verify:
                    check_crc(path, entry, crc32c(piece))
                count = entry.num_elements
                yield entry, numeric_elements(entry.dtype, piece, count, reader.big_endian, path, entry.key)
    finally:
        f.close()


def _runs(entries: list[BundleEntry]) -> Iterator[list[BundleEntry]]:
    """Entries sorted by offset, grouped into runs read at once."""
    run: list[BundleEntry] = []
    start = end = 0
    for entry in entries:
        close = entry.offset - end <= GAP_BYTES and entry.offset + entry.size - start <= RUN_BYTES
        if run and not close:
            yield run
            run = []
        if not run:
            start = entry.offset
            end = entry.offset
        run.append(entry)
        end = max(end, entry.offset + entry.size)
    if run:
        yield run


def joined_runs(
    reader: TensorReader,
    entries: Iterable[BundleEntry],
    cancelled: Callable[[], bool] | None = None,
    max_elements: int = 1 << 20,
) -> Iterator[tuple[int, np.ndarray]]:
    """The values of many small tensors, those of one dtype joined into flat arrays of
    up to about ``max_elements`` (for work on a population, such as a histogram of a
    group): (how many tensors, their values) pairs."""
    waiting: dict[np.dtype, list[np.ndarray]] = {}
    held: dict[np.dtype, int] = {}
    for _entry, values in read_runs(reader, entries, cancelled=cancelled):
        kind = values.dtype
        waiting.setdefault(kind, []).append(values)
        held[kind] = held.get(kind, 0) + values.size
        if held[kind] >= max_elements:
            batch = waiting.pop(kind)
            del held[kind]
            yield len(batch), np.concatenate(batch)
    for batch in waiting.values():
        yield len(batch), np.concatenate(batch)
