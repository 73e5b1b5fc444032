"""How many whole parts of its end a path needs so that no other path of a list ends
alike: the comparison's flat list cuts its paths at their start, and "…/kernel/v" read
alike on six rows of a model's slots (review, 1024 px) where
"…/layer_with_weights-0/kernel/v" tells them apart.

Every path's depth at once, a level at a time: distinct_names.distinct_ends, which
counts every end of every path and more, took 12 s at 200,000 paths. A path leaves
the count once its depth is known: its end at that level is its own, so no path still
counted can end as it does at any deeper level (they would share that end too); and a
path of n parts leaves after level n, where its end is the whole path (a deeper end
has more parts than it). So the levels after the first count only the paths still
alike (the part of 200,000 paths that needs three levels, not every path three times).

At 200,000 paths, about half a second of CPU: the flat list counts them on the GUI
thread a slice of :data:`SLICE` paths per turn of its event loop (app/widgets/
flat_paths.py, :func:`depth_steps`); on a worker they took the interpreter lock from
the GUI thread's paints, each of whose thousands of calls into Python waited for it
(a paint's turn 1.1 s -> 4 to 7 s at load 5 to 10)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterable
from itertools import islice

SLICE = 10_000  # paths per step: a few ms each

Steps = Generator[None, None, dict[str, int]]


def end_depths(paths: Iterable[str], between: Callable[[], None] | None = None) -> dict[str, int]:
    """``{path: the fewest last parts of path no other path ends with}`` (the whole
    path's parts when none: "a/b" beside "x/a/b" is 2), for every non-empty path of
    ``paths``. A path listed twice ends as its twin at every level: its parts.
    ``between()`` is called between two steps."""
    steps = depth_steps(paths)
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value
        if between is not None:
            between()


def depth_steps(paths: Iterable[str]) -> Steps:
    """:func:`end_depths` a step at a time: each ``next()`` reads, cuts or counts at
    most :data:`SLICE` paths; the depths are the generator's return value."""
    paths = iter(paths)
    alike: list[str] = []  # the paths whose depth is not known yet
    while chunk := [path for path in islice(paths, SLICE) if path]:
        alike += chunk
        yield
    depths: dict[str, int] = {}
    starts = [len(path) + 1 for path in alike]  # where each path's end counted last begins
    depth = 0
    while alike:
        depth += 1
        ends: list[str] = []
        counts: Counter = Counter()
        for first in range(0, len(alike), SLICE):  # each path's end one part longer, counted
            last = min(first + SLICE, len(alike))
            for at in range(first, last):
                path = alike[at]
                starts[at] = start = path.rfind("/", 0, max(starts[at] - 1, 0)) + 1
                ends.append(path[start:])
            counts.update(ends[first:last])
            yield
        still, still_starts = [], []
        for first in range(0, len(alike), SLICE):
            for at in range(first, min(first + SLICE, len(alike))):
                path, start = alike[at], starts[at]
                if start == 0 or counts[ends[at]] == 1:  # whole (its parts), or its own end
                    depths[path] = depth
                else:
                    still.append(path)
                    still_starts.append(start)
            yield
        alike, starts = still, still_starts
    return depths


def gapped_forms(path: str, depth: int) -> list[str]:
    """``path``'s last ``depth`` parts with parts between the first and the leaf left
    out, the longest first: "…/Capital-Gain/…/part_0/Ftrl", "…/Capital-Gain/…/Ftrl" (the
    first part is what tells the path from the others; the end after it is theirs too)."""
    parts = path.split("/")
    kept = parts[len(parts) - depth :]
    head = "\u2026/" if depth < len(parts) else ""
    return [f"{head}{kept[0]}/\u2026/" + "/".join(kept[len(kept) - end :]) for end in range(len(kept) - 2, 0, -1)]


def unique_gapped_forms(depths: dict[str, int]) -> set[str]:
    """The gapped_forms of the paths (``end_depths``') that no other path has: a form
    whose left-out parts told it apart ("…/dense_1/…/v" of both kernel/v and bias/v) is not."""
    counts = Counter(form for path, depth in depths.items() for form in gapped_forms(path, depth))
    return {form for form, n in counts.items() if n == 1}
