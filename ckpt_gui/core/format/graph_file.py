"""The graph file beside a checkpoint: a SavedModel's ``saved_model.pb``, or the TF1
``PREFIX.meta`` a ``tf.compat.v1.train.Saver`` writes next to each checkpoint.

Reading it is optional to the checkpoint: a damaged graph file is reported (one line
naming the file) and the checkpoint opens without it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ckpt_gui.core.format.errors import (
    CheckpointError,
    CorruptCheckpointError,
    UnsupportedCheckpointError,
    WireFormatError,
)
from ckpt_gui.core.format.locations import Location
from ckpt_gui.core.format.meta_graph import MetaGraph, parse_meta_graph, parse_saved_model

# Protobuf refuses messages over 2 GiB, so TensorFlow never writes a larger graph file.
MAX_GRAPH_BYTES = (2 << 30) - 1


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
    return path if os.path.isfile(path) else None


def read_graph_file(path: str) -> GraphFile:
    """Decode a graph file, or raise a CheckpointError naming it."""
    if path.endswith(".pbtxt"):
        raise UnsupportedCheckpointError(path, "a SavedModel in text format (saved_model.pbtxt) is not read")
    try:
        size = os.path.getsize(path)
        if size > MAX_GRAPH_BYTES:
            raise CorruptCheckpointError(path, f"{size:,} bytes, over protobuf's 2 GiB limit: not a graph file")
        with open(path, "rb") as f:
            blob = f.read()
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
