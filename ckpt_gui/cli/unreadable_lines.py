"""What ``ckpt-gui diff`` says on stderr about the pairs it could not compare.

A data shard gone makes every pair stored in it unreadable, each for the same reason:
a line per pair repeated the shard's path twice (A and B being one SavedModel) in
about 300 characters, ten times, then "and 266 more" (review 15). One line per
distinct problem (a file and what is wrong with it) says the same, with how many
pairs it costs and the first of them; a problem of one pair keeps its own line, the
reader's words whole (a CRC mismatch names the tensor and its offsets).
"""

from __future__ import annotations

from collections.abc import Callable

from ckpt_gui.core.format.errors import shown_path
from ckpt_gui.core.formatting import counted
from ckpt_gui.core.statuses import DIFF_WORDS, DiffStatus

LINES_SAID = 10  # problems named on stderr: a damaged checkpoint of thousands of tensors can have as many

# What a problem shared by many pairs says after its file's path (its kind, unreadable_pair.py).
SHARED_PROBLEM = {
    "data file missing": "is missing",
    "data file truncated": "is truncated",
    "CRC mismatch": "holds values failing their CRC32C check",
}


def unreadable_pair_lines(pairs: list, path_of: Callable[[object], str]) -> list[str]:
    """Lines for ``pairs`` (a diff's pairs; those not unreadable skipped), one per
    distinct problem, the first LINES_SAID of them and then how many pairs are left."""
    groups: dict[tuple[str, str], tuple[list[str], list]] = {}  # (file, problem) -> sides, pairs
    for pair in pairs:
        for side in pair.unreadable:
            # Many pairs sharing a known kind of problem in one file is one problem; an
            # unknown one is told by its words.
            sides, of = groups.setdefault(_problem_of(side), ([], []))
            if side.side not in sides:
                sides.append(side.side)
            if not of or of[-1] is not pair:
                of.append(pair)
    lines, said = [], set()
    for (file, problem), (sides, of) in list(groups.items())[:LINES_SAID]:
        said.update(id(pair) for pair in of)
        if len(of) == 1:
            texts = "; ".join(s.text for s in of[0].unreadable if _problem_of(s) == (file, problem))
            lines.append(_pair_line(of[0], path_of, texts))
            continue
        what = SHARED_PROBLEM.get(problem)
        told = f"{shown_path(file)} {what}" if what else f"{shown_path(file)}: {problem}"
        first = path_of(of[0])
        lines.append(f"{' and '.join(sides)}: {told}: {counted(len(of), 'pair')} not compared (first: {first})")
    left = sum(1 for pair in pairs if pair.unreadable and id(pair) not in said)
    if left:
        lines.append(f"and {counted(left, 'more pair')} not compared (their values cannot be read)")
    return lines


def _pair_line(pair, path_of: Callable[[object], str], texts: str) -> str:
    """A pair alone with its problem: "not compared" when its values could not be read; a
    shape or dtype change (never compared) has its side said unreadable beside the change."""
    if pair.status == DiffStatus.UNREADABLE:
        return f"{path_of(pair)} not compared: {texts}"
    return f"{path_of(pair)} ({DIFF_WORDS[pair.status]}) cannot be read: {texts}"


def _problem_of(side) -> tuple[str, str]:
    """The (file, problem) an UnreadableSide shares with others: many pairs with a known
    kind of problem in one file are one problem; an unknown one is told by its words."""
    return side.file, side.kind if side.kind in SHARED_PROBLEM else side.problem
