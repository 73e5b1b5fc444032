"""What a path resolves to: the checkpoints of a folder (records only).

Kept apart from discovery.py, which finds them, so that the finders of the rarer
layouts (v1_discovery.py) can build them too.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import shown_path
from ckpt_gui.core.format.state_file import CheckpointState

_STEP_SUFFIX = re.compile(r"-(\d+)$")
_TRAILING_NUMBER = re.compile(r"(\d+)(?:\.ckpt)?$")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class CheckpointRef:
    """One checkpoint in a folder."""

    prefix: str  # absolute; the files are prefix.index and prefix.data-*
    step: int | None  # from the prefix name (ckpt-3, model.ckpt-1000)
    time: float | None  # unix seconds: the state file's timestamp, else the index file's mtime
    size_bytes: int  # index plus data files
    in_state_file: bool  # listed in the folder's ``checkpoint`` file
    missing_files: tuple[str, ...] = ()  # data shards its file names promise but the folder lacks
    # Data shards there but shorter than its index needs, as (path, size, bytes needed): known
    # once its index was read (core/open_fallback.py), so only for the checkpoints opened.
    truncated_files: tuple[tuple[str, int, int], ...] = ()
    # Data files of the prefix with another shard count than its index names: left over
    # from an older save, not counted in size_bytes (review 20 G15), said by leftover_note.
    leftover_files: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing_files and not self.truncated_files

    @property
    def name(self) -> str:
        return os.path.basename(self.prefix)

    @property
    def data_absent(self) -> str:
        """What its data files lack, for the picker's and inspect's mark: "missing", or
        "not a regular file (a FIFO)" when the one file lacking is there as a FIFO, or
        "truncated" when its files are all there, one of them cut short."""
        if self.truncated_files and not self.missing_files:
            return "truncated"
        said = {storage.absent_why(path) for path in self.missing_files}
        return said.pop() if len(said) == 1 else "missing"


def leftover_note(ref: CheckpointRef) -> str | None:
    """What the listing says of ``ref``'s leftover data files, or None when it has none."""
    if not ref.leftover_files:
        return None
    names = ", ".join(os.path.basename(path) for path in ref.leftover_files)
    one = len(ref.leftover_files) == 1
    return (
        f"{shown_path(names)} {'is a data file' if one else 'are data files'} of another shard count than"
        f" {shown_path(ref.name)}.index names (left over from an older save): not counted in its size"
    )


@dataclass(frozen=True, slots=True)
class Location:
    """What a path resolved to: the checkpoint to open and its siblings."""

    # "bundle", "savedmodel", "v1" (a pre-0.12 TensorSlice checkpoint), "keras" (a Keras
    # weights file) or "graph" (a TF1 .meta without its checkpoint: graph_file.py)
    kind: str
    directory: str
    selected: CheckpointRef
    checkpoints: tuple[CheckpointRef, ...]  # oldest first (see in_order)
    latest: CheckpointRef  # what tf.train.latest_checkpoint names, else the newest
    state: CheckpointState | None = None
    warnings: tuple[str, ...] = field(default=())
    # A folder of Keras files of several models: the other models' files (keras_files.py).
    others: tuple[CheckpointRef, ...] = field(default=())
    # Checkpoints of the folder whose index could not be read (their prefixes; the app's picker marks them).
    broken: tuple[str, ...] = field(default=())
    # Why each of ``broken`` cannot be read, in a few words ("ckpt-5.index: not a TensorFlow
    # index table"): what the doctor's one sentence about it says (core/open_fallback.py).
    broken_why: tuple[str, ...] = field(default=())
    # A folder of both kinds (folder_kinds.with_other_kind): its Keras files, listed apart from
    # its TF checkpoints (no step, never "latest": review 23), each with what it is ...
    keras_files: tuple[CheckpointRef, ...] = field(default=())
    keras_kinds: tuple[str, ...] = field(default=())  # ... "Keras weights", "Keras model archive"
    # ... and, a Keras file being shown, the folder's TF checkpoints as a location of their own
    # (its latest as the state file says), so the picker reaches them from the Keras file.
    tensorflow: Location | None = None

    @property
    def tensorflow_latest(self) -> str | None:
        """What ``tf.train.latest_checkpoint(self.directory)`` returns: the state file's
        ``model_checkpoint_path`` (joined to the folder when relative, kept as written when
        absolute: TensorFlow never looks for its name in the folder) if its ``.index`` (or,
        TF1 V1 format, the file itself) exists, else None (checkpoint_management.py)."""
        state = self.state
        if state is None or not state.model_checkpoint_path:
            return None
        path = state.model_checkpoint_path
        if not os.path.isabs(path):
            path = os.path.join(self.directory, path)
        return path if os.path.exists(path + ".index") or os.path.isfile(path) else None

    @property
    def latest_named_missing(self) -> str:
        """The state file's ``model_checkpoint_path`` when it names no existing checkpoint
        (absolute paths from another machine, a stale ``ckpt-9``): the user's
        ``tf.train.latest_checkpoint(folder)`` returns None, and ``restore(None)`` restores
        nothing, silently (review 20, G1); "" otherwise."""
        state = self.state
        if self.kind not in ("bundle", "v1") or state is None or not state.model_checkpoint_path:
            return ""
        return "" if self.tensorflow_latest is not None else state.model_checkpoint_path

    def latest_mark(self, ref: CheckpointRef) -> str:
        """How the picker and ``inspect`` mark ``ref``: "latest" for what the folder's
        latest is (the state file's, else the newest), "newest on disk" for it when the
        state file names a checkpoint that does not exist (no "latest" the user's
        latest_checkpoint() would find), "" for the others."""
        if ref != self.latest:
            return ""
        return "newest on disk" if self.latest_named_missing else "latest"


def step_of(prefix: str) -> int | None:
    name = os.path.basename(prefix)
    match = _STEP_SUFFIX.search(name) or _TRAILING_NUMBER.search(name)
    return int(match.group(1)) if match else None


def series_name(prefix: str) -> str:
    """``ckpt-12`` -> ``ckpt-*``: the checkpoint's name with its numbers made wildcards.
    Saves named alike are one series (one CheckpointManager's or Saver's, seed 004's
    timestamped ``model_v1_20250130_101500-1``); ``checkpoint.save('./a')`` and
    ``save('./b')`` leave two series side by side in one folder (review 20 G8: they were
    listed, and compared as "previous", as one). The rule the Keras files' listing uses:
    files are one model's when their names differ only in numbers."""
    return _NUMBER.sub("*", os.path.basename(prefix))


def series_of(location: Location, ref: CheckpointRef) -> tuple[CheckpointRef, ...]:
    """The checkpoints of ``location`` in ``ref``'s series, oldest first (a folder of one
    series: all of them; a Keras folder's other models are in ``others`` already)."""
    if location.kind != "bundle":
        return location.checkpoints
    name = series_name(ref.prefix)
    return tuple(other for other in location.checkpoints if series_name(other.prefix) == name)


def other_series(location: Location, ref: CheckpointRef) -> tuple[CheckpointRef, ...]:
    """The checkpoints of ``location`` outside ``ref``'s series, oldest first."""
    if location.kind != "bundle":
        return ()
    name = series_name(ref.prefix)
    return tuple(other for other in location.checkpoints if series_name(other.prefix) != name)


def series_apart_note(a: Location, a_ref: CheckpointRef, b: Location, b_ref: CheckpointRef) -> str:
    """What a comparison of ``a_ref`` (A) with ``b_ref`` (B) should say when they are of
    two series of one folder (names that differ by more than numbers: ``model.ckpt-100``
    and ``train_model.ckpt-5``, two save() prefixes): "before" and "after" and "Compare
    with previous" assume one series' history (review 20). "" otherwise."""
    if a.kind != "bundle" or b.kind != "bundle":
        return ""
    if os.path.realpath(os.path.dirname(a_ref.prefix)) != os.path.realpath(os.path.dirname(b_ref.prefix)):
        return ""
    name_a, name_b = series_name(a_ref.prefix), series_name(b_ref.prefix)
    if name_a == name_b:
        return ""
    return (
        f"A ({shown_path(a_ref.name)}) and B ({shown_path(b_ref.name)}) are of two series of one folder"
        f" ({shown_path(name_a)} and {shown_path(name_b)}: two save() prefixes, maybe two models or runs):"
        " before and after by their times only, not one run's history"
    )
