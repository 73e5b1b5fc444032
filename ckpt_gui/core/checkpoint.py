"""One opened checkpoint: what the CLI and the app work with.

Opening reads the ``.index`` file only; the object graph is decoded on first use
and tensor values are read from the data shards when asked for.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, count, repeat
from operator import is_
from typing import TYPE_CHECKING, NamedTuple

from ckpt_gui.core.format.bundle import BundleIndex
from ckpt_gui.core.format.bundle_entry import BundleEntry
from ckpt_gui.core.format.cached import cached_property
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.format.dtypes import DType
from ckpt_gui.core.format.errors import CheckpointError, CorruptCheckpointError, WireFormatError
from ckpt_gui.core.format.gc_pause import gc_paused
from ckpt_gui.core.format.graph_file import GraphFile, GraphOnlyIndex, GraphOnlyValues, graph_path, read_graph_file
from ckpt_gui.core.format.locations import CheckpointRef, Location, leftover_note, series_of
from ckpt_gui.core.format.lock_slices import map_in_slices
from ckpt_gui.core.format.object_graph import ObjectGraph
from ckpt_gui.core.format.shards import DEFAULT_CHUNK_BYTES, ShardFiles
from ckpt_gui.core.format.strings import decode_strings
from ckpt_gui.core.format.v1_table import V1Index, V1Values
from ckpt_gui.core.variable_columns import VariableColumns, rows, variable_columns

if TYPE_CHECKING:  # numpy is imported when values are read, not to list variables
    import numpy as np

    from ckpt_gui.core.values.reader import TensorReader


class Variable(NamedTuple):
    """One tensor as ``tf.train.list_variables`` lists it, with where it lives. (A
    tuple: one per variable, a million of them made in bulk at C speed.)"""

    key: str
    dtype: DType
    shape: tuple[int, ...]
    shard: int
    size_bytes: int  # bytes in the data shards (all slices of a partitioned tensor)
    object_paths: tuple[str, ...]  # TF2: readable paths to the owning object, preferred first
    partitioned: bool

    @property
    def num_elements(self) -> int:
        return math.prod(self.shape)

    @property
    def display_path(self) -> str:
        return self.object_paths[0] if self.object_paths else self.key

    @property
    def is_object_graph(self) -> bool:
        return self.key == OBJECT_GRAPH_KEY


def _extends_a_key(key: str, attribute_keys) -> bool:
    """Whether ``key`` is an attribute's key plus a suffix (ObjectGraph.attribute_of_key
    would find it): asked first, so that the graph's own key, which extends none, does
    not make the graph index its 200,000 attribute rows."""
    return any(key[:end] in attribute_keys and "/" not in key[end:] for end in range(len(key) - 1, 0, -1))


class Checkpoint:
    """A V2 checkpoint (TF1 name-based, TF2 object-based, or a SavedModel's variables),
    a V1 (pre-0.12) one, whose index and values come from its table files, or a Keras
    weights file (core/keras: entries pointing into the HDF5 file, read the same way)."""

    def __init__(
        self,
        location: Location,
        selected: CheckpointRef | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """``progress(done, total)`` follows the reading of a V2 index (bytes; see
        BundleIndex) and may raise to cancel it."""
        self.location = location
        self.ref = selected or location.selected
        self.prefix = self.ref.prefix
        self.keras = None  # a Keras weights file (core/keras), else None
        if location.kind == "keras":
            # h5py (and numpy) only when a Keras file is opened: listing a bundle imports neither.
            from ckpt_gui.core.keras.opened import open_keras_file  # noqa: PLC0415

            self.keras = open_keras_file(self.prefix)
            self.index, self.shards = self.keras.index, self.keras.values
        elif location.kind == "graph":  # a TF1 .meta without its checkpoint: the graph, no values
            self.index = GraphOnlyIndex(self.prefix)
            self.shards = GraphOnlyValues(self.index)
            if self.graph_file_error is not None:
                raise self.graph_file_error  # the graph is all there is: unreadable, nothing to show
        elif location.kind == "v1":
            self.index = V1Index(self.prefix)
            self.shards = V1Values(self.index)
        else:
            self.index = BundleIndex(self.prefix, progress)
            self.shards = ShardFiles(self.index)

    @cached_property
    def reader(self) -> TensorReader:
        # Listing a checkpoint must not import numpy: the value reader comes on first read.
        from ckpt_gui.core.values.reader import TensorReader  # noqa: PLC0415

        return TensorReader(self.index, self.shards)

    @classmethod
    def open(cls, path: str | os.PathLike[str], progress: Callable[[int, int], None] | None = None) -> Checkpoint:
        return cls(locate(path), progress=progress)

    def sibling(self, ref: CheckpointRef, progress: Callable[[int, int], None] | None = None) -> Checkpoint:
        """Another checkpoint of the same folder (CheckpointManager keeps several); another
        model's Keras file opens with its own model's files as its siblings, and a file of
        the other kind (a Keras file beside TF checkpoints, or these beside it) as its own."""
        if ref in self.location.others or all(ref.prefix != mine.prefix for mine in self.location.checkpoints):
            return Checkpoint(locate(ref.prefix), progress=progress)
        return Checkpoint(self.location, ref, progress)

    @property
    def format(self) -> str:
        if self.keras is not None:
            return self.keras.format  # keras3-weights, keras3-archive, keras2-h5
        if self.location.kind == "savedmodel":
            return "savedmodel"
        if self.location.kind == "graph":
            return "tf1-meta"
        return "tf2" if self.index.has_object_graph else "tf1"

    @property
    def checkpoints(self) -> tuple[CheckpointRef, ...]:
        """The checkpoints of this one's series in its folder, oldest first: its
        "previous" and its history (another series': ``locations.other_series``)."""
        return series_of(self.location, self.ref)

    @property
    def object_graph(self) -> ObjectGraph | None:
        """The TF2 object graph; None for name-based (TF1) checkpoints, and None (with
        ``graph_error`` saying why) when its value cannot be read: the index alone still
        lists every variable, so a damaged or incomplete checkpoint can be browsed."""
        return self._graph_or_error[0]

    @property
    def graph_error(self) -> CheckpointError | None:
        """Why the object graph could not be read, or None."""
        return self._graph_or_error[1]

    @property
    def warnings(self) -> list[str]:
        """What the user should know about this listing: the folder's warnings, and that
        the object graph could not be read (the keys are listed without object paths,
        as tf.train.list_variables lists them)."""
        warnings = list(self.location.warnings)
        leftover = leftover_note(self.ref)  # a leftover data file, said of the checkpoint shown
        if leftover is not None:
            warnings.append(leftover)
        if self.keras is not None:
            warnings += self.keras.warnings
        if self.graph_error is not None:
            warnings.append(f"{self.graph_error}; the keys are listed without their object paths")
        if self.graph_file_error is not None:
            warnings.append(f"{self.graph_file_error}; the checkpoint is shown without its graph")
        return warnings

    @property
    def graph_file(self) -> GraphFile | None:
        """The SavedModel's ``saved_model.pb`` or the TF1 ``.meta`` beside the checkpoint,
        decoded (signatures, variable names, collections); None when there is none or
        when it cannot be read (``graph_file_error`` says why)."""
        return self._graph_file_or_error[0]

    @property
    def graph_file_error(self) -> CheckpointError | None:
        return self._graph_file_or_error[1]

    @cached_property
    def _graph_file_or_error(self) -> tuple[GraphFile | None, CheckpointError | None]:
        path = graph_path(self.location, self.prefix)
        if path is None:
            return None, None
        try:
            return read_graph_file(path), None
        except CheckpointError as exc:
            return None, exc

    @property
    def graph_decoded(self) -> bool:
        """Whether the object graph has been read (asking for it now costs nothing)."""
        return "_graph_or_error" in self.__dict__

    @cached_property
    def _graph_or_error(self) -> tuple[ObjectGraph | None, CheckpointError | None]:
        try:
            return self._read_object_graph(), None
        except CheckpointError as exc:
            return None, exc

    def _read_object_graph(self) -> ObjectGraph | None:
        entry = self.index.entries.get(OBJECT_GRAPH_KEY)
        if entry is None:
            return None
        path = self.shards.path(entry)
        elements = decode_strings(entry, self.shards.read(entry), path)
        try:
            return ObjectGraph.parse(elements[0] if elements else b"")
        except WireFormatError as exc:
            raise CorruptCheckpointError(path, f"object graph is garbled ({exc})") from None

    @cached_property
    def variables(self) -> list[Variable]:
        """Every listed tensor, sorted by key (slice entries of partitioned ones hidden)."""
        with gc_paused():
            return rows(self.variable_columns, Variable)

    @cached_property
    def variable_columns(self) -> VariableColumns:
        """:attr:`variables` as columns (what ``inspect --json`` writes: no tuple per variable)."""
        with gc_paused():
            return variable_columns(self.index, self._object_paths(self.object_graph))

    @cached_property
    def key_variables(self) -> list[Variable]:
        """:attr:`variables` as the index alone gives them, without object paths (as
        ``tf.train.list_variables`` lists them): what the app shows while the object
        graph is decoded."""
        with gc_paused():
            return rows(variable_columns(self.index, None), Variable)

    def _object_paths(self, graph: ObjectGraph | None) -> Iterable[tuple[str, ...]] | None:
        """Each key's object paths, in key order; None when none are known."""
        keys = self.index.entries
        if self.keras is not None:
            return (("/".join(self.keras.name(key).path),) for key in keys)
        if graph is None:
            return None
        keys = list(keys)
        aligned = graph.object_paths_in_order(keys)  # the usual listing: one merge in C, no dict
        if aligned is not None:
            paths, found = aligned
        else:
            found = graph.all_object_paths()
            # One look-up per key, in C, the GUI thread let in between slices.
            paths = map_in_slices(found.get, keys)
        # Keys a saveable extends with a suffix, and the graph's own: a rare few.
        for i in compress(count(), map(is_, paths, repeat(None))):
            key = keys[i]
            paths[i] = tuple(graph.object_paths(key)) if _extends_a_key(key, found) else ()
        return paths

    @cached_property
    def _by_key(self) -> dict[str, Variable]:
        return {v.key: v for v in self.variables}

    def variable(self, key: str) -> Variable:
        try:
            return self._by_key[key]
        except KeyError:
            raise CheckpointError(self.index.index_path, f"no tensor named {key!r} in this checkpoint") from None

    def entry(self, key: str) -> BundleEntry:
        try:
            return self.index.entries[key]
        except KeyError:
            raise CheckpointError(self.index.index_path, f"no tensor named {key!r} in this checkpoint") from None

    # -- values ---------------------------------------------------------------------

    def read(self, key: str) -> np.ndarray:
        """The whole value (a read-only view for unpartitioned numeric tensors)."""
        return self.reader.read(self.entry(key))

    def iter_chunks(
        self, key: str, chunk_bytes: int = DEFAULT_CHUNK_BYTES, verify: bool = True
    ) -> Iterator[np.ndarray]:
        return self.reader.iter_chunks(self.entry(key), chunk_bytes, verify)

    def map_chunks(
        self,
        key: str,
        fn: Callable,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        verify: bool = True,
        positioned: bool = False,
    ) -> Iterator:
        """``fn(chunk, scratch)`` (``fn(chunk, scratch, start)`` if ``positioned``) over
        the tensor's chunks, in order, in parallel for large tensors (see
        :func:`ckpt_gui.core.values.chunk_map.map_chunks`)."""
        # Listing a checkpoint must not import numpy: the chunk mapper comes on first read.
        from ckpt_gui.core.values.chunk_map import map_chunks  # noqa: PLC0415

        entry = self.entry(key)
        return map_chunks(
            self.reader, entry, self.index.stored_size(entry), fn, progress, cancelled, chunk_bytes, verify, positioned
        )


def shown_format(ckpt: Checkpoint) -> str:
    """The format as it is named to the user (a key of the format names): a legacy
    ``.h5`` holding a whole model (``model.save``) is "keras-h5-model", apart from
    weights alone. Only a name: the JSON's ``format`` stays the layout (``keras2-h5``)."""
    if ckpt.keras is not None and ckpt.keras.whole_model:
        return "keras-h5-model"
    return ckpt.format


def slot_names(ckpt: Checkpoint) -> dict[str, str]:
    """``{key: name}`` of each TF2 optimizer slot's value, named by its variable and the
    slot (ObjectGraph.slot_names: ``.../1/_kernel/momentum``); empty without an object
    graph that reads."""
    graph = ckpt.object_graph
    return graph.slot_names if graph is not None else {}


def shown_name(ckpt: Checkpoint, variable: Variable) -> str:
    """``variable``'s name as the object view shows it: an optimizer slot under its
    variable (``.../1/_kernel/momentum``), else its preferred object path, else its key.
    While the object graph is being decoded (the app shows the keys meanwhile) it waits
    for nothing: the variable's own name then."""
    slots = slot_names(ckpt) if ckpt.graph_decoded else {}
    return slots.get(variable.key) or variable.display_path
