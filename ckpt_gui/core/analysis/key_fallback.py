"""A comparison whose TF2 object graph cannot be read on a side: pairs matched by key.

TF2 writes the object graph last, at the end of the data file, so a write cut short
or a data file gone always loses it. The comparison goes on without it (review 15 M2):
the pairs are matched by key, named by the graph that still reads, and said once. This
module holds that rule and its words; the pairing itself is variable_pairing.py's.
"""

from __future__ import annotations

import os

from ckpt_gui.core.analysis.unreadable_pair import UnreadableSide, is_read_failure
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format.errors import CheckpointError, one_line


class KeyFallback:
    """What a comparison (diff.CheckpointDiff, of checkpoints ``a`` and ``b``) says of
    its object graphs that cannot be read: a base of its, so that the app, the CLI and
    the views ask the comparison itself."""

    __slots__ = ()
    a: Checkpoint
    b: Checkpoint

    @property
    def graph_errors(self) -> dict[str, CheckpointError]:
        """Each side ("A", "B") whose TF2 object graph cannot be read, with why (storage
        that does not answer is not in it: it stops the comparison, verify_object_graphs)."""
        sides = (("A", self.a), ("B", self.b))
        return {side: ckpt.graph_error for side, ckpt in sides if is_read_failure(ckpt.graph_error)}

    @property
    def names_from(self) -> str | None:
        """The side ("a" or "b") whose object graph names the pairs when they were matched
        by key because the other side's cannot be read: A's when it reads, else B's; None
        with no fallback, or with neither graph readable. The same key is the same
        variable (key_pairing_why), so the readable graph's name for it is the other
        file's too (core/views/pair_paths.py)."""
        errors = self.graph_errors
        if not errors:
            return None
        readable = (side for side in ("a", "b") if side.upper() not in errors)
        return next((side for side in readable if getattr(self, side).object_graph is not None), None)

    @property
    def pairing_fallback(self) -> str:
        """Said once when a side's object graph cannot be read, and the pairs were
        therefore matched by key: "B's object graph cannot be read (ckpt-4.data-00000-of-00001:
        data file truncated): pairs matched by key, named by A's object graph"; "" when
        both read (or have none)."""
        errors = self.graph_errors
        if not errors:
            return ""
        return f"{self.graphs_unreadable(list(errors))}: {self.key_pairing}"

    def graphs_unreadable(self, sides: list[str]) -> str:
        """Why the object graphs of ``sides`` ("A", "B") cannot be read, in a few words:
        "B's object graph cannot be read (ckpt-4.data-00000-of-00001: data file truncated)"."""
        errors = self.graph_errors
        whys = (f"{side}'s object graph cannot be read ({_graph_problem(side, errors[side])})" for side in sides)
        return "; ".join(whys)

    @property
    def key_pairing_why(self) -> str:
        """Why pairs matched by key are the same variables, and whose names the rows show:
        what the app's banner details say of the fallback, as the README does (the
        claim about TensorFlow is checked in tests/test_diff_graph_unreadable.py)."""
        if not self.graph_errors:
            return ""
        why = (
            "Pairs matched by key: a TF2 key is the object path its variable was saved under, and TensorFlow's "
            "name-based restore (tf.compat.v1.train.Saver) reads a variable by its key in either file, so the "
            "same key is the same variable."
        )
        names = self.names_from
        if names is None:
            return f"{why} Neither object graph can be read: both trees show the keys' own hierarchy."
        named, other = names.upper(), "B" if names == "a" else "A"
        return f"{why} {named}'s object graph names both trees' rows: {other}'s names are {named}'s for the same key."

    @property
    def key_pairing(self) -> str:
        """How the pairs were matched and named when an object graph cannot be read:
        "pairs matched by key, named by A's object graph" ("" when both graphs read)."""
        if not self.graph_errors:
            return ""
        names = self.names_from
        return "pairs matched by key" + (f", named by {names.upper()}'s object graph" if names else "")


def verify_object_graphs(a: Checkpoint, b: Checkpoint) -> None:
    """The object graphs are not compared as values (they describe objects, and pairing
    uses them). One that cannot be read (CRC mismatch, past the end of its shard, a data
    file missing: TF2 writes it last, so a write cut short always loses it) no longer
    stops the comparison: the pairs were matched by key (``pairing_fallback`` says so),
    every pair whose values read is compared, and the comparison is never "identical"
    (review 15 M2: "Comparison stopped", nothing compared, while each pair compared by
    key when clicked). Storage that does not answer still stops it."""
    for ckpt in (a, b):
        if ckpt.graph_error is not None and not is_read_failure(ckpt.graph_error):
            raise ckpt.graph_error


def _graph_problem(side: str, error: CheckpointError) -> str:
    """An object graph's error in a few words: its file and what is wrong ("data file truncated")."""
    short = UnreadableSide(side, error.path, error.problem).short.removeprefix(f"{side}: ")
    return f"{os.path.basename(error.path)}: {short if short != 'unreadable' else one_line(error.problem)}"
