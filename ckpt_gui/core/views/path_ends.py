"""How many whole parts of its end a path needs so that no other path of a list ends
alike: the comparison's flat list cuts its paths at their start, and "…/kernel/v" read
alike on six rows of a model's slots (review, 1024 px) where
"…/layer_with_weights-0/kernel/v" tells them apart.

Counted a level at a time, and only the levels asked for: a 200,000-pair comparison's
rows mostly need two or three parts, and counting every end of every path up front
(distinct_names.distinct_ends) took seconds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


class EndDepths:
    """``depth(path)``: the fewest last parts of ``path`` no other path ends with."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._parts = [path.split("/") for path in dict.fromkeys(p for p in paths if p)]
        self._levels: dict[int, Counter] = {}

    def _level(self, depth: int) -> Counter:
        counts = self._levels.get(depth)
        if counts is None:  # a path shorter than depth counts whole: "a/b" ends "x/a/b" too
            counts = self._levels[depth] = Counter("/".join(parts[-depth:]) for parts in self._parts)
        return counts

    def depth(self, path: str) -> int:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if self._level(depth)["/".join(parts[-depth:])] == 1:
                return depth
        return len(parts)
