"""Review 20, G10: the doctor's table names an optimizer slot by the variable it belongs
to (``…/1/_kernel/momentum``), but its notes named it by the optimizer's object path
("for the same reason 1 other matching value was not restored: optimizer/momentums/3"),
and so did the Repair dialog's Target column, ``diff``'s "moved?" lines and ``inspect``'s
NAME column. Each now names a slot as the table does, the optimizer's path kept where it
helps (the JSON report's ``model_path``, the target's tooltip and the plan's ``target``).
TensorFlow writes the checkpoints (tests/overlap_tie_cases.py: SGD with momentum, a layer
narrowed since; the same values under other attributes), and the doctor runs it."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from ckpt_gui.app.widgets.distinct_names import SHOWN_ROLE
from ckpt_gui.app.widgets.repair_lines import TARGET
from ckpt_gui.app.widgets.repair_panel import RepairDialog
from ckpt_gui.repair.plan import read_plan
from tests.background import Writer
from tests.conftest import painted_texts, run_cli
from tests.repair_flow import written_cases

BACKGROUND_WRITERS = {"cases": Writer([sys.executable, "-m", "tests.overlap_tie_cases", "write", "{out}"])}
OPS = "model/_functional/_operations/"
SLOTS = [f"{OPS}{n}/{w}/momentum" for n in (1, 2) for w in ("_kernel", "bias")]  # SGD's, as the table names them
OPTIMIZER_PATH = "optimizer/momentums/"  # what they were named by


@pytest.fixture(scope="module")
def case(request) -> Path:
    return written_cases(request)


@pytest.fixture(scope="module")
def diagnosed(case) -> tuple[dict, Path]:
    """``diagnose --json --plan``'s report and plan (one doctor run for the module)."""
    plan = case / "plan.json"
    result = run_cli("diagnose", str(case / "source"), "--model", str(case / "model.py"), "--json", "--plan",
                     str(plan), timeout=600)  # fmt: skip
    return json.loads(result.stdout), plan


def test_the_doctors_notes_name_a_slot_as_its_table_does(diagnosed):
    report, _plan = diagnosed
    slots = {v["checkpoint_name"]: v for v in report["variables"] if v.get("checkpoint_name")}
    assert set(slots) == set(SLOTS)
    held = slots[SLOTS[3]]  # the second layer's bias kept its size: its momentum matches, held back by the conflicts
    assert held["status"] == "consumed" and held["model_path"] == OPTIMIZER_PATH + "3"  # the JSON keeps the path
    note = next(n for n in report["notes"] if n.startswith("for the same reason"))
    assert note.endswith(f"not restored: {SLOTS[3]}"), note
    assert not any(OPTIMIZER_PATH in n for n in report["notes"]), report["notes"]


def test_the_repair_target_column_names_a_slot_by_its_variable(qtbot, diagnosed):
    _report, path = diagnosed
    plan = read_plan(str(path))
    slots = {e.target_name: e for e in plan.entries if e.target_name}
    assert set(slots) == set(SLOTS)
    assert all(e.target == OPTIMIZER_PATH + str(n) for n, e in enumerate(slots[name] for name in SLOTS))
    assert json.loads(path.read_text())["entries"][0].get("target_name") is None  # only where a name says more

    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(plan)
    table = dialog.table
    painted = painted_texts(table, TARGET, 0)
    rows = {e.target_name: r for r, e in enumerate(table.entries) if e.target_name}
    for name, row in rows.items():
        # Whole, or cut to one of its own forms ("…/2/bias/momentum"): the name's, never the path's.
        assert name.endswith(painted[row].removeprefix("\u2026")), (painted[row], name)
        assert table.item(row, TARGET).text() == slots[name].target  # what the editor edits: the path
        assert table.item(row, TARGET).toolTip().startswith(slots[name].target)
    assert not any(OPTIMIZER_PATH in text for text in painted), painted
    row = rows[SLOTS[0]]
    table.setCurrentCell(row, TARGET)
    assert f"\u2192 {SLOTS[0]} ({OPTIMIZER_PATH}0)" in dialog.line.text(), dialog.line.text()
    # Typed by the name the column shows, a target is the slot it names; an unchanged one stays named.
    table.item(row, TARGET).setText(SLOTS[0])
    assert table.entries[row].target == OPTIMIZER_PATH + "0" and table.item(row, TARGET).text() == OPTIMIZER_PATH + "0"
    assert table.item(row, TARGET).data(SHOWN_ROLE) == SLOTS[0]
    other = rows[SLOTS[1]]
    table.item(other, TARGET).setText(OPTIMIZER_PATH + "2")  # retargeted onto another slot: named by it
    assert table.entries[other].target_name == SLOTS[2] and table.item(other, TARGET).data(SHOWN_ROLE) == SLOTS[2]


def test_inspect_lists_a_slot_under_its_variable(case):
    listed = run_cli("inspect", str(case / "source")).stdout
    names = [line.split()[0] for line in listed.splitlines() if line.startswith((OPS, "optimizer/"))]
    assert names[:8] == [
        name for n in (1, 2) for w in ("_kernel", "bias") for name in (f"{OPS}{n}/{w}", f"{OPS}{n}/{w}/momentum")
    ]
    assert not any(name.startswith(OPTIMIZER_PATH) for name in names), names


def test_diffs_moved_lines_name_a_slot_as_its_name_column(case):
    text = run_cli("diff", str(case / "source"), str(case / "moved")).stdout
    moved = [line for line in text.splitlines() if line.startswith("  moved? ")]
    assert moved and not any(OPTIMIZER_PATH in line or "opt/momentums" in line for line in moved), moved
    said = f"  moved? {OPS}1/_kernel/momentum -> net/_functional/_operations/1/_kernel/momentum (same values)"
    assert said in moved, moved
    names = {line.split()[1] for line in text.splitlines() if line.startswith(("only_a", "only_b"))}
    assert f"{OPS}1/_kernel/momentum" in names  # the NAME column's own name for it


def test_the_repairs_block_lines_name_a_slots_target_by_its_variable(diagnosed):
    from ckpt_gui.repair.notes import overlap_copies
    from ckpt_gui.repair.plan import Action, with_action

    _report, path = diagnosed
    plan = read_plan(str(path))
    entries = [with_action(e, Action.COPY_OVERLAP) if e.target_name == SLOTS[0] else e for e in plan.entries]
    said = overlap_copies(dataclasses.replace(plan, entries=tuple(entries)))
    assert said == [f"copy-overlap: {SLOTS[0]} (optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE) -> {SLOTS[0]} "
                    f"({OPTIMIZER_PATH}0): copies [:, :8] of the old [8, 16] into the new [8, 8]"], said  # fmt: skip


def test_a_slot_bound_elsewhere_is_named_by_its_variable_in_the_notes_and_the_plan():
    """Adam's state read by SGD binds by position (a note of the doctor's, the plan's
    foreign optimizer): the slot by its variable first, TensorFlow's two paths beside it."""
    from ckpt_gui.diagnosis.binding_notes import moved_notes
    from ckpt_gui.diagnosis.findings import RestoreFinding
    from ckpt_gui.repair.pairing import foreign_optimizer_roots

    fact = {"status": "consumed", "checkpoint_key": "optimizer/_variables/3/.ATTRIBUTES/VARIABLE_VALUE",
            "checkpoint_path": "optimizer/_momentums/1", "model_path": OPTIMIZER_PATH + "2", "optimizer": True,
            "checkpoint_shape": [16], "model_shape": [16], "checkpoint_dtype": "float32",
            "model_dtype": "float32"}  # fmt: skip
    slot = dataclasses.replace(RestoreFinding.from_fact(fact), checkpoint_name=SLOTS[1])
    (note,) = moved_notes([slot])
    assert note.endswith(f": {SLOTS[1]} (optimizer/_momentums/1 -> {OPTIMIZER_PATH}2)"), note
    why = foreign_optimizer_roots([slot])["optimizer"]
    assert why == f"saved as {SLOTS[1]} (optimizer/_momentums/1), TensorFlow would bind it to {OPTIMIZER_PATH}2", why


def test_the_markdown_report_has_a_slots_key_in_the_key_column_and_its_name_in_the_model_path_column(diagnosed):
    """Review 22 #6: the exported Markdown had a slot's name (and its key in brackets) in
    "Checkpoint key" and the optimizer's path in "Model path". The key column holds the
    key; the model-path column the name the tree and the app's table give it, the
    optimizer's path beside it."""
    from ckpt_gui.core.statuses import RestoreStatus
    from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict
    from ckpt_gui.diagnosis.report_markdown import markdown

    report, _plan = diagnosed
    variables = tuple(
        dataclasses.replace(RestoreFinding.from_fact(v), checkpoint_name=v.get("checkpoint_name"))
        for v in report["variables"]
    )
    summary = {status: sum(1 for v in variables if v.status == status) for status in RestoreStatus}
    shown = RestoreReport("/c", "/m.py", False, None, summary, variables, (), TensorFlowVerdict(), "py", "2", 1.0)
    rows = {}
    for line in markdown(shown).splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 5 and cells[1] not in ("Checkpoint key", "---"):
            rows[cells[1]] = cells[2]
    slots = [v for v in report["variables"] if v.get("checkpoint_name") and v["status"] != "consumed"]
    assert slots
    for v in slots:
        assert v["checkpoint_key"] in rows, (v["checkpoint_key"], rows)  # the key alone in its column
        assert rows[v["checkpoint_key"]] == f"{v['checkpoint_name']} ({v['model_path']})"
        assert v["checkpoint_name"].startswith(OPS)
