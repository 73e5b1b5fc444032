"""A large tensor's values without reading them: a read-only memory map of its bytes
in the data file, in its shape. Slicing it reads only the pages the slice touches,
which is how the values table pages through rows and a chosen plane of an N-D tensor
is read (the CRC32C of the whole is checked by the statistics pass, not here)."""

from __future__ import annotations

import os

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.values.numpy_dtypes import numpy_dtype
from ckpt_gui.core.values.reader import TensorReader


def mapped_entry(reader: TensorReader, entry: BundleEntry) -> np.ndarray | None:
    """The tensor as a read-only array backed by the data file, or None where the
    bytes are not simply the elements in order: partitioned tensors, strings, packed
    int4 and friends, empty tensors, a file too short for it."""
    if entry.is_partitioned or not entry.dtype.is_numeric or entry.num_elements == 0:
        return None
    if getattr(reader.shards, "in_memory", False):  # V1 tables, compressed Keras datasets: no byte range
        return None
    try:
        dtype = numpy_dtype(entry.dtype)
    except TypeError:
        return None
    if entry.size != entry.num_elements * dtype.itemsize:
        return None
    if reader.big_endian:
        if dtype.kind not in "fciub":
            return None
        dtype = dtype.newbyteorder(">")
    try:
        path = reader.shards.path(entry)
        if storage.is_url(path):
            return None  # object storage: the rows shown are read as ranges instead
        if os.path.getsize(path) < entry.offset + entry.size:
            return None  # the statistics pass names the problem
        return np.memmap(path, dtype=dtype, mode="r", offset=entry.offset, shape=tuple(entry.shape))
    except (OSError, ValueError, CheckpointError):
        return None
