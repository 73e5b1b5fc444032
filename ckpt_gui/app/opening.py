"""What opening a checkpoint computes off the GUI thread, in two steps for a large one.

Reading the index takes a fraction of a second; decoding a large object graph and
listing the variables with their object paths takes seconds (200,000 variables:
2 to 4 s on a busy machine). So a checkpoint whose object graph is large is shown
first as the key view (its keys as ``tf.train.list_variables`` lists them, the tree's
levels made when first shown), while the same job goes on to decode the object graph
and make the object view; the browse controller then switches or merges it in.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

from ckpt_gui.app.jobs import JobContext
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.views.lazy_node import place
from ckpt_gui.core.views.tree import CheckpointTrees, VariableTree, first_to_show, key_tree

# An object graph this large (about 5,000 variables) is decoded while the key view is
# shown; a smaller one is decoded at once (showing two views in turn would flicker).
EARLY_GRAPH_BYTES = 512 * 1024

Trees = dict[str, VariableTree]  # "objects" and "keys"


class KeysFirst(NamedTuple):
    """What the first step hands the GUI: the checkpoint, its key view and its size."""

    ckpt: Checkpoint
    keys: VariableTree
    total_bytes: int  # of the variables, the object graph not counted


def opener(
    make: Callable[[Callable[[int, int], None]], Checkpoint],
) -> Callable[[JobContext], tuple[Checkpoint, Trees]]:
    """The "open" job: the checkpoint ``make`` opens and both its views; with a large
    object graph, the key view is reported (``on_partial``) before the graph is decoded.
    ``make`` gets the job's progress: the index's bytes read (cancellable)."""

    def load(context: JobContext) -> tuple[Checkpoint, Trees]:
        context.progress(0, 0)
        ckpt = make(context.progress)
        context.progress(0, 0)  # busy again: the object graph and the trees
        keys = None
        if _graph_bytes(ckpt) >= EARLY_GRAPH_BYTES:
            keys = _key_view(ckpt)
            total = sum(v.size_bytes for v in ckpt.key_variables if not v.is_object_graph)
            context.report(KeysFirst(ckpt, keys, total))
        return ckpt, build_trees(ckpt, keys)

    return load


def _graph_bytes(ckpt: Checkpoint) -> int:
    entry = ckpt.index.entries.get(OBJECT_GRAPH_KEY)
    return entry.size if entry is not None else 0


def _key_view(ckpt: Checkpoint) -> VariableTree:
    """The key view of the index alone, the levels above its first selection made."""
    keys = key_tree(ckpt.key_variables)
    first = first_to_show(keys)
    if first is not None:
        place(first)
    return keys


def build_trees(ckpt: Checkpoint, keys: VariableTree | None = None) -> Trees:
    """Both views (the key view built when first shown, unless ``keys`` is the one
    already shown; without an object graph there is only the key view). The variable
    to select first is found here, off the GUI thread, and the levels above it made
    (the tree is not shown yet)."""
    trees = CheckpointTrees(ckpt, keys)
    if ckpt.object_graph is not None:  # made on first use otherwise: on the GUI thread
        ckpt.object_graph.make_lazy_parts()
    first = first_to_show(trees["objects"])
    if first is not None:
        place(first)
    return trees


def warnings(ckpt: Checkpoint) -> list[str]:
    """What the banner says about a checkpoint that opened (but not quite whole)."""
    found = list(ckpt.location.warnings)
    if not ckpt.ref.complete and not any(w.startswith(f"{ckpt.ref.name} is incomplete") for w in found):
        found.append(f"{ckpt.ref.name} is incomplete: its data file(s) are missing, values cannot be read")
    if ckpt.graph_error is not None:
        found.append(f"{ckpt.graph_error}; showing the checkpoint keys without the object graph")
    return found


def index_stamp(prefix: str) -> tuple:
    """Identifies an index file's content cheaply: a rewritten checkpoint is re-read."""
    try:
        stat = os.stat(prefix + ".index")
    except OSError:
        return ()
    return (stat.st_size, stat.st_mtime_ns)
