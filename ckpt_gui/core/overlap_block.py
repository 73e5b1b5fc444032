"""Which block copy-overlap copies between a value and a variable of another shape (the
leading block on every axis, as the doctor's child writes it), said in one way by the
repair (its plan's reasons, its notes, the Repair dialog) and the doctor's suggestions
(review 14: "would copy the overlapping block" said not which). Here in core, a leaf,
because diagnosis may not import repair, and both say it.

Pure Python: no numpy, no Qt, no TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence

from ckpt_gui.core.formatting import format_shape


def overlap_block(source_shape: Sequence[int], target_shape: Sequence[int]) -> str:
    """ "[:, :10] of the old [128, 20] into the new [128, 10]", or, the layer widened, "the
    old [16, 10] into [:16, :] of the new [32, 10]". Same rank (repair/fit.misfit refuses
    the others, and so does the doctor's advice)."""
    block = [min(old, new) for old, new in zip(source_shape, target_shape, strict=True)]

    def part_of(shape: Sequence[int]) -> str:
        if block == list(shape):
            return ""
        return "[" + ", ".join(":" if b == n else f":{b}" for b, n in zip(block, shape, strict=True)) + "] of "

    old = f"{part_of(source_shape)}the old {format_shape(tuple(source_shape))}"
    return f"{old} into {part_of(target_shape)}the new {format_shape(tuple(target_shape))}"
