"""Bulk work cut into slices, so that a worker thread lets the GUI thread run between them.

Python hands the interpreter lock to a waiting thread only between two bytecodes: one
C-level call over 200,000 items (``dict(zip(...))``, ``list(map(...))``, ``sorted``)
holds it from start to end. Opening a 200,000-variable checkpoint made such calls on
its worker of 30 to 300 ms each (several times that on a busy machine), and the event
loop, waiting for the lock, stalled as long. Cut into slices of ``SLICE`` items (a few
milliseconds each), with a ``time.sleep(0)`` between two (it lets go of the lock at
once), the GUI thread waits one slice at most. The work and its result are the same;
the slices cost a few Python-level steps each.

(In ``core/format``, which needs it too: standard library only.)
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, compress, count, islice
from operator import le
from typing import Any

SLICE = 10_000  # items per slice: a few milliseconds of C-level work
PACE = 500  # items of a loop in Python between two let-go points (paced): a few milliseconds


def sleep_zero() -> None:
    """``time.sleep(0)``, unless this is the process's only thread (the CLI): it costs a
    tenth of a millisecond, and a 200,000-variable open lets go some 6,000 times."""
    if threading.active_count() > 1:
        time.sleep(0)


# What runs between two slices: ``time.sleep(0)`` lets go of the interpreter lock at
# once. The app replaces it (app/gui_first.py) with a wait while its GUI thread handles
# events, the lock let go meanwhile; core has no GUI to wait for.
between_slices: Callable[[], None] = sleep_zero


def let_go() -> None:
    """Between two slices of a worker's bulk work: :data:`between_slices`."""
    between_slices()


def paced(items: Iterable, step: int | None = None) -> Iterator:
    """``items``, the lock let go after each ``step`` of them: for a worker's loop that
    runs Python for each item. Python hands the lock over in such a loop too, but only
    when another thread has waited a switch interval for it, and takes it back at once:
    the GUI thread, which enters Python hundreds of times in a turn of its event loop
    (a paint of Qt's own widgets, the app's event filters), waited that long each time
    (the open of 200,000 variables built its tree item by item for a second and a half).
    At a let-go point the app's worker waits while the GUI thread is at work
    (app/gui_first.py). ``step``: PACE unless given."""
    iterator, step = iter(items), step or PACE
    while chunk := list(islice(iterator, step)):
        yield from chunk
        let_go()


class Pace:
    """What :func:`paced` does for a loop that cannot be given its items at once (a
    walk that finds them as it goes): ``step()`` once per item."""

    def __init__(self) -> None:
        self.left = PACE

    def step(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.left = PACE
            let_go()


SAMPLES = 16  # keys sampled per slice by sorted_in_slices to choose where to cut the sorted order


def slices(total: int, step: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each slice of ``range(total)`` (``step`` items, SLICE
    unless given), the lock let go between two."""
    step = step or SLICE
    for start in range(0, total, step):
        if start:
            let_go()
        yield start, min(start + step, total)


def map_in_slices(function: Callable[..., Any], *sequences: Sequence) -> list:
    """``list(map(function, *sequences))``, slice by slice (the sequences of one length)."""
    found: list = []
    for start, stop in slices(len(sequences[0])):
        found += map(function, *(sequence[start:stop] for sequence in sequences))
    return found


def zip_in_slices(*sequences: Sequence) -> list[tuple]:
    """``list(zip(*sequences))``, slice by slice (the sequences of one length)."""
    found: list = []
    for start, stop in slices(len(sequences[0])):
        found += zip(*(sequence[start:stop] for sequence in sequences))
    return found


def index_in_slices(items: Sequence, key: Callable[[Any], Any]) -> dict:
    """``{key(item): item for item in items}``, made in C a slice at a time."""
    found: dict = {}
    for start, stop in slices(len(items)):
        part = items[start:stop]
        found.update(zip(map(key, part), part))
    return found


def fold_in_slices(fold: Callable[[Iterator], Any], function: Callable[[Any], Any], items: Sequence) -> Any:
    """``fold(map(function, items))`` for a fold that may be applied to its own results
    (``sum``, ``min``, ``max``, ``all``, ``any``), a slice at a time. ``min`` and ``max``
    need ``items`` not empty."""
    if len(items) <= SLICE:  # (the usual case of a level's group: no generators)
        return fold(map(function, items))
    return fold(fold(map(function, items[start:stop])) for start, stop in slices(len(items)))


def positions_in_slices(function: Callable[..., Any], *sequences: Sequence) -> list[int]:
    """Where ``function`` of the sequences' items is true (``compress(count(), map(...))``),
    a slice at a time (the sequences of one length)."""
    found: list[int] = []
    for start, stop in slices(len(sequences[0])):
        found += compress(count(start), map(function, *(sequence[start:stop] for sequence in sequences)))
    return found


def running_totals(values: Sequence[int]) -> list[int]:
    """``[0, *accumulate(values)]``, a slice at a time."""
    found = [0]
    for start, stop in slices(len(values)):
        found += islice(accumulate(values[start:stop], initial=found[-1]), 1, None)
    return found


def ascending(items: Sequence) -> bool:
    """Whether ``items`` ascend (each <= the next), compared in C a slice at a time."""
    return all(
        all(map(le, items[start:stop], items[start + 1 : stop + 1])) for start, stop in slices(max(len(items) - 1, 0))
    )


def sorted_in_slices(items: Sequence, key: Callable[[Any], Any]) -> list:
    """``sorted(items, key=key)`` (stable too) without one call over all of them.

    Each slice is sorted on its own; sorted slices that follow one another in order
    (the usual case: items listed by key, sorted by path) are the answer. Otherwise
    they are cut at the same keys (sampled from them, about SLICE items between two
    cuts) and each band between two cuts merged on its own: no call sorts or merges
    more than a few slices' worth, unless many items share one key (they all fall in
    one band). Ties keep their order: the slices are merged in order, each stable."""
    total = len(items)
    if total <= SLICE:
        return sorted(items, key=key)
    runs = [sorted(items[start:stop], key=key) for start, stop in slices(total)]
    if all(key(before[-1]) <= key(after[0]) for before, after in zip(runs, runs[1:])):
        return _joined(runs)
    every = max(SLICE // SAMPLES, 1)
    samples = sorted(key(run[at]) for run in runs for at in range(every - 1, len(run), every))
    cuts = samples[SAMPLES - 1 :: SAMPLES]  # about SLICE items between two
    bounds = [[0, *(bisect_right(run, cut, key=key) for cut in cuts), len(run)] for run in runs]
    bands = []
    for band in range(len(cuts) + 1):
        if band:
            let_go()
        merged = list(chain.from_iterable(run[at[band] : at[band + 1]] for run, at in zip(runs, bounds)))
        merged.sort(key=key)
        bands.append(merged)
    return _joined(bands)


def _joined(parts: list[list]) -> list:
    """The lists one after another, a list at a time."""
    found: list = []
    for part in parts:
        found += part
        let_go()
    return found
