"""The one way core/format reaches files: local paths or object-storage URLs.

Local paths keep the fast path they always had (``open``, ``os.scandir``, positioned
reads; the value layer memory-maps them). A URL (``gs://``, ``s3://``, ``az://``,
``abfs://``, ``https://``) goes to :mod:`ckpt_gui.core.format.remote`, which imports
fsspec only then: listing or inspecting a local checkpoint never loads it.

Paths stay strings. A URL is joined and split like a POSIX path (``os.path.join``,
``dirname`` and ``basename`` work on ``s3://b/run/ckpt-3``); only what would break it
(``abspath``, ``normpath``, ``realpath``, ``isabs``) is done here.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from typing import IO

from ckpt_gui.core.format.errors import NotACheckpointError
from ckpt_gui.core.format.reads_in_flight import reading
from ckpt_gui.core.format.storage_paths import FolderEntry, absolute, is_url

__all__ = ["FolderEntry", "absolute", "is_url"]


# The restore doctor runs the user's TensorFlow on the checkpoint's files, which TensorFlow
# reads by path (and from s3:// not at all without tensorflow-io): it needs a local copy.
DOCTOR_NEEDS_LOCAL = (
    "the restore doctor needs a local copy of a checkpoint in object storage "
    "(copy the folder, e.g. `gcloud storage cp -r` or `aws s3 cp --recursive`, and diagnose that)"
)


def normalized(path: str) -> str:
    return absolute(path) if is_url(path) else os.path.normpath(path)


def isabs(path: str) -> bool:
    return is_url(path) or os.path.isabs(path)


def real(path: str) -> str:
    """Symlinks resolved locally; a URL names itself."""
    return absolute(path) if is_url(path) else os.path.realpath(path)


def same_checkpoint(prefix: str, other: str) -> bool:
    """Whether two prefixes name one checkpoint: the same real path (a folder linked to
    the other's), or one index file reached by two names (a linked ``.index``, a folder
    of links to another's files). Compared as spelled, the Compare dialog took a
    checkpoint reached through a link for another one (review 21 #7)."""
    if is_url(prefix) or is_url(other):
        return absolute(prefix) == absolute(other)
    if os.path.realpath(prefix) == os.path.realpath(other):
        return True
    try:
        return os.path.samefile(prefix + ".index", other + ".index")
    except (OSError, ValueError):  # either index missing (a Keras file, a SavedModel's variables): not one file
        return False


def can_list(directory: str) -> bool:
    """Whether the folder can be listed: not on a plain web server (``https://``), where
    a checkpoint is opened by its prefix and shown without its siblings."""
    return not (is_url(directory) and directory.lower().startswith(("http://", "https://")))


# The local calls below that may block on a stuck mount are bracketed by reading():
# the app tells which file it waits for (core/format/reads_in_flight.py).


def isdir(path: str) -> bool:
    if is_url(path):
        return _remote().isdir(path)
    with reading(path):
        return os.path.isdir(path)


def isfile(path: str) -> bool:
    if is_url(path):
        return _remote().isfile(path)
    with reading(path):
        return os.path.isfile(path)


def getsize(path: str) -> int:
    """Size in bytes; OSError when missing."""
    if is_url(path):
        return _remote().getsize(path)
    with reading(path):
        return os.path.getsize(path)


def listdir(directory: str) -> list[str]:
    """Names in the folder; OSError when it cannot be listed."""
    if is_url(directory):
        return [entry.name for entry in _remote().scan(directory)]
    with reading(directory):
        return os.listdir(directory)


def scan(directory: str) -> Iterator[FolderEntry]:
    """The folder's entries with sizes and times, one listing (``os.scandir`` locally).
    Nothing when the folder is missing or unreadable."""
    if is_url(directory):
        yield from _remote().scan(directory)
        return
    with reading(directory or "."):
        try:
            entries = list(os.scandir(directory or "."))
        except OSError:
            return
        found = []
        for entry in entries:
            try:
                if entry.is_file():
                    stat = entry.stat()
                    found.append(FolderEntry(entry.name, True, stat.st_size, stat.st_mtime))
                else:
                    found.append(FolderEntry(entry.name, False, 0, None))
            except OSError:  # deleted by a training job meanwhile
                continue
    yield from found  # outside the bracket: the caller's work between two is not a read


# Reading one of these never ends (a FIFO with no writer, /proc/kmsg, a terminal) or
# reads the kernel's state, not a file: a worker blocked in read() cannot be cancelled
# and held the app's opens for good (review 13 #P1). /proc's files say they are regular
# files of size 0, so their folders are refused by name.
_SPECIAL_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)
# Not /dev: its devices are caught by their mode, and /dev/shm holds real files.
_KERNEL_FOLDERS = ("/proc", "/sys")


def not_a_file(path: str) -> str | None:
    """Why a local path must not be read as a checkpoint's file ("a character device,
    not a checkpoint file"), or None (a regular file, a folder, a URL, or missing: the
    caller's open or listing says so)."""
    if is_url(path):
        return None
    try:
        mode = os.stat(path).st_mode  # through symlinks: what a read would reach
    except (OSError, ValueError):
        return None
    real = os.path.realpath(path)
    leads = f" ({path} leads to {real})" if real != os.path.abspath(path) else ""
    for test, kind in _SPECIAL_KINDS:
        if test(mode):
            return f"{kind}{leads}, not a checkpoint file"
    if stat.S_ISREG(mode):
        for top in _KERNEL_FOLDERS:
            if real.startswith(top + os.sep):
                return f"a file of the kernel's {top} file system{leads}, not a checkpoint file"
    return None


# What a path that is there but no regular file is, in a few words ("not a regular file (a FIFO)").
_SHORT_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def absent_why(path: str) -> str:
    """Why a file a checkpoint's names promise is not there to read: "missing", or what
    it is when it exists but is no regular file ("not a regular file (a FIFO)": a listing
    skips it, and calling it missing sent the user looking for a file that is there,
    review 15). Only stat()ed, never opened: opening a FIFO waits for a writer forever."""
    if is_url(path):
        return "missing"
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return "missing"
    kind = next((kind for test, kind in _SHORT_KINDS if test(mode)), None)
    return f"not a regular file ({kind})" if kind else "missing"


def refuse_special(path: str) -> None:
    """Raise NotACheckpointError naming ``path`` and what it is, when :func:`not_a_file`
    says it must not be read: before any read, which might never return."""
    problem = not_a_file(path)
    if problem is not None:
        raise NotACheckpointError(path, problem)


def open_read(path: str) -> IO[bytes]:
    """A binary file for reading: ``seek``, ``read``, ``readinto``, ``close``; remote ones
    read byte ranges (exact ranges for large reads, a small block cache for small ones).
    OSError (FileNotFoundError when missing) as ``open`` raises it; NotACheckpointError
    for a device, a FIFO or a kernel file (:func:`refuse_special`)."""
    if is_url(path):
        return _remote().open_read(path)
    with reading(path):
        refuse_special(path)
        return _LocalFile(_raw_file(path, "rb"))


_raw_file = io.FileIO  # under the buffer of each local file read (tests make its reads block)


class _LocalFile(io.BufferedReader):
    """A local file whose reads are bracketed by reading(): ``open(path, "rb")``'s
    type, the other calls its own."""

    def read(self, size: int | None = -1) -> bytes:
        with reading(self.name):
            return super().read(size)

    def readinto(self, buffer) -> int:
        with reading(self.name):
            return super().readinto(buffer)


def read_bytes(path: str, limit: int | None = None) -> bytes:
    """The file's bytes (at most ``limit``): one request for a remote file."""
    if is_url(path):
        return _remote().read_bytes(path, limit)
    with reading(path):
        refuse_special(path)
        f = _LocalFile(_raw_file(path, "rb"))
    with f:
        return f.read() if limit is None else f.read(limit)


def read_many(requests: list[tuple[str, int, int]]) -> list[bytes]:
    """Byte ranges ``(path, start, end)``; remote ones fetched concurrently."""
    if any(is_url(path) for path, _start, _end in requests):
        return _remote().read_many(requests)
    for path in {path for path, _start, _end in requests}:  # each file once: one stat, not one per range
        with reading(path):
            refuse_special(path)
    out = []
    for path, start, end in requests:
        with reading(path):
            f = _LocalFile(_raw_file(path, "rb"))
        with f:
            f.seek(start)
            out.append(f.read(end - start))
    return out


def size_of_open(f: IO[bytes]) -> int:
    size = getattr(f, "remote_size", None)
    return size if size is not None else os.fstat(f.fileno()).st_size


def glob_index(directory: str) -> bool:
    """Whether the folder holds any ``*.index`` file."""
    return any(entry.is_file and entry.name.endswith(".index") for entry in scan(directory))


def bytes_fetched() -> int:
    """Bytes object storage has sent this process; 0 before the first URL is opened
    (the remote reader is not imported until then). Imported on an open's thread, it
    may be in sys.modules half imported: no counter yet is no bytes yet."""
    count = getattr(sys.modules.get(f"{__package__}.remote"), "bytes_fetched", None)
    return count() if count is not None else 0


def _remote():
    # fsspec and its backends load only when a URL is opened (start-up time; they are
    # an optional extra).
    from ckpt_gui.core.format import remote  # noqa: PLC0415

    return remote
