"""What the note under a comparison's heatmaps says of B - A's plane when its finite
cells are all 0: "no difference" only when nothing differs. A pair whose only
differences are NaN or Inf on one side was "changed" in the table ("Differing 2 of
320") while the caption said "B - A: no difference" (review 21 #6): NaN - x is no
number, so the finite values alone looked equal."""

from __future__ import annotations

import numpy as np


def difference_note(diff: np.ndarray, image_a: np.ndarray | None, image_b: np.ndarray | None, blocks: bool) -> str:
    """The note for B - A's plane ``diff`` whose finite cells are all 0, beside A's and
    B's planes (the same cells): "B - A: no difference", or "B - A: finite values equal;
    2 differ by NaN/Inf (B only)". ``blocks``: a cell shows a block of values (counted
    as cells, as the NaN/Inf notes count them)."""
    differ = ~np.isfinite(diff)
    if image_a is not None and image_b is not None and image_a.shape == diff.shape == image_b.shape:
        # +Inf on both sides is equal, and so are two NaN (as the comparison counts them), yet
        # their difference is NaN: those cells differ in nothing.
        with np.errstate(invalid="ignore"):
            equal = (image_a == image_b) | (np.isnan(image_a) & np.isnan(image_b))
        differ &= ~equal
        a_only = int((differ & ~np.isfinite(image_a) & np.isfinite(image_b)).sum())
        b_only = int((differ & np.isfinite(image_a) & ~np.isfinite(image_b)).sum())
    else:
        a_only = b_only = 0
    count = int(differ.sum())
    if count == 0:
        return "B - A: no difference"
    both = count - a_only - b_only
    sides = [(n, label) for n, label in ((a_only, "A only"), (b_only, "B only"), (both, "both sides")) if n]
    where = f" ({sides[0][1]})" if len(sides) == 1 else " (" + ", ".join(f"{n:,} {label}" for n, label in sides) + ")"
    cells = (" cell" if count == 1 else " cells") if blocks else ""
    verb = "differs" if count == 1 else "differ"
    return f"B - A: finite values equal; {count:,}{cells} {verb} by NaN/Inf{where}"
