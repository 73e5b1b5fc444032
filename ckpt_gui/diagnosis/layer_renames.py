"""A layer renamed since the save (``self.dense2`` is now ``self.out``, a TF1 scope
``layer1`` is now ``encoder``) whose size changed too: one of its weights still pairs by
shape and dtype (the bias, when only the input width changed), which establishes the
rename; its other weights then pair under the same rename as shape (or dtype)
conflicts, rather than reading as "a new variable" beside an unclaimed old value
(review 12, 3). Shared by the doctor's suggestions and the repair plan's pairing, so
both tell the same story.

Pure Python, from the findings alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.cause_facts import saved_path
from ckpt_gui.diagnosis.findings import RestoreFinding

_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class RenamedWeight:
    """A checkpoint value and the model variable it became under its layer's rename,
    their shapes or dtypes differing."""

    value: int  # finding index of the unclaimed checkpoint value
    variable: int  # finding index of the model variable without a value
    old: str  # the layer's name at the save (the one path part that changed)
    new: str  # its name now
    shown_by: str  # the saved path of the weight that paired by shape and dtype


def renamed_weights(findings: list[RestoreFinding]) -> list[RenamedWeight]:
    """The weights of renamed layers that do not pair by shape and dtype, each with its
    counterpart. A rename counts only when one name maps to exactly one other on both
    sides: a guess would carry a value into the wrong layer."""
    values = {i: _parts(saved_path(f)) for i, f in enumerate(findings) if _unclaimed_value(f)}
    variables = {i: _parts(f.model_path) for i, f in enumerate(findings) if _free_variable(f)}
    renames: dict[tuple, set[tuple]] = {}  # old prefix -> new prefixes
    back: dict[tuple, set[tuple]] = {}  # new prefix -> old prefixes
    shown_by: dict[tuple[tuple, tuple], str] = {}
    for i, old in values.items():
        for j, new in variables.items():
            changed = _one_layer_part(old, new)
            if changed is None or not _alike(findings[i], findings[j]):
                continue
            prefixes = (old[: changed + 1], new[: changed + 1])
            renames.setdefault(prefixes[0], set()).add(prefixes[1])
            back.setdefault(prefixes[1], set()).add(prefixes[0])
            shown_by.setdefault(prefixes, "/".join(old))
    found = []
    by_path = {path: j for j, path in variables.items()}
    for old_prefix, news in renames.items():
        if len(news) != 1:
            continue
        new_prefix = next(iter(news))
        if len(back[new_prefix]) != 1:
            continue
        for i, old in values.items():
            if old[: len(old_prefix)] != old_prefix:
                continue
            j = by_path.get(new_prefix + old[len(old_prefix) :])
            if j is None or _alike(findings[i], findings[j]) or findings[i].optimizer != findings[j].optimizer:
                continue  # no counterpart, or one the shape-and-dtype pairing already finds
            found.append(RenamedWeight(i, j, old_prefix[-1], new_prefix[-1], shown_by[(old_prefix, new_prefix)]))
    return found


def _unclaimed_value(finding: RestoreFinding) -> bool:
    return (
        finding.status == RestoreStatus.UNMATCHED
        and not finding.is_counter
        and not finding.is_average
        and bool(saved_path(finding))
    )


def _free_variable(finding: RestoreFinding) -> bool:
    return finding.status == RestoreStatus.MISSING and not finding.untracked and bool(finding.model_path)


def _parts(path: str | None) -> tuple[str, ...]:
    return tuple((path or "").split("/"))


def _one_layer_part(old: tuple[str, ...], new: tuple[str, ...]) -> int | None:
    """The one part, before the weight's own name, in which two paths differ by a name
    (not a number: ``_operations/2`` -> ``_operations/3`` is a layer shift)."""
    if len(old) != len(new):
        return None
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    if len(changed) != 1 or changed[0] == len(old) - 1:
        return None
    i = changed[0]
    return None if _NUMBER.sub("#", old[i]) == _NUMBER.sub("#", new[i]) else i


def _alike(value: RestoreFinding, variable: RestoreFinding) -> bool:
    return (
        value.checkpoint_shape == variable.model_shape
        and value.checkpoint_dtype == variable.model_dtype
        and value.optimizer == variable.optimizer
    )
