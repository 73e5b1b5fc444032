"""Which pairs a comparison's filter chooses (words typed, status chips), without
changing anything shown: safe on a worker thread while the GUI thread shows (and
makes levels of) the same tree.

A pair's search text never changes (its paths and keys), so it is made once per
comparison (on a worker, ahead of the first filter, for a large one): a filter then
scans 200,000 strings (tens of ms) instead of joining and lowering each pair's paths
on every keystroke (1.5 s of the GUI thread per key, issue 11). The chips' statuses
are a test of the tree's status codes, in numpy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from ckpt_gui.core.deferred import numpy as np
from ckpt_gui.core.views.pair_flat import FlatList, FlatOrders
from ckpt_gui.core.views.pair_statuses import NONFINITE, STATUS_CODES, search_text

SEARCH_SLICE = 5_000  # texts made between two looks whether their making was cancelled


class PairSearch:
    """A PairTree's filter, its matching part: the search texts of its ``leaves``
    (made once), and its arrays (shared, filled as pairs get compared): each leaf's
    pair number in path order (``orders``), each pair's status code, change and place
    in the tree's order (pair_tree.py)."""

    def __init__(self, leaves: Sequence, orders: np.ndarray, codes: np.ndarray, changes: np.ndarray, ranks) -> None:
        self.leaves, self._orders, self._codes, self._changes, self._ranks = leaves, orders, codes, changes, ranks
        self._texts: list[str] | None = None
        self.flat_orders = FlatOrders(leaves, orders, codes, changes, ranks)  # the flat list's, kept between filters
        self._lock = threading.Lock()  # one thread makes them, another waits for them

    @property
    def searchable(self) -> bool:
        """Whether the texts are made (a filter then only scans them)."""
        return self._texts is not None

    def prepare_search(self, cancelled: Callable[[], bool] | None = None) -> bool:
        """Make the texts, unless made: stops once ``cancelled()`` (looked at every
        SEARCH_SLICE pairs; the comparison was replaced), none kept; whether they are
        made (widgets/tree_filtering.py makes them ahead for a large comparison)."""
        with self._lock:
            if self._texts is None:
                texts: list[str] = []
                for start in range(0, len(self.leaves), SEARCH_SLICE):
                    if cancelled is not None and cancelled():
                        return False
                    texts += [
                        search_text(leaf.pair, leaf.tree_path) for leaf in self.leaves[start : start + SEARCH_SLICE]
                    ]
                self._texts = texts
        return True

    def matching(self, words: list[str], statuses: set[str] | None) -> list | None:
        """The leaves holding every (lower-case) word whose status as counted is one
        of ``statuses`` (NONFINITE among them: or whose NaN/Inf changed; a pair whose NaN/Inf
        changed is NONFINITE's only, as the chips count it), in the leaves' order; None when
        nothing is asked (every pair)."""
        if not words and statuses is None:
            return None
        picked: Sequence[int] = range(len(self.leaves))
        if statuses is not None:
            wanted = [STATUS_CODES[status] for status in STATUS_CODES if status in statuses]
            infinite = self._changes[self._orders] == np.inf  # NaN/Inf appeared or went away (change_of)
            mask = np.isin(self._codes[self._orders], wanted) & ~infinite
            if NONFINITE in statuses:
                mask |= infinite
            picked = np.flatnonzero(mask).tolist()
        if words:
            self.prepare_search()
            texts = self._texts
            for word in words:  # one word at a time over what is left: plain ``in`` tests
                picked = [i for i in picked if word in texts[i]]
        leaves = self.leaves
        return [leaves[i] for i in picked]

    def flat_order(self, chosen: list | None, mask: np.ndarray | None = None) -> FlatList:
        """``chosen`` (None: every pair) as the flat list orders them, the largest
        change first (pair_flat.py); ``mask``: chosen_mask's of them, when made already."""
        return self.flat_orders.of(chosen, mask)
