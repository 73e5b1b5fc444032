"""Whether a checkpoint value may be written to a model variable: the one rule of the
repair (never a reshape, never a cast), said in one line when it is broken.

Three places ask it and must agree: the plan's check before any TensorFlow runs
(plan.check_plan, for the CLI and the app's Write), the repair dialog the moment a
value is retargeted, and the doctor's child as it writes, with the values themselves
(child/repair_write.py). The child runs in the user's interpreter and imports nothing
of ckpt_gui, so this module needs only the standard library: the child loads it by
path, as it loads core/format/conventions.py (child/main.py).
"""

from __future__ import annotations

from collections.abc import Sequence

MAP = "map"  # plan.Action's words, repeated here: the child cannot import plan.py
COPY_OVERLAP = "copy-overlap"


def misfit(
    action: str,
    source_key: str,
    source_shape: Sequence[int] | None,
    source_dtype: str | None,
    target: str,
    target_shape: Sequence[int] | None,
    target_dtype: str | None,
) -> str | None:
    """Why ``action`` cannot write the value ``source_key`` to ``target``, or None when it
    can. A shape or dtype not known (None) is not held against it: the child checks again
    with the values. Actions that write nothing (drop, keep-initial) always fit."""
    if action not in (MAP, COPY_OVERLAP):
        return None
    if source_dtype is not None and target_dtype is not None and source_dtype != target_dtype:
        return f"{source_key} holds {source_dtype}, {target} is {target_dtype}: a repair never casts"
    if source_shape is None or target_shape is None:
        return None
    source, wanted = list(source_shape), list(target_shape)
    if action == MAP and source != wanted:
        return (
            f"{source_key} has shape {source}, {target} {wanted}: shapes differ and a repair never reshapes "
            "(choose keep-initial or copy-overlap in the plan)"
        )
    if action == COPY_OVERLAP and len(source) != len(wanted):
        return f"copy-overlap of {source_key} {source} into {target} {wanted}: the ranks differ"
    return None
