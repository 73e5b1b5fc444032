"""What a storage path is: a local path or a URL (``scheme://bucket/key``), and the
record of one folder entry; shared by storage.py and remote.py."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True, slots=True)
class FolderEntry:
    """One name in a folder listing: what ``os.scandir`` tells, for any storage."""

    name: str
    is_file: bool
    size: int
    mtime: float | None


def is_url(path: str | os.PathLike[str]) -> bool:
    return isinstance(path, str) and _URL.match(path) is not None and not path.startswith("file://")


def absolute(path: str | os.PathLike[str]) -> str:
    """A local path made absolute (``~`` expanded); a URL with ``.`` and ``..`` resolved
    and no trailing slash (``s3://b/run/`` is the folder ``s3://b/run``)."""
    path = os.fspath(path)
    if isinstance(path, str) and path.startswith("file://"):
        path = path[len("file://") :]
    if not is_url(path):
        return os.path.abspath(os.path.expanduser(path))
    scheme = _URL.match(path).group(0)
    rest = path[len(scheme) :]
    bucket, _, key = rest.partition("/")
    key = posixpath.normpath("/" + key).lstrip("/") if key else ""
    return f"{scheme}{bucket}/{key}" if key else f"{scheme}{bucket}"
