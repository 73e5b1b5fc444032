"""Review 14 F6: the Repair dialog's line under the table led with the key, in bold, where
the plan file and ``repair``'s notes name the value first; and once copy-overlap was
chosen its reason still said "copy-overlap would copy the overlapping block", not which
block. One wording (core/overlap_block.py) for the dialog, the plan, the CLI and the doctor.
Offscreen, no TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from ckpt_gui.core.overlap_block import overlap_block
from ckpt_gui.repair.notes import overlap_copies
from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan, placed, with_action

KEY = "model/dense1/_kernel/.ATTRIBUTES/VARIABLE_VALUE"
SLOT = "optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"
PATHS = {KEY: "model/dense1/_kernel", SLOT: "model/dense1/_kernel/momentum"}
NAMES = {SLOT: "optimizer slot momentum of model/dense1/_kernel"}


def _copied(source: tuple[int, ...], target: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """What the child's copy-overlap writes (the leading block on every axis: case_oracle)."""
    old, new = np.arange(np.prod(source)).reshape(source), np.full(target, -1)
    block = tuple(slice(0, min(a, b)) for a, b in zip(source, target, strict=True))
    new[block] = old[block]
    return old, new


def _slices(text: str) -> tuple[slice, ...]:
    return tuple(slice(None) if part == ":" else slice(0, int(part[1:])) for part in text.strip("[]").split(", "))


@pytest.mark.parametrize(("source", "target"), [((784, 128), (784, 10)), ((16, 10), (32, 10)), ((16, 20), (32, 10))])
def test_the_block_named_is_the_block_copied(source, target):
    said = overlap_block(source, target)
    old, new = _copied(source, target)
    # "[:, :10] of the old [784, 128] into [:16, :] of the new [32, 10]": each side's slice, as said.
    old_side, _, new_side = said.partition(" into ")
    old_part = _slices(old_side.split(" of ")[0]) if " of " in old_side else (slice(None),) * len(source)
    new_part = _slices(new_side.split(" of ")[0]) if " of " in new_side else (slice(None),) * len(target)
    assert np.array_equal(old[old_part], new[new_part])
    assert old_side.endswith(f"the old {list(source)}") and new_side.endswith(f"the new {list(target)}")


def test_a_conflicts_reason_names_the_block_and_follows_the_choice():
    entry = PlanEntry(KEY, Action.DROP, None, "", (784, 128), None, "float32")
    conflict = placed(entry, "model/dense1/kernel", (784, 10), "float32", "matched by path")
    assert conflict.action == Action.KEEP_INITIAL
    block = "[:, :10] of the old [784, 128] into the new [784, 10]"
    assert conflict.reason.endswith(f"copy-overlap would copy {block}"), conflict.reason
    chosen = with_action(conflict, Action.COPY_OVERLAP)
    assert chosen.action == Action.COPY_OVERLAP and "would" not in chosen.reason
    assert f"copy-overlap copies {block}" in chosen.reason and chosen.reason.startswith("matched by path; ")
    assert with_action(chosen, Action.KEEP_INITIAL) == conflict  # and back
    chosen_plan = RepairPlan("/c/ckpt-1", "/m.py", "object", (chosen,), ())
    assert overlap_copies(chosen_plan) == [
        f"copy-overlap: model/dense1/_kernel ({KEY}) -> model/dense1/kernel: copies {block}"
    ]


def test_the_dialog_names_the_value_first_and_says_the_block_chosen(qtbot):
    from ckpt_gui.app.widgets.repair_lines import ACTION, REASON
    from ckpt_gui.app.widgets.repair_panel import RepairDialog

    slot = PlanEntry(SLOT, Action.DROP, None, "optimizer state", (784, 128), None, "float32")
    kernel = placed(PlanEntry(KEY, Action.DROP, None, "", (784, 128), None, "float32"),
                    "model/dense1/kernel", (784, 10), "float32", "matched by path")  # fmt: skip
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(RepairPlan("/c/ckpt-1", "/m.py", "object", (slot, kernel), ()), NAMES, PATHS)
    table = dialog.table
    table.setCurrentCell(0, REASON)
    under = dialog.line.text()
    assert under.startswith(f"<b>{PATHS[SLOT]}</b>"), under  # the name first, as the plan file and notes
    assert under.index(NAMES[SLOT]) < under.index(f"({SLOT})")  # the key last, in parentheses
    choice = table.cellWidget(1, ACTION)
    choice.setCurrentIndex(choice.findData(Action.COPY_OVERLAP))
    block = "copy-overlap copies [:, :10] of the old [784, 128] into the new [784, 10]"
    assert block in table.item(1, REASON).text() and "would" not in table.item(1, REASON).text()
    table.setCurrentCell(1, REASON)
    assert block in dialog.line.text()
    assert table.edited_plan().entries[1].reason == table.item(1, REASON).text()  # what Write saves


# -- the doctor's own suggestion names the block the repair's plan names (one rule, in core) ----


def _suggested(*facts: dict) -> dict[str, str]:
    from ckpt_gui.diagnosis.findings import RestoreFinding
    from ckpt_gui.diagnosis.suggestions import with_suggestions

    findings = with_suggestions([RestoreFinding.from_fact(f) for f in facts], name_based=False)
    return {f.label: " | ".join(f.suggestions) for f in findings}


@pytest.mark.parametrize(("saved", "built"), [([784, 128], [784, 10]), ([16, 10], [32, 10])])
def test_the_doctors_shape_advice_names_the_block_the_plans_reason_names(saved, built):
    from tests.test_repair_plan import _matched, _plan

    facts = (_matched("model/dense1/_kernel", saved, built),)
    said = _suggested(*facts)["model/dense1/_kernel"]
    block = overlap_block(saved, built)
    assert f"copies {block} (copy-overlap)" in said, said
    _plan_, entries = _plan(*facts)
    assert f"copy-overlap would copy {block}" in entries["model/dense1/_kernel"].reason  # the same words


def test_a_renamed_and_resized_layers_advice_names_the_block_and_none_across_ranks():
    from tests.test_renamed_layers import SEED_004
    from tests.test_repair_plan import _matched, _plan

    said = _suggested(*SEED_004)
    block = overlap_block((16, 10), (32, 10))  # dense2's saved kernel into out's
    for side in ("model/out/_kernel", "model/dense2/_kernel"):
        assert f"or copies {block} (copy-overlap)" in said[side], said[side]
    # A conflict between ranks: the plan says no block can be copied, and so does the doctor.
    facts = (_matched("model/conv/_kernel", [3, 3, 8], [3, 3, 1, 8]),)
    assert "copy-overlap" not in _suggested(*facts)["model/conv/_kernel"]
    assert "no block can be copied" in _plan(*facts)[1]["model/conv/_kernel"].reason
