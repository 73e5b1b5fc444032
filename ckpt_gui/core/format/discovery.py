"""Finding the checkpoints a user means by a path.

Users point at whatever they have at hand: the training folder, a prefix
(``ckpt-3``, ``model.ckpt-1000``), one of its files (``.index``, ``.data-*``,
``.meta``), the ``checkpoint`` state file, or a SavedModel folder. A folder may
hold several checkpoints (CheckpointManager keeps N and lists them, with
timestamps, in the state file); hand-written or older ones may not be listed, so
``*.index`` files are found too, by one listing of the folder (folder_listing.py).
"""

from __future__ import annotations

import dataclasses
import os

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import (
    CheckpointError,
    NotACheckpointError,
    StorageError,
    UnsupportedCheckpointError,
    shown_path,
)
from ckpt_gui.core.format.file_kinds import (
    DATA_FILE,
    data_file_without_index,
    describe_file,
    looks_like_v1_checkpoint,
    not_a_checkpoint,
)
from ckpt_gui.core.format.folder_listing import FolderListing
from ckpt_gui.core.format.graph_file import graph_only_location
from ckpt_gui.core.format.keras_files import keras_files_in, keras_kind, keras_location
from ckpt_gui.core.format.locations import CheckpointRef, Location, step_of
from ckpt_gui.core.format.saved_model_folder import (
    SAVED_MODEL_FILES,
    SAVED_MODEL_GRAPHS,
    is_saved_model,
    saved_models_below,
    variables_prefix,
)
from ckpt_gui.core.format.state_file import CheckpointState, read_checkpoint_state
from ckpt_gui.core.format.v1_discovery import is_v1, sharded_v1_beside, v1_checkpoints_in, v1_location
from ckpt_gui.core.format.v1_table import is_pattern
from ckpt_gui.core.formatting import format_some

__all__ = ["CheckpointRef", "Location", "in_order", "is_inside", "locate", "order_known", "step_of"]

STATE_FILENAME = "checkpoint"
V1_FROM_URL = "a V1 (pre-0.12) checkpoint: read from a local copy only, not from object storage"


def locate(path: str | os.PathLike[str]) -> Location:
    """Resolve ``path`` to a checkpoint, or raise a CheckpointError saying what is there."""
    path = storage.absolute(path)
    try:
        return _locate(path)
    except StorageError as exc:  # say it of the URL the user gave, not of a folder above it
        raise exc.naming(path) from None


def _locate(path: str) -> Location:
    for named in (path, path + ".index"):  # a FIFO or /proc/kmsg: said what it is, never read (review 13 #P1)
        storage.refuse_special(named)
    if storage.isdir(path):
        return _locate_in_directory(path)
    if storage.isfile(path):
        return _locate_from_file(path)
    if storage.isfile(path + ".index"):
        return _locate_prefix(path)
    if is_pattern(path) and is_v1(path):  # TF's V1 reader takes a pattern: model.ckpt-?????-of-00002
        return _locate_v1(os.path.dirname(path), [path], path)
    raise _nothing_at(path)


# -- the cases ----------------------------------------------------------------------


def _locate_in_directory(directory: str) -> Location:
    saved_model_variables = os.path.join(directory, "variables", "variables")
    if is_saved_model(directory) and storage.isfile(saved_model_variables + ".index"):
        ref = _make_ref(saved_model_variables, None, False, FolderListing())
        return Location("savedmodel", directory, ref, (ref,), ref)
    if is_saved_model(directory):
        raise NotACheckpointError(
            directory, "SavedModel without variables (no variables/variables.index): nothing to show"
        )
    listing = FolderListing()
    checkpoints, state, warnings = _scan_directory(directory, listing)
    if not checkpoints:
        v1 = _v1_checkpoints_in(directory, state)
        if v1:
            return _locate_v1(directory, *v1, state, tuple(warnings))
        keras = keras_files_in(directory)  # ModelCheckpoint('ckpt_{epoch}.weights.h5')
        if keras:
            return keras_location(directory, keras, None)  # the model saved last
        below = saved_models_below(directory)
        if below.versions:
            return _locate_saved_model_below(directory, below.versions, below.without_variables, listing)
        raise _no_checkpoint_in(directory, state)
    latest = _latest(directory, checkpoints, state, listing)
    selected = latest
    if not latest.complete:
        # A training job killed mid-save, or files deleted by hand: show the newest
        # checkpoint that is whole rather than one whose values cannot be read.
        whole = [ref for ref in checkpoints if ref.complete]
        if whole:
            selected = whole[-1]
            warnings += (incomplete_instead(latest, selected),)
    return Location("bundle", directory, selected, checkpoints, latest, state, warnings)


def _locate_from_file(path: str) -> Location:
    directory, name = os.path.split(path)
    if name.endswith(".index"):
        return _locate_prefix(path[: -len(".index")])
    if DATA_FILE.search(name):
        missing = data_file_without_index(path)
        if missing is not None:
            raise NotACheckpointError(path, missing)
        return _locate_prefix(DATA_FILE.sub("", path))
    if name.endswith(".meta") and storage.isfile(path[: -len(".meta")] + ".index"):
        return _locate_prefix(path[: -len(".meta")])
    if name.endswith(".meta") and looks_like_v1_checkpoint(path[: -len(".meta")]):
        return _locate_v1(directory, [path[: -len(".meta")]], path[: -len(".meta")])
    sharded = sharded_v1_beside(path[: -len(".meta")]) if name.endswith(".meta") and not storage.is_url(path) else None
    if sharded is not None:  # export.meta beside export-00000-of-00001: the Saver's names
        return _locate_v1(directory, [sharded], sharded)
    if name.endswith(".meta") and not keras_kind(path):  # a TF1 graph sent without its checkpoint
        return graph_only_location(path)
    if name == STATE_FILENAME or name in SAVED_MODEL_GRAPHS:
        return _locate_in_directory(directory)
    if name in SAVED_MODEL_FILES and is_saved_model(directory):  # fingerprint.pb, keras_metadata.pb
        return _locate_in_directory(directory)
    if looks_like_v1_checkpoint(path):
        return _locate_v1(directory, [path], path)  # this file only, as TensorFlow reads it
    if keras_kind(path):  # Keras weights (HDF5) or a .keras archive: its folder's others are siblings
        return keras_location(directory, keras_files_in(directory), path)
    raise NotACheckpointError(path, not_a_checkpoint(path))


def _locate_prefix(prefix: str) -> Location:
    directory = os.path.dirname(prefix)
    if not storage.can_list(directory):  # a web server: this checkpoint, its shards found when read
        ref = CheckpointRef(prefix, step_of(prefix), None, storage.getsize(prefix + ".index"), False)
        note = f"{shown_path(directory)} cannot be listed (a web server): showing {shown_path(ref.name)} alone"
        return Location("bundle", directory, ref, (ref,), ref, None, (note,))
    listing = FolderListing()
    checkpoints, state, warnings = _scan_directory(directory, listing)
    selected = next((c for c in checkpoints if c.prefix == prefix), None)
    if selected is None:  # e.g. a *.index the listing skipped: still open what was asked for
        selected = _make_ref(prefix, None, False, listing)
        listed = [c for c in checkpoints if c.in_state_file]
        checkpoints = in_order(listed, [c for c in checkpoints if not c.in_state_file] + [selected])
    latest = _latest(directory, checkpoints, state, listing)
    if not selected.complete:
        warnings += (incomplete_warning(selected),)
    return Location("bundle", directory, selected, checkpoints, latest, state, warnings)


def incomplete_warning(ref: CheckpointRef) -> str:
    """Browse's warning of a checkpoint whose data file is missing (or not a regular file)."""
    return f"{shown_path(ref.name)} is incomplete ({missing_text(ref)}): only its index can be shown"


def missing_text(ref: CheckpointRef) -> str:
    """ "missing ckpt-4.data-00000-of-00001", or what a file there but not regular is, or
    "ckpt-4.data-00000-of-00001 is truncated: 5,000 of 1,223,687 bytes"."""
    missing = [path for path in ref.missing_files if storage.absent_why(path) == "missing"]
    others = [f"{shown_path(os.path.basename(path))} is {storage.absent_why(path)}" for path in ref.missing_files
              if path not in missing]  # fmt: skip
    if missing:
        others.insert(0, "missing " + format_some([shown_path(os.path.basename(path)) for path in missing], 3))
    others += [f"{shown_path(os.path.basename(path))} is truncated: {size:,} of {needed:,} bytes"
               for path, size, needed in ref.truncated_files]  # fmt: skip
    return "; ".join(others)


def incomplete_instead(latest: CheckpointRef, shown: CheckpointRef) -> str:
    """The folder's warning when its latest is incomplete and an older one is shown."""
    return (
        f"{shown_path(latest.name)} is incomplete ({missing_text(latest)}): "
        f"showing {shown_path(shown.name)}, the newest complete checkpoint"
    )


def _latest(
    directory: str, checkpoints: tuple[CheckpointRef, ...], state: CheckpointState | None, listing: FolderListing
) -> CheckpointRef:
    if state is not None and state.model_checkpoint_path:
        wanted = _resolve_state_path(directory, state.model_checkpoint_path, listing)
        for ref in checkpoints:
            if ref.prefix == wanted:
                return ref
    return checkpoints[-1]


# -- scanning -------------------------------------------------------------------------


def _scan_directory(
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
        _make_ref(prefix, None, False, listing) for prefix in listing.index_prefixes(directory) if prefix not in listed
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
    for i, listed_path in enumerate(paths):
        prefix = _resolve_state_path(directory, listed_path, listing)
        elsewhere = storage.isabs(listed_path) and prefix != storage.normalized(listed_path)
        if elsewhere and not _exists(listed_path, listing):
            moved.append(listed_path)
        if not listing.files(prefix).has_index:
            if not is_v1(prefix):  # a V1 checkpoint (a file or a pattern): found by _v1_checkpoints_in
                missing.append((listed_path, prefix))
            continue
        if not is_inside(prefix, directory):
            warnings.append(
                f"{shown_path(state_path)} points outside its folder: {shown_path(listed_path)} is "
                f"{shown_path(prefix)}, outside {shown_path(directory)}"
            )
        stamp = timestamps[i] if i < len(timestamps) else None
        listed[prefix] = _make_ref(prefix, stamp, True, listing)
    found = _missing_warnings(directory, state_path, missing)
    if any(listed == state.model_checkpoint_path for listed, _prefix in missing):
        # The user's restore(latest_checkpoint(folder)) gets None: said where the latest is named.
        latest = shown_path(os.path.basename(state.model_checkpoint_path))
        at = next((i for i, said in enumerate(found) if latest in said), len(found) - 1)
        found[at] += ": tf.train.latest_checkpoint(folder) returns None"
    warnings.extend(found)
    if moved:
        warnings.append(_moved_warning(state_path, state, moved))
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
    return said + "; showing this folder's checkpoints of the same names"


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


def in_order(listed: list[CheckpointRef], unlisted: list[CheckpointRef]) -> tuple[CheckpointRef, ...]:
    """Oldest first: the state file's order (the order the training job saved them),
    the others placed among them by step, then time. Not by file times alone: a copy
    or a ``git checkout`` rewrites those."""
    rest = sorted(unlisted, key=_step_then_time)
    ordered: list[CheckpointRef] = []
    i = 0
    for ref in listed:  # a merge: the state file's order is kept as it is
        while i < len(rest) and _step_then_time(rest[i]) < _step_then_time(ref):
            ordered.append(rest[i])
            i += 1
        ordered.append(ref)
    ordered += rest[i:]
    return tuple(ordered)


SAME_TIME_S = 1.0  # save times this close read alike (the picker shows seconds): no order between them


def order_known(one: CheckpointRef, other: CheckpointRef) -> bool:
    """Whether in_order's order of two saves of one folder is known to be the order they
    were saved in: both listed in the state file (the job's own order), or told apart
    by their steps or their times. Two Savers' files of one folder with no step and the
    same time were "before" and "after" only by their names (review 17)."""
    if one.in_state_file and other.in_state_file:
        return True
    if one.step is not None and other.step is not None and one.step != other.step:
        return True
    return one.time is not None and other.time is not None and abs(one.time - other.time) >= SAME_TIME_S


def _step_then_time(ref: CheckpointRef) -> tuple:
    return (ref.step if ref.step is not None else -1, ref.time if ref.time is not None else 0.0, ref.prefix)


def _make_ref(
    prefix: str, timestamp: float | None, listed: bool, listing: FolderListing | None = None
) -> CheckpointRef:
    files = (listing or FolderListing()).files(prefix)
    stamp, size = (timestamp if timestamp is not None else files.index_mtime), files.index_size + files.data_size
    missing, leftover = files.missing_shards(prefix), files.leftover_files(prefix)  # leftover: not in size
    return CheckpointRef(prefix, step_of(prefix), stamp, size, listed, missing, leftover_files=leftover)


def _resolve_state_path(directory: str, listed: str, listing: FolderListing | None = None) -> str:
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


def _locate_saved_model_below(
    directory: str, versions: tuple, without_variables: tuple[str, ...], listing: FolderListing
) -> Location:
    """TF Serving's ``model/<version>/`` (the highest version is shown, as TF Serving
    serves it; the others are the folder's other checkpoints), or one SavedModel below."""
    refs = tuple(
        dataclasses.replace(_make_ref(variables_prefix(path), None, False, listing), step=version)
        for version, path in versions
    )
    selected = refs[-1]
    shown = shown_path(directory)
    if versions[-1][0] is None:
        name = shown_path(os.path.basename(versions[-1][1]))
        warnings = [f"{shown} holds one SavedModel, {name}/: showing it"]
    else:
        numbers = format_some([str(version) for version, _path in versions], 8)
        warnings = [f"{shown} holds SavedModel versions {numbers} (TF Serving layout): showing version {selected.step}"]
    if without_variables:
        names = format_some([shown_path(os.path.basename(p)) for p in without_variables], 5)
        one = len(without_variables) == 1
        versions_have = "version" if one else "versions"
        warnings.append(f"SavedModel {versions_have} {names} {'has' if one else 'have'} no variables to show")
    return Location("savedmodel", directory, selected, refs, selected, None, tuple(warnings))


def _v1_checkpoints_in(directory: str, state: CheckpointState | None) -> tuple[list[str], str] | None:
    """The folder's V1 checkpoints (when it has no V2 ones) and the one to show: the state
    file's (a pattern for a sharded one), else the last by step."""
    wanted = None
    if state is not None and state.model_checkpoint_path:
        wanted = _resolve_state_path(directory, state.model_checkpoint_path)
    return v1_checkpoints_in(directory, wanted)


def _locate_v1(
    directory: str,
    prefixes: list[str],
    selected: str,
    state: CheckpointState | None = None,
    warnings: tuple[str, ...] = (),
) -> Location:
    if storage.is_url(selected):  # V1 tables are read by local path (v1_table.py)
        raise UnsupportedCheckpointError(selected, V1_FROM_URL)
    listed: set[str] = set()
    if state is not None:
        paths = (*state.all_model_checkpoint_paths, state.model_checkpoint_path)
        listed = {_resolve_state_path(directory, p) for p in paths}
    return v1_location(directory, prefixes, selected, listed, state, warnings)


# -- saying what is there instead -------------------------------------------------------


def _nothing_at(path: str) -> NotACheckpointError:
    directory = os.path.dirname(path)
    if not storage.can_list(directory):
        return NotACheckpointError(
            path, "no checkpoint prefix here (a web server lists no folder: give the prefix, e.g. .../ckpt-3)"
        )
    if storage.isdir(directory):
        siblings, _state, _w = _scan_directory(directory, FolderListing())
        if siblings:
            names = ", ".join(shown_path(c.name) for c in siblings[-5:])
            return NotACheckpointError(path, f"no such checkpoint; the folder holds {names}")
    return NotACheckpointError(path, "no such file, folder or checkpoint prefix")


def _no_checkpoint_in(directory: str, state: CheckpointState | None) -> CheckpointError:
    try:
        names = sorted(storage.listdir(directory))
    except OSError as exc:
        return NotACheckpointError(directory, f"cannot list the folder ({exc.strerror or exc})")
    if not names:
        return NotACheckpointError(directory, "no checkpoint found: the folder is empty")
    with_checkpoints = [
        n for n in names if storage.isdir(os.path.join(directory, n)) and _has_checkpoint(os.path.join(directory, n))
    ]
    if with_checkpoints:
        shown = format_some([shown_path(n + "/") for n in with_checkpoints], 5)
        return NotACheckpointError(directory, f"no checkpoint in this folder, but its subfolders {shown} hold some")
    files = [n for n in names if storage.isfile(os.path.join(directory, n))]
    described = [f"{shown_path(n)} ({describe_file(os.path.join(directory, n))})" for n in files[:4]]
    more = f" and {len(names) - len(described)} more" if len(names) > len(described) else ""
    found = ", ".join(described) if described else f"{len(names)} subfolder" + ("" if len(names) == 1 else "s")
    return NotACheckpointError(directory, f"no checkpoint found (no *.index file); found {found}{more}")


def _has_checkpoint(directory: str) -> bool:
    return storage.glob_index(directory) or is_saved_model(directory)
