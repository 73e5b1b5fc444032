"""The order of a folder's checkpoints, oldest first, and whether that order is known:
the state file's order, the others placed among them by step, then time."""

from __future__ import annotations

from ckpt_gui.core.format.locations import CheckpointRef


def in_order(listed: list[CheckpointRef], unlisted: list[CheckpointRef]) -> tuple[CheckpointRef, ...]:
    """Oldest first: the state file's order (the order the training job saved them),
    the others placed among them by step, then time. Not by file times alone: a copy
    or a ``git checkout`` rewrites those."""
    rest = sorted(unlisted, key=_step_then_time)
    ordered: list[CheckpointRef] = []
    i = 0
    for ref in listed:  # a merge: the state file's order is kept as it is
        while i < len(rest) and _step_then_time(rest[i]) < _step_then_time(ref):
            ordered.append(rest[i])
            i += 1
        ordered.append(ref)
    ordered += rest[i:]
    return tuple(ordered)


SAME_TIME_S = 1.0  # save times this close read alike (the picker shows seconds): no order between them


def order_known(one: CheckpointRef, other: CheckpointRef) -> bool:
    """Whether in_order's order of two saves of one folder is known to be the order they
    were saved in: both listed in the state file (the job's own order), or told apart
    by their steps or their times. Two Savers' files of one folder with no step and the
    same time were "before" and "after" only by their names (review 17)."""
    if one.in_state_file and other.in_state_file:
        return True
    if one.step is not None and other.step is not None and one.step != other.step:
        return True
    return one.time is not None and other.time is not None and abs(one.time - other.time) >= SAME_TIME_S


def _step_then_time(ref: CheckpointRef) -> tuple:
    return (ref.step if ref.step is not None else -1, ref.time if ref.time is not None else 0.0, ref.prefix)
