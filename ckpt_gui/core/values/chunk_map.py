"""One way to run a function over a tensor's chunks: in order, on several threads for
large tensors, with progress, cancellation and the CRC32C checked.

Statistics, histograms and diffs all stream through here, so each gets the same
bounded memory (a few reused 4 MB buffers) and the same parallel reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from typing import TypeVar

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.crc import crc32c_combine
from ckpt_gui.core.format.errors import Cancelled
from ckpt_gui.core.values.parallel import ordered_map
from ckpt_gui.core.values.reader import Pieces, TensorReader
from ckpt_gui.core.values.scratch import Scratch, ScratchPool

T = TypeVar("T")
ChunkFn = Callable[["np.ndarray", Scratch], T]  # or (chunk, scratch, start) with positioned=True


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


def map_chunks(
    reader: TensorReader,
    entry: BundleEntry,
    stored_size: int,
    fn: ChunkFn,
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
    chunk_bytes: int,
    verify: bool = True,
    positioned: bool = False,
) -> Iterator[T]:
    """``fn(chunk, scratch)`` for each chunk of the tensor, results in order; with
    ``positioned``, ``fn(chunk, scratch, start)`` where ``start`` is the flat index of
    the chunk's first element. ``fn`` must not keep the chunk or the scratch arrays:
    both are reused for later chunks."""
    parallel = stored_size > 2 * chunk_bytes  # threads cost more than tiny tensors
    pieces = reader.pieces(entry, chunk_bytes) if parallel else None
    if pieces is not None:
        return _map_pieces(pieces, fn, progress, cancelled, verify, positioned)
    scratches = ScratchPool()

    def task(item):
        chunk, start = item
        with scratches.borrow() as scratch:
            return fn(chunk, scratch, start) if positioned else fn(chunk, scratch)

    chunks = monitored(reader.iter_chunks(entry, chunk_bytes, verify), progress, cancelled)
    return ordered_map(task, _with_starts(chunks), parallel)


def _with_starts(chunks: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray, int]]:
    start = 0
    for chunk in chunks:
        yield chunk, start
        start += chunk.size


def _map_pieces(pieces: Pieces, fn: ChunkFn, progress, cancelled, verify: bool, positioned: bool) -> Iterator[T]:
    """:func:`map_chunks` with the reading done by the worker threads too (done here,
    reading and checksumming would be 25 of the first pass's 30 ms per 256 MB, on one
    core): each reads its chunk into its own reused buffer and takes its CRC32C, and
    the CRCs are combined here in order (the whole is checked before the last result
    is out)."""
    scratches = ScratchPool()
    itemsize = pieces.entry.dtype.itemsize

    def task(piece):
        with scratches.borrow() as scratch:
            chunk, crc = pieces.read(piece, scratch, verify)
            if positioned:
                return fn(chunk, scratch, (piece.offset - pieces.entry.offset) // itemsize), crc
            return fn(chunk, scratch), crc

    with pieces, closing(ordered_map(task, monitored(pieces.pieces, progress, cancelled))) as results:
        crc = 0
        for i, (result, piece_crc) in enumerate(results):
            if verify:
                crc = crc32c_combine(crc, piece_crc, pieces.pieces[i].length)
                if i == len(pieces.pieces) - 1:
                    pieces.check(crc)
            yield result
