"""Which tensors of a bundle are all zeros, known from its index alone: an entry's
CRC32C (TensorFlow's, masked) equal to that of as many zero bytes as the tensor holds.
Nothing of the data files is read, whatever the tensor's size: what the open can ask of
its first choice without reading a value (review 17: the window opened on an all-zero
kernel, a flat heatmap and a one-bar histogram, beside a kernel of the same size with data).
A CRC says so with the odds of a 32-bit collision; a zero that is -0.0 is no zero byte."""

from __future__ import annotations

from collections.abc import Callable

from ckpt_gui.core.format.crc import crc32c_of_zeros, mask
from ckpt_gui.core.format.entry_columns import EntryColumns


def zeros_at_rest(index) -> Callable[[str], bool]:
    """``key -> bool``: whether ``index`` stores that tensor as zero bytes only. False
    when it cannot tell (no CRC, another kind of index, a partitioned tensor's whole
    entry, no bytes)."""
    entries = getattr(index, "entries", None)
    if not isinstance(entries, EntryColumns):
        return lambda _key: False

    def all_zeros(key: str) -> bool:
        row = entries.row(key)
        if row is None or entries.crcs[row] is None or not entries.sizes[row]:
            return False
        return entries.crcs[row] == mask(crc32c_of_zeros(entries.sizes[row]))

    return all_zeros
