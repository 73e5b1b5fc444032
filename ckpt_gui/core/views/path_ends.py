"""How many whole parts of its end a path needs so that no other path of a list ends
alike: the comparison's flat list cuts its paths at their start, and "…/kernel/v" read
alike on six rows of a model's slots (review, 1024 px) where
"…/layer_with_weights-0/kernel/v" tells them apart.

Counted a level at a time, and only the levels asked for: distinct_names.distinct_ends,
which counts every end of every path and more, took 12 s at 200,000 paths; this, a
second for the three levels a Keras model's slots need (once per comparison and side,
on the flat list's first paint)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


class EndDepths:
    """``depth(path)``: the fewest last parts of ``path`` no other path ends with."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._paths = [path for path in paths if path]  # each once: a side's paths are its variables'
        self._starts = [len(path) + 1 for path in self._paths]  # where each path's end counted last begins
        self._levels: list[Counter] = []

    def _level(self, depth: int) -> Counter:
        """The ends of ``depth`` parts, counted from those of one part fewer (a slice per
        path, not a split and a join: a quarter of a second per level at 200,000)."""
        paths, starts, levels = self._paths, self._starts, self._levels
        while len(levels) < depth:  # a path shorter than depth counts whole: "a/b" ends "x/a/b" too
            for at, path in enumerate(paths):
                starts[at] = path.rfind("/", 0, max(starts[at] - 1, 0)) + 1
            levels.append(Counter(path[start:] for path, start in zip(paths, starts, strict=True)))
        return levels[depth - 1]

    def depth(self, path: str) -> int:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if self._level(depth)["/".join(parts[-depth:])] == 1:
                return depth
        return len(parts)
