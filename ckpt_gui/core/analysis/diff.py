"""A comparison of two checkpoints: its pairs of variables, what each pair's values
say, the variables that seem to have moved, and its JSON.

Made by variable_pairing.pair_variables (from the two indexes, no value read), filled
in by value_comparison (compare_pair, compare_all: values chunk by chunk in bounded
memory) and variable_pairing.find_renames; what it says when an object graph cannot be
read is key_fallback.py's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ckpt_gui.core.analysis.diff_values import ValueDiff
from ckpt_gui.core.analysis.key_fallback import KeyFallback
from ckpt_gui.core.analysis.unreadable_pair import UnreadableSide, unreadable_text
from ckpt_gui.core.checkpoint import Checkpoint, Variable
from ckpt_gui.core.statuses import DiffStatus


@dataclass(slots=True)
class Pair:
    """One row of the comparison: a variable of A, of B, or of both."""

    key: str  # A's key (B's for only_b)
    a: Variable | None
    b: Variable | None
    # or "path" (same object path, different key), "layer and variable name" (name_pairing.py),
    # "layer order" (layer_order.py)
    paired_by: str = "key"
    status: DiffStatus | None = None  # None until the values were compared
    values: ValueDiff | None = None
    unreadable: tuple[UnreadableSide, ...] = ()  # each side that fails, and why (status "unreadable", or kept)
    sides_read: bool = False  # a shape or dtype change: both sides read to the end (their CRC32C checked)

    @property
    def key_b(self) -> str | None:
        """B's key when it differs from A's."""
        if self.a is None or self.b is None or self.a.key == self.b.key:
            return None
        return self.b.key

    @property
    def path(self) -> str:
        variable = self.a if self.a is not None else self.b
        return variable.display_path

    @property
    def needs_values(self) -> bool:
        return self.status is None

    def to_json(self) -> dict:
        v = self.values
        out = {
            "key": self.key,
            "key_b": self.key_b,
            "status": self.status,
            "shape_a": list(self.a.shape) if self.a else None,
            "shape_b": list(self.b.shape) if self.b else None,
            "dtype_a": self.a.dtype.name if self.a else None,
            "dtype_b": self.b.dtype.name if self.b else None,
            "max_abs_diff": _finite(v.max_abs_diff) if v else None,
            "mean_abs_diff": _finite(v.mean_abs_diff) if v else None,
            "rel_l2": _finite(v.rel_l2) if v else None,
            "cosine": _finite(v.cosine) if v else None,
        }
        if v is not None:
            out.update(
                differing=v.differing, nan_appeared=v.nan_appeared, nan_vanished=v.nan_vanished,
                inf_appeared=v.inf_appeared, inf_vanished=v.inf_vanished,
                neginf_appeared=v.neginf_appeared, neginf_vanished=v.neginf_vanished,  # of those Inf, the -Inf
            )  # fmt: skip
        if self.paired_by != "key":
            out["paired_by"] = self.paired_by
        if self.unreadable:  # as `inspect --stats` gives a tensor it cannot read its "error"
            out["error"] = unreadable_text(self)
        return out


@dataclass(slots=True)
class Rename:
    """A variable that seems to have moved: only in A under one key, only in B under
    another, same shape and dtype, (nearly) the same values."""

    key_a: str
    key_b: str
    rel_l2: float


@dataclass(slots=True)
class CheckpointDiff(KeyFallback):
    a: Checkpoint
    b: Checkpoint
    pairs: list[Pair] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)
    # Why variables of a Keras file and of another kind were not paired by their names
    # (a name of several variables, or shapes that differ: name_pairing.py); "" when none.
    unpaired_names: str = ""

    def summary(self) -> dict[str, int]:
        counts = {status: 0 for status in DiffStatus}
        for pair in self.pairs:
            if pair.status is not None:
                counts[pair.status] += 1
        return counts

    def nonfinite(self) -> int:
        """How many pairs compared had NaN or Inf appear or go away: not a status (they
        are counted "changed" too) but the chip's "NaN/Inf", which the summaries say
        beside the statuses (review 15 #9: "1 same, 14 changed" under a NaN/Inf chip)."""
        return sum(1 for pair in self.pairs if pair.values is not None and pair.values.nonfinite_changed)

    def to_json(self) -> dict:
        out = {
            "a": self.a.prefix,
            "b": self.b.prefix,
            # Of the "changed", those whose NaN/Inf changed (the app's NaN/Inf chip, review 23 #12).
            "summary": {**self.summary(), "nan_inf_changed": self.nonfinite()},
            "variables": [pair.to_json() for pair in self.pairs],
        }
        if self.graph_errors:
            out["pairing_fallback"] = {
                "paired_by": "key", "note": self.pairing_fallback,
                "errors": {side: str(error) for side, error in self.graph_errors.items()},
            }  # fmt: skip
        if self.unpaired_names:
            out["unpaired_names"] = self.unpaired_names
        if self.renames:
            out["renames"] = [{"key_a": r.key_a, "key_b": r.key_b, "rel_l2": r.rel_l2} for r in self.renames]
        return out

    @property
    def identical(self) -> bool:
        """Every pair the same, and both checkpoints whole: an object graph that cannot
        be read is a difference, never "identical"."""
        return not self.graph_errors and all(pair.status == DiffStatus.SAME for pair in self.pairs)


def _finite(x: float | None) -> float | None:
    return x if x is None or math.isfinite(x) else None
