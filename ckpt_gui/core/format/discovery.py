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
from ckpt_gui.core.format.checkpoint_order import in_order
from ckpt_gui.core.format.errors import NotACheckpointError, StorageError, UnsupportedCheckpointError, shown_path
from ckpt_gui.core.format.file_kinds import (
    DATA_FILE,
    data_file_without_index,
    looks_like_v1_checkpoint,
    not_a_checkpoint,
)
from ckpt_gui.core.format.folder_kinds import with_other_kind
from ckpt_gui.core.format.folder_listing import FolderListing
from ckpt_gui.core.format.folder_scan import STATE_FILENAME, latest_ref, make_ref, resolve_state_path, scan_directory
from ckpt_gui.core.format.graph_file import graph_only_location
from ckpt_gui.core.format.incomplete_checkpoints import incomplete_instead, incomplete_warning
from ckpt_gui.core.format.keras_files import keras_files_in, keras_kind, keras_location
from ckpt_gui.core.format.locations import CheckpointRef, Location, step_of
from ckpt_gui.core.format.not_found_errors import no_checkpoint_in, nothing_at
from ckpt_gui.core.format.saved_model_folder import (
    SAVED_MODEL_FILES,
    SAVED_MODEL_GRAPHS,
    is_saved_model,
    saved_models_below,
    variables_prefix,
)
from ckpt_gui.core.format.state_file import CheckpointState
from ckpt_gui.core.format.v1_discovery import is_v1, sharded_v1_beside, v1_checkpoints_in, v1_location
from ckpt_gui.core.format.v1_table import is_pattern
from ckpt_gui.core.formatting import format_some

V1_FROM_URL = "a V1 (pre-0.12) checkpoint: read from a local copy only, not from object storage"


def locate(path: str | os.PathLike[str]) -> Location:
    """Resolve ``path`` to a checkpoint, or raise a CheckpointError saying what is there."""
    path = storage.absolute(path)
    try:
        return with_other_kind(_locate(path))
    except StorageError as exc:  # say it of the URL the user gave, not of a folder above it
        raise exc.naming(path) from None


def names_nothing(path: str | os.PathLike[str]) -> NotACheckpointError | None:
    """The error ``locate`` raises for a local path that names nothing (no file, folder,
    prefix or V1 pattern), found without reading any checkpoint: a launch's ``--compare
    B`` says it at once, not after A has loaded. None for anything else (a URL too)."""
    path = storage.absolute(path)
    if storage.is_url(path) or os.path.exists(path) or os.path.exists(path + ".index") or is_pattern(path):
        return None
    return nothing_at(path)


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
    raise nothing_at(path)


# -- the cases ----------------------------------------------------------------------


def _locate_in_directory(directory: str) -> Location:
    outer = _saved_model_of_variables(directory, os.path.dirname(directory))
    if outer is not None:
        return _inside_saved_model(directory, outer)
    saved_model_variables = os.path.join(directory, "variables", "variables")
    if is_saved_model(directory) and storage.isfile(saved_model_variables + ".index"):
        ref = make_ref(saved_model_variables, None, False, FolderListing())
        return Location("savedmodel", directory, ref, (ref,), ref)
    if is_saved_model(directory):
        raise NotACheckpointError(
            directory, "SavedModel without variables (no variables/variables.index): nothing to show"
        )
    listing = FolderListing()
    checkpoints, state, warnings = scan_directory(directory, listing)
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
        graphs = _graphs_alone(directory)
        if graphs:  # a TF1 graph sent without its checkpoint: as the .meta itself opens (review 22 nit 23)
            location = graph_only_location(graphs[-1])
            if len(graphs) > 1:
                others = format_some([shown_path(os.path.basename(g)) for g in graphs[:-1]], 5)
                shown = shown_path(directory)
                note = f"{shown} holds no checkpoint, only .meta graph files: showing the last, also {others}"
                location = dataclasses.replace(location, warnings=(*location.warnings, note))
            return location
        raise no_checkpoint_in(directory, state)
    latest = latest_ref(directory, checkpoints, state, listing)
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
    outer = _saved_model_of_variables(directory, os.path.dirname(directory))
    if outer is not None and prefix == variables_prefix(outer):
        return _inside_saved_model(prefix, outer)
    if not storage.can_list(directory):  # a web server: this checkpoint, its shards found when read
        ref = CheckpointRef(prefix, step_of(prefix), None, storage.getsize(prefix + ".index"), False)
        note = f"{shown_path(directory)} cannot be listed (a web server): showing {shown_path(ref.name)} alone"
        return Location("bundle", directory, ref, (ref,), ref, None, (note,))
    listing = FolderListing()
    checkpoints, state, warnings = scan_directory(directory, listing)
    selected = next((c for c in checkpoints if c.prefix == prefix), None)
    if selected is None:  # e.g. a *.index the listing skipped: still open what was asked for
        selected = make_ref(prefix, None, False, listing)
        listed = [c for c in checkpoints if c.in_state_file]
        checkpoints = in_order(listed, [c for c in checkpoints if not c.in_state_file] + [selected])
    latest = latest_ref(directory, checkpoints, state, listing)
    if not selected.complete:
        warnings += (incomplete_warning(selected),)
    return Location("bundle", directory, selected, checkpoints, latest, state, warnings)


def _graphs_alone(directory: str) -> list[str]:
    """The folder's TF1 ``.meta`` graph files (not Keras files), by step, when it holds
    no checkpoint: each opens as the graph alone. None from object storage, where a
    .meta named by itself is not shown either (a bucket's V1 folder is refused plainly)."""
    if storage.is_url(directory):
        return []
    try:
        names = storage.listdir(directory)
    except OSError:
        return []
    metas = [os.path.join(directory, n) for n in names if n.endswith(".meta")]
    metas = [path for path in metas if storage.isfile(path) and not keras_kind(path)]
    return sorted(metas, key=lambda path: (step_of(path[: -len(".meta")]) or -1, path))


def _saved_model_of_variables(folder: str, outer: str) -> str | None:
    """``outer`` when ``folder`` is its SavedModel's ``variables/`` folder (with the
    variables' index), else None."""
    if os.path.basename(folder) != "variables" or outer == folder or not is_saved_model(outer):
        return None
    return outer if storage.isfile(variables_prefix(outer) + ".index") else None


def _inside_saved_model(given: str, saved_model: str) -> Location:
    """A SavedModel opened from inside (its ``variables/`` folder, the ``variables/variables``
    prefix or one of its files, as a GTK folder chooser returns the child highlighted):
    the SavedModel, its graph and signatures with it, not a bare TF2 checkpoint named
    "variables" (review 22 #4); said, so the path given is not silently another."""
    location = _locate_in_directory(saved_model)
    note = (f"{shown_path(given)} is inside the SavedModel {shown_path(saved_model)}: "
            "showing the SavedModel (its variables, with its graph and signatures)")  # fmt: skip
    return dataclasses.replace(location, warnings=(*location.warnings, note))


def _locate_saved_model_below(
    directory: str, versions: tuple, without_variables: tuple[str, ...], listing: FolderListing
) -> Location:
    """TF Serving's ``model/<version>/`` (the highest version is shown, as TF Serving
    serves it; the others are the folder's other checkpoints), or one SavedModel below."""
    refs = tuple(
        dataclasses.replace(make_ref(variables_prefix(path), None, False, listing), step=version)
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
        wanted = resolve_state_path(directory, state.model_checkpoint_path)
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
        listed = {resolve_state_path(directory, p) for p in paths}
    return v1_location(directory, prefixes, selected, listed, state, warnings)
