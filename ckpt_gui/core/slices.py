"""Bulk work cut into slices, so that a worker thread lets the GUI thread run between them.

Python hands the interpreter lock to a waiting thread only between two bytecodes: one
C-level call over 200,000 items (``dict(zip(...))``, ``list(map(...))``) holds it from
start to end. Opening a 200,000-variable checkpoint made such calls on its worker of
90 to 300 ms each (more on a busy machine), and the event loop, waiting for the lock,
stalled as long. Cut into slices of ``SLICE`` items (a few milliseconds each), with a
``time.sleep(0)`` between two (it lets go of the lock at once), the GUI thread waits
one slice at most. The work and its result are the same; the slices cost a few
Python-level steps each.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

SLICE = 10_000  # items per slice: a few milliseconds of C-level work


def slices(total: int, step: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each slice of ``range(total)`` (``step`` items, SLICE
    unless given), the lock let go between two."""
    step = step or SLICE
    for start in range(0, total, step):
        if start:
            time.sleep(0)
        yield start, min(start + step, total)


def map_in_slices(function: Callable[..., Any], *sequences: Sequence) -> list:
    """``list(map(function, *sequences))``, slice by slice (the sequences of one length)."""
    found: list = []
    for start, stop in slices(len(sequences[0])):
        found += map(function, *(sequence[start:stop] for sequence in sequences))
    return found


def index_in_slices(items: Sequence, key: Callable[[Any], Any]) -> dict:
    """``{key(item): item for item in items}``, made in C a slice at a time."""
    found: dict = {}
    for start, stop in slices(len(items)):
        part = items[start:stop]
        found.update(zip(map(key, part), part))
    return found
