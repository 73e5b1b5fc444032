"""One listing of a folder: its ``*.index`` files and each prefix's data shards.

A folder of a long training run holds thousands of checkpoints. Globbing each
prefix's ``.data-*`` files lists the whole folder once per checkpoint (quadratic:
1,000 checkpoints took 33 s); one listing (``os.scandir`` and a stat per checkpoint file; one request for a
bucket folder) is
linear (10,000 checkpoints in a fraction of a second).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ckpt_gui.core.format import storage

_DATA_FILE_NUMBERS = re.compile(r"\.data-(\d{5})-of-(\d{5})$")


@dataclass(frozen=True, slots=True)
class PrefixFiles:
    """What the listing saw of one prefix: its index and its data shards."""

    has_index: bool
    index_size: int
    index_mtime: float | None
    data_size: int  # all data shards found
    shards: frozenset[int]  # the shard numbers found
    shard_count: int  # the index header's count when the files name two, else the largest "-of-NNNNN" (1 when none)
    # Data files of another shard count, as (shard, count): left over from an older save
    # of the prefix (the index names ``shard_count``), in neither data_size nor shards.
    leftovers: tuple[tuple[int, int], ...] = ()

    def missing_shards(self, prefix: str) -> tuple[str, ...]:
        count = self.shard_count
        return tuple(f"{prefix}.data-{i:05d}-of-{count:05d}" for i in range(count) if i not in self.shards)

    def leftover_files(self, prefix: str) -> tuple[str, ...]:
        return tuple(f"{prefix}.data-{shard:05d}-of-{count:05d}" for shard, count in self.leftovers)


NOTHING = PrefixFiles(False, 0, None, 0, frozenset(), 1)


def _shard_count(directory: str, name: str, shards: list[tuple[int, int, int]], has_index: bool) -> int:
    """Which "-of-NNNNN" is the prefix's: the one count its files name, else (files of
    two counts: one save's leftover beside another's, review 20 G15) the index header's,
    else the largest count whose shards are all there, else the largest."""
    counts = {count for _shard, count, _size in shards}
    if len(counts) == 1:
        return counts.pop()
    if not counts:
        return 1
    from ckpt_gui.core.format.bundle import read_num_shards  # noqa: PLC0415 - rare, and bundle imports much

    named = read_num_shards(os.path.join(directory, name)) if has_index else None
    if named is not None:
        return named
    whole = [c for c in counts if len({s for s, n, _size in shards if n == c and s < c}) == c]
    return max(whole or counts)


class FolderListing:
    """``files(prefix)`` for any prefix, one ``os.scandir`` per folder, on first use."""

    def __init__(self) -> None:
        self._folders: dict[str, _Folder] = {}

    def index_prefixes(self, directory: str) -> list[str]:
        """The prefixes of the folder's ``*.index`` files (regular files or links to them)."""
        return [os.path.join(directory, name) for name in self._folder(directory).indexes]

    def files(self, prefix: str) -> PrefixFiles:
        directory, name = os.path.split(prefix)
        return self._folder(directory).files(name)

    def _folder(self, directory: str) -> _Folder:
        known = self._folders.get(directory)
        if known is None:
            known = self._folders[directory] = _Folder(directory)
        return known


class _Folder:
    """The raw listing; a prefix's record is made when asked for (thousands are not)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.indexes: dict[str, storage.FolderEntry] = {}
        self.data: dict[str, list[tuple[int, int, int]]] = {}  # name -> (shard, count, size)
        # Missing or unreadable: nothing there, as the glob said before.
        for entry in storage.scan(directory):
            name = entry.name
            if not entry.is_file:
                continue
            if name.endswith(".index"):
                self.indexes[name[:-6]] = entry
            elif ".data-" in name:
                numbers = _DATA_FILE_NUMBERS.search(name)
                if numbers is not None:
                    shard = (int(numbers.group(1)), int(numbers.group(2)), entry.size)
                    self.data.setdefault(name[: numbers.start()], []).append(shard)

    def files(self, name: str) -> PrefixFiles:
        stat = self.indexes.get(name)
        shards = self.data.get(name, ())
        if stat is None and not shards:
            return NOTHING
        count = _shard_count(self.directory, name, shards, stat is not None)
        return PrefixFiles(
            stat is not None,
            stat.size if stat is not None else 0,
            stat.mtime if stat is not None else None,
            sum(size for _shard, n, size in shards if n == count),
            frozenset(shard for shard, n, _size in shards if n == count),
            count,
            tuple(sorted((shard, n) for shard, n, _size in shards if n != count)),
        )
