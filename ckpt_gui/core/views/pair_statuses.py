"""What the comparison's rows go by: a pair's status as a small code, counted.

PairTree (pair_tree.py) holds every pair's status as counted in an array of these
codes (0: still to compare), so a group's counts are a ``bincount`` of a run of it;
here are the codes, the counting, the filter (by words and by status) and the flat
list's order (the most telling status first, then the largest change).
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.formatting import nonfinite_text
from ckpt_gui.core.statuses import NONFINITE, DiffStatus
from ckpt_gui.core.views.lazy_node import _cached_natural_key

# How much a status says "look here": the flat list sorts by this, then by change.
_URGENCY = {
    DiffStatus.UNREADABLE: -2,  # a value that cannot be read: before all, NaN/Inf (-1) too
    DiffStatus.SHAPE_CHANGED: 0,
    DiffStatus.DTYPE_CHANGED: 1,
    DiffStatus.ONLY_A: 2,
    DiffStatus.ONLY_B: 3,
    DiffStatus.CHANGED: 4,
    None: 5,
    DiffStatus.SAME: 6,
}
STATUSES = list(DiffStatus)  # a status's code is its place here, from 1
STATUS_CODES = {status: code for code, status in enumerate(STATUSES, start=1)}  # 0: not compared yet
_LIVE = object()  # pair_filter's default status: the pair's own (no tree to go by)


def statuses_of(codes: np.ndarray) -> Counter:
    """The statuses counted in ``codes`` (PairTree's, e.g. ``known_below``), pending ones not."""
    counts = np.bincount(codes, minlength=len(STATUS_CODES) + 1)
    return Counter({STATUSES[code - 1]: int(n) for code, n in enumerate(counts) if code and n})


def status_code(status: DiffStatus | None) -> int:
    """How PairTree's codes hold a status (0: still to compare)."""
    return STATUS_CODES[status] if status is not None else 0


def status_from_code(code: int) -> DiffStatus | None:
    return STATUSES[code - 1] if code else None


def pair_filter(query: str = "", statuses: set[str] | None = None) -> Callable[..., bool] | None:
    """What a filter box and the summary's chips show: ``accept(pair, tree_path,
    status)``, ``status`` being the pair's as the tree counted it (PairTree.status_of;
    the pair's own when not given)."""
    words = query.lower().split()
    if not words and statuses is None:
        return None

    def accept(pair: Pair, tree_path: str = "", status=_LIVE) -> bool:
        status = pair.status if status is _LIVE else status
        if statuses is not None and status not in statuses:
            nonfinite = NONFINITE in statuses and status is not None and change_of(pair, status) == math.inf
            if not nonfinite:
                return False
        text = search_text(pair, tree_path)
        return all(word in text for word in words)

    return accept


def search_text(pair: Pair, tree_path: str = "") -> str:
    """What a filter's words are looked for in: the pair's place in the tree, its
    paths and keys on both sides, in lower case (made once per pair, pair_search.py)."""
    path_b = pair.b.display_path if pair.b is not None else None
    return "\n".join(filter(None, [tree_path, pair.path, path_b, pair.key, pair.key_b])).lower()


def change_order(leaf, status=_LIVE) -> tuple:
    """The flat list's order of a pair's node (``leaf.pair``): the most telling status
    first, then the largest change, then the tree's order; ``status``: the pair's as counted (its values not
    looked at before)."""
    pair = leaf.pair
    status = pair.status if status is _LIVE else status
    change = change_of(pair, status)
    return (-1 if change == math.inf else _URGENCY.get(status, 5), -change, *tree_order(leaf))


class _Row(NamedTuple):
    """A pair outside any tree, as change_order reads a tree's node."""

    pair: Pair
    names: tuple[str, ...]


def in_change_order(pairs: list[Pair], path_of: Callable[[Pair], str]) -> list[Pair]:
    """``pairs`` in the flat list's order (change_order) where no tree holds them
    (``ckpt-gui diff``'s table), ties by the names of ``path_of(pair)`` as the tree's: one
    rule for both (review 12: the CLI sorted by change alone, shape changes came last)."""
    rows = [_Row(pair, tuple(path_of(pair).split("/"))) for pair in pairs]
    return [row.pair for row in sorted(rows, key=change_order)]


def change_of(pair: Pair, status) -> float:
    """How much a pair changed as the flat list (and ``diff``'s table) sorts it, 0 while
    not compared: its Rel. L2; where that is undefined (A all zeros: a model saved
    before training), its max |B-A|, not 0 (review 12: 27 weights came last, in no
    order); infinite where NaN/Inf appeared or went away, the largest change there is
    (review 12: it came 14th of 15), which change_ranks puts before every status."""
    values = pair.values if status is not None else None
    if values is None:
        return 0.0
    if nonfinite_changed(values):
        return math.inf
    change = values.rel_l2 if values.rel_l2 is not None else values.max_abs_diff
    return min(change or 0.0, sys.float_info.max)  # infinite stays NaN/Inf's


def nonfinite_changed(values) -> bool:
    """Whether NaN or Inf appeared or went away in a pair's values (ValueDiff)."""
    return values.nonfinite_changed


def nonfinite_badge(values) -> str:
    """What Details and ``diff``'s table say of the positions holding NaN or Inf on one
    side only: "2 NaN only in B, 1 +Inf only in B, 1 -Inf only in A"; "" when none
    (``values``: a ValueDiff, or None). Worded by side, not "appeared" / "went away":
    those read B - A as time, and a comparison opened A=after, B=before said "NaN went
    away" of a NaN that training brought (issue 11). Which side is older is not known in
    general (two runs, files without a step), and A and B are named on every column.
    Each Inf with its sign, as browse counts them (``nonfinite_text``; review 14, F2)."""
    return ", ".join(
        f"{part} only in {side}" for side in "BA" for part in nonfinite_text(*_side_counts(values, side)).split(", ")
        if part
    )  # fmt: skip


def nonfinite_short(values) -> str:
    """The trees' badge of the same counts, short enough for a 300 px tree at depth 4
    (review 14, F1: the long wording, ~230 px, was never drawn at 1024x640): each side
    named once before its counts, in browse's words and the heatmap legend's, "B: 2 NaN,
    1 +Inf"; both sides: "A: 1 -Inf; B: 2 NaN"; "" when none."""
    sides = [(side, nonfinite_text(*_side_counts(values, side))) for side in "AB"]
    return "; ".join(f"{side}: {text}" for side, text in sides if text)


def _side_counts(values, side: str) -> tuple[int, int, int]:
    """(NaN, +Inf, -Inf) at the positions holding them on ``side`` ("A" or "B") alone."""
    if values is None:
        return 0, 0, 0
    if side == "B":
        return values.nan_appeared, values.inf_appeared - values.neginf_appeared, values.neginf_appeared
    return values.nan_vanished, values.inf_vanished - values.neginf_vanished, values.neginf_vanished


def tree_order(leaf) -> tuple:
    """A pair's node's place in the tree's order, where the flat list's ties go by."""
    # Ties in the tree's natural order (w2 before w10), not the paths' text order (w1, w10,
    # ..., w19, w2; review 8): by name, each name's key cached (they repeat), ~0.1 s at 200,000.
    names = getattr(leaf, "names", None) or tuple(leaf.pair.path.split("/"))
    return (tuple(map(_cached_natural_key, names)), leaf.pair.path)


def tree_ranks(leaves: list) -> np.ndarray:
    """Each node's rank in ``tree_order`` (ties in the list's order): made once per
    tree, so that each flat list is a sort of numbers (see change_ranks)."""
    ranked = sorted(range(len(leaves)), key=lambda i: tree_order(leaves[i]))
    ranks = np.empty(len(leaves), dtype=np.int64)
    ranks[ranked] = np.arange(len(leaves))
    return ranks


def change_ranks(codes: np.ndarray, changes: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The flat list's order (positions in the arrays) of pairs given as their status
    codes, ``change_of`` and ``tree_ranks``: change_order's, in numpy (a sort by key
    tuples was 0.3 s of the GUI thread at 200,000 pairs, issue 11)."""
    urgency = np.array([_URGENCY[None], *(_URGENCY.get(status, 5) for status in STATUSES)], dtype=np.int8)
    return np.lexsort((ranks, -changes, np.where(changes == np.inf, -1, urgency[codes])))  # NaN/Inf first
