"""Review 20, G9: in the Repair dialog a copy-overlap chosen on a resized layer's kernel
left its bias, the next layer's kernel and their optimizer slots at keep-initial: the
repaired model restored the kernel's overlap beside a bias and a next kernel reset, a
layer half old, half fresh, unsaid. Copy-overlap chosen on a line is now chosen on the
lines the same resize ties to it (each reason says which line it follows), the proposed
plan's notes name the tied lines, and a repair whose plan copies one and not the others
says so. End to end: TensorFlow writes the checkpoint (tests/overlap_tie_cases.py), the
doctor proposes the plan, the dialog's choice is written by ``repair``, and TensorFlow's
own restore of the user's model takes the new checkpoint with every tied value's
overlapping block (case_oracle.match). The test process never imports TensorFlow."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ckpt_gui.app.widgets.repair_lines import ACTION, REASON
from ckpt_gui.app.widgets.repair_panel import RepairDialog
from ckpt_gui.repair.overlap_ties import FOLLOWS, tied_rows, untied_overlaps, widths
from ckpt_gui.repair.plan import Action, RepairPlan, read_plan, with_action
from tests.background import Writer
from tests.conftest import run_cli
from tests.repair_flow import run_cases, written_cases
from tests.test_layer_count import OPS, _findings
from tests.test_repair_plan import _plan

DOCTOR_S = 600  # a diagnosis or a repair: TensorFlow children on a busy 2-core machine
BACKGROUND_WRITERS = {"cases": Writer([sys.executable, "-m", "tests.overlap_tie_cases", "write", "{out}"])}
ATTR = "/.ATTRIBUTES/VARIABLE_VALUE"
# The first layer's units and what they tie: its kernel's last axis, its bias, the next
# kernel's input axis, and their momentums; each value by its name (the plan's source_name)
# and the variable of the user's script that must hold it.
WEIGHTS = {OPS + "1/_kernel": "model.layers[0].kernel", OPS + "1/bias": "model.layers[0].bias",
           OPS + "2/_kernel": "model.layers[1].kernel", OPS + "2/bias": "model.layers[1].bias"}  # fmt: skip
HELD = WEIGHTS | {f"{name}/momentum": f"optimizer.momentums[{n}]" for n, name in enumerate(WEIGHTS)}
NARROWED = [OPS + "1/_kernel", OPS + "1/bias", OPS + "2/_kernel"]
MOMENTUMS = [f"{name}/momentum" for name in NARROWED]


@pytest.fixture(scope="module")
def case(request) -> Path:
    return written_cases(request)


@pytest.fixture(scope="module")
def proposed(case) -> tuple[RepairPlan, Path]:
    """The plan the doctor proposes for the case (``diagnose --plan``), read back."""
    plan = case / "plan.json"
    run_cli("diagnose", str(case / "source"), "--model", str(case / "model.py"), "--plan", str(plan), timeout=DOCTOR_S)
    assert plan.exists()
    return read_plan(str(plan)), plan


def _row(plan_or_dialog, name: str) -> int:
    """The line of the value named so (its key: ``optimizer/_trainable_variables/0/...``)."""
    entries = plan_or_dialog.table.entries if isinstance(plan_or_dialog, RepairDialog) else plan_or_dialog.entries
    return next(r for r, e in enumerate(entries) if (e.source_name or e.source_key.removesuffix(ATTR)) == name)


def test_copy_overlap_on_a_kernel_follows_to_its_tied_lines_and_tensorflow_restores_them(qtbot, case, proposed):
    plan, path = proposed
    conflicts = [*NARROWED, *MOMENTUMS]
    assert {plan.entries[_row(plan, k)].action for k in conflicts} == {Action.KEEP_INITIAL}  # as proposed
    # The plan file names the tied lines, for a user who edits it by hand.
    note = next(n for n in plan.notes if n.startswith("tied by the same resize of " + OPS + "1"))
    assert all(plan.entries[_row(plan, k)].source_name in note for k in conflicts), note
    assert "/1/_kernel/momentum" in note  # a slot by its variable, as the dialog's Source column names it

    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(plan)
    kernel = _row(dialog, NARROWED[0])
    box = dialog.table.cellWidget(kernel, ACTION)
    box.setCurrentIndex(box.findData(Action.COPY_OVERLAP))
    for key in conflicts[1:]:
        row = _row(dialog, key)
        assert dialog.table.cellWidget(row, ACTION).currentData() == Action.COPY_OVERLAP, key
        reason = dialog.table.item(row, REASON).text()
        assert "copy-overlap copies" in reason and f"{FOLLOWS}{OPS}1/_kernel (" in reason, reason
    said = dialog.result.text()
    assert said.startswith("<b>copy-overlap also chosen</b> for the 5 lines") and not dialog.result.isHidden(), said
    assert f"{OPS}1/bias, {OPS}2/_kernel, {OPS}1/_kernel/momentum" in said, said  # as the plan names them
    # The untouched lines stay as they were: the second layer's bias (no resize) maps whole.
    assert dialog.table.entries[_row(dialog, OPS + "2/bias")].action == Action.MAP
    edited = dialog.edited_plan()
    assert edited.counts()[Action.COPY_OVERLAP.value] == 6 and untied_overlaps(edited.entries) == []

    # Written as the dialog's Write does (the plan as edited), by the CLI's repair, then
    # restored by TensorFlow's own restore of the user's model.
    chosen = case / "chosen.json"
    chosen.write_text(json.dumps(edited.to_json()))
    repaired = case / "repaired"
    result = run_cli("repair", str(case / "source"), "--model", str(case / "model.py"), "--plan", str(chosen),
                     "-o", str(repaired), "--json", timeout=DOCTOR_S)  # fmt: skip
    outcome = json.loads(result.stdout)
    assert result.returncode == 0 and outcome["ok"], (result.stderr, outcome)
    assert not any("keep their initial value" in n for n in outcome["notes"]), outcome["notes"]
    keys = {name: plan.entries[_row(plan, name)].source_key for name in HELD}
    pairs = [f"{keys[name]}={expression}" for name, expression in HELD.items()]
    restored = json.loads(run_cases("overlap_tie_cases", "restore", str(case), str(repaired), *pairs).stdout)
    assert restored["restored"], restored.get("error")
    values = {name: restored["values"][keys[name]] for name in HELD}
    assert {name: values[name] for name in conflicts} == dict.fromkeys(conflicts, "overlap"), values
    assert values[OPS + "2/bias"] == values[OPS + "2/bias/momentum"] == "equal", values


def test_a_plan_copying_one_tied_line_alone_says_so(proposed):
    plan, _path = proposed
    entries = list(plan.entries)
    kernel = _row(plan, NARROWED[0])
    entries[kernel] = with_action(entries[kernel], Action.COPY_OVERLAP)
    said = untied_overlaps(entries)
    assert len(said) == 1 and said[0].startswith(f"copy-overlap of {OPS}1/_kernel, but the lines tied"), said
    assert f"{OPS}1/bias, {OPS}2/_kernel" in said[0] and "/1/_kernel/momentum" in said[0], said


# -- which lines one resize ties (from the planner's own lines, no TensorFlow) --------------------


def _tied(saved: dict, built: dict, key: str) -> list[str]:
    plan, _entries = _plan(*_findings(saved, built))
    row = _row(plan, key)
    return [plan.entries[r].source_key.removesuffix(ATTR) for r, _w in tied_rows(plan.entries, row)]


def test_a_widened_layer_ties_its_bias_and_the_next_kernel_and_no_other_layer():
    # Dense 12->16->16->4 saved, 12->32->16->4 built: the second layer's units did not change.
    saved = {OPS + "1/_kernel": [12, 16], OPS + "1/bias": [16], OPS + "2/_kernel": [16, 16], OPS + "2/bias": [16],
             OPS + "3/_kernel": [16, 4]}  # fmt: skip
    built = {OPS + "1/_kernel": [12, 32], OPS + "1/bias": [32], OPS + "2/_kernel": [32, 16], OPS + "2/bias": [16],
             OPS + "3/_kernel": [16, 4]}  # fmt: skip
    assert _tied(saved, built, OPS + "1/_kernel") == [OPS + "1/bias", OPS + "2/_kernel"]
    assert _tied(saved, built, OPS + "2/_kernel") == [OPS + "1/_kernel", OPS + "1/bias"]


def test_two_layers_resized_alike_tie_each_to_the_layer_after_it():
    # Dense 8->16->16->4 saved, 8->8->8->4 built: each layer's units tie to the next kernel's input only.
    saved = {OPS + "1/_kernel": [8, 16], OPS + "1/bias": [16], OPS + "2/_kernel": [16, 16], OPS + "2/bias": [16],
             OPS + "3/_kernel": [16, 4]}  # fmt: skip
    built = {OPS + "1/_kernel": [8, 8], OPS + "1/bias": [8], OPS + "2/_kernel": [8, 8], OPS + "2/bias": [8],
             OPS + "3/_kernel": [8, 4]}  # fmt: skip
    assert _tied(saved, built, OPS + "1/bias") == [OPS + "1/_kernel", OPS + "2/_kernel"]
    assert _tied(saved, built, OPS + "3/_kernel") == [OPS + "2/_kernel", OPS + "2/bias"]
    plan, _entries = _plan(*_findings(saved, built))
    assert len(widths(plan.entries)) == 2


def test_layers_with_no_order_are_not_guessed():
    # Subclassed layers (no position): two layers narrowed alike, which feeds the head is not known.
    saved = {"model/a/_kernel": [8, 16], "model/b/_kernel": [8, 16], "model/head/_kernel": [16, 4]}
    built = {"model/a/_kernel": [8, 8], "model/b/_kernel": [8, 8], "model/head/_kernel": [8, 4]}
    assert _tied(saved, built, "model/head/_kernel") == []
    # One layer narrowed: the head's input is clearly its units.
    saved.pop("model/b/_kernel"), built.pop("model/b/_kernel")
    assert _tied(saved, built, "model/head/_kernel") == ["model/a/_kernel"]
