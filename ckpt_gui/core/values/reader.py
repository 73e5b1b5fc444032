"""Reading tensor values, whole or in chunks, including partitioned tensors."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format.bundle import BundleIndex
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.crc import crc32c
from ckpt_gui.core.format.errors import CorruptCheckpointError, UnsupportedCheckpointError
from ckpt_gui.core.format.reads_in_flight import reading
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES, ShardFiles, check_crc, past_end
from ckpt_gui.core.values import decode as values
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.values.scratch import Scratch


class TensorReader:
    """Values of one bundle's entries, decoded from its data shards on demand."""

    def __init__(self, index: BundleIndex, shards: ShardFiles | None = None) -> None:
        self.index = index
        self.shards = shards or ShardFiles(index)  # V1 checkpoints bring their own (format/v1_table.py)

    @property
    def big_endian(self) -> bool:
        return self.index.header.big_endian

    def read(self, entry: BundleEntry) -> np.ndarray:
        """The whole tensor; partitioned tensors are assembled from their slices."""
        if entry.is_partitioned:
            return self._assemble(entry)
        data = self.shards.read(entry)
        return values.decode(entry, data, self.big_endian, self.shards.path(entry))

    def iter_chunks(
        self, entry: BundleEntry, chunk_bytes: int = DEFAULT_CHUNK_BYTES, verify: bool = True
    ) -> Iterator[np.ndarray]:
        """Flat chunks of a fixed-size-type tensor, in storage order (slice by slice for
        a partitioned one), never holding more than ``chunk_bytes`` of it at once."""
        if not entry.dtype.is_numeric:
            raise UnsupportedCheckpointError(
                self.index.index_path, f"tensor {entry.key!r} ({entry.dtype.name}) has no numeric chunks"
            )
        parts = [part for _s, part in self.index.slice_parts(entry)] if entry.is_partitioned else [entry]
        for part in parts:
            itemsize = part.dtype.itemsize
            if part.size != part.num_elements * itemsize:  # packed int4 & co (or corrupt): whole
                yield self.read(part).reshape(-1)
                continue
            path = self.shards.path(part)
            for data in self.shards.iter_chunks(part, chunk_bytes, verify):
                yield values.numeric_elements(part.dtype, data, len(data) // itemsize, self.big_endian, path, part.key)

    def pieces(self, entry: BundleEntry, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> Pieces | None:
        """The chunks of ``entry`` for reading on several threads (see :class:`Pieces`),
        or None for what only :meth:`iter_chunks` reads (partitioned, packed int4 & co)."""
        if entry.is_partitioned or not entry.dtype.is_numeric or getattr(self.shards, "in_memory", False):
            return None
        itemsize = entry.dtype.itemsize
        if entry.size != entry.num_elements * itemsize or entry.size == 0:
            return None
        return Pieces(self, entry, chunk_bytes)

    def _assemble(self, entry: BundleEntry) -> np.ndarray:
        dtype = object if not entry.dtype.is_numeric else numpy_dtype(entry.dtype)
        values.check_rank(entry, self.index.index_path)
        # The full shape is untrusted: allocate only what the stored slices can fill
        # (a quarter byte per element at least: int2 packs four to a byte).
        stored = sum(part.size for _s, part in self.index.slice_parts(entry))
        if entry.num_elements > stored * 4:
            raise CorruptCheckpointError(
                self.index.index_path,
                f"partitioned tensor {entry.key!r} has shape {list(entry.shape)}, but its slices hold "
                f"only {stored} bytes",
            )
        full = np.empty(entry.shape, dtype=dtype)
        covered = 0
        parts = list(self.index.slice_parts(entry))
        for tensor_slice, part in parts:
            expected = tensor_slice.shape(entry.shape)
            if part.shape != expected:
                raise CorruptCheckpointError(
                    self.index.index_path,
                    f"slice {tensor_slice.extents} of {entry.key!r} is stored with shape {part.shape}, "
                    f"expected {expected}",
                )
        # V1 tables (values inline) read one by one; bundles fetch remote slices concurrently.
        read_each = getattr(self.shards, "read_each", None) or (lambda entries: map(self.shards.read, entries))
        for (tensor_slice, part), data in zip(parts, read_each([part for _s, part in parts])):
            full[tensor_slice.bounds(entry.shape)] = values.decode(part, data, self.big_endian, self.shards.path(part))
            covered += part.num_elements
        if covered != entry.num_elements:
            raise CorruptCheckpointError(
                self.index.index_path,
                f"the slices of {entry.key!r} cover {covered} of its {entry.num_elements} elements",
            )
        return full


def sample_elements(
    reader: TensorReader, entry: BundleEntry, max_elements: int = 1 << 16, runs: int = 64
) -> np.ndarray:
    """A quick look at a large tensor: ``runs`` evenly spaced runs of consecutive
    elements, about ``max_elements`` in all, read without a CRC check (the exact pass
    that follows verifies). Small tensors are simply read whole."""
    if entry.num_elements <= max_elements or not entry.dtype.is_numeric:
        return reader.read(entry).reshape(-1)
    parts = [part for _s, part in reader.index.slice_parts(entry)] if entry.is_partitioned else [entry]
    itemsize = entry.dtype.itemsize
    pieces = []
    for part in parts:
        if part.size != part.num_elements * itemsize or part.num_elements == 0:
            continue  # packed sub-byte types: no element-aligned runs
        share = max(1, round(runs * part.num_elements / entry.num_elements))
        run_length = min(part.num_elements, max(1, max_elements // runs))
        path = reader.shards.path(part)
        with reader.shards.open(path, part) as f:
            for i in range(share):
                start = (part.num_elements - run_length) * i // max(share - 1, 1)
                f.seek(part.offset + start * itemsize)
                data = f.read(run_length * itemsize)
                count = len(data) // itemsize
                pieces.append(values.numeric_elements(part.dtype, data, count, reader.big_endian, path, part.key))
    return np.concatenate(pieces) if pieces else reader.read(entry).reshape(-1)


_CRC_SLICE = 1 << 18  # bytes checksummed per call (~0.1 ms)


@dataclass(frozen=True, slots=True)
class Piece:
    offset: int  # in the data file
    length: int  # bytes
    size: int  # elements


class Pieces:
    """One unpartitioned entry as chunks that any thread reads: positioned reads into
    the reading thread's reused buffer, each chunk with its own CRC32C, which the
    caller combines in order (:func:`crc.crc32c_combine`) and hands to :meth:`check`.

    Use as a context manager: the data file stays open while it is in use.
    """

    def __init__(self, reader: TensorReader, entry: BundleEntry, chunk_bytes: int) -> None:
        self.entry = entry
        self.path = reader.shards.path(entry)
        self._shards = reader.shards
        self._big_endian = reader.big_endian
        itemsize = entry.dtype.itemsize
        step = max(itemsize, chunk_bytes - chunk_bytes % itemsize)
        self.pieces = [
            Piece(entry.offset + start, min(step, entry.size - start), min(step, entry.size - start) // itemsize)
            for start in range(0, entry.size, step)
        ]
        self._file = None
        self._lock = threading.Lock()  # for systems without positioned reads

    def __enter__(self) -> Pieces:
        self._file = self._shards.open(self.path, self.entry)
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def read(self, piece: Piece, scratch: Scratch, verify: bool = True, buffer: str = "read") -> tuple[np.ndarray, int]:
        """The piece's elements (valid until ``scratch`` is reused) and the CRC32C of
        its bytes (0 unverified), read into the scratch buffer called ``buffer``."""
        data = scratch.array(buffer, piece.length, np.uint8)
        done = 0
        while done < piece.length:
            n = self._read_at(memoryview(data)[done:], piece.offset + done)
            if n == 0:
                raise past_end(self.path, self.entry, piece.offset + done)
            done += n
        crc = 0
        if verify:  # google-crc32c holds the GIL: a slice at a time lets the GUI thread in between
            for start in range(0, piece.length, _CRC_SLICE):
                crc = crc32c(data[start : start + _CRC_SLICE], crc)
        key = self.entry.key
        return values.numeric_elements(self.entry.dtype, data, piece.size, self._big_endian, self.path, key), crc

    def check(self, crc: int) -> None:
        """Raise unless ``crc`` (of all pieces, combined in order) is the entry's."""
        check_crc(self.path, self.entry, crc)

    def _read_at(self, view: memoryview, offset: int) -> int:
        if hasattr(self._file, "read_at"):  # object storage: ranged requests, from any thread
            return self._file.read_at(view, offset)
        if hasattr(os, "preadv"):  # POSIX: threads read side by side
            with reading(self.path):  # a stuck mount: the app says which file it waits for
                return os.preadv(self._file.fileno(), [view], offset)
        with self._lock:  # elsewhere (Windows), one at a time
            self._file.seek(offset)
            return self._file.readinto(view)
