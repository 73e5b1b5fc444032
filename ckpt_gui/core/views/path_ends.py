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

At 200,000 paths, about half a second: the flat list asks for it off the GUI thread
(app/widgets/flat_paths.py), in slices of :data:`SLICE` paths, ``between()`` called
after each (where the work gives the interpreter lock away, or stops)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

SLICE = 20_000  # paths per slice of the work: about 10 ms each


def end_depths(paths: Iterable[str], between: Callable[[], None] | None = None) -> dict[str, int]:
    """``{path: the fewest last parts of path no other path ends with}`` (the whole
    path's parts when none: "a/b" beside "x/a/b" is 2), for every non-empty path of
    ``paths``. A path listed twice ends as its twin at every level: its parts."""
    between = between or (lambda: None)
    depths: dict[str, int] = {}
    alike = [path for path in paths if path]  # the paths whose depth is not known yet
    starts = [len(path) + 1 for path in alike]  # where each path's end counted last begins
    depth = 0
    while alike:
        depth += 1
        ends = []
        for first in range(0, len(alike), SLICE):  # each path's end one part longer
            for at in range(first, min(first + SLICE, len(alike))):
                path = alike[at]
                starts[at] = start = path.rfind("/", 0, max(starts[at] - 1, 0)) + 1
                ends.append(path[start:])
            between()
        counts = Counter(ends)
        between()
        still, still_starts = [], []
        for first in range(0, len(alike), SLICE):
            for at in range(first, min(first + SLICE, len(alike))):
                path, start = alike[at], starts[at]
                if start == 0 or counts[ends[at]] == 1:  # whole (its parts), or its own end
                    depths[path] = depth
                else:
                    still.append(path)
                    still_starts.append(start)
            between()
        alike, starts = still, still_starts
    return depths
