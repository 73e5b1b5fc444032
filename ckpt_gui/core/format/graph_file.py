"""The graph file beside a checkpoint: a SavedModel's ``saved_model.pb``, or the TF1
``PREFIX.meta`` a ``tf.compat.v1.train.Saver`` writes next to each checkpoint.

Reading it is optional to the checkpoint: a damaged graph file is reported (one line
naming the file) and the checkpoint opens without it. A ``.meta`` whose checkpoint is
not beside it (seed 001's user, sent the graph alone) opens on its own: the graph's
variables, collections and signatures, no values, a warning that the checkpoint is missing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.bundle import BundleHeader
from ckpt_gui.core.format.bundle_entry import SlicedEntries
from ckpt_gui.core.format.errors import (
    CheckpointError,
    CorruptCheckpointError,
    NotACheckpointError,
    UnsupportedCheckpointError,
    WireFormatError,
)
from ckpt_gui.core.format.locations import CheckpointRef, Location, step_of
from ckpt_gui.core.format.meta_graph import MetaGraph, parse_meta_graph, parse_saved_model
from ckpt_gui.core.format.shards import ShardFiles

# Checkpoint.format of a .meta opened alone -> what people call it.
GRAPH_ONLY_FORMAT_NAMES = {"tf1-meta": "TF1 graph (.meta) without its checkpoint"}
# Why, and what to do (the README's format table): TensorFlow writes the text format only
# when asked (the TF1 builder's save(as_text=True)); reading it takes a text-format parser
# and a field-name table for every message read, a second decoder beside the wire one.
PBTXT_NOT_READ = (
    "a SavedModel in text format (saved_model.pbtxt) is not read; write it as saved_model.pb with TensorFlow: "
    "text_format.Parse(text, saved_model_pb2.SavedModel()).SerializeToString()"
)
# Protobuf refuses messages over 2 GiB, so TensorFlow never writes a larger graph file.
MAX_GRAPH_BYTES = (2 << 30) - 1
_SHARD_SUFFIX = re.compile(r"-[\d?]+-of-\d+$")  # as TensorFlow's Saver strips it before adding .meta


@dataclass(frozen=True, slots=True)
class GraphFile:
    """A decoded ``saved_model.pb`` (one MetaGraphDef per tag-set) or ``.meta`` (one)."""

    path: str
    kind: str  # "saved_model" or "meta"
    meta_graphs: tuple[MetaGraph, ...]

    @property
    def tensorflow_version(self) -> str:
        return next((g.tensorflow_version for g in self.meta_graphs if g.tensorflow_version), "")

    @property
    def tensorflow_git_version(self) -> str:
        return next((g.tensorflow_git_version for g in self.meta_graphs if g.tensorflow_git_version), "")


class GraphOnlyIndex(SlicedEntries):
    """The index of a TF1 ``.meta`` opened without its checkpoint: no entries (the values
    are in the missing ``PREFIX.index`` and ``.data-*``); the graph says what it declares."""

    has_object_graph = False

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.index_path = prefix + ".meta"
        self.header = BundleHeader(1, False, 0, 0)
        self.entries: dict = {}
        self.slice_entries: dict = {}

    def data_path(self, shard_id: int) -> str:
        return self.index_path


class GraphOnlyValues(ShardFiles):
    """No values to read; a restore (which needs them all) is told why, naming the file."""

    def check_all_present(self) -> None:
        name = os.path.basename(self.index.prefix)
        raise NotACheckpointError(
            self.index.index_path, f"{name}.index and its .data-* files are not beside it: no values to restore"
        )


def graph_only_location(meta_path: str) -> Location:
    """A ``.meta`` whose checkpoint is not beside it: the graph alone, and a warning saying so."""
    prefix = meta_path[: -len(".meta")]
    try:
        stat = os.stat(meta_path)
        time, size = stat.st_mtime, stat.st_size
    except OSError:
        time, size = None, 0
    ref = CheckpointRef(prefix, step_of(prefix), time, size, False)
    name = os.path.basename(prefix)
    note = (
        f"{name}.index is not beside {name}.meta: the checkpoint (its .index and .data-* files) is missing; "
        "showing what the graph declares (variables, collections, signatures), no values"
    )
    return Location("graph", os.path.dirname(meta_path), ref, (ref,), ref, None, (note,))


def graph_path(location: Location, prefix: str) -> str | None:
    """The graph file that describes the checkpoint at ``prefix``, if there is one."""
    if location.kind == "savedmodel":
        # PREFIX is SAVED_MODEL/variables/variables (also for one of TF Serving's versions).
        saved_model = os.path.dirname(os.path.dirname(prefix))
        for name in ("saved_model.pb", "saved_model.pbtxt"):
            path = os.path.join(saved_model, name)
            if os.path.isfile(path):
                return path
        return None
    path = prefix + ".meta"
    if os.path.isfile(path):
        return path
    # A sharded checkpoint (V1 ``export-00000-of-00001``, or its pattern ``export-?????-of-00001``):
    # the Saver names the .meta without the shard part (Saver._MetaGraphFilename's rule).
    unsharded = _SHARD_SUFFIX.sub("", prefix)
    if unsharded != prefix and os.path.isfile(unsharded + ".meta"):
        return unsharded + ".meta"
    return None


def read_graph_file(path: str) -> GraphFile:
    """Decode a graph file, or raise a CheckpointError naming it."""
    if path.endswith(".pbtxt"):
        raise UnsupportedCheckpointError(path, PBTXT_NOT_READ)
    try:
        size = os.path.getsize(path)
        if size > MAX_GRAPH_BYTES:
            raise CorruptCheckpointError(path, f"{size:,} bytes, over protobuf's 2 GiB limit: not a graph file")
        blob = storage.read_bytes(path)  # refuses a FIFO or a device first: its read never returns
    except OSError as exc:
        raise CheckpointError(path, f"cannot read the graph file ({exc.strerror or exc})") from None
    kind = "meta" if path.endswith(".meta") else "saved_model"
    what = "MetaGraphDef" if kind == "meta" else "SavedModel"
    if not blob:
        raise CorruptCheckpointError(path, f"empty file, not a {what}")
    try:
        graphs = (parse_meta_graph(blob),) if kind == "meta" else parse_saved_model(blob)[1]
    except WireFormatError as exc:
        raise CorruptCheckpointError(path, f"not a readable {what} ({exc})") from None
    return GraphFile(path, kind, graphs)
