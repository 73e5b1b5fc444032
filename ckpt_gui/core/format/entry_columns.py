"""The index's entries kept as columns: a read-only mapping key -> BundleEntry.

An index of a million entries made a tuple and a dict item per entry (1.6 s of CPU
and about 200 MB at a million). Here each field is one list, extended a whole block
at a time by the fast decoder (bundle_blocks.py), so decoding makes no object per
entry beyond its key and numbers; a BundleEntry is made only when one is asked for.
Listing reads the columns directly (``Checkpoint.variable_columns``).

Keys come in the table's order, which is increasing as bytes (the decoders check
it), so a key is found by bisection, without a dict of every key. Bytes order is the
str order of the decoded keys when they are valid UTF-8; a key decoded with
surrogate escapes (``bad_utf8_seen``) can break that, and such an index finds its
keys through a dict made once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping, ValuesView
from itertools import repeat

from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.cached import cached_property
from ckpt_gui.core.format.dtypes import DType
from ckpt_gui.core.format.slices import TensorSlice


class EntryColumns(Mapping):
    """BundleEntry fields as parallel lists, in key order (see the module docstring)."""

    def __init__(self) -> None:
        self.keys_in_order: list[str] = []
        self.dtypes: list[DType] = []
        self.shapes: list[tuple[int, ...]] = []
        self.shard_ids: list[int] = []
        self.offsets: list[int] = []
        self.sizes: list[int] = []
        self.crcs: list[int | None] = []
        self.slices: dict[int, tuple[TensorSlice, ...]] = {}  # row -> slices, for the few partitioned ones
        self.bad_utf8_seen = False

    # -- filling (the decoders) -----------------------------------------------------

    def extend(self, keys, dtypes, shapes, shard_ids, offsets, sizes, crcs) -> None:
        """Add a block's entries, one sequence per field (none of them partitioned)."""
        self.keys_in_order += keys
        self.dtypes += dtypes
        self.shapes += shapes
        self.shard_ids += shard_ids
        self.offsets += offsets
        self.sizes += sizes
        self.crcs += crcs

    def append(self, entry: BundleEntry) -> None:
        if entry.slices:
            self.slices[len(self.keys_in_order)] = entry.slices
        self.keys_in_order.append(entry.key)
        self.dtypes.append(entry.dtype)
        self.shapes.append(entry.shape)
        self.shard_ids.append(entry.shard_id)
        self.offsets.append(entry.offset)
        self.sizes.append(entry.size)
        self.crcs.append(entry.crc32c)

    # -- reading ------------------------------------------------------------------

    def row(self, key: str) -> int | None:
        """Where ``key`` is in the columns, or None."""
        if self.bad_utf8_seen:
            return self._row_of_key.get(key)
        keys = self.keys_in_order
        i = bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else None

    def entry_at(self, row: int) -> BundleEntry:
        return BundleEntry(
            self.keys_in_order[row],
            self.dtypes[row],
            self.shapes[row],
            self.shard_ids[row],
            self.offsets[row],
            self.sizes[row],
            self.crcs[row],
            self.slices.get(row, ()),
        )

    @cached_property
    def _row_of_key(self) -> dict[str, int]:
        return {key: i for i, key in enumerate(self.keys_in_order)}

    def __getitem__(self, key: str) -> BundleEntry:
        row = self.row(key) if isinstance(key, str) else None
        if row is None:
            raise KeyError(key)
        return self.entry_at(row)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.row(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_in_order)

    def __len__(self) -> int:
        return len(self.keys_in_order)

    def values(self) -> _Values:
        return _Values(self)

    def all_entries(self) -> Iterator[BundleEntry]:
        """Every entry, in key order, made in bulk (C-level zip)."""
        columns = (self.keys_in_order, self.dtypes, self.shapes, self.shard_ids, self.offsets, self.sizes, self.crcs)
        entries = map(tuple.__new__, repeat(BundleEntry), zip(*columns, repeat(())))
        if not self.slices:
            return entries
        return (entry._replace(slices=self.slices[i]) if i in self.slices else entry for i, entry in enumerate(entries))


class _Values(ValuesView):
    """``entries.values()``, iterated in bulk rather than one look-up per key."""

    _mapping: EntryColumns

    def __iter__(self) -> Iterator[BundleEntry]:
        return self._mapping.all_entries()
