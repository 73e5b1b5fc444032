"""What a comparison's filter shows in the tree, worked out from the pairs it chose
without making a level: safe on a worker thread while the GUI thread shows (and makes
levels of) the same tree.

A broad filter (``kernel``: 20,000 of 200,000 pairs) made the 20,000 levels above its
matches and gave each its shown list on the GUI thread, 350 ms in one turn (issue 11).
As browse's tree does (tree_filter.FilteredView, LazyShown), the paths kept and how
many rows each shows are worked out here, from the pairs' names, and the tree makes a
level's rows only when the view reads them (the few levels on screen)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.views.tree_filter import FilteredView


class PairShown(NamedTuple):
    """The pairs a filter chose, by number in path order (``mask``), and what the tree
    shows of them (``view``: the paths kept, how many rows each kept path shows)."""

    mask: np.ndarray
    view: FilteredView


def chosen_mask(chosen: Sequence, total: int) -> np.ndarray:
    """Whether each pair (by number in path order) is among the ``chosen`` leaves."""
    mask = np.zeros(total, dtype=bool)
    mask[np.fromiter((leaf.order for leaf in chosen), dtype=np.intp, count=len(chosen))] = True
    return mask


def pair_shown(chosen: Sequence, total: int) -> PairShown:
    """The :class:`PairShown` of the ``chosen`` leaves (PairNode) of a tree of ``total``
    pairs. Reads each leaf's ``names`` and ``order`` only, never ``parent`` or a level:
    a slot's path holds its variable's (pair_paths.py), so the variable above a chosen
    slot is kept as a group above a match is."""
    mask = chosen_mask(chosen, total)
    view = FilteredView()
    keep, counts = view.keep, view.counts
    for leaf in chosen:
        names = leaf.names
        for end in range(len(names), 0, -1):  # up to the first path kept already
            path = names[:end]
            if path in keep:
                break
            keep.add(path)
            above = names[: end - 1]
            counts[above] = counts.get(above, 0) + 1
    view.count = len(chosen)
    return PairShown(mask, view)
