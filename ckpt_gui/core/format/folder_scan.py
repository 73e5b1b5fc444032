"""The checkpoints one folder holds: those its ``checkpoint`` state file lists (resolved
as TensorFlow resolves them, with warnings for those missing, moved or outside the
folder) and its other ``*.index`` files, each as a CheckpointRef, oldest first."""

from __future__ import annotations

import os

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.checkpoint_order import in_order
from ckpt_gui.core.format.errors import shown_path
from ckpt_gui.core.format.folder_listing import FolderListing
from ckpt_gui.core.format.locations import CheckpointRef, step_of
from ckpt_gui.core.format.state_file import CheckpointState, read_checkpoint_state
from ckpt_gui.core.format.v1_discovery import is_v1
from ckpt_gui.core.formatting import format_some

STATE_FILENAME = "checkpoint"


def scan_directory(
    directory: str, listing: FolderListing
) -> tuple[tuple[CheckpointRef, ...], CheckpointState | None, tuple[str, ...]]:
    warnings: list[str] = []
    state = None
    state_path = os.path.join(directory, STATE_FILENAME)
    if storage.isfile(state_path):
        state, problem = read_checkpoint_state(state_path)
        if problem:
            warnings.append(f"{shown_path(state_path)}: {problem}; listing the *.index files instead")

    listed = _listed_refs(directory, state, listing, warnings) if state is not None else {}
    unlisted = [
        make_ref(prefix, None, False, listing) for prefix in listing.index_prefixes(directory) if prefix not in listed
    ]
    return in_order(list(listed.values()), unlisted), state, tuple(warnings)


def _listed_refs(
    directory: str, state: CheckpointState, listing: FolderListing, warnings: list[str]
) -> dict[str, CheckpointRef]:
    """The checkpoints the state file lists that exist, by prefix; warnings for the others
    and for any it takes outside its folder (TensorFlow follows such a path silently)."""
    state_path = os.path.join(directory, STATE_FILENAME)
    timestamps = state.all_model_checkpoint_timestamps
    paths = list(state.all_model_checkpoint_paths)
    if state.model_checkpoint_path and state.model_checkpoint_path not in paths:
        paths.append(state.model_checkpoint_path)
    listed: dict[str, CheckpointRef] = {}
    missing: list[tuple[str, str]] = []  # (listed, its prefix) of those without an index
    moved: list[str] = []  # absolute paths that do not exist, whose names are in the folder
    gone: list[tuple[str, str]] = []  # (listed, its prefix here): absolute paths, not here by name either
    for i, listed_path in enumerate(paths):
        prefix = resolve_state_path(directory, listed_path, listing)
        elsewhere = storage.isabs(listed_path) and prefix != storage.normalized(listed_path)
        lost = elsewhere and not _exists(listed_path, listing)
        if not listing.files(prefix).has_index:
            if lost:  # one warning for it, naming the path written (review 22 nit 14: two, the first wrong)
                gone.append((listed_path, prefix))
            elif not is_v1(prefix):  # a V1 checkpoint (a file or a pattern): found by _v1_checkpoints_in
                missing.append((listed_path, prefix))
            continue
        if lost:
            moved.append(listed_path)
        if not is_inside(prefix, directory):
            warnings.append(
                f"{shown_path(state_path)} points outside its folder: {shown_path(listed_path)} is "
                f"{shown_path(prefix)}, outside {shown_path(directory)}"
            )
        stamp = timestamps[i] if i < len(timestamps) else None
        listed[prefix] = make_ref(prefix, stamp, True, listing)
    found = _missing_warnings(directory, state_path, missing)
    if any(listed == state.model_checkpoint_path for listed, _prefix in missing):
        # The user's restore(latest_checkpoint(folder)) gets None: said where the latest is named.
        latest = shown_path(os.path.basename(state.model_checkpoint_path))
        at = next((i for i, said in enumerate(found) if latest in said), len(found) - 1)
        found[at] += ": tf.train.latest_checkpoint(folder) returns None"
    warnings.extend(found)
    if moved:
        warnings.append(_moved_warning(state_path, state, moved))
    if gone:
        warnings.append(_gone_warning(state_path, state, gone))
    return listed


def _exists(listed: str, listing: FolderListing) -> bool:
    """Whether the checkpoint a state file names by an absolute path is there (V2: its
    .index; V1: the file itself), as tf.train.latest_checkpoint checks it."""
    path = storage.normalized(listed)
    return listing.files(path).has_index or storage.isfile(path)


def _moved_warning(state_path: str, state: CheckpointState, moved: list[str]) -> str:
    """The state file's absolute paths that do not exist, though the folder holds checkpoints
    of their names (a folder copied from another machine): shown here by their names, but
    TensorFlow keeps an absolute path as written, so its ``latest_checkpoint`` returns None
    when the latest is one of them (review 20, G1: ``inspect`` said nothing)."""
    moved = sorted(moved, key=lambda path: path != state.model_checkpoint_path)  # the latest first
    named = format_some([shown_path(path) for path in moved], 1)
    which = "does" if len(moved) == 1 else "do"
    said = f"{shown_path(state_path)} names {named}, which {which} not exist"
    if state.model_checkpoint_path in moved:
        said += ": tf.train.latest_checkpoint(folder) returns None (TensorFlow does not look for an absolute path"
        said += " in the folder; rewrite the file with relative paths)"
    return said + "; showing the checkpoints of those names in this folder instead"


def _gone_warning(state_path: str, state: CheckpointState, gone: list[tuple[str, str]]) -> str:
    """The state file's absolute paths that do not exist, with no checkpoint of their
    names in its folder either: said once, by the path written (it had been said twice,
    first as "lists ckpt-9, but ckpt-9.index does not exist", a name the file never wrote)."""
    gone = sorted(gone, key=lambda pair: pair[0] != state.model_checkpoint_path)  # the latest first
    named = format_some([shown_path(listed) for listed, _prefix in gone], 1)
    names = format_some([shown_path(os.path.basename(prefix)) for _listed, prefix in gone], 1)
    which = "does" if len(gone) == 1 else "do"
    said = f"{shown_path(state_path)} names {named}, which {which} not exist, and this folder holds no {names} either"
    if any(listed == state.model_checkpoint_path for listed, _prefix in gone):
        said += ": tf.train.latest_checkpoint(folder) returns None"
    return said


def _missing_warnings(directory: str, state_path: str, missing: list[tuple[str, str]]) -> list[str]:
    """The checkpoints the state file lists without an index: those in its folder in one
    warning, the folder said once (three had repeated the whole path six times over three
    lines, review 6: "/work/.../checkpoint lists ckpt-2, but /work/.../ckpt-2.index does
    not exist"); one listed elsewhere by its own path."""
    here = [os.path.basename(p) for _listed, p in missing if os.path.dirname(p) == directory.rstrip("/")]
    found = [
        f"{shown_path(state_path)} lists {shown_path(listed)}, but {shown_path(prefix + '.index')} does not exist"
        for listed, prefix in missing
        if os.path.dirname(prefix) != directory.rstrip("/")
    ]
    if len(here) == 1:
        found.insert(
            0, f"{shown_path(state_path)} lists {shown_path(here[0])}, but {shown_path(here[0])}.index does not exist"
        )
    elif here:
        names = ", ".join(shown_path(name) for name in here[:-1]) + f" and {shown_path(here[-1])}"
        found.insert(0, f"{shown_path(state_path)} lists {names}, but their .index files do not exist")
    return found


def is_inside(path: str, directory: str) -> bool:
    """Whether ``path`` lies in ``directory``'s tree, symlinks and ``..`` resolved."""
    if storage.is_url(path) or storage.is_url(directory):
        real_path, real_dir = storage.real(path), storage.real(directory)
        return real_path == real_dir or real_path.startswith(real_dir.rstrip("/") + "/")
    real_dir = os.path.realpath(directory)
    try:
        return os.path.commonpath([os.path.realpath(path), real_dir]) == real_dir
    except ValueError:  # different drives (Windows)
        return False


def make_ref(prefix: str, timestamp: float | None, listed: bool, listing: FolderListing | None = None) -> CheckpointRef:
    files = (listing or FolderListing()).files(prefix)
    stamp, size = (timestamp if timestamp is not None else files.index_mtime), files.index_size + files.data_size
    missing, leftover = files.missing_shards(prefix), files.leftover_files(prefix)  # leftover: not in size
    return CheckpointRef(prefix, step_of(prefix), stamp, size, listed, missing, leftover_files=leftover)


def resolve_state_path(directory: str, listed: str, listing: FolderListing | None = None) -> str:
    """TF joins relative paths to the folder. Absolute ones (the TF1 Saver writes them)
    break or, worse, point at the original when a folder is moved or copied: prefer a
    checkpoint of the same name inside the folder the user opened."""
    if not storage.isabs(listed):
        return storage.normalized(os.path.join(directory, listed))
    local = os.path.join(directory, os.path.basename(listed))
    listing = listing or FolderListing()
    if listing.files(local).has_index or not listing.files(storage.normalized(listed)).has_index:
        return local
    return storage.normalized(listed)


def latest_ref(
    directory: str, checkpoints: tuple[CheckpointRef, ...], state: CheckpointState | None, listing: FolderListing
) -> CheckpointRef:
    """The folder's latest: the one the state file names, else the newest."""
    if state is not None and state.model_checkpoint_path:
        wanted = resolve_state_path(directory, state.model_checkpoint_path, listing)
        for ref in checkpoints:
            if ref.prefix == wanted:
                return ref
    return checkpoints[-1]
