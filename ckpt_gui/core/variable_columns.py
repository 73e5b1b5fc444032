"""A checkpoint's variables as columns: what ``inspect --json`` writes, without a
Variable tuple per variable (a million of them are 0.5 s and 150 MB).

The columns of a V2 index are used as they are (entry_columns.py); other indexes (V1
tables, Keras files: a few thousand entries at most) are taken apart entry by entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress, count, repeat
from operator import attrgetter
from typing import NamedTuple

from ckpt_gui.core.format.bundle_entry import SlicedEntries
from ckpt_gui.core.format.dtypes import DType
from ckpt_gui.core.format.entry_columns import EntryColumns
from ckpt_gui.core.format.lock_slices import slices


class VariableColumns(NamedTuple):
    """The fields of ``Checkpoint.variables``, one sequence each, in the same order
    (zip them, and each row is a Variable's fields)."""

    keys: Sequence[str]
    dtypes: Sequence[DType]
    shapes: Sequence[tuple[int, ...]]
    shards: Sequence[int]
    sizes: Sequence[int]  # bytes in the data shards (all slices of a partitioned tensor)
    object_paths: Sequence[tuple[str, ...]]
    partitioned: Sequence[bool]

    def part(self, start: int, stop: int) -> VariableColumns:
        return VariableColumns(*(column[start:stop] for column in self))


def variable_columns(index: SlicedEntries, paths: Iterable[tuple[str, ...]] | None) -> VariableColumns:
    """The listing's columns of ``index.entries`` (in key order); ``paths``: each key's
    object paths in the same order, or None (none known: name-based, or the key view)."""
    entries = index.entries
    if isinstance(entries, EntryColumns):
        keys, dtypes, shapes = entries.keys_in_order, entries.dtypes, entries.shapes
        shards, sizes, partitioned_rows = entries.shard_ids, entries.sizes, sorted(entries.slices)
    else:
        keys = list(entries)
        values = list(entries.values())
        dtypes, shapes, shards, sizes = (list(map(attrgetter(name), values)) for name in _FIELDS)
        partitioned_rows = list(compress(count(), map(attrgetter("slices"), values)))
    n = len(keys)
    object_paths = [()] * n if paths is None else paths if isinstance(paths, list) else list(paths)
    partitioned = [False] * n
    if partitioned_rows:  # a handful at most: their size and shard are their slices'
        shards, sizes = list(shards), list(sizes)  # copies: the index's own stay as stored
        for i in partitioned_rows:
            entry = entries[keys[i]]
            shards[i], sizes[i], partitioned[i] = index.stored_shard(entry), index.stored_size(entry), True
    return VariableColumns(keys, dtypes, shapes, shards, sizes, object_paths, partitioned)


_FIELDS = ("dtype", "shape", "shard_id", "size")


def rows(columns: VariableColumns, make) -> list:
    """``make``'s tuple type (Variable) of every row, made in bulk (C-level zip), a
    slice at a time: on the open job's worker, in one call (200,000 rows: 90 to 120 ms)
    it held the interpreter lock the GUI thread waited for (see core/format/lock_slices.py)."""
    made: list = []
    for start, stop in slices(len(columns.keys)):
        made += map(tuple.__new__, repeat(make), zip(*columns.part(start, stop)))
    return made
