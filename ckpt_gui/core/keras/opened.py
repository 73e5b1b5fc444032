"""One opened Keras weights file (``.weights.h5``, Keras 2 ``.h5``, ``.keras``) as the
rest of the reader sees a checkpoint: an index of entries and a values object.

Entries are BundleEntry records pointing into the file (or, for a ``.keras``
archive, into the archive: the weights member's offset plus the dataset's), with no
CRC32C: HDF5 keeps none for these datasets, so there is nothing to verify (the CRC
check is skipped for an entry without one; nothing is faked). Datasets without a
plain byte range (chunked, compressed, big-endian) are read through h5py instead.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import h5py
import numpy as np

from ckpt_gui.core.format.bundle import BundleHeader
from ckpt_gui.core.format.bundle_entry import BundleEntry, SlicedEntries
from ckpt_gui.core.format.errors import CheckpointError, CorruptCheckpointError, NotACheckpointError
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES, ShardFiles
from ckpt_gui.core.formatting import counted, one_or_many
from ckpt_gui.core.keras import h5_layout
from ckpt_gui.core.keras.architecture import ArchitectureLayer, architecture_of, attach_weights, layer_infos
from ckpt_gui.core.keras.archive import KerasArchive
from ckpt_gui.core.keras.names import KerasName, in_saved_order, keras2_names, keras3_names
from ckpt_gui.core.keras.sharded import shard_files

# A dataset read through h5py (compressed, chunked) may expand: at most this many times
# its stored bytes, or this many bytes, whichever is more (a crafted shape stops here).
_MAX_EXPANSION = 100
_MAX_UNMAPPED = 256 << 20
_H5_ERRORS = (OSError, ValueError, KeyError, RuntimeError, TypeError, IndexError)


class KerasIndex(SlicedEntries):
    """What the reader uses of a BundleIndex: entries, a header, the file of a "shard"."""

    has_object_graph = False

    def __init__(self, path: str, entries: dict[str, BundleEntry], files: list[str]) -> None:
        self.prefix = self.index_path = path
        self.files = files  # the HDF5 file(s) holding the values: shards of a .weights.json
        self.header = BundleHeader(len(files), False, 0, 0)
        self.entries = entries
        self.slice_entries: dict = {}

    def data_path(self, shard_id: int) -> str:
        return self.files[shard_id]


class KerasValues(ShardFiles):
    """Positioned reads for datasets with a byte range; h5py reads for the others."""

    def __init__(self, keras_file: KerasFile) -> None:
        super().__init__(keras_file.index)
        self._file = keras_file
        # One whole-file flag (the reader asks the values object, not the entry): with any
        # dataset read through h5py, none is read in parallel pieces or memory-mapped.
        self.in_memory = bool(keras_file.unmapped)

    def check_all_present(self) -> None:
        """The file holds every byte range its datasets point at (those read through h5py
        have none to check: h5py said what they hold when the file was opened)."""
        furthest: dict[int, BundleEntry] = {}
        for e in self.index.entries.values():
            if e.key not in self._file.unmapped and e.size:
                known = furthest.get(e.shard_id)
                if known is None or e.offset + e.size > known.offset + known.size:
                    furthest[e.shard_id] = e
        for entry in furthest.values():
            self.open(self.path(entry), entry).close()  # raises, naming the file, when short

    def read(self, entry: BundleEntry, verify: bool = True) -> bytes:
        if entry.key in self._file.unmapped:
            return self._file.read_through_h5py(entry)
        return super().read(entry, verify)

    def iter_chunks(
        self, entry: BundleEntry, chunk_bytes: int = DEFAULT_CHUNK_BYTES, verify: bool = True
    ) -> Iterator[bytes]:
        if entry.key not in self._file.unmapped:
            yield from super().iter_chunks(entry, chunk_bytes, verify)
            return
        data = self.read(entry)
        step = max(entry.dtype.itemsize, chunk_bytes - chunk_bytes % max(entry.dtype.itemsize, 1))
        for start in range(0, len(data), step):
            yield data[start : start + step]

    def open(self, path: str, entry: BundleEntry):
        if entry.key in self._file.unmapped:
            return io.BytesIO(self.read(entry))
        return super().open(path, entry)


class KerasFile:
    """A Keras weights file: its format, entries, readable names, architecture."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.archive = None
        self.config: dict | None = None
        self.written_by: dict = {}
        self.unmapped: set[str] = set()
        self.skipped: list[str] = []  # datasets of no numeric type this reader knows
        self.whole_model = False  # a legacy .h5 written by model.save (config and weights), see _read_h5
        self.base = 0  # where the HDF5 file starts in the file read (a .keras archive: its member)
        self.files = [path]  # the HDF5 files: a sharded .weights.json's shards
        if _is_zip(path):  # a .keras archive (by its bytes: the name may say anything)
            self._open_archive()
        elif path.endswith(".json"):  # model.save_weights("x.weights.json", max_shard_size=...)
            self.files = shard_files(path)
        with ExitStack() as stack:
            self._read_h5([stack.enter_context(self._h5(i)) for i in range(len(self.files))])
        self.index = KerasIndex(path, self.entries, self.files)
        self.values = KerasValues(self)

    # -- opening -----------------------------------------------------------------------

    def _open_archive(self) -> None:
        self.archive = KerasArchive(self.path)
        self.config = self.archive.json("config.json")
        metadata = self.archive.json("metadata.json") or {}
        self.written_by = {k: str(metadata[k]) for k in ("keras_version", "date_saved") if k in metadata}
        if self.archive.stored:
            self.base = self.archive.weights_offset()

    @contextmanager
    def _h5(self, shard: int = 0):
        source = self.archive.weights_file() if self.archive else None
        shown = f"{self.path} (model.weights.h5)" if self.archive else self.files[shard]
        try:
            f = h5py.File(source or self.files[shard], "r", locking=False)
        except _H5_ERRORS as exc:
            if source is not None:
                source.close()
            raise CorruptCheckpointError(shown, f"not a readable HDF5 file ({_first_line(exc)})") from None
        try:
            yield f
        except _H5_ERRORS as exc:
            raise CorruptCheckpointError(shown, f"HDF5 structure is damaged ({_first_line(exc)})") from None
        finally:
            f.close()
            if source is not None:
                source.close()

    def _read_h5(self, files: list[h5py.File]) -> None:
        f = files[0]
        layout = h5_layout.layout_of(f)
        if not layout:
            raise NotACheckpointError(self.path, "an HDF5 file without Keras weights (no layers, vars or layer_names)")
        if len(files) > 1 or self.path.endswith(".json"):
            self.format = layout
            datasets, group_names = self._read_shards(files)
            self.names, self.placement = keras3_names(datasets, group_names, {})
        elif layout == "keras2-h5":
            self.format = layout
            datasets = h5_layout.keras2_datasets(f)
            self.written_by = {k: h5_layout.attribute_text(f, k) for k in ("keras_version", "backend")}
            keras3 = self.written_by["keras_version"].startswith("3.")  # model.save("x.h5") in Keras 3
            self.names, self.placement = keras2_names(datasets, keras3)
            self.config = _json_attribute(f, "model_config")
            # A whole model (config, weights, maybe optimizer: model.save), not save_weights's weights alone.
            self.whole_model = "model_weights" in f
        else:
            self.format = "keras3-archive" if self.archive else layout
            datasets = h5_layout.keras3_datasets(f, self.skipped)
            group_names = _vars_names(f)
            self.names, self.placement = keras3_names(datasets, group_names, layer_infos(self.config))
        self.written_by = {k: v for k, v in self.written_by.items() if v}
        self.entries = {ds.key: self._entry(ds) for ds in _in_order(datasets, self.names)}
        self.architecture: list[ArchitectureLayer] = architecture_of(self.config)
        attach_weights(self.architecture, [self.names[k].path for k in self.entries if not self.names[k].owner])

    def _read_shards(self, files: list[h5py.File]) -> tuple[list[h5_layout.StoredDataset], dict[str, str]]:
        """Every shard's datasets (each Keras 3, its groups a part of the model's), and the
        ``vars`` groups' names of all of them."""
        datasets, group_names = [], {}
        for shard, f in enumerate(files):
            if h5_layout.layout_of(f) != "keras3-weights":
                raise NotACheckpointError(self.files[shard], "a shard of sharded Keras weights without Keras 3 weights")
            found = h5_layout.keras3_datasets(f, self.skipped)
            datasets += [dataclasses.replace(ds, shard=shard) for ds in found]
            group_names.update(_vars_names(f))
        return datasets, group_names

    def _entry(self, ds: h5_layout.StoredDataset) -> BundleEntry:
        deflated = self.archive is not None and not self.archive.stored  # offsets are in bytes never on disk
        if ds.offset is None or not ds.size or deflated:
            self.unmapped.add(ds.key)
            return BundleEntry(ds.key, ds.dtype, ds.shape, ds.shard, 0, ds.size, None)
        if self.archive is not None:
            member = self.archive.members["model.weights.h5"].file_size
            if ds.offset + ds.size > member:
                raise CorruptCheckpointError(
                    self.path, f"dataset {ds.key!r} needs bytes past the end of model.weights.h5 ({member} bytes)"
                )
        return BundleEntry(ds.key, ds.dtype, ds.shape, ds.shard, self.base + ds.offset, ds.size, None)

    # -- values through h5py --------------------------------------------------------------

    def read_through_h5py(self, entry: BundleEntry) -> bytes:
        """A dataset without a plain byte range, as little-endian bytes, within the size bound."""
        with self._h5(entry.shard_id) as f:
            ds = f.get(entry.key)
            if not isinstance(ds, h5py.Dataset):
                raise CorruptCheckpointError(self.path, f"dataset {entry.key!r} is gone")
            stored = ds.id.get_storage_size()
            if entry.size > max(_MAX_UNMAPPED, _MAX_EXPANSION * stored):
                raise CorruptCheckpointError(
                    self.path, f"dataset {entry.key!r} claims shape {list(entry.shape)} from {stored} stored bytes"
                )
            values = np.asarray(ds[()])
        return values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes()

    # -- what the views show -----------------------------------------------------------------

    def name(self, key: str) -> KerasName:
        return self.names[key]

    def model_order(self) -> list[str]:
        """The model's own variables (no optimizer's) in the order the model saved them:
        Keras 2 lists them (``layer_names``, ``weight_names``); Keras 3 numbers them only
        within a layer, so the order the datasets were written in the file tells."""
        keys = [
            key
            for key in self.entries
            if self.names[key].owner is None and not key.startswith(("optimizer/", "optimizer_weights/"))
        ]
        if self.format != "keras2-h5":
            entries = self.entries
            keys = in_saved_order(keys, lambda key: (key in self.unmapped, entries[key].shard_id, entries[key].offset))
        return keys

    @property
    def warnings(self) -> list[str]:
        if not self.skipped:
            return []
        shown = ", ".join(self.skipped[:5]) + (f" and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else "")
        n = len(self.skipped)
        listed = one_or_many(n, "is", "are")
        return [f"{counted(n, 'dataset')} of a type that is no tensor type {listed} not listed: {shown}"]

    def to_json(self) -> dict:
        """What ``inspect --json`` adds for a Keras file."""
        return {
            "written_by": self.written_by or None,
            "architecture": [layer.to_json() for layer in self.architecture] if self.config else None,
            "optimizer_placement": self.placement or None,
        }


def open_keras_file(path: str) -> KerasFile:
    try:
        return KerasFile(path)
    except CheckpointError:
        raise
    except _H5_ERRORS as exc:  # h5py raises these for what it cannot parse
        raise CorruptCheckpointError(path, f"cannot read this Keras file ({_first_line(exc)})") from None


def _in_order(datasets: list[h5_layout.StoredDataset], names: dict[str, KerasName]) -> list[h5_layout.StoredDataset]:
    """Model variables in the order they were saved, then the optimizer's."""
    return sorted(datasets, key=lambda d: (names[d.key].owner is not None or d.key.startswith("optimizer"),))


def _vars_names(f: h5py.File) -> dict[str, str]:
    """Group path -> the ``name`` attribute of its ``vars`` subgroup (Keras 3)."""
    found = {}

    def visit(name: str, obj) -> None:
        if isinstance(obj, h5py.Group) and name.endswith("vars"):
            text = h5_layout.attribute_text(obj, "name")
            if text:
                found[name.rpartition("/")[0] if "/" in name else ""] = text

    f.visititems(visit)
    return found


def _json_attribute(f: h5py.File, name: str) -> dict | None:
    text = h5_layout.attribute_text(f, name)
    try:
        value = json.loads(text) if text else None
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _is_zip(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
