"""Finding Keras weights files: ``*.weights.h5`` and ``.h5`` (HDF5), ``.keras`` (ZIP) and
``*.weights.json`` (sharded Keras 3 weights: the map of its HDF5 shards).

Recognised by their bytes (the HDF5 signature, a ZIP holding ``model.weights.h5``),
never opened here: reading them needs h5py (core/keras). A folder of them
(``ModelCheckpoint('ckpt_{epoch}.weights.h5')``) is listed like a CheckpointManager
folder, ordered by the epoch in the names, not by file times (a copy rewrites those).
A folder may hold the files of several models (``enc_{epoch}`` and ``dec_{epoch}``,
a ``final.keras``): files are one model's when their names differ only in numbers;
its checkpoints are that model's files, the others are listed apart, and "latest" is
the latest epoch of one model, never another model's newer file.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import CheckpointError, CorruptCheckpointError, NotACheckpointError
from ckpt_gui.core.format.locations import CheckpointRef, Location

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
SHARDED_SUFFIX = ".weights.json"  # model.save_weights("x.weights.json", max_shard_size=...)
KERAS_SUFFIXES = (".h5", ".hdf5", ".keras", SHARDED_SUFFIX)
_MAX_JSON = 64 << 20  # a weight map lists each vars group once: a few MB at most
_FIRST_NUMBER = re.compile(r"(?:^|[_.-])(\d+)")
_NUMBER = re.compile(r"\d+")
_PATTERN_SUFFIXES = (".weights.h5", ".h5", ".hdf5", ".keras", SHARDED_SUFFIX)
# Checkpoint.format of a Keras file -> what people call it.
KERAS_FORMAT_NAMES = {
    "keras3-weights": "Keras 3 weights (.weights.h5)",
    "keras3-archive": "Keras 3 model archive (.keras)",
    "keras2-h5": "Keras 2 HDF5 weights (.h5)",
    # The same legacy layout written by model.save("x.h5") (tf_keras or Keras 3): the
    # model's config and weights, and its optimizer's; not "weights" (review 12).
    "keras-h5-model": "Keras whole-model HDF5 (.h5, model.save)",
}


def weight_map(path: str) -> dict:
    """The ``weight_map`` of sharded Keras weights (``x.weights.json``), or an error naming the file."""
    try:
        # storage refuses a FIFO or a device first: its read never returns
        document = json.loads(storage.read_bytes(path, _MAX_JSON + 1))
    except OSError as exc:
        raise CorruptCheckpointError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        raise CorruptCheckpointError(path, f"not valid JSON ({exc})") from None
    found = document.get("weight_map") if isinstance(document, dict) else None
    if not isinstance(found, dict):
        raise NotACheckpointError(path, "a JSON file without a Keras weight_map (not sharded Keras weights)")
    return found


def shard_names(path: str) -> list[str]:
    """The shard file names a ``.weights.json`` lists (none when it is not one)."""
    try:
        listed = weight_map(path).values()
    except CheckpointError:
        return []
    names = (name for value in listed for name in ([value] if isinstance(value, str) else value))
    return [name for name in names if isinstance(name, str)]


def keras_kind(path: str) -> str | None:
    """ "h5" for an HDF5 file, "archive" for a ZIP holding ``model.weights.h5``, "sharded"
    for a ``.weights.json`` weight map, else None."""
    if path.endswith(SHARDED_SUFFIX):  # by its name: a damaged one is said to be so when opened
        return "sharded" if os.path.isfile(path) else None
    if storage.not_a_file(path) is not None:  # a FIFO or a device: not Keras, and a read might never return
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None
    if head == HDF5_SIGNATURE:
        return "h5"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return "archive" if "model.weights.h5" in names or "config.json" in names else None
    return None


def epoch_of(path: str) -> int | None:
    """``ckpt_10.weights.h5`` -> 10, ``model-03-0.52.keras`` -> 3: the first number of
    the name (ModelCheckpoint's ``{epoch}`` comes first in the names its docs show)."""
    match = _FIRST_NUMBER.search(os.path.basename(path))
    return int(match.group(1)) if match else None


def keras_files_in(directory: str, listed: Callable[[str], object] | None = None) -> list[str]:
    """The folder's Keras weights files (``.h5``, ``.hdf5``, ``.keras`` that are what
    their names say), by epoch, then name; ``listed(path)``: whether a file so named is
    one (by default, its first bytes say so)."""
    listed = keras_kind if listed is None else listed
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    found = [
        os.path.join(directory, name)
        for name in names
        if name.endswith(KERAS_SUFFIXES)
        and os.path.isfile(os.path.join(directory, name))
        and listed(os.path.join(directory, name))
    ]
    # The shards of sharded weights are their .weights.json's, not checkpoints of their own.
    shards = {name for path in found if path.endswith(SHARDED_SUFFIX) for name in shard_names(path)}
    found = [path for path in found if os.path.basename(path) not in shards]
    return sorted(found, key=lambda p: (epoch_of(p) is None, epoch_of(p) or 0, os.path.basename(p)))


def keras_ref(path: str) -> CheckpointRef:
    try:
        stat = os.stat(path)
        time, size = stat.st_mtime, stat.st_size
    except OSError:
        time, size = None, 0
    if path.endswith(SHARDED_SUFFIX):  # its shards beside it hold the values
        folder = os.path.dirname(path)
        size += sum(_size(os.path.join(folder, name)) for name in set(shard_names(path)))
    return CheckpointRef(path, epoch_of(path), time, size, False)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def model_pattern(path: str) -> str:
    """``ckpt_12.weights.h5`` -> ``ckpt_*``: the name with its numbers made wildcards and
    its Keras suffix dropped. Files named alike are one model's saves (one
    ModelCheckpoint's ``{epoch}``); a folder holding several patterns holds several models.
    The suffix is not part of it: ``model.save("model.keras")`` beside
    ``model.save_weights("model.weights.h5")`` are one model saved twice (the picker
    called one "another model" while the compare dialog called it the latest); but two
    series, one per kind of file (series_pattern)."""
    name = os.path.basename(path)
    suffix = next((s for s in _PATTERN_SUFFIXES if name.endswith(s)), "")
    return _NUMBER.sub("*", name[: len(name) - len(suffix)])


def series_pattern(path: str) -> str:
    """``ckpt_12.weights.h5`` -> ``ckpt_*.weights.h5``: model_pattern with the kind of file
    kept. A series is one model's saves of one kind: ``model.keras`` (a whole-model archive)
    beside ``model.weights.h5`` is not a newer save of those weights, though the picker
    listed them as one series, the archive "latest" (review 23 #11); it is listed apart, as
    the same model in another kind of file (another_kind)."""
    name = os.path.basename(path)
    return model_pattern(path) + next((s for s in _PATTERN_SUFFIXES if name.endswith(s)), "")


def another_kind(path: str, shown: str) -> bool:
    """Whether ``path`` is ``shown``'s model (its name but for numbers and suffix) in another
    kind of Keras file: "another kind of file", not "another model"."""
    return model_pattern(path) == model_pattern(shown) and series_pattern(path) != series_pattern(shown)


def keras_models(files: list[str]) -> dict[str, list[CheckpointRef]]:
    """The folder's Keras files by series (name pattern and kind of file), each series'
    by epoch, then time."""
    models: dict[str, list[CheckpointRef]] = {}
    for path in files:
        models.setdefault(series_pattern(path), []).append(keras_ref(path))
    for refs in models.values():
        refs.sort(key=_epoch_then_time)
    return models


def keras_location(directory: str, files: list[str], selected: str | None) -> Location:
    """The Keras files of ``selected``'s model as the folder's checkpoints (oldest epoch
    first), the other models' files as ``others``. ``selected`` None (a folder opened):
    the model saved last (its newest file), at its latest epoch."""
    models = keras_models(files)
    if selected is not None and series_pattern(selected) not in models:  # a file the listing skipped
        models[series_pattern(selected)] = [keras_ref(selected)]
    if selected is None:
        pattern = max(models, key=lambda p: (max(r.time or 0.0 for r in models[p]), p))
    else:
        pattern = series_pattern(selected)
    refs = models[pattern]
    chosen = next((r for r in refs if r.prefix == selected), None)
    if chosen is None and selected is not None:
        chosen = keras_ref(selected)
        refs = sorted([*refs, chosen], key=_epoch_then_time)
    chosen = chosen or refs[-1]
    others = tuple(ref for p, group in models.items() if p != pattern for ref in group)
    warnings = ()
    if others and selected is None:
        warnings = (_several_models(directory, models, pattern, chosen),)
    return Location("keras", directory, chosen, tuple(refs), refs[-1], None, warnings, others)


def _several_models(directory: str, models: dict[str, list[CheckpointRef]], shown: str, chosen: CheckpointRef) -> str:
    texts = [model_files_text(refs) for refs in models.values()]
    listed = ("; " if any("," in text for text in texts) else ", ").join(texts)
    latest = f", the latest of {family_name(models[shown])}" if len(models[shown]) > 1 else ""
    count = len({model_pattern(refs[0].prefix) for refs in models.values()})
    kinds = f" in {len(models)} kinds of file" if count < len(models) else ""
    return (
        f"{directory} holds the Keras files of {count} model{'s' if count != 1 else ''}{kinds} (told apart by file "
        f"name and kind): {listed}; "
        f"showing {chosen.name}{latest}, the model saved last (open a file to see another)"
    )


def family_name(refs: list[CheckpointRef]) -> str:
    """A model's files by their names, as the user sees them in the folder: the file
    (``k2_full.h5``), or the first and last (``rnn_01.weights.h5 to rnn_09.weights.h5``);
    never the pattern that groups them (``k*_full.h5``)."""
    return refs[0].name if len(refs) == 1 else f"{refs[0].name} to {refs[-1].name}"


def model_files_text(refs: list[CheckpointRef]) -> str:
    """``k2_full.h5`` for one file; ``3 files, ckpt_1.weights.h5 to ckpt_3.weights.h5, epochs 1-3``."""
    if len(refs) == 1:
        return refs[0].name
    epochs = [r.step for r in refs if r.step is not None]
    span = f", epochs {min(epochs)}-{max(epochs)}" if epochs else ""
    return f"{len(refs)} files, {family_name(refs)}{span}"


def _epoch_then_time(ref: CheckpointRef) -> tuple:
    return (ref.step is None, ref.step or 0, ref.time or 0.0, ref.name)
