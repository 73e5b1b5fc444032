"""The one decision whether ckpt-gui may write a file: never into a checkpoint.

The promise "ckpt-gui never writes into a checkpoint folder" has to hold however the
user names the output: through a symlinked file or folder, ``..``, a bind mount of
the folder, a subfolder of it, or a hard link to one of the checkpoint's files. So
paths are resolved first and folders and files are compared by (device, inode), not
by name. Nothing is opened for writing before the decision, and the file is written
beside its target and renamed over it, so even a name that escaped the guard would
have its directory entry replaced, never an existing file's bytes truncated.

Qt-free, numpy-free: the CLI's export and the app's exports and saves all call
:func:`check_output` (or :func:`write_file`, which calls it).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import CheckpointError, shown_path
from ckpt_gui.core.format.folder_listing import FolderListing

if TYPE_CHECKING:
    from ckpt_gui.core.checkpoint import Checkpoint

REFUSAL = "ckpt-gui never writes into a checkpoint's folder or over its files"
REMOTE_REFUSAL = "ckpt-gui writes only local files, never to object storage"


@dataclass(frozen=True, slots=True)
class Protected:
    """What must not be written: whole folder trees and single files (anywhere)."""

    folders: tuple[str, ...]
    files: tuple[str, ...]
    # Folders holding single-file checkpoints (Keras weights files): nothing is written
    # into them, but their subfolders are free. A `~/model.keras` would otherwise put the
    # whole home folder out of reach of every export.
    flat_folders: tuple[str, ...] = ()

    @classmethod
    def of(cls, ckpt: Checkpoint) -> Protected:
        """The opened checkpoint's folder (and, for a SavedModel, the SavedModel's),
        every sibling's folder, and the files of the checkpoint itself."""
        location = ckpt.location
        if ckpt.keras is not None:
            files = {ckpt.prefix, *(ref.prefix for ref in location.checkpoints)}
            flat = {location.directory, *(os.path.dirname(path) for path in files)}
            return cls((), tuple(sorted(files)), tuple(sorted(flat)))
        # The folder the user opened is protected whatever its state file names: a state
        # file that points elsewhere adds that checkpoint's folder, never replaces this one.
        folders = {location.directory, os.path.dirname(ckpt.prefix)}
        folders.update(os.path.dirname(ref.prefix) for ref in location.checkpoints)
        files = [ckpt.index.index_path, os.path.join(location.directory, "checkpoint")]
        # The data shards that exist (a symlink may take one anywhere), from one listing:
        # not range(num_shards), which a crafted header can make 2^40.
        shards = FolderListing().files(ckpt.prefix)
        files += [f"{ckpt.prefix}.data-{i:05d}-of-{shards.shard_count:05d}" for i in sorted(shards.shards)]
        return cls(tuple(sorted(folders)), tuple(files))

    def joined(self, other: Protected) -> Protected:
        """What either protects (a comparison's export: never into A's nor B's folder)."""
        return Protected(
            tuple(sorted({*self.folders, *other.folders})),
            tuple(sorted({*self.files, *other.files})),
            tuple(sorted({*self.flat_folders, *other.flat_folders})),
        )


def check_output(output: str | os.PathLike[str], protected: Protected) -> str:
    """The absolute, resolved path to write for ``output``, or a CheckpointError if it
    is, or resolves into, a protected folder tree or one of the protected files."""
    if storage.is_url(os.fspath(output)):
        # Object storage is read-only here: no export lands in a bucket, the checkpoint's
        # folder or any other (there is no inode to compare, and no atomic rename).
        raise CheckpointError(os.fspath(output), f"{REMOTE_REFUSAL}; give a local file name")
    given = os.path.abspath(os.path.expanduser(os.fspath(output)))
    resolved = os.path.realpath(given)
    if os.path.isdir(resolved):
        raise CheckpointError(given, "is a folder; give a file name to write")
    identity = _identity(resolved)
    if identity is not None and identity in _identities(protected.files):
        raise CheckpointError(given, f"is one of the checkpoint's files: {REFUSAL}; choose another file")
    parent = _identity(os.path.dirname(resolved))
    if parent is not None and parent in _identities(protected.flat_folders):
        where = shown_path(os.path.dirname(resolved))
        raise CheckpointError(given, f"is in {where}, the Keras file's folder: {REFUSAL}; choose another folder")
    folder_ids = _identities(protected.folders)
    for folder in _ancestors(os.path.dirname(resolved)):
        identity = _identity(folder)
        if identity is not None and identity in folder_ids:
            where = shown_path(folder)
            raise CheckpointError(given, f"is inside the checkpoint folder {where}: {REFUSAL}; choose another folder")
    return resolved


def can_hold_files(folder: str) -> bool:
    """Whether files may be made in ``folder``: write permission, and not on a kernel's
    pseudo file system (proc, sysfs: no blocks at all; their folders are writable to root)."""
    try:
        pseudo = os.statvfs(folder).f_blocks == 0
    except OSError:
        return False
    return not pseudo and os.access(folder, os.W_OK | os.X_OK)


def check_output_folder(output: str | os.PathLike[str], protected: Protected) -> str:
    """The absolute, resolved folder to write several files into (a repaired checkpoint),
    or a CheckpointError naming the folder as given if it is, or is inside, a protected
    folder tree, or is a Keras file's folder."""
    if storage.is_url(os.fspath(output)):
        raise CheckpointError(os.fspath(output), f"{REMOTE_REFUSAL}; give a local folder")
    given = os.path.abspath(os.path.expanduser(os.fspath(output)))
    resolved = os.path.realpath(given)
    if os.path.exists(resolved) and not os.path.isdir(resolved):
        raise CheckpointError(given, "is not a folder")
    identity = _identity(resolved)
    if identity is not None and identity in _identities(protected.flat_folders):
        raise CheckpointError(given, f"is the Keras file's folder: {REFUSAL}; choose another folder")
    folder_ids = _identities(protected.folders)
    for folder in _ancestors(resolved):
        identity = _identity(folder)
        if identity is not None and identity in folder_ids:
            where = (
                "the checkpoint folder" if folder == resolved else f"inside the checkpoint folder {shown_path(folder)}"
            )
            raise CheckpointError(given, f"is {where}: {REFUSAL}; choose another folder")
    return resolved


def write_file(output: str | os.PathLike[str], protected: Protected, write: Callable[[IO[bytes]], None]) -> str:
    """Check ``output``, then have ``write(f)`` fill a new file beside it and rename it
    into place; return the path written. An existing file is replaced, never truncated,
    and a failed write leaves nothing behind."""
    target = check_output(output, protected)
    fd, temporary = _create_beside(target)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(temporary, target)
    except OSError as exc:
        _remove(temporary)
        raise CheckpointError(target, f"cannot write ({exc.strerror or exc})") from None
    except BaseException:
        _remove(temporary)
        raise
    return target


def _ancestors(folder: str) -> Iterable[str]:
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def _identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except (OSError, ValueError):  # missing, unreadable, or a NUL in the name
        return None
    return stat.st_dev, stat.st_ino


def _identities(paths: Iterable[str]) -> set[tuple[int, int]]:
    return {identity for identity in map(_identity, paths) if identity is not None}


def _create_beside(target: str) -> tuple[int, str]:
    """A new, empty file next to ``target`` (same filesystem, so the rename is atomic).
    Created with O_EXCL, not mkstemp: the permissions follow the umask like any file."""
    folder, name = os.path.split(target)
    for _attempt in range(100):
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise CheckpointError(target, f"cannot write ({exc.strerror or exc})") from None
        return fd, temporary
    raise CheckpointError(target, "cannot write (no free temporary name beside it)")


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
