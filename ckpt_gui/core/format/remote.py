"""Checkpoints in object storage, read through fsspec (imported by storage.py on the
first URL, never for local files).

Reads are byte ranges: the index once, the object graph, then the chunks of the
tensors a view asks for; a checkpoint is never downloaded whole. Tiny reads (a file's
kind sniffed from its first and last bytes, the scalars of a TF2 checkpoint) go
through one small bounded block cache (a checkpoint's files are written once, never
changed in place); the others fetch exactly the range asked for, and a tensor's chunks
are kept in a bounded temporary spill file (remote_spill.py) so that a second pass over
the tensor (an exact histogram takes two) fetches nothing again. Every request is counted
(:func:`bytes_fetched`, for progress and the benchmark), retried on a dropped
connection, and then reported as a one-line CheckpointError naming the URL: never a
traceback, and never the backend's own message, which may name the endpoint or the
account.

Credentials and the endpoint come from each backend's usual chain (environment,
config files, the metadata server; ``AWS_ENDPOINT_URL``, fsspec's config files and
``FSSPEC_<PROTOCOL>_<OPTION>`` variables); nothing here reads, prints or logs them.
"""

from __future__ import annotations

import datetime
import logging
import os
import posixpath
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice

from ckpt_gui.core.format.errors import CheckpointError, StorageError, StorageUnreachableError
from ckpt_gui.core.format.remote_probe import check_reachable
from ckpt_gui.core.format.remote_spill import LIMIT as SPILL_LIMIT
from ckpt_gui.core.format.remote_spill import Spill
from ckpt_gui.core.format.storage_paths import FolderEntry, absolute

INSTALL_HINT = "pip install 'ckpt-gui[cloud]'"
_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
    "adl": "adlfs",
    "http": "aiohttp",
    "https": "aiohttp",
}
# The environment a backend reads its endpoint and credentials from: a filesystem is
# made again when it changes (fsspec would otherwise reuse the first one made).
_ENV_PREFIXES = ("AWS_", "GOOGLE_", "GCSFS_", "STORAGE_EMULATOR_HOST", "AZURE_", "FSSPEC_")
# The backends' loggers: gcsfs logs each failed request with its whole traceback
# (150 lines on stderr before our one-line error when nothing configured logging).
# A NullHandler keeps them off stderr; a user's own logging set-up still gets them.
_BACKEND_LOGGERS = ("fsspec", "s3fs", "gcsfs", "adlfs", "aiobotocore", "botocore", "google", "azure")
TRIES = 3
# gcsfs already retries each request six times with backoff: ours on top made an
# unreachable gs:// URL take about two minutes to fail.
_BACKEND_RETRIES = ("gs://", "gcs://")
_BACKOFF_S = 0.25
LISTING_TTL_S = 5.0  # a training job may add checkpoints: listings are short-lived
SMALL_READ = 4 << 10  # reads up to this size (a header sniffed, a tiny tensor) go through the block cache
BLOCK = 64 << 10
MAX_BLOCKS = 32  # 2 MB of cache at most, for all URLs
AHEAD = 4  # ranged requests in flight for one streamed tensor

_lock = threading.Lock()
_filesystems: dict[tuple, object] = {}
_listings: dict[str, tuple[float, list[FolderEntry]]] = {}
_fetched = 0
_executor: ThreadPoolExecutor | None = None
_blocks: OrderedDict[tuple[str, tuple, int], bytes] = OrderedDict()  # (url, version, number) -> bytes
_spill = Spill(SPILL_LIMIT)  # tensors' chunks, fetched once for a histogram's two passes


def bytes_fetched() -> int:
    """Bytes received from object storage by this process so far (all URLs)."""
    return _fetched


def _count(n: int) -> None:
    global _fetched
    with _lock:
        _fetched += n


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower()


def _filesystem(url: str):
    """The backend's filesystem for ``url``, its endpoint known to answer (a few seconds
    at most to say it does not, where the backend's retries take a minute or more)."""
    fs = _backend(url)
    check_reachable(fs, url)
    return fs


def _backend(url: str):
    scheme = scheme_of(url)
    package = _PACKAGES.get(scheme, "an fsspec backend")
    try:
        import fsspec  # noqa: PLC0415 - the optional extra, loaded on the first URL
    except ImportError:
        raise StorageError(url, f"opening URLs needs fsspec and {package}: {INSTALL_HINT}") from None
    key = (scheme, tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES))))
    with _lock:
        fs = _filesystems.get(key)
    if fs is not None:
        return fs
    for name in _BACKEND_LOGGERS:
        if not logging.getLogger(name).handlers:
            logging.getLogger(name).addHandler(logging.NullHandler())
    try:
        cls = fsspec.get_filesystem_class(scheme)
        fs = cls(skip_instance_cache=True, **_config_options(cls))
    except ImportError:
        raise StorageError(url, f"opening {scheme}:// URLs needs {package}: {INSTALL_HINT}") from None
    except ValueError:
        raise StorageError(url, f"{scheme}:// is not a storage this reader knows") from None
    except Exception as exc:  # a backend that cannot start (bad config): its class, not its text
        raise StorageError(url, f"cannot set up {scheme}:// access ({type(exc).__name__})") from None
    with _lock:
        _filesystems[key] = fs
    return fs


def _config_options(cls) -> dict:
    """fsspec's own configuration (its config files, ``FSSPEC_<PROTOCOL>_<OPTION>``
    variables) for this backend, as ``fsspec.filesystem`` would apply it."""
    from fsspec.config import apply_config  # noqa: PLC0415 - part of fsspec, loaded with it

    return apply_config(cls, {})


def _path_in(fs, url: str) -> str:
    return fs._strip_protocol(url)


def _call(url: str, what: str, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with retries; FileNotFoundError passes through, anything else the
    backend raises becomes one CheckpointError naming the URL and what failed."""
    tries = 1 if url.startswith(_BACKEND_RETRIES) else TRIES
    for attempt in range(tries):
        try:
            return fn(*args, **kwargs)
        except (FileNotFoundError, CheckpointError):
            raise
        except PermissionError:
            raise StorageError(
                url, f"access denied while {what} (check the credentials the storage client found)"
            ) from None
        except Exception as exc:  # any backend's network error: aiohttp, botocore, azure...
            failure = type(exc).__name__
            if "Credential" in failure:  # NoCredentialsError, DefaultCredentialsError...: no retry helps
                advice = "set them up as the storage's own client expects"
                raise StorageError(url, f"no credentials found while {what} ({failure}): {advice}") from None
            if attempt + 1 < tries:
                time.sleep(_BACKOFF_S * 2**attempt)
    raise StorageUnreachableError(url, what, failure, tries)


def _mtime(info: dict) -> float | None:
    for field in ("LastModified", "updated", "last_modified", "mtime", "timeCreated"):
        value = info.get(field)
        if isinstance(value, datetime.datetime):
            return value.timestamp()
        if isinstance(value, str):
            try:
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
        if isinstance(value, int | float):
            return float(value)
    return None


def scan(directory: str) -> list[FolderEntry]:
    """One listing of the folder (kept a few seconds: discovery asks about many names)."""
    directory = absolute(directory)
    if scheme_of(directory) in ("http", "https"):
        return []  # a web server lists no folder (storage.can_list): names are asked for one by one
    now = time.monotonic()
    with _lock:
        known = _listings.get(directory)
    if known is not None and now - known[0] < LISTING_TTL_S:
        return known[1]
    fs = _filesystem(directory)
    try:
        infos = _call(directory, "listing", fs.ls, _path_in(fs, directory), detail=True)
    except (FileNotFoundError, NotADirectoryError):
        infos = []
    entries = []
    for info in infos:
        name = posixpath.basename(str(info.get("name", "")).rstrip("/"))
        if not name:
            continue
        is_file = info.get("type") == "file"
        entries.append(FolderEntry(name, is_file, int(info.get("size") or 0) if is_file else 0, _mtime(info)))
    with _lock:
        _listings[directory] = (now, entries)
    return entries


def _entry(path: str) -> FolderEntry | None:
    path = absolute(path)
    parent, name = posixpath.split(path)
    if "://" not in parent or parent.endswith(":/") or scheme_of(path) in ("http", "https"):  # a bucket; a web page
        return None
    return next((e for e in scan(parent) if e.name == name), None)


def isfile(path: str) -> bool:
    entry = _entry(path)
    if entry is not None:
        return entry.is_file
    if scheme_of(path) in ("http", "https"):  # web servers seldom list folders: ask
        return _web_isfile(path)
    return False


def _web_isfile(url: str) -> bool:
    """Whether a web server has the file. fsspec says "not found" for any failure (its
    ``isfile`` even for a refused connection): only a 404 or 410 is an answer here, the
    rest is reported with the URL."""
    fs = _filesystem(url)
    try:
        info = _call(url, "looking for", fs.info, _path_in(fs, url))
    except FileNotFoundError as exc:
        cause = exc.__cause__
        status = getattr(cause, "status", None)
        if cause is None or status in (404, 410):
            return False
        if status in (401, 403):
            raise StorageError(url, f"access denied (HTTP {status}): the web server refuses to serve it") from None
        failure = f"HTTP {status}" if status else type(cause).__name__
        raise StorageError(url, f"looking for it failed ({failure})") from None
    return info.get("type") == "file"


def isdir(path: str) -> bool:
    path = absolute(path)
    entry = _entry(path)
    if entry is not None:
        return not entry.is_file
    if scheme_of(path) in ("http", "https"):
        return False
    parent = posixpath.dirname(path)
    if "://" in parent and not parent.endswith(":/"):
        return False  # the parent's listing does not show it
    fs = _filesystem(path)  # a bucket: ask for it
    try:
        return bool(_call(path, "looking for", fs.isdir, _path_in(fs, path)))
    except FileNotFoundError:
        return False


def getsize(path: str) -> int:
    entry = _entry(path)
    if entry is not None and entry.is_file:
        return entry.size
    fs = _filesystem(path)
    return int(_call(path, "asking for the size of", fs.size, _path_in(fs, path)))


def read_range(path: str, start: int, end: int) -> bytes:
    """Bytes ``start..end`` of the object, in one ranged request (HTTP 206)."""
    fs = _filesystem(path)
    data = _call(path, "reading", fs.cat_file, _path_in(fs, path), start=start, end=end)
    _count(len(data))
    return data


def _version(path: str) -> tuple[int, float | None] | None:
    """The object's size and time as the folder's listing (kept a few seconds) shows
    them: a checkpoint rewritten under the same name is another version."""
    entry = _entry(path)
    return (entry.size, entry.mtime) if entry is not None and entry.is_file else None


def read_kept(path: str, version: tuple, start: int, end: int) -> bytes:
    """Bytes ``start..end`` of a tensor's object (``version``: its size and time): from
    the spill file when this chunk of this version was fetched before, else fetched and
    kept there."""
    key = (path, version, start, end)
    data = _spill.get(key)
    if data is None:
        data = read_range(path, start, end)
        _spill.put(key, data)
    return data


def spilled_bytes() -> int:
    """Bytes of fetched chunks kept in the spill file now."""
    return _spill.held()


def iter_ranges(
    path: str, ranges: list[tuple[int, int]], ahead: int = AHEAD, version: tuple | None = None
) -> Iterator[bytes]:
    """The bytes of each ``(start, end)`` in order, up to ``ahead`` requests in flight:
    a tensor streamed in chunks keeps the connection busy while the caller computes.
    Memory stays bounded by ``ahead`` chunks. With the object's ``version``, the chunks
    go through the spill file (fetched once for several passes)."""
    pool = _pool()
    pending: deque[Future] = deque()
    queued = iter(ranges)

    def fetch(start: int, end: int) -> bytes:
        return read_kept(path, version, start, end) if version is not None else read_range(path, start, end)

    try:
        for start, end in islice(queued, ahead):
            pending.append(pool.submit(fetch, start, end))
        while pending:
            data = pending.popleft().result()
            for start, end in islice(queued, 1):
                pending.append(pool.submit(fetch, start, end))
            yield data
    finally:
        for future in pending:
            future.cancel()


def read_many(requests: list[tuple[str, int, int]]) -> list[bytes]:
    """Several ranges, of one object or several (the slices of a partitioned tensor in
    different shards), fetched concurrently; kept in the spill file for a second pass
    where the folder's listing tells the object's version."""
    versions = {path: _version(path) for path in {path for path, _start, _end in requests}}

    def fetch(request: tuple[str, int, int]) -> bytes:
        path, start, end = request
        version = versions[path]
        return read_kept(path, version, start, end) if version is not None else read_range(path, start, end)

    return list(_pool().map(fetch, requests))


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=AHEAD * 2, thread_name_prefix="ckpt-gui-fetch")
        return _executor


def read_bytes(path: str, limit: int | None = None) -> bytes:
    size = getsize(path)
    return read_range(path, 0, size if limit is None else min(size, limit))


def open_read(path: str) -> RemoteFile:
    path = absolute(path)
    version = _version(path)
    return RemoteFile(path, version[0], version) if version is not None else RemoteFile(path, getsize(path))


class RemoteFile:
    """A read-only file over ranged requests: what ``open(path, "rb")`` gives locally,
    plus :meth:`read_at` for reading pieces from several threads."""

    def __init__(self, url: str, size: int, version: tuple | None = None) -> None:
        self.url = url
        self.remote_size = size
        self.version = version or (size, None)  # size and time: chunks kept are this version's
        self._position = 0

    def __enter__(self) -> RemoteFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass  # nothing held: each read is its own request

    def fileno(self) -> int:
        raise OSError("a remote file has no file descriptor")

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._position, 2: self.remote_size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, n: int = -1) -> bytes:
        data = self.read_at_most(self._position, n)
        self._position += len(data)
        return data

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read_ranges(self, ranges: list[tuple[int, int]]) -> Iterator[bytes]:
        ranges = [(max(0, a), min(b, self.remote_size)) for a, b in ranges]
        return iter_ranges(self.url, ranges, version=self.version)

    def read_at(self, view: memoryview, offset: int) -> int:
        """Fill ``view`` from ``offset`` (fewer bytes at the end of the file); safe from
        any thread, as ``os.preadv`` is."""
        data = self.read_at_most(offset, len(view))
        view[: len(data)] = data
        return len(data)

    def read_at_most(self, offset: int, n: int) -> bytes:
        end = self.remote_size if n < 0 else min(self.remote_size, offset + n)
        if end <= offset:
            return b""
        if end - offset > SMALL_READ:
            return read_kept(self.url, self.version, offset, end)
        first, last = offset // BLOCK, (end - 1) // BLOCK
        data = b"".join(self._block(i) for i in range(first, last + 1))
        return data[offset - first * BLOCK : end - first * BLOCK]

    def _block(self, number: int) -> bytes:
        key = (self.url, self.version, number)
        with _lock:
            block = _blocks.get(key)
            if block is not None:
                _blocks.move_to_end(key)
                return block
        block = read_range(self.url, number * BLOCK, min(self.remote_size, (number + 1) * BLOCK))
        with _lock:
            _blocks[key] = block
            while len(_blocks) > MAX_BLOCKS:
                _blocks.popitem(last=False)
        return block
