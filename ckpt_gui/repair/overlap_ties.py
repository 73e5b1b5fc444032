"""The shape conflicts one resize makes together (review 20, G9): a Dense layer taken from
16 to 8 units conflicts in its kernel's units axis, its bias, the next layer's kernel's
input axis, and each of their optimizer slots. The doctor says so ("the same change as
…/1/_kernel", "its input went from 16 to 8 features: the layer before it changed"); the
repair ties those lines, so a copy-overlap chosen on one is chosen on the others (the
Repair dialog) or said to be missing from them (the plan's notes, the repair's outcome):
the kernel's overlap beside a bias or next kernel left at its initial value was a model
half old, half fresh, unsaid.

Pure Python, from the plan's lines alone (a plan loaded from a file has them too).
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from ckpt_gui.core.format.conventions import without_attributes
from ckpt_gui.diagnosis.cause_facts import layer_position
from ckpt_gui.repair.fit import COPY_OVERLAP, misfit
from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan, with_action

FOLLOWS = "; copy-overlap follows "  # what a tied line's reason says once it follows a chosen line


@dataclass(frozen=True, slots=True)
class Width:
    """One layer's units changed from ``was`` to ``now``: the lines that hold that axis."""

    layer: str  # the target layer (its variables' path without the weight's name)
    was: int
    now: int
    rows: tuple[int, ...]

    def said(self) -> str:
        return f"the same resize of {self.layer}, {self.was} -> {self.now}"


def value_name(entry: PlanEntry) -> str:
    """A line's value as the Repair dialog's Source column names it (a slot under its variable)."""
    return entry.source_name or without_attributes(entry.source_key)


def widths(entries: Sequence[PlanEntry]) -> list[Width]:
    """Each resize the plan's conflicts show, with the lines it ties (two at least): the
    layer's own weights whose last axis changed ``was -> now`` (kernel, bias), the layer
    after it whose input axis changed the same (its kernel), and the slots of those."""
    slots = _slots_of(entries)
    own, inputs = _changed_axes(entries, slots)
    by_size: dict[tuple[int, int], list[str]] = {}  # the layers whose units changed so
    for layer, a, b in own:
        by_size.setdefault((a, b), []).append(layer)
    feeders = {size: _Feeders(layers) for size, layers in by_size.items()}
    fed: dict[tuple[str, int, int], list[int]] = {}  # a resize's own rows and the input rows it feeds
    for (after, a, b), rows in inputs.items():
        feeder = feeders[(a, b)].of(after) if (a, b) in feeders else None
        if feeder is not None:
            fed.setdefault((feeder, a, b), []).extend(rows)
    owned: dict[int, list[int]] = {}  # a line's slot lines (those offered a block)
    for slot, owner in slots.items():
        if offers_overlap(entries[slot]):
            owned.setdefault(owner, []).append(slot)
    found = []
    for (layer, a, b), rows in own.items():
        rows = rows + fed.get((layer, a, b), [])
        rows += [slot for row in rows for slot in owned.get(row, ())]
        if len(rows) > 1:
            found.append(Width(layer, a, b, tuple(sorted(set(rows)))))
    return found


def _changed_axes(entries: Sequence[PlanEntry], slots: dict[int, int]) -> tuple[dict, dict]:
    """The conflicts (slots left out: they follow their variable) by the axis that
    changed: ``own`` a layer's units ``(layer, was, now) -> lines``, ``inputs`` a layer's input."""
    own: dict[tuple[str, int, int], list[int]] = {}
    inputs: dict[tuple[str, int, int], list[int]] = {}
    for row, entry in enumerate(entries):
        if row in slots or not offers_overlap(entry):
            continue
        layer = entry.target.rpartition("/")[0]
        was, now = entry.source_shape, entry.target_shape
        for axis, (a, b) in enumerate(zip(was, now, strict=True)):
            if a == b:
                continue
            if axis == len(was) - 1:  # units or filters (a vector's length: a bias)
                own.setdefault((layer, a, b), []).append(row)
            elif axis == len(was) - 2:  # a kernel's input axis: the width of the layer before it
                inputs.setdefault((layer, a, b), []).append(row)
    return own, inputs


def tied_rows(entries: Sequence[PlanEntry], row: int) -> list[tuple[int, Width]]:
    """The other lines ``row`` is tied to, each with the resize that ties them, in order."""
    return _ties(widths(entries)).get(row, [])


def _ties(found: list[Width]) -> dict[int, list[tuple[int, Width]]]:
    """Each tied line's other lines (in order), with the resize that ties them: made once
    for a plan (a line is in one or two resizes: its own units, its input's)."""
    tied: dict[int, dict[int, Width]] = {}
    for width in found:
        for row in width.rows:
            for other in width.rows:
                if other != row:
                    tied.setdefault(row, {}).setdefault(other, width)
    return {row: sorted(others.items()) for row, others in tied.items()}


def follow_overlap(entries: list[PlanEntry], row: int) -> list[int]:
    """Copy-overlap chosen on ``row``: each tied line that keeps its initial value takes it
    too, its reason saying which line it follows and why; the lines changed."""
    leader = value_name(entries[row])
    changed = []
    for other, width in tied_rows(entries, row):
        if entries[other].action != Action.KEEP_INITIAL:
            continue
        chosen = with_action(unfollowed(entries[other]), Action.COPY_OVERLAP)
        entries[other] = dataclasses.replace(chosen, reason=f"{chosen.reason}{FOLLOWS}{leader} ({width.said()})")
        changed.append(other)
    return changed


def unfollowed(entry: PlanEntry) -> PlanEntry:
    """``entry`` without the words of a line it followed (the user chose on it since)."""
    reason, follows, _rest = entry.reason.partition(FOLLOWS)
    return dataclasses.replace(entry, reason=reason) if follows else entry


def untied_overlaps(entries: Sequence[PlanEntry]) -> list[str]:
    """A note per copy-overlap line whose tied lines keep their initial value (a plan file
    edited line by line, a line set back in the dialog): the layer restores part old values,
    part fresh ones."""
    said = []
    ties = _ties(widths(entries))
    for row, entry in enumerate(entries):
        if entry.action != Action.COPY_OVERLAP:
            continue
        kept = [value_name(entries[o]) for o, _w in ties.get(row, []) if entries[o].action == Action.KEEP_INITIAL]
        if kept:
            said.append(f"copy-overlap of {value_name(entry)}, but the lines tied to it by the same resize keep "
                        f"their initial value: {', '.join(kept)} (choose copy-overlap for them too to keep the "
                        "overlap of the whole layer)")  # fmt: skip
    return said


def with_tie_notes(plan: RepairPlan) -> RepairPlan:
    """``plan`` (named: its lines' value names known) with a note per resize that ties
    lines, for the user who edits the plan file line by line."""
    notes = [f"tied by {width.said()}: {', '.join(value_name(plan.entries[r]) for r in width.rows)}: choose "
             "copy-overlap for all of them or for none (the Repair dialog chooses it for all at once), or the "
             "layer restores part old values, part initial ones" for width in widths(plan.entries)]  # fmt: skip
    return dataclasses.replace(plan, notes=(*plan.notes, *notes)) if notes else plan


def offers_overlap(entry: PlanEntry) -> bool:
    """A shape conflict whose block may be copied (same rank, same dtype, proposed)."""
    return (
        entry.action in (Action.KEEP_INITIAL, Action.COPY_OVERLAP)
        and bool(entry.target)
        and entry.source_shape is not None
        and entry.target_shape is not None
        and len(entry.source_shape) == len(entry.target_shape)
        and entry.source_shape != entry.target_shape
        and not entry.overlap_not_offered
        and not entry.not_writable
        and misfit(COPY_OVERLAP, entry.source_key, entry.source_shape, entry.source_dtype, entry.target,
                   entry.target_shape, entry.target_dtype) is None  # the writer's own rule (fit.py)
    )  # fmt: skip


def _slots_of(entries: Sequence[PlanEntry]) -> dict[int, int]:
    """Optimizer slot line -> its variable's line, by the value names (``…/_kernel/momentum``
    is a slot of ``…/_kernel``'s value)."""
    by_name = {value_name(e): row for row, e in enumerate(entries)}
    slots = {}
    for row, entry in enumerate(entries):
        owner = by_name.get(value_name(entry).rpartition("/")[0])
        if owner is not None and owner != row:
            slots[row] = owner
    return slots


class _Feeders:
    """Of the layers whose units changed as much as a layer's input, the one whose units
    are that input: the only other one, else the nearest before it in their numbered list;
    none when that cannot be told (layers with no number, or in several lists: no guess).
    Their places found once (a model of thousands of layers resized alike asks for each)."""

    def __init__(self, layers: list[str]) -> None:
        self.layers = set(layers)
        places = {layer: _place(layer) for layer in layers}
        lists = {p[0] if p is not None else None for p in places.values()}
        self.list = next(iter(lists)) if len(lists) == 1 else None  # None: unnumbered, or several lists
        self.order = sorted((p[1], layer) for layer, p in places.items() if p is not None)

    def of(self, after: str) -> str | None:
        others = len(self.layers) - (after in self.layers)
        if others == 1:
            return next(layer for layer in self.layers if layer != after)
        place = _place(after)
        if others == 0 or self.list is None or place is None or place[0] != self.list:
            return None
        at = bisect_left(self.order, (place[1], ""))  # the layers numbered before it
        return self.order[at - 1][1] if at else None


def _place(layer: str) -> tuple[str, int] | None:
    found = layer_position(layer + "/w")
    return None if found is None else (found[0], found[1])
