"""The local file reads in progress: which file, on behalf of which thread, since when.

A read of a normal file can block for good: a stuck NFS or FUSE mount, a file on a
network share that went away. Python cannot interrupt a thread blocked in ``read()``,
so the app abandons the work waiting for it instead, and tells the user which file it
is ("Still reading ..."): this registry is how it knows (app/stuck_reads.py). Every
local read of a checkpoint's files goes through :func:`reading` (format/storage.py,
the data shards' positioned reads); mapped views (values/mapped.py) are not seen.

Kept cheap (a dict entry per call, set and removed under the interpreter lock), as
it brackets every read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from threading import get_ident
from time import monotonic
from typing import NamedTuple

# A read in progress this long (seconds) is taken to be stuck: the app names its file,
# a cancel abandons the job waiting for it, the chunk pool replaces its stuck workers.
STUCK_AFTER_S = 3.0


class Read(NamedTuple):
    path: str
    owner: int  # the thread the read is done for (get_ident()): see on_behalf_of
    thread: int  # the thread inside it
    started: float  # time.monotonic()

    def stuck(self) -> bool:
        return monotonic() - self.started >= STUCK_AFTER_S


_reads: dict[int, Read] = {}  # by a key of each call's own
_owners: dict[int, int] = {}  # a helper thread -> the thread it reads for


def reading(path: str) -> _Reading:
    """Around one blocking call on ``path`` (a stat, an open, a read): ``with reading(path):``."""
    return _Reading(path)


class _Reading:
    """reading()'s context manager: a class, not a generator (a read's bracket costs
    about a microsecond, a third of @contextmanager's)."""

    __slots__ = ("_key", "path")

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> None:
        thread = get_ident()
        read = Read(self.path, _owners.get(thread, thread), thread, monotonic())
        self._key = id(read)  # unique while it is in the dict: the tuple lives until removed
        _reads[self._key] = read

    def __exit__(self, *_exc) -> None:
        del _reads[self._key]


@contextmanager
def on_behalf_of(owner: int) -> Iterator[None]:
    """The calling thread's reads, within the block, are done for thread ``owner`` (a
    chunk worker for the job that asked for the chunk, the object graph's decoder for
    the open job): a stuck one is the owner's."""
    thread = get_ident()
    if thread == owner:
        yield
        return
    _owners[thread] = owner
    try:
        yield
    finally:
        _owners.pop(thread, None)


def in_flight() -> list[Read]:
    """Every read in progress, the oldest first."""
    return sorted(list(_reads.values()), key=lambda read: read.started)


def reading_for(owner: int) -> Read | None:
    """The oldest read in progress on behalf of thread ``owner``, or None."""
    return next((read for read in in_flight() if read.owner == owner), None)


def stuck_for(owner: int) -> Read | None:
    """The read thread ``owner`` has waited for STUCK_AFTER_S or more, or None."""
    read = reading_for(owner)
    return read if read is not None and read.stuck() else None


def stuck_threads() -> set[int]:
    """The threads inside a read for STUCK_AFTER_S or more."""
    return {read.thread for read in in_flight() if read.stuck()}
