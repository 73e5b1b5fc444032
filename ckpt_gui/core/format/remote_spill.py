"""Tensor bytes fetched from object storage, kept for the next pass in a bounded
temporary file.

An exact histogram reads its tensor twice (the range first, then the counts), and a
histogram often follows the statistics or precedes an export: without a copy, each
pass fetched the tensor again. Each ranged read of a tensor's chunk is written here
as it arrives, and read back from here when the same chunk is asked for again.

The file is an anonymous temporary file (``tempfile.TemporaryFile``: in the system's
temporary folder, never in a checkpoint's folder, removed by the system when the
process ends), used as a ring: when the next chunk does not fit, writing starts over
at the beginning and the chunks it overwrites are forgotten. So it never holds more
than :data:`LIMIT` bytes (or a quarter of the temporary folder's free space), and a
tensor larger than that is fetched again on its second pass, as before. Objects in a
checkpoint are written once, but a training job may write a checkpoint again under
the same name: a chunk is known by the object's URL, its version (size and time, as
the folder's listing shows them) and its byte range.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import OrderedDict
from typing import IO

LIMIT = 1 << 30  # 1 GiB: a tensor up to this size is fetched once for a histogram

Key = tuple[str, tuple, int, int]  # url, object version (size, time), start, end


class Spill:
    """Chunks by key, in one temporary file of at most ``limit`` bytes (oldest out first)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._file: IO[bytes] | None = None
        self._opened = False
        self._capacity = 0
        self._chunks: OrderedDict[Key, tuple[int, int]] = OrderedDict()  # key -> (offset, length), oldest first
        self._end = 0  # where the next chunk goes
        self._lock = threading.Lock()  # one file position: reads and writes take turns

    def get(self, key: Key) -> bytes | None:
        with self._lock:
            place = self._chunks.get(key)
            if place is None or self._file is None:
                return None
            offset, length = place
            self._file.seek(offset)
            data = self._file.read(length)
        return data if len(data) == length else None

    def put(self, key: Key, data: bytes) -> None:
        with self._lock:
            if key in self._chunks or not self._open():
                return
            if len(data) > self._capacity:
                return  # larger than the whole file: fetched again when asked again
            if self._end + len(data) > self._capacity:
                self._end = 0  # the ring wraps: the oldest chunks are overwritten
            start, stop = self._end, self._end + len(data)
            for old in [k for k, (o, n) in self._chunks.items() if o < stop and o + n > start]:
                del self._chunks[old]
            try:
                self._file.seek(start)
                self._file.write(data)
            except OSError:  # the temporary folder is full: keep nothing more
                self._capacity = 0
                self._chunks.clear()
                return
            self._chunks[key] = (start, len(data))
            self._end = stop

    def held(self) -> int:
        """Bytes of chunks held (for tests and the benchmark)."""
        with self._lock:
            return sum(n for _o, n in self._chunks.values())

    def _open(self) -> bool:
        if not self._opened:
            self._opened = True  # once: a temporary folder that fails is not asked again
            try:
                folder = tempfile.gettempdir()
                self._capacity = min(self.limit, shutil.disk_usage(folder).free // 4)
                self._file = tempfile.TemporaryFile(prefix="ckpt-gui-fetched-")  # noqa: SIM115 - lives with the process
            except OSError:
                self._capacity = 0
        return self._capacity > 0
