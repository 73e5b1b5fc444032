"""The repair plan: for each checkpoint value, where it goes in the user's model, and
which model variables keep their initial values. A JSON document the user may edit
(accept or reject a line, retarget a value, choose copy-overlap for a shape
conflict); the README's "Repairing a checkpoint" section is its contract.

Pure Python: no TensorFlow, no Qt, no numpy.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.formatting import format_shape
from ckpt_gui.core.overlap_block import overlap_block
from ckpt_gui.repair.fit import misfit

PLAN_SCHEMA = 1  # raised when a field is removed or changes meaning
PLAN_KIND = "ckpt-gui repair plan"
SAVE_COUNTER = "save_counter"  # tf.train.Checkpoint's own counter of its saves: bookkeeping, not a model variable


class Action(StrEnum):
    """What happens to one checkpoint value (its JSON word)."""

    MAP = "map"  # assign it, whole, to the target variable (same shape and dtype, or an error)
    DROP = "drop"  # not written: optimizer state of another optimizer, EMA shadows, values with no place
    KEEP_INITIAL = "keep-initial"  # the target keeps the model's initial value (a shape or dtype conflict)
    COPY_OVERLAP = "copy-overlap"  # the overlapping block (same rank and dtype) is copied; the rest stays initial


WRITES = frozenset({Action.MAP, Action.COPY_OVERLAP})  # actions that put a value into the target
NEEDS_TARGET = frozenset({Action.MAP, Action.KEEP_INITIAL, Action.COPY_OVERLAP})

Shape = tuple[int, ...]


class PlanError(CheckpointError):
    """A plan that cannot be read or carried out (one line, naming the plan file)."""


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """One checkpoint value and what becomes of it."""

    source_key: str  # its key in the source checkpoint
    action: Action
    target: str | None  # the model variable, as the doctor names it (its object path, or TF1 name)
    reason: str
    source_shape: Shape | None = None
    target_shape: Shape | None = None
    source_dtype: str | None = None
    target_dtype: str | None = None
    # What the value is, readably (value_names.source_paths: ``model/.../_kernel/momentum``
    # for ``optimizer/_momentums/0/...``), as the Repair dialog's Source column: beside
    # the key in the JSON, for the user editing it. Never read back as anything but text:
    # the key says which value.
    source_name: str | None = None
    # Why copy-overlap is not offered for this value, or None: a removed layer's value is
    # no start for another layer (review 16, 4: the dialog offered it beside a reason that
    # said it was not proposed). Kept in the file, so a plan loaded back offers what it did.
    overlap_not_offered: str | None = None
    # The target as the doctor's table names it, where that is not its path: a model's
    # optimizer slot by its variable's path and slot (``…/1/_kernel/momentum``), its
    # optimizer path (``optimizer/momentums/0``) the target (review 20, G10). Text only.
    target_name: str | None = None
    # Why the writer cannot write this line's target at all, or None: a partitioned TF1
    # variable (review 23 #3: the plan proposed map, refused only once a folder was chosen).
    # Such a line is proposed keep-initial; map and copy-overlap are plan problems.
    not_writable: str | None = None

    def to_json(self) -> dict:
        said = {
            "source_key": self.source_key,
            "source_name": self.source_name,
            "target": self.target,
            "action": self.action.value,
            "reason": self.reason,
            "source_shape": _listed(self.source_shape),
            "target_shape": _listed(self.target_shape),
            "source_dtype": self.source_dtype,
            "target_dtype": self.target_dtype,
        }
        if self.overlap_not_offered:  # only where it applies: most lines have no such word
            said["overlap_not_offered"] = self.overlap_not_offered
        if self.target_name:  # an optimizer slot's target, named by its variable
            said["target_name"] = self.target_name
        if self.not_writable:  # only where it applies, as overlap_not_offered
            said["not_writable"] = self.not_writable
        return said


@dataclass(frozen=True, slots=True)
class InitialVariable:
    """A model variable no checkpoint value is written to: it keeps its initial value."""

    target: str
    reason: str
    shape: Shape | None = None
    dtype: str | None = None
    # As PlanEntry.target_name: a model's optimizer slot by its variable and slot
    # (``…/1/_kernel/momentum``), its path the target (review 21 #8). Text only.
    target_name: str | None = None

    def to_json(self) -> dict:
        said = {"target": self.target, "reason": self.reason, "shape": _listed(self.shape), "dtype": self.dtype}
        if self.target_name:  # only where a name says more, as an entry's
            said["target_name"] = self.target_name
        return said


@dataclass(frozen=True, slots=True)
class RepairPlan:
    source: str  # the source checkpoint's prefix
    script: str  # the model script the plan was made for
    mode: str  # "object" (TF2 object paths) or "name" (TF1 variable names)
    entries: tuple[PlanEntry, ...]
    initial: tuple[InitialVariable, ...]
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many values each action takes, in Action order."""
        return {action.value: sum(1 for e in self.entries if e.action == action) for action in Action}

    def model_variables(self) -> dict[str, tuple[Shape | None, str | None]]:
        """The model's variables the plan knows, by name: (shape, dtype). A proposed plan
        knows every one (its targets, and those that keep their initial value)."""
        known = {v.target: (v.shape, v.dtype) for v in self.initial}
        for entry in self.entries:
            if entry.target and known.get(entry.target, (None, None)) == (None, None):
                known[entry.target] = (entry.target_shape, entry.target_dtype)
        return known

    def written(self) -> list[PlanEntry]:
        """The entries that put a value into a model variable."""
        return [e for e in self.entries if e.action in WRITES]

    def to_json(self) -> dict:
        return {
            "schema": PLAN_SCHEMA,
            "kind": PLAN_KIND,
            "source": self.source,
            "script": self.script,
            "mode": self.mode,
            "summary": self.counts(),
            "entries": [e.to_json() for e in self.entries],
            "initial": [v.to_json() for v in self.initial],
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, document: object, where: str) -> RepairPlan:
        """A plan from its JSON document; ``where`` names the file in errors."""
        _expect(isinstance(document, dict), where, "is not a JSON object")
        _expect(document.get("kind") == PLAN_KIND, where, f'is not a repair plan (no "kind": "{PLAN_KIND}")')
        _expect(
            document.get("schema") == PLAN_SCHEMA,
            where,
            f"has plan schema {document.get('schema')!r}; this ckpt-gui reads schema {PLAN_SCHEMA}",
        )
        _expect(document.get("mode") in ("object", "name", "keras"), where, 'has no mode ("object", "name" or "keras")')
        entries = tuple(_entry(raw, where, i) for i, raw in enumerate(_list(document, "entries", where)))
        initial = tuple(_initial(raw, where, i) for i, raw in enumerate(_list(document, "initial", where)))
        plan = cls(
            source=str(document.get("source") or ""),
            script=str(document.get("script") or ""),
            mode=document["mode"],
            entries=entries,
            initial=initial,
            notes=tuple(str(n) for n in document.get("notes") or ()),
        )
        check_plan(plan, where)
        return plan


def named(plan: RepairPlan, names: dict[str, str]) -> RepairPlan:
    """``plan`` with each entry's readable name (``names``: value_names.source_paths of
    its source checkpoint), as written to a file: the keys alone said little (issue 11)."""
    entries = tuple(dataclasses.replace(e, source_name=names.get(e.source_key, e.source_name)) for e in plan.entries)
    return dataclasses.replace(plan, entries=entries)


def read_plan(path: str) -> RepairPlan:
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except OSError as exc:
        raise PlanError(path, f"cannot read the plan ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise PlanError(path, f"is not valid JSON ({exc})") from None
    return RepairPlan.from_json(document, path)


def check_plan(plan: RepairPlan, where: str) -> None:
    """What makes a plan impossible to carry out, found before any TensorFlow runs (the
    first of plan_problems), as a PlanError naming ``where``."""
    problems = plan_problems(plan)
    if problems:
        raise PlanError(where, problems[0][1])


def plan_problems(plan: RepairPlan, shown: Callable[[str], str] = str) -> list[tuple[str, str]]:
    """(source key, problem) of each entry that cannot be carried out: a source listed
    twice, a target written twice, a value the writer would refuse for its target
    (fit.misfit: never a reshape, never a cast; the child asks the same with the values).
    ``shown``: how a problem names a checkpoint value, by default its key (the plan file's
    word); the repair dialog says the path its Source column shows (review 13 #2c: its
    marks read "from optimizer/_trainable_variables/1/.ATTRIBUTES/VARIABLE_VALUE")."""
    problems = []
    sources: set[str] = set()
    targets: dict[str, str] = {}
    # A target the writer cannot write (a partitioned variable), whichever line names it.
    unwritable = {e.target: e.not_writable for e in plan.entries if e.target and e.not_writable}
    for entry in plan.entries:
        if entry.source_key in sources:
            problems.append((entry.source_key, f"lists the checkpoint value {shown(entry.source_key)} twice"))
        sources.add(entry.source_key)
        if entry.action not in WRITES:
            continue
        other = targets.get(entry.target)
        if other is not None:
            twice = f"writes {entry.target} twice (from {shown(other)} and from {shown(entry.source_key)})"
            problems.append((entry.source_key, twice))
        targets.setdefault(entry.target, entry.source_key)
        problem = unwritable.get(entry.target) or entry_misfit(entry, shown)
        if problem is not None:
            problems.append((entry.source_key, problem))
    return problems


def entry_misfit(entry: PlanEntry, shown: Callable[[str], str] = str) -> str | None:
    """Why the writer would refuse this entry's value for its target, or None (fit.misfit);
    the value named as ``shown`` names it (plan_problems)."""
    return misfit(entry.action.value, shown(entry.source_key), entry.source_shape, entry.source_dtype,
                  entry.target or "", entry.target_shape, entry.target_dtype)  # fmt: skip


def placed(entry: PlanEntry, target: str, shape: Shape | None, dtype: str | None, why: str) -> PlanEntry:
    """``entry``'s value onto ``target`` (of ``shape`` and ``dtype``): a map when the writer
    takes it whole, else keep-initial with the conflict said (copy-overlap is the user's
    choice). The planner's proposal and the dialog's retarget both come through here."""
    moved = dataclasses.replace(entry, target=target, target_shape=shape, target_dtype=dtype,
                                target_name=entry.target_name if target == entry.target else None,
                                not_writable=entry.not_writable if target == entry.target else None)  # fmt: skip
    if entry_misfit(dataclasses.replace(moved, action=Action.MAP)) is None:
        return dataclasses.replace(moved, action=Action.MAP, reason=why)
    if shape is not None and shape != entry.source_shape:
        conflict = shape_conflict(moved)
    else:
        conflict = f"dtype conflict: the checkpoint holds {entry.source_dtype}, the model {dtype}"
    return dataclasses.replace(moved, action=Action.KEEP_INITIAL, reason="; ".join(filter(None, [why, conflict])))


def shape_conflict(entry: PlanEntry, action: Action = Action.KEEP_INITIAL) -> str:
    """A line's shape conflict as its reason says it under ``action``, the block
    copy-overlap copies named (core/overlap_block.py: review 14, "would copy the overlapping
    block" said not which, and still said "would" once copy-overlap was chosen)."""
    was, now = entry.source_shape, entry.target_shape
    said = f"shape conflict: the checkpoint has {_shown(was)}, the model {_shown(now)}; "
    # Whether a block can be copied is the same rule's to say (the ranks must agree).
    if was is None or now is None or entry_misfit(dataclasses.replace(entry, action=Action.COPY_OVERLAP)) is not None:
        return said + "the ranks differ: no block can be copied"
    block = overlap_block(was, now)
    if action == Action.COPY_OVERLAP:
        return said + f"copy-overlap copies {block}, the rest keeps its initial value"
    return said + f"copy-overlap would copy {block}"


def shown_reason(entry: PlanEntry) -> str:
    """A line's reason as the dialog shows it: a plan file asking copy-overlap where it
    was not proposed (a removed layer's value) says so first, and what the line then
    does; its reason, written for keep-initial, still read "it keeps its initial value"
    beside an Action of copy-overlap (review 18, F5)."""
    if entry.action != Action.COPY_OVERLAP or not entry.overlap_not_offered:
        return entry.reason
    return (f"copy-overlap asked by the plan: {shape_conflict(entry, Action.COPY_OVERLAP)} "
            f"(not proposed: {entry.overlap_not_offered})")  # fmt: skip


def with_action(entry: PlanEntry, action: Action) -> PlanEntry:
    """``entry`` with a conflict's other choice (keep-initial or copy-overlap, the repair
    dialog's Action box), its reason saying what that choice does."""
    changed = dataclasses.replace(entry, action=action)
    if entry.source_shape is None or entry.target_shape is None or entry.source_shape == entry.target_shape:
        return changed
    before, after = shape_conflict(entry, entry.action), shape_conflict(entry, action)
    if before in entry.reason:
        return dataclasses.replace(changed, reason=entry.reason.replace(before, after))
    return dataclasses.replace(changed, reason="; ".join(filter(None, [entry.reason, after])))


def _entry(raw: object, where: str, index: int) -> PlanEntry:
    _expect(isinstance(raw, dict), where, f"entry {index} is not an object")
    source_key = raw.get("source_key")
    _expect(isinstance(source_key, str) and source_key, where, f"entry {index} has no source_key")
    try:
        action = Action(raw.get("action"))
    except ValueError:
        words = ", ".join(a.value for a in Action)
        problem = f"entry {index} ({source_key}): action {raw.get('action')!r} is not one of {words}"
        raise PlanError(where, problem) from None
    target = raw.get("target")
    _expect(target is None or isinstance(target, str), where, f"entry {index} ({source_key}): target is not text")
    _expect(
        action not in NEEDS_TARGET or bool(target),
        where,
        f"entry {index} ({source_key}): action {action.value} needs a target",
    )
    return PlanEntry(
        source_key=source_key,
        action=action,
        target=target or None,
        reason=str(raw.get("reason") or ""),
        source_shape=_shape(raw.get("source_shape"), where, index),
        target_shape=_shape(raw.get("target_shape"), where, index),
        source_dtype=raw.get("source_dtype"),
        target_dtype=raw.get("target_dtype"),
        source_name=raw["source_name"] if isinstance(raw.get("source_name"), str) else None,  # older plans: none
        overlap_not_offered=_text_or_none(raw.get("overlap_not_offered")),
        target_name=_text_or_none(raw.get("target_name")) if target else None,
        not_writable=_text_or_none(raw.get("not_writable")) if target else None,
    )


def _initial(raw: object, where: str, index: int) -> InitialVariable:
    _expect(isinstance(raw, dict) and isinstance(raw.get("target"), str), where, f"initial {index} has no target")
    return InitialVariable(
        target=raw["target"],
        reason=str(raw.get("reason") or ""),
        shape=_shape(raw.get("shape"), where, index),
        dtype=raw.get("dtype"),
        target_name=_text_or_none(raw.get("target_name")),
    )


def _list(document: dict, name: str, where: str) -> list:
    value = document.get(name, [])
    _expect(isinstance(value, list), where, f"'{name}' is not a list")
    return value


def _shape(raw: object, where: str, index: int) -> Shape | None:
    if raw is None:
        return None
    _expect(
        isinstance(raw, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in raw),
        where,
        f"entry {index}: a shape is not a list of integers",
    )
    return tuple(raw)


def _text_or_none(raw: object) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def _expect(condition: bool, where: str, problem: str) -> None:
    if not condition:
        raise PlanError(where, problem)


def _shown(shape: Shape | None) -> str:
    return format_shape(shape) if shape is not None else "?"


def _listed(shape: Shape | None) -> list | None:
    return None if shape is None else list(shape)
