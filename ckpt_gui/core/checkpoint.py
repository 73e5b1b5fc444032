"""One opened checkpoint: what the CLI and the app work with.

Opening reads the ``.index`` file only; the object graph is decoded on first use
and tensor values are read from the data shards when asked for.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ckpt_gui.core.format.bundle import OBJECT_GRAPH_KEY, BundleEntry, BundleIndex
from ckpt_gui.core.format.discovery import CheckpointRef, Location, locate
from ckpt_gui.core.format.dtypes import DType
from ckpt_gui.core.format.errors import CheckpointError, CorruptCheckpointError, WireFormatError
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.object_graph import ObjectGraph
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES, ShardFiles
from ckpt_gui.core.format.strings import decode_strings

if TYPE_CHECKING:  # numpy is imported when values are read, not to list variables
    import numpy as np

    from ckpt_gui.core.analysis.stats import Histogram, TensorStats
    from ckpt_gui.core.values.reader import TensorReader


@dataclass(frozen=True, slots=True)
class Variable:
    """One tensor as ``tf.train.list_variables`` lists it, with where it lives."""

    key: str
    dtype: DType
    shape: tuple[int, ...]
    shard: int
    size_bytes: int  # bytes in the data shards (all slices of a partitioned tensor)
    object_paths: tuple[str, ...]  # TF2: readable paths to the owning object, preferred first
    partitioned: bool

    @property
    def num_elements(self) -> int:
        return math.prod(self.shape)

    @property
    def display_path(self) -> str:
        return self.object_paths[0] if self.object_paths else self.key

    @property
    def is_object_graph(self) -> bool:
        return self.key == OBJECT_GRAPH_KEY


class Checkpoint:
    """A V2 checkpoint (TF1 name-based, TF2 object-based, or a SavedModel's variables)."""

    def __init__(self, location: Location, selected: CheckpointRef | None = None) -> None:
        self.location = location
        self.ref = selected or location.selected
        self.prefix = self.ref.prefix
        self.index = BundleIndex(self.prefix)
        self.shards = ShardFiles(self.index)

    @cached_property
    def reader(self) -> TensorReader:
        from ckpt_gui.core.values.reader import TensorReader

        return TensorReader(self.index)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Checkpoint:
        return cls(locate(path))

    def sibling(self, ref: CheckpointRef) -> Checkpoint:
        """Another checkpoint of the same folder (CheckpointManager keeps several)."""
        return Checkpoint(self.location, ref)

    @property
    def format(self) -> str:
        if self.location.kind == "savedmodel":
            return "savedmodel"
        return "tf2" if self.index.has_object_graph else "tf1"

    @property
    def checkpoints(self) -> tuple[CheckpointRef, ...]:
        return self.location.checkpoints

    @property
    def object_graph(self) -> ObjectGraph | None:
        """The TF2 object graph; None for name-based (TF1) checkpoints, and None (with
        ``graph_error`` saying why) when its value cannot be read: the index alone still
        lists every variable, so a damaged or incomplete checkpoint can be browsed."""
        return self._graph_or_error[0]

    @property
    def graph_error(self) -> CheckpointError | None:
        """Why the object graph could not be read, or None."""
        return self._graph_or_error[1]

    @cached_property
    def _graph_or_error(self) -> tuple[ObjectGraph | None, CheckpointError | None]:
        try:
            return self._read_object_graph(), None
        except CheckpointError as exc:
            return None, exc

    def _read_object_graph(self) -> ObjectGraph | None:
        entry = self.index.entries.get(OBJECT_GRAPH_KEY)
        if entry is None:
            return None
        path = self.shards.path(entry)
        elements = decode_strings(entry, self.shards.read(entry), path)
        try:
            return ObjectGraph.parse(elements[0] if elements else b"")
        except WireFormatError as exc:
            raise CorruptCheckpointError(path, f"object graph is garbled ({exc})") from None

    @cached_property
    def variables(self) -> list[Variable]:
        """Every listed tensor, sorted by key (slice entries of partitioned ones hidden)."""
        graph = self.object_graph
        index = self.index
        with gc_paused():
            return [
                Variable(
                    key,
                    entry.dtype,
                    entry.shape,
                    index.stored_shard(entry),
                    index.stored_size(entry),
                    tuple(graph.object_paths(key)) if graph is not None else (),
                    entry.is_partitioned,
                )
                for key, entry in index.entries.items()
            ]

    @cached_property
    def _by_key(self) -> dict[str, Variable]:
        return {v.key: v for v in self.variables}

    def variable(self, key: str) -> Variable:
        try:
            return self._by_key[key]
        except KeyError:
            raise CheckpointError(self.index.index_path, f"no tensor named {key!r} in this checkpoint") from None

    def entry(self, key: str) -> BundleEntry:
        try:
            return self.index.entries[key]
        except KeyError:
            raise CheckpointError(self.index.index_path, f"no tensor named {key!r} in this checkpoint") from None

    # -- values ---------------------------------------------------------------------

    def read(self, key: str) -> np.ndarray:
        """The whole value (a read-only view for unpartitioned numeric tensors)."""
        return self.reader.read(self.entry(key))

    def iter_chunks(
        self, key: str, chunk_bytes: int = DEFAULT_CHUNK_BYTES, verify: bool = True
    ) -> Iterator[np.ndarray]:
        return self.reader.iter_chunks(self.entry(key), chunk_bytes, verify)

    def stats(
        self,
        key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> TensorStats:
        """Exact statistics, streamed in bounded memory, chunks summarised in parallel."""
        from ckpt_gui.core.analysis.stats import Partial, summarize_chunk

        total = Partial()
        for part in self._map_chunks(key, summarize_chunk, progress, cancelled, chunk_bytes):
            total.merge(part)
        return total.stats()

    def histogram(
        self,
        key: str,
        bins: int | None = None,
        value_range: tuple[float, float] | None = None,
        stats: TensorStats | None = None,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> tuple[TensorStats, Histogram]:
        """Statistics and the histogram over ``value_range``, or over the finite
        min..max as ``np.histogram`` picks it.

        Without a range or known ``stats`` that takes two passes: a cheap one for the
        extremes (the range depends on them), then one that counts and sums. With a
        range, or with ``stats`` already known, just the second.
        """
        from ckpt_gui.core.analysis.stats import (
            DEFAULT_BINS,
            HistogramAccumulator,
            Partial,
            count_chunk,
            default_range,
            range_chunk,
        )

        bins = DEFAULT_BINS if bins is None else bins
        verified = False
        if value_range is None:
            extremes: TensorStats | Partial | None = stats
            if stats is None:
                extremes = Partial()
                for part in self._map_chunks(key, lambda c, _s: range_chunk(c), progress, cancelled, chunk_bytes):
                    extremes.merge(part)
                verified = True
            value_range = default_range(extremes, self.entry(key).dtype.numpy_dtype())
        acc = HistogramAccumulator(bins, value_range[0], value_range[1])
        edges = acc.edges_for(_real_dtype(self.entry(key)))
        fine = acc.fine_bins()
        with_moments = stats is None

        def count(chunk, scratch):
            return count_chunk(chunk, edges, with_moments, fine, scratch)

        # After a first pass the CRCs are verified: the second need not do it again.
        for part in self._map_chunks(key, count, progress, cancelled, chunk_bytes, verify=not verified):
            acc.add_partial(part)
        return (acc.partial.stats() if with_moments else stats), acc.result()

    def _map_chunks(self, key, fn, progress, cancelled, chunk_bytes, verify=True):
        """``fn(chunk, scratch)`` for each chunk of the tensor, results in order, on
        several threads for large tensors. ``fn`` must not keep the chunk or the
        scratch arrays: both are reused for later chunks."""
        from ckpt_gui.core.analysis.stats import monitored
        from ckpt_gui.core.values.parallel import ordered_map
        from ckpt_gui.core.values.scratch import ScratchPool

        entry = self.entry(key)
        parallel = self.index.stored_size(entry) > 2 * chunk_bytes  # threads cost more than tiny tensors
        pieces = self.reader.pieces(entry, chunk_bytes) if parallel else None
        if pieces is not None:
            return _map_pieces(pieces, fn, progress, cancelled, verify)
        scratches = ScratchPool()

        def task(chunk):
            with scratches.borrow() as scratch:
                return fn(chunk, scratch)

        chunks = monitored(self.iter_chunks(key, chunk_bytes, verify), progress, cancelled)
        return ordered_map(task, chunks, parallel)


def _map_pieces(pieces, fn, progress, cancelled, verify):
    """:meth:`Checkpoint._map_chunks` with the reading done by the worker threads too
    (done here, reading and checksumming would be 25 of the first pass's 30 ms per
    256 MB, on one core): each reads its chunk into its own reused buffer and takes
    its CRC32C, and the CRCs are combined here in order (the whole is checked before
    the last result is out)."""
    from contextlib import closing

    from ckpt_gui.core.analysis.stats import monitored
    from ckpt_gui.core.format.crc import crc32c_combine
    from ckpt_gui.core.values.parallel import ordered_map
    from ckpt_gui.core.values.scratch import ScratchPool

    scratches = ScratchPool()

    def task(piece):
        with scratches.borrow() as scratch:
            chunk, crc = pieces.read(piece, scratch, verify)
            return fn(chunk, scratch), crc

    with pieces, closing(ordered_map(task, monitored(pieces.pieces, progress, cancelled))) as results:
        crc = 0
        for i, (result, piece_crc) in enumerate(results):
            if verify:
                crc = crc32c_combine(crc, piece_crc, pieces.pieces[i].length)
                if i == len(pieces.pieces) - 1:
                    pieces.check(crc)
            yield result


def _real_dtype(entry: BundleEntry):
    from ckpt_gui.core.analysis.stats import real_dtype

    return real_dtype(entry.dtype.numpy_dtype())
