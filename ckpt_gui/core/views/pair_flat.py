"""The comparison's flat list: its rows in order, the largest change first.

The order of every pair is one numpy sort (change_ranks) of the statuses and changes
the tree has counted; it changes only when the tree counts more pairs, so it is kept
until then (:class:`FlatOrders`). A filter's list is that order with the pairs not
chosen left out (the sort's key is a total order: a pair's place in the tree breaks
every tie), not a sort of its own; emptying the filter shows the kept list as it is.
At 200,000 pairs the sort and the list of nodes took 80 to 170 ms of the GUI thread
each time the filter was emptied (issue 11), and every listed node was given its row
(``flat_row``), every time; each pair's row is now one array, made with the order.

Safe on a worker: reads the tree's arrays and leaves, changes none of them; a list
made from arrays the GUI thread changed meanwhile is not kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.views.pair_shown import chosen_mask
from ckpt_gui.core.views.pair_statuses import change_ranks


class FlatList(NamedTuple):
    """The flat list's rows: the pairs' nodes in its order (a list never changed once
    made: the same one is shown again), and each pair's row in it by the pair's number
    in path order (-1: not listed)."""

    nodes: list
    rows: np.ndarray

    def row_of(self, node) -> int:
        """The row of a pair's node (PairNode; -1: not listed, or a group)."""
        return int(self.rows[node.order]) if node.order >= 0 else -1


class _Everything(NamedTuple):
    """Every pair in the flat list's order, kept for the tree's counts of ``version``."""

    version: int
    ranked: np.ndarray  # positions in the leaves' list (diff.pairs' order)
    numbers: np.ndarray  # the same pairs' numbers in path order
    flat: FlatList


class FlatOrders:
    """The flat list of a PairTree's ``leaves`` (numbered in path order by ``orders``),
    ordered by its arrays of status codes, changes and ranks (pair_tree.py), which the
    tree fills as pairs get compared and says so by :meth:`changed`."""

    def __init__(self, leaves: Sequence, orders: np.ndarray, codes: np.ndarray, changes: np.ndarray, ranks) -> None:
        self.leaves, self._orders, self._codes, self._changes, self._ranks = leaves, orders, codes, changes, ranks
        self.version = 0  # how many times the arrays changed
        self._everything: _Everything | None = None

    def changed(self) -> None:
        """The tree counted more pairs: the order kept is no longer theirs."""
        self.version += 1

    def of(self, chosen: Sequence | None, mask: np.ndarray | None = None) -> FlatList:
        """The flat list of the ``chosen`` leaves (None: every pair); ``mask``: whether
        each pair is chosen, by number in path order, when made already."""
        everything = self._of_every_pair()
        if chosen is None or len(chosen) == len(self.leaves):  # every pair (chosen once each)
            return everything.flat
        if mask is None:
            mask = chosen_mask(chosen, len(self.leaves))
        listed = mask[everything.numbers]
        ranked, numbers = everything.ranked[listed], everything.numbers[listed]
        leaves = self.leaves
        return FlatList([leaves[i] for i in ranked.tolist()], _rows(numbers, len(leaves)))

    def _of_every_pair(self) -> _Everything:
        version, everything = self.version, self._everything
        if everything is not None and everything.version == version:
            return everything
        orders, leaves = self._orders, self.leaves
        ranked = change_ranks(self._codes[orders], self._changes[orders], self._ranks[orders])
        numbers = orders[ranked]
        flat = FlatList([leaves[i] for i in ranked.tolist()], _rows(numbers, len(leaves)))
        everything = _Everything(version, ranked, numbers, flat)
        if self.version == version:  # not counted more meanwhile (a worker's sort beside the GUI thread)
            self._everything = everything
        return everything


def _rows(numbers: np.ndarray, total: int) -> np.ndarray:
    """Each pair's row, by number in path order, of a list of the pairs ``numbers``."""
    rows = np.full(total, -1, dtype=np.intp)
    rows[numbers] = np.arange(len(numbers), dtype=np.intp)
    return rows
