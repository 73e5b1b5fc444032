"""Reading tensor bytes out of ``prefix.data-SSSSS-of-NNNNN`` files.

Data files are opened only for the duration of one read and only for reading: a
training job may be deleting old checkpoints from the same folder (CheckpointManager
keeps N), and on Windows a file held open cannot be deleted. Reads are positioned
(no mmap), so a file truncated underneath us gives a clean error, not a SIGBUS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from operator import add

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.bundle import BundleIndex
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.crc import crc32c, mask
from ckpt_gui.core.format.errors import CheckpointError, CorruptCheckpointError

DEFAULT_CHUNK_BYTES = 4 << 20


class ShardFiles:
    """Positioned, bounds-checked, CRC-verified reads from one bundle's data shards."""

    def __init__(self, index: BundleIndex) -> None:
        self.index = index

    def path(self, entry: BundleEntry) -> str:
        if not 0 <= entry.shard_id < self.index.header.num_shards:
            raise CorruptCheckpointError(
                self.index.index_path,
                f"tensor {entry.key!r} points at shard {entry.shard_id}, "
                f"but the bundle has {_shards(self.index.header.num_shards)}",
            )
        return self.index.data_path(entry.shard_id)

    def check_all_present(self) -> None:
        """Every data shard exists and is long enough for all it holds (a stat per
        shard, no reading): for work that needs every value, such as a restore."""
        for path, entry in sorted(self._furthest().items()):
            self.open(path, entry).close()  # raises, naming the file, when missing or short

    def short_files(self) -> tuple[tuple[str, int, int], ...]:
        """The local data shards that are there but shorter than the index needs, as
        (path, size, bytes needed): a stat per shard, the index alone says how long each
        must be (a copy or a save cut short). Missing ones are not here: their names say
        so without the index (CheckpointRef.missing_files)."""
        short = []
        for shard, needed in sorted(self._ends().items()):
            if not 0 <= shard < self.index.header.num_shards:
                continue  # a garbled entry: its read says so
            path = self.index.data_path(shard)
            if storage.is_url(path):
                continue  # a request per shard: the read says it, if it comes to that
            try:
                size = storage.getsize(path)
            except OSError:
                continue
            if size < needed:
                short.append((path, size, needed))
        return tuple(short)

    def _ends(self) -> dict[int, int]:
        """Each shard's id, with where the bytes the index puts in it end: from the index's
        columns, at C speed for the usual one shard (an open of 200,000 variables must not
        wait for a loop over them)."""
        columns = self.index.entries
        ends: dict[int, int] = {}
        if self.index.header.num_shards == 1:
            ends[0] = max(map(add, columns.offsets, columns.sizes), default=0)
        else:
            for shard, offset, size in zip(columns.shard_ids, columns.offsets, columns.sizes, strict=True):
                ends[shard] = max(ends.get(shard, 0), offset + size)
        for slices in self.index.slice_entries.values():
            for entry in slices.values():
                ends[entry.shard_id] = max(ends.get(entry.shard_id, 0), entry.offset + entry.size)
        return ends

    def _furthest(self) -> dict[str, BundleEntry]:
        """Each data shard's path, with the entry whose bytes end last in it."""
        furthest: dict[str, BundleEntry] = {}
        entries = [*self.index.entries.values()]
        entries += [entry for slices in self.index.slice_entries.values() for entry in slices.values()]
        for entry in entries:
            if entry.size == 0 or entry.is_partitioned:
                continue
            path = self.path(entry)
            known = furthest.get(path)
            if known is None or entry.offset + entry.size > known.offset + known.size:
                furthest[path] = entry
        return furthest

    def read(self, entry: BundleEntry, verify: bool = True) -> bytes:
        """All bytes of one (unpartitioned) entry, checked against its CRC32C."""
        path = self.path(entry)
        with self.open(path, entry) as f:
            f.seek(entry.offset)
            data = f.read(entry.size)
        if len(data) != entry.size:
            raise past_end(path, entry, entry.offset + len(data))
        if verify and entry.dtype.is_numeric:
            check_crc(path, entry, crc32c(data))
        return data

    def read_each(self, entries: list[BundleEntry], verify: bool = True) -> Iterator[bytes]:
        """``read`` of each entry, in order: from local files one after the other, from
        object storage all requested at once (the slices of a partitioned tensor live
        in different shards), each checked against its CRC32C."""
        paths = [self.path(entry) for entry in entries]
        if not any(map(storage.is_url, paths)):
            yield from (self.read(entry, verify) for entry in entries)
            return
        for path, entry in zip(paths, entries):
            self.open(path, entry).close()  # missing or short: said as for one read
        fetched = storage.read_many(
            [(path, entry.offset, entry.offset + entry.size) for path, entry in zip(paths, entries)]
        )
        for path, entry, data in zip(paths, entries, fetched):
            if len(data) != entry.size:
                raise past_end(path, entry, entry.offset + len(data))
            if verify and entry.dtype.is_numeric:
                check_crc(path, entry, crc32c(data))
            yield data

    def iter_chunks(
        self, entry: BundleEntry, chunk_bytes: int = DEFAULT_CHUNK_BYTES, verify: bool = True
    ) -> Iterator[bytes]:
        """The entry's bytes in pieces of at most ``chunk_bytes`` (a multiple of the item
        size), verifying the CRC32C over all of them before the last piece is yielded
        (``verify=False`` for a second pass over bytes just verified)."""
        itemsize = max(entry.dtype.itemsize, 1)
        chunk_bytes = max(itemsize, chunk_bytes - chunk_bytes % itemsize)
        path = self.path(entry)
        crc = 0
        with self.open(path, entry) as f:
            remaining = entry.size
            for data in _chunks_of(f, entry, chunk_bytes):
                if not data:
                    raise past_end(path, entry, entry.offset + entry.size - remaining)
                remaining -= len(data)
                if verify:
                    crc = crc32c(data, crc)
                    if remaining == 0:
                        check_crc(path, entry, crc)
                yield data
        if entry.size == 0 and verify:
            check_crc(path, entry, crc)

    def open(self, path: str, entry: BundleEntry):
        try:
            f = storage.open_read(path)
        except FileNotFoundError:
            raise CheckpointError(
                path, f"data shard is missing (tensor {entry.key!r} lives in it; the checkpoint is incomplete)"
            ) from None
        except OSError as exc:
            raise CheckpointError(path, f"cannot read data shard ({exc.strerror or exc})") from None
        size = storage.size_of_open(f)
        if entry.offset + entry.size > size:
            f.close()
            raise past_end(path, entry, size)
        return f


def _chunks_of(f, entry: BundleEntry, chunk_bytes: int) -> Iterator[bytes]:
    """The entry's bytes in pieces: read in turn from a local file; from object storage,
    a few ranged requests ahead of the one being consumed."""
    end = entry.offset + entry.size
    ranges = [(start, min(start + chunk_bytes, end)) for start in range(entry.offset, end, chunk_bytes)]
    if hasattr(f, "read_ranges"):
        yield from f.read_ranges(ranges)
        return
    f.seek(entry.offset)
    for start, stop in ranges:
        yield f.read(stop - start)


def check_crc(path: str, entry: BundleEntry, actual_crc: int) -> None:
    if entry.crc32c is not None and mask(actual_crc) != entry.crc32c:
        raise CorruptCheckpointError(
            path,
            f"tensor {entry.key!r} (bytes {entry.offset}..{entry.offset + entry.size}) fails its "
            "CRC32C check: the data file is corrupt",
        )


# past_end's words, read back: a truncated shard's tensors share one cause (shared_cause).
_PAST_END = re.compile(r"^(?P<path>.*): tensor '.*' needs bytes \d+\.\.\d+ but the file ends at (?P<size>\d+): "
                       r"the data shard is truncated$", re.DOTALL)  # fmt: skip


def shared_cause(reason: str) -> str:
    """Why a tensor cannot be read, as the tensors of one cause share it: the shard a
    truncation cut, and where it ends ("DATA: the data shard is truncated at 3,000 bytes"),
    for past_end's line, which names its own tensor and bytes; any other reason as it is
    (a CRC mismatch is its tensor's own). `inspect --stats` printed one line per tensor of
    a truncated shard, 12 for one cause (review 23 #7)."""
    found = _PAST_END.match(reason)
    if found is None:
        return reason
    return f"{found['path']}: the data shard is truncated at {int(found['size']):,} bytes, before their values"


def past_end(path: str, entry: BundleEntry, file_size: int) -> CorruptCheckpointError:
    return CorruptCheckpointError(
        path,
        f"tensor {entry.key!r} needs bytes {entry.offset}..{entry.offset + entry.size} "
        f"but the file ends at {file_size}: the data shard is truncated",
    )


def _shards(count: int) -> str:
    return f"{count} shard" + ("" if count == 1 else "s")
