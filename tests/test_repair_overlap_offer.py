"""Review 16, 4: seed 003's Repair dialog (Dense 784->128->10 saved, 784->10 built) said on
the removed layer's lines "copying a block of another layer's weights is not proposed, as it
is no meaningful start", and its Action box offered copy-overlap all the same. The box now
holds it disabled, its tooltip saying why; the mark is kept in the plan file, so a plan
written and loaded back offers what it did, and a copy-overlap chosen on another line is
written and loaded back chosen. Offscreen, no TensorFlow (the planner's words on seed 003
are checked against TensorFlow's restore in test_layer_count)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from ckpt_gui.app.widgets.repair_lines import ACTION, REASON
from ckpt_gui.app.widgets.repair_panel import RepairDialog
from ckpt_gui.repair.plan import Action, RepairPlan, read_plan
from tests.test_layer_count import OPS, _findings
from tests.test_repair_plan import _plan

SEED_003 = (
    {OPS + "1/_kernel": [784, 128], OPS + "1/bias": [128], OPS + "2/_kernel": [128, 10], OPS + "2/bias": [10]},
    {OPS + "1/_kernel": [784, 10], OPS + "1/bias": [10]},
)
# A layer widened in its place (Dense 12->16->4 saved, 12->32->4 built): its block is a start.
WIDENED = (
    {OPS + "1/_kernel": [12, 16], OPS + "1/bias": [16], OPS + "2/_kernel": [16, 4], OPS + "2/bias": [4]},
    {OPS + "1/_kernel": [12, 32], OPS + "1/bias": [32], OPS + "2/_kernel": [32, 4], OPS + "2/bias": [4]},
)


def _dialog(qtbot, plan: RepairPlan) -> RepairDialog:
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(plan)
    return dialog


def _row(dialog: RepairDialog, path: str) -> int:
    return next(r for r, e in enumerate(dialog.table.entries) if e.source_key.startswith(path + "/"))


def _offers(dialog: RepairDialog, row: int) -> dict[str, tuple[bool, str]]:
    """Each choice of the row's Action box: (enabled, its tooltip)."""
    box = dialog.table.cellWidget(row, ACTION)
    items = [box.model().item(i) for i in range(box.count())]
    return {item.text(): (item.isEnabled(), item.toolTip()) for item in items}


def _written_and_loaded(dialog: RepairDialog, tmp_path) -> RepairPlan:
    """Save plan..., then Load plan... (the repair controller's steps: the edited plan's JSON to a file, read back)."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(dialog.edited_plan().to_json(), indent=1) + "\n")
    return read_plan(str(path))


def test_a_removed_layers_value_is_not_offered_as_a_block_and_the_plan_file_keeps_that(qtbot, tmp_path):
    plan, _entries = _plan(*_findings(*SEED_003))
    dialog = _dialog(qtbot, plan)
    for weight in ("_kernel", "bias"):
        row = _row(dialog, OPS + "1/" + weight)
        assert "not proposed" in dialog.table.item(row, REASON).text()  # what the reason says ...
        offers = _offers(dialog, row)
        assert offers[Action.KEEP_INITIAL.value][0]
        enabled, why = offers[Action.COPY_OVERLAP.value]
        assert not enabled, offers  # ... the box does too
        assert why.startswith("a value of the removed layer") and "no meaningful start" in why, why
        assert "copy-overlap not offered" in dialog.table.cellWidget(row, ACTION).toolTip()
    # Written and loaded back, the lines offer what they did.
    loaded = _written_and_loaded(dialog, tmp_path)
    kernel = next(e for e in loaded.entries if e.source_key.startswith(OPS + "1/_kernel/"))
    assert kernel.overlap_not_offered and kernel.action == Action.KEEP_INITIAL
    again = _dialog(qtbot, loaded)
    assert not _offers(again, _row(again, OPS + "1/_kernel"))[Action.COPY_OVERLAP.value][0]
    # A plan file that asks for the block anyway (edited by hand) keeps that choice, shown chosen.
    document = loaded.to_json()
    for raw in document["entries"]:
        if raw["source_key"].startswith(OPS + "1/_kernel/"):
            raw["action"] = Action.COPY_OVERLAP.value
    edited = _dialog(qtbot, RepairPlan.from_json(document, "edited.json"))
    box = edited.table.cellWidget(_row(edited, OPS + "1/_kernel"), ACTION)
    assert box.currentData() == Action.COPY_OVERLAP
    assert edited.edited_plan().to_json()["summary"]["copy-overlap"] == 1
    # Its reason says the plan asks what was not proposed, and what the line does; it read
    # "it keeps its initial value" beside copy-overlap (review 18, F5).
    reason = edited.table.item(_row(edited, OPS + "1/_kernel"), REASON).text()
    assert reason.startswith("copy-overlap asked by the plan: ") and "copy-overlap copies" in reason
    assert "(not proposed: a value of the removed layer" in reason, reason
    assert "keeps its initial value;" not in reason, reason
    edited.table.selectRow(_row(edited, OPS + "1/_kernel"))  # the selected line, read whole under the table
    assert "copy-overlap asked by the plan: " in edited.line.text(), edited.line.text()
    box.setCurrentIndex(box.findData(Action.KEEP_INITIAL))  # chosen back: its own reason again
    assert "not proposed" in edited.table.item(_row(edited, OPS + "1/_kernel"), REASON).text()
    assert not edited.table.item(_row(edited, OPS + "1/_kernel"), REASON).text().startswith("copy-overlap asked")


def test_a_copy_overlap_chosen_is_written_and_loaded_back_chosen(qtbot, tmp_path):
    plan, _entries = _plan(*_findings(*WIDENED))
    dialog = _dialog(qtbot, plan)
    row = _row(dialog, OPS + "1/_kernel")
    offers = _offers(dialog, row)
    assert offers[Action.COPY_OVERLAP.value][0], offers  # a resize of the same layer keeps the offer
    box = dialog.table.cellWidget(row, ACTION)
    box.setCurrentIndex(box.findData(Action.COPY_OVERLAP))
    loaded = _written_and_loaded(dialog, tmp_path)
    kernel = next(e for e in loaded.entries if e.source_key.startswith(OPS + "1/_kernel/"))
    assert kernel.action == Action.COPY_OVERLAP and kernel.overlap_not_offered is None
    assert "copy-overlap copies the old [12, 16] into [:, :16] of the new [12, 32]" in kernel.reason, kernel.reason
    again = _dialog(qtbot, loaded)
    row = _row(again, OPS + "1/_kernel")
    assert again.table.cellWidget(row, ACTION).currentData() == Action.COPY_OVERLAP
    assert again.table.item(row, REASON).text() == kernel.reason
    assert again.table.item(row, 0).checkState() == Qt.CheckState.Checked
    assert again.edited_plan().to_json() == loaded.to_json()  # nothing lost on the way
