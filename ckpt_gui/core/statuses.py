"""The two status vocabularies: what a comparison says of a pair of variables, and
what the restore doctor says of a variable. StrEnums, so a status is its JSON word
(``DiffStatus.SAME == "same"``) and the documents print the same strings.

A leaf: it imports nothing of the package, so every layer (and the app) can use it.
"""

from __future__ import annotations

from enum import StrEnum

# The layout version of every JSON document ckpt-gui writes (`inspect --json`,
# `diff --json`, `diagnose --json`, the app's exported restore report), given as its
# "schema" field: raised when a field is removed or changes meaning; new fields may
# appear without a change.
JSON_SCHEMA = 1


class DiffStatus(StrEnum):
    """A pair of variables in two checkpoints, in the order the summary lists them."""

    SAME = "same"
    CHANGED = "changed"
    SHAPE_CHANGED = "shape_changed"
    DTYPE_CHANGED = "dtype_changed"
    ONLY_A = "only_a"
    ONLY_B = "only_b"
    # A value that cannot be read (CRC mismatch, truncated or missing data file): the
    # pair is listed, not compared (core/analysis/unreadable_pair.py). Last: the codes
    # and the summary's order of the others stay as they were.
    UNREADABLE = "unreadable"


# Not a status: the comparison's chip (and count) of the pairs where NaN or Inf appeared
# or went away, whatever their status (core/views/pair_statuses.py ranks them first).
NONFINITE = "nonfinite"


class RestoreStatus(StrEnum):
    """A variable of the checkpoint or of the user's model after a restore attempt,
    in the order the report's summary lists them."""

    CONSUMED = "consumed"
    SHAPE_CONFLICT = "shape_conflict"
    DTYPE_CONFLICT = "dtype_conflict"
    UNMATCHED = "unmatched"
    MISSING = "missing"
    DEFERRED = "deferred"


# The words a sentence uses for a count of each status ("3 shape changed" reads
# better than "3 shape_changed"): the CLI's diff summary. The JSON documents keep
# the status values themselves; the restore doctor's counts: RestoreReport.counts_text.
DIFF_WORDS = {
    DiffStatus.SAME: "same",
    DiffStatus.CHANGED: "changed",
    DiffStatus.SHAPE_CHANGED: "shape changed",
    DiffStatus.DTYPE_CHANGED: "dtype changed",
    DiffStatus.ONLY_A: "only in A",
    DiffStatus.ONLY_B: "only in B",
    DiffStatus.UNREADABLE: "unreadable",
}


def count_phrase(counts: dict, words: dict, replace: dict | None = None) -> str:
    """ "12 restored, 3 shape conflict": the non-zero counts in the order given, each
    with its word (``replace`` overrides some words)."""
    words = {**words, **(replace or {})}
    return ", ".join(f"{n} {words.get(status, status)}" for status, n in counts.items() if n)
