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

from ckpt_gui.core.analysis.unreadable_pair import UnreadableSide
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


def unreadable_pair_lines(pairs: list, path_of: Callable[[object], str], diff=None) -> list[str]:
    """Lines for ``pairs`` (a diff's pairs; those not unreadable skipped), one per
    distinct problem, the first LINES_SAID of them and then how many pairs are left.

    ``diff`` (the CheckpointDiff): an object graph that cannot be read is said in the
    line of the file and problem it shares with the pairs (a data file missing or cut
    short loses both), with what it costs, "pairs matched by key" (review 16 #6: three
    warnings for one missing file: browse's "only its index can be shown", the graph's,
    the pairs'); a graph failing on its own (its CRC) has a line of its own."""
    groups = _groups(pairs)
    said_groups = list(groups.items())[:LINES_SAID]
    graph = _graph_problems(diff, {problem for problem, _ in said_groups}) if diff is not None else {}
    lines, said = [], set()
    alone = [side for side in (diff.graph_errors if diff is not None else ()) if side not in graph]
    if alone:  # said first: what the pairing went by
        errors = "; ".join(str(diff.graph_errors[side]) for side in alone)
        lines.append(f"{diff.graphs_unreadable(alone)}: {diff.key_pairing} ({errors})")
    for (file, problem), (sides, of) in said_groups:
        said.update(id(pair) for pair in of)
        lost = [side for side, where in graph.items() if where == (file, problem)]
        if len(of) == 1 and not lost:
            texts = "; ".join(s.text for s in of[0].unreadable if _problem_of(s) == (file, problem))
            lines.append(_pair_line(of[0], path_of, texts))
            continue
        what = SHARED_PROBLEM.get(problem)
        told = f"{shown_path(file)} {what}" if what else f"{shown_path(file)}: {problem}"
        if lost:  # the graph's side too ("A and B": one file)
            graphs = " and ".join(f"{side}'s" for side in lost)
            told += f": {graphs} object graph cannot be read ({diff.key_pairing});"
        else:
            told += ":"
        first = path_of(of[0])
        lines.append(f"{' and '.join(sides)}: {told} {counted(len(of), 'pair')} not compared (first: {first})")
    left = sum(1 for pair in pairs if pair.unreadable and id(pair) not in said)
    if left:
        lines.append(f"and {counted(left, 'more pair')} not compared (their values cannot be read)")
    return lines


def _groups(pairs: list) -> dict[tuple[str, str], tuple[list[str], list]]:
    """The pairs' problems: (file, problem) -> the sides failing, the pairs, in order."""
    groups: dict[tuple[str, str], tuple[list[str], list]] = {}
    for pair in pairs:
        for side in pair.unreadable:
            # Many pairs sharing a known kind of problem in one file is one problem; an
            # unknown one is told by its words.
            sides, of = groups.setdefault(_problem_of(side), ([], []))
            if side.side not in sides:
                sides.append(side.side)
            if not of or of[-1] is not pair:
                of.append(pair)
    return groups


def _graph_problems(diff, said: set[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Each side ("A", "B") whose object graph fails with a problem a line ``said`` names
    (its file and kind: "data file missing"), with that problem."""
    found = {}
    for side, error in diff.graph_errors.items():
        problem = _problem_of(UnreadableSide(side, error.path, error.problem))
        if problem in said:
            found[side] = problem
    return found


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
