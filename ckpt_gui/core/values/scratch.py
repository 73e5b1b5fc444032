"""Work arrays reused from one chunk to the next.

A fresh multi-megabyte numpy temporary per chunk costs more than the arithmetic
done in it: the kernel maps and zeroes its pages on first touch, and freeing it
again makes every core running the process flush its TLB (measured: computing into
fresh arrays 96 ms per 256 MB, into reused ones 13 ms). So each chunk task borrows
a :class:`Scratch` from its computation's :class:`ScratchPool`, and the arrays are
dropped with the pool when the computation ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ckpt_gui.core.deferred import numpy as np


class Scratch:
    """Named byte buffers, grown as needed, for one thread at a time."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def array(self, name: str, n: int, dtype: np.dtype | type) -> np.ndarray:
        """``n`` elements of ``dtype`` (uninitialised) in the buffer called ``name``;
        the same name under another dtype is the same memory."""
        dtype = np.dtype(dtype)
        nbytes = n * dtype.itemsize
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < nbytes:
            buffer = self._buffers[name] = np.empty(nbytes, np.uint8)
        return buffer[:nbytes].view(dtype)


class ScratchPool:
    """Scratch sets for the tasks of one computation: as many as run at once."""

    def __init__(self) -> None:
        self._free: list[Scratch] = []
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[Scratch]:
        with self._lock:
            scratch = self._free.pop() if self._free else Scratch()
        try:
            yield scratch
        finally:
            with self._lock:
                self._free.append(scratch)
