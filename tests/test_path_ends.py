"""Every path's depth at once (core/views/path_ends.py) against the depths the flat
list showed before they were counted off the GUI thread: ``_Reference`` is that code
(EndDepths, a level counted over every path when a row first asked for it)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from ckpt_gui.core.views.path_ends import end_depths


class _Reference:
    """The flat list's depths up to 2026-11-29 (core/views/path_ends.py's EndDepths)."""

    def __init__(self, paths) -> None:
        self._paths = [path for path in paths if path]
        self._starts = [len(path) + 1 for path in self._paths]
        self._levels: list[Counter] = []

    def _level(self, depth: int) -> Counter:
        paths, starts, levels = self._paths, self._starts, self._levels
        while len(levels) < depth:
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


def _expected(paths: list[str]) -> dict[str, int]:
    reference = _Reference(paths)
    return {path: reference.depth(path) for path in paths if path}


SLOTS = [f"net/layer_with_weights-{n}/{name}{slot}" for n in range(5) for name in ("kernel", "bias")
         for slot in ("", "/m", "/v")]  # fmt: skip
BLOCKS = [f"model/blocks/{i}/{name}" for i in range(300) for name in ("kernel", "bias", "extra/0", "extra/1")]
EDGES = [
    "a/b", "x/a/b", "b", "y/x/a/b",  # one path the end of others: each whole at most
    "v", "save_counter", "x/save_counter/y",
    "dup/k", "dup/k", "other/dup/k",  # a path listed twice never ends as its own
    "a//b", "c//b", "/lead", "lead", "trail/", "trail2/", "", "/", "//",  # empty parts
]  # fmt: skip


@pytest.mark.parametrize("paths", [SLOTS, BLOCKS, EDGES], ids=["slots", "blocks", "edges"])
def test_every_depth_is_the_one_each_row_was_shown_with(paths):
    assert end_depths(paths) == _expected(paths)


@pytest.mark.parametrize("seed", range(20))
def test_random_paths_get_the_depths_rows_were_shown_with(seed):
    """Paths of few short names, so that ends are shared at every level, and some paths
    the ends of others."""
    rng = random.Random(seed)
    names = ["a", "b", "c", "kernel", "v", ""]
    paths = ["/".join(rng.choice(names) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 400))]
    paths += [path.split("/", 1)[-1] for path in rng.sample(paths, len(paths) // 5)]
    rng.shuffle(paths)
    assert end_depths(paths) == _expected(paths)


def test_the_work_is_cut_into_slices(monkeypatch):
    """``between()`` comes between slices of the work (where the app's job lets the
    interpreter lock go or stops), not once at its end."""
    from ckpt_gui.core.views import path_ends

    monkeypatch.setattr(path_ends, "SLICE", 100)
    calls = []
    depths = end_depths(BLOCKS, lambda: calls.append(1))
    assert len(calls) >= 3 * len(BLOCKS) // 100  # three levels, each cut
    assert depths == _expected(BLOCKS)


def test_stopping_between_slices_stops_the_work():
    class Stop(Exception):
        pass

    def between():
        raise Stop

    with pytest.raises(Stop):
        end_depths(BLOCKS, between)
