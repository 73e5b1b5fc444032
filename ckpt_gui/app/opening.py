"""What opening a checkpoint computes off the GUI thread, in two steps for a large one.

Reading the index takes a fraction of a second; decoding a large object graph and
listing the variables with their object paths takes seconds (200,000 variables:
2 to 4 s on a busy machine). So a checkpoint whose object graph is large is shown
first as the key view (its keys as ``tf.train.list_variables`` lists them, the tree's
levels made when first shown), while the same job goes on to decode the object graph
and make the object view; the browse controller then switches or merges it in.

The job reports every step (a :class:`Phase`) and one progress bar over all of them
(:class:`OpenProgress`), and can be cancelled between steps and within the long ones.
A user who cancels once the key view is shown keeps it (:func:`keys_only`).
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable
from typing import NamedTuple

from ckpt_gui.app import background_work, first_frame
from ckpt_gui.app.job import JobContext
from ckpt_gui.core.analysis import pass_process
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import reads_in_flight
from ckpt_gui.core.format.conventions import OBJECT_GRAPH_KEY
from ckpt_gui.core.format.errors import CheckpointError, shown_path
from ckpt_gui.core.format.locations import leftover_note
from ckpt_gui.core.open_fallback import fallback_notes, fallback_reasons, unreadable_note
from ckpt_gui.core.variable_columns import variable_columns
from ckpt_gui.core.views.key_levels import KeyTree
from ckpt_gui.core.views.lazy_node import place
from ckpt_gui.core.views.missing_data import missing_files, missing_headline
from ckpt_gui.core.views.tree import CheckpointTrees, VariableTree, default_open, first_to_show, key_tree

# An object graph this large (about 5,000 variables) is decoded while the key view is
# shown; a smaller one is decoded at once (showing two views in turn would flicker).
EARLY_GRAPH_BYTES = 512 * 1024

Trees = dict[str, VariableTree]  # "objects" and "keys"

# The steps of an open and their shares of its progress bar (about their shares of the
# time at 200,000 variables); a step a checkpoint does not need is passed at once.
READING_INDEX = "Reading the index"
LISTING_KEYS = "Listing the checkpoint keys"
DECODING_GRAPH = "Decoding the object graph"
LISTING_PATHS = "Listing object paths"
BUILDING_TREE = "Building the tree"
STEPS = {READING_INDEX: 25, LISTING_KEYS: 15, DECODING_GRAPH: 35, LISTING_PATHS: 10, BUILDING_TREE: 15}
SCALE = 1000  # the bar's units: the shares above, in tenths of a percent
CANCEL_POLL_SECONDS = 0.05  # how soon a cancel during the object graph's decoding is noticed


class Phase(NamedTuple):
    """The step an open job has started (for the status bar)."""

    name: str
    number: int  # 1-based, of len(STEPS)


class OpenProgress:
    """One progress bar over every step of an open: each step has its share of the
    bar, and a step that counts (index bytes, variables placed) fills its share."""

    def __init__(self, context: JobContext, give_way: Callable[[], None] = lambda: None) -> None:
        self.context = context
        self.give_way = give_way  # between two steps: more urgent work first (pyqtgraph's import)
        self.start = self.share = 0  # of the step running, in SCALE units

    def step(self, name: str) -> Callable[[int, int], None]:
        """``name`` starts (the steps before it, skipped or done, count as done); returns
        its ``progress(done, total)``, which is also where a cancel is noticed."""
        self.give_way()
        names = list(STEPS)
        self.start = SCALE * sum(STEPS[n] for n in names[: names.index(name)]) // 100
        self.share = SCALE * STEPS[name] // 100
        self.context.report(Phase(name, names.index(name) + 1))
        self.context.progress(self.start, SCALE)
        return self.within

    def within(self, done: int, total: int) -> None:
        part = self.share * done // total if total > 0 else 0
        self.context.progress(self.start + min(part, self.share), SCALE)

    def done(self) -> None:
        self.context.progress(SCALE, SCALE)


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
    ``make`` gets the progress of the index's bytes read (cancellable). Each step is
    reported as a :class:`Phase` before it starts."""

    def load(context: JobContext) -> tuple[Checkpoint, Trees]:
        first_frame.wait()  # the launch's window painted first (app/first_frame.py)
        # In the background extras' turn (app/background_work.py): the search texts and
        # the NaN/Inf scan wait until it is done (beside it, they made the GUI thread wait
        # for the interpreter lock for up to seconds); pyqtgraph's import, asked for
        # while it runs (a plot waits for it), goes first, between two of its steps.
        with background_work.turns.turn("open", background_work.OPENING, context.cancelled) as give_way:
            return _load(context, give_way)

    def _load(context: JobContext, give_way: Callable[[], None]) -> tuple[Checkpoint, Trees]:
        progress = OpenProgress(context, give_way)
        ckpt = make(progress.step(READING_INDEX))
        pass_process.warm_up_for(ckpt)  # started while the tree is built, if it has a large tensor
        keys = None
        graph_bytes = _graph_bytes(ckpt)
        if graph_bytes >= EARLY_GRAPH_BYTES:
            keys = _key_view(ckpt, progress.step(LISTING_KEYS))
            context.report(KeysFirst(ckpt, keys, keys.variable_bytes))
        if graph_bytes:
            progress.step(DECODING_GRAPH)
            _decode_graph(ckpt, context)
        progress.step(LISTING_PATHS)
        _ = ckpt.variables
        trees = build_trees(ckpt, keys, progress.step(BUILDING_TREE))
        progress.done()
        return ckpt, trees

    return load


def _decode_graph(ckpt: Checkpoint, context: JobContext) -> None:
    """Decode ``ckpt``'s object graph on a thread of its own while the job watches for a
    cancel: the decoder is one call (seconds at 200,000 variables) that a cancel cannot
    stop, so a cancelled open ends at once and leaves that thread to finish alone (what
    it decodes goes into ``ckpt``, which is no longer shown: see :func:`keys_only`)."""
    decoded = threading.Event()
    job = threading.get_ident()

    def decode() -> None:
        try:
            with reads_in_flight.on_behalf_of(job):  # a stuck read of the graph is the open's
                _ = ckpt.object_graph  # a graph that cannot be read is kept as graph_error
        finally:
            decoded.set()

    threading.Thread(target=decode, name="ckpt-gui object graph", daemon=True).start()
    while not decoded.wait(CANCEL_POLL_SECONDS):
        context.check()


def _graph_bytes(ckpt: Checkpoint) -> int:
    entry = ckpt.index.entries.get(OBJECT_GRAPH_KEY)
    return entry.size if entry is not None else 0


def _key_view(ckpt: Checkpoint, progress: Callable[[int, int], None] | None = None) -> VariableTree:
    """The key view of the index alone, its first level only: shown without a selection.
    (Finding the variable to select first and making the levels above it, 20,000
    blocks at 200,000 variables, took a third of the time to a usable tree; and its
    plots would be drawn while the object graph is decoded, competing for the GIL.
    The object view selects it when it comes.)"""
    keys = key_tree(variable_columns(ckpt.index, None), progress)  # no Variable per key: one per leaf made
    _ = keys.dtype_names, keys.variable_bytes  # worked out here, not on the GUI thread
    default_open(keys)  # the levels the view opens first, made here too
    return keys


def build_trees(
    ckpt: Checkpoint, keys: VariableTree | None = None, progress: Callable[[int, int], None] | None = None
) -> Trees:
    """Both views (the key view built when first shown, unless ``keys`` is the one
    already shown; without an object graph there is only the key view). The variable
    to select first is found here, off the GUI thread, and the levels above it made
    (the tree is not shown yet). ``progress(done, total)``: variables placed."""
    trees = CheckpointTrees(ckpt, keys, progress)
    _ = trees["objects"].dtype_names, trees["objects"].variable_bytes  # here, not on the GUI thread
    default_open(trees["objects"])  # the levels the view opens first
    if ckpt.object_graph is not None:  # made on first use otherwise: on the GUI thread
        ckpt.object_graph.make_lazy_parts()
    first = first_to_show(trees["objects"])
    if first is not None:
        place(first)
    if isinstance(keys, KeyTree):  # the key view, if it stays shown, selects it on the GUI thread:
        _ = keys.first_floating_at  # found here (no leaf made here: the GUI thread may be making its levels)
    return trees


def keys_only(ckpt: Checkpoint, keys: VariableTree, why: str) -> tuple[Checkpoint, Trees]:
    """``ckpt`` as its index alone lists it, with the key view ``keys`` as its only view:
    what stays shown when the user cancels an open after its key view was shown. Its
    object graph is not read (``graph_error`` says ``why``, the banner shows it), so
    nothing asks for it later on the GUI thread. A copy, sharing the index and files:
    the job may still be inside the decoder (one call, which a cancel cannot stop),
    and stores what it decodes in ``ckpt``, not in the copy."""
    shown = copy.copy(ckpt)
    for cached in ("variables", "variable_columns", "_by_key", "_graph_or_error"):
        shown.__dict__.pop(cached, None)
    # Checkpoint's cached properties, set as their values: the object graph as one that
    # could not be read, the variables as the key view's (without object paths).
    shown.__dict__["_graph_or_error"] = (None, CheckpointError(ckpt.index.index_path, why))
    shown.__dict__["variables"] = ckpt.key_variables
    return shown, {"objects": keys, "keys": keys}


def warnings(ckpt: Checkpoint) -> list[str]:
    """What the banner says about a checkpoint that opened (but not quite whole), each
    fact once. The folder's note "X is incomplete: showing Y" is about the checkpoint
    the folder opened on: once another is shown (a sibling chosen in the picker) it is
    outdated (review: cp-0005 chosen, the banner still said "showing cp-0000")."""
    location = ckpt.location
    found = list(location.warnings)
    if ckpt.ref.prefix != location.selected.prefix:
        outdated = f"{shown_path(location.latest.name)} is incomplete ("
        found = [w for w in found if not w.startswith(outdated)]
        # The same of "ckpt-5 cannot be read: showing ckpt-4, ...": once ckpt-3 is chosen, only
        # that ckpt-5 cannot be read, in a few words (review 14 F7: "showing ckpt-4" over ckpt-3).
        notes = fallback_notes(location)
        found = [unreadable_note(p, why) for p, why in fallback_reasons(location).items()] + [
            w for w in found if w not in notes.values()
        ]
    headline = missing_headline(ckpt)
    if headline is not None:  # the folder's note about this one ("showing another") is outdated
        found = [headline] + [w for w in found if not w.startswith(f"{ckpt.ref.name} is incomplete")]
    leftover = leftover_note(ckpt.ref)  # of the checkpoint shown (a sibling's, once chosen in the picker)
    found += [leftover] if leftover is not None else []
    error = ckpt.graph_error
    if error is not None and error.path in missing_files(ckpt):  # the headline names that file already
        found[0] += ", by checkpoint key (the object graph is in that file too)"
    elif error is not None:
        found.append(f"{error}; showing the checkpoint keys without the object graph")
    return found


def index_stamp(prefix: str) -> tuple:
    """Identifies an index file's content cheaply: a rewritten checkpoint is re-read."""
    try:
        stat = os.stat(prefix + ".index")
    except OSError:
        return ()
    return (stat.st_size, stat.st_mtime_ns)
