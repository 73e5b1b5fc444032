"""Review 12 #2 and #16d (a real window at 1024x640): the repair dialog on a retarget.
A dropped value retargeted to ``model/out/_kernel`` still read "drop" with its old
reason while the headline counted a map; a [16, 10] value sent to a [32, 10] variable
was refused only by TensorFlow ~5 s into Write, and the line offered no copy-overlap;
the target was a bare line edit; and the last line needed scrolling while the table
left empty room below. The plan is the doctor's proposal from a report's findings
(as tests/test_repair_plan.py makes them). Offscreen, no TensorFlow."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QComboBox

from ckpt_gui.app.widgets.repair_lines import ACTION, REASON, TARGET
from ckpt_gui.app.widgets.repair_panel import RepairDialog
from ckpt_gui.core.format.conventions import without_attributes
from ckpt_gui.core.statuses import RestoreStatus
from ckpt_gui.diagnosis.findings import RestoreFinding, RestoreReport, TensorFlowVerdict
from ckpt_gui.repair.plan import Action, InitialVariable, PlanEntry, RepairPlan, entry_misfit, plan_problems
from ckpt_gui.repair.planner import propose_plan
from tests.test_repair_plan import ATTR, _matched, _missing, _value

HEAD = "model/head/_kernel"  # saved [16, 10]; the model's classifier is [32, 10] (its input widened)


def _proposed() -> RepairPlan:
    """A head layer replaced by a wider classifier, and a value two variables could take."""
    facts = (
        _matched("model/dense1/bias", [16]),
        _value("unmatched", HEAD, [16, 10]),
        _missing("model/classifier/_kernel", [32, 10]),
        _missing("model/flat/_kernel", [160]),
        _value("unmatched", "model/old/kernel", [4, 4]),
        _value("unmatched", "model/older/kernel", [4, 4]),
        _missing("model/left/kernel", [4, 4]),
        _missing("model/right/kernel", [4, 4]),
    )
    findings = tuple(RestoreFinding.from_fact(fact) for fact in facts)
    report = RestoreReport("/ckpt/ckpt-5", "/m.py", False, None, {s: 0 for s in RestoreStatus}, findings, (),
                           TensorFlowVerdict(), "python", "2.x", 0.0, "object")  # fmt: skip
    return propose_plan(report)


@pytest.fixture()
def dialog(qtbot):
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(_proposed())
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _row(dialog: RepairDialog, path: str) -> int:
    return next(r for r, e in enumerate(dialog.plan.entries) if e.source_key == path + ATTR)


def _action(dialog: RepairDialog, row: int) -> str:
    choice = dialog.table.cellWidget(row, ACTION)
    return choice.currentText() if isinstance(choice, QComboBox) else dialog.table.item(row, ACTION).text()


def _retarget(qtbot, dialog: RepairDialog, row: int, typed: str) -> None:
    """As a user does it: double-click the Target cell (its editor opens), type, Enter."""
    table = dialog.table
    index = table.model().index(row, TARGET)
    table.scrollTo(index)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a double-click's first press
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = table.indexWidget(index)
    assert isinstance(editor, QComboBox) and editor.isEditable(), "the target is picked from the model's variables"
    editor.lineEdit().selectAll()
    qtbot.keyClicks(editor.lineEdit(), typed)
    editor.completer().popup().hide()  # Enter then commits what was typed, not the popup's current line
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.indexWidget(index) is None)


def _headline_counts(dialog: RepairDialog) -> dict[str, int]:
    return {a.value: n for a, n in ((a, dialog.headline.text().count(f" {a.value}")) for a in Action) if n}


def test_a_retargeted_drop_line_is_a_map_at_once(qtbot, dialog):
    row = _row(dialog, "model/old/kernel")
    assert _action(dialog, row) == "drop"  # two [4, 4] variables could take it: the user's to say
    _retarget(qtbot, dialog, row, "model/left/kernel")
    assert dialog.table.item(row, TARGET).text() == "model/left/kernel"
    assert _action(dialog, row) == Action.MAP.value
    reason = dialog.table.item(row, REASON).text()
    assert reason == "chosen by you" and "nothing" not in reason and "model variables" not in reason
    # The headline counts what the rows say.
    rows = [_action(dialog, r) for r in range(dialog.table.rowCount())]
    counts = {a.value: rows.count(a.value) for a in Action if rows.count(a.value)}
    assert dialog.edited_plan().counts() == {a.value: rows.count(a.value) for a in Action}
    summary = ", ".join(f"{n} {a}" for a, n in counts.items())
    assert f": {summary}." in dialog.headline.text(), (summary, dialog.headline.text())
    dialog.table.setCurrentCell(row, REASON)
    assert "model/left/kernel" in dialog.line.text() and "chosen by you" in dialog.line.text()


def test_a_retarget_to_another_shape_is_a_conflict_at_once_with_copy_overlap_offered(qtbot, dialog):
    row = _row(dialog, HEAD)
    assert _action(dialog, row) == "drop"
    _retarget(qtbot, dialog, row, "model/classifier/_kernel")
    choice = dialog.table.cellWidget(row, ACTION)
    assert isinstance(choice, QComboBox), "a conflict offers keep-initial or copy-overlap, as other rows do"
    assert [choice.itemText(i) for i in range(choice.count())] == ["keep-initial", "copy-overlap"]
    assert choice.currentText() == "keep-initial"  # never a silent reshape
    reason = dialog.table.item(row, REASON).text()
    assert reason.startswith("chosen by you; shape conflict") and "[16, 10]" in reason and "[32, 10]" in reason
    entry = dialog.edited_plan().entries[row]
    assert (entry.action, entry.target_shape) == (Action.KEEP_INITIAL, (32, 10))
    assert "1 keep-initial" in dialog.headline.text() and "cannot be written" not in dialog.headline.text()
    choice.setCurrentIndex(1)  # the overlapping [16, 10] block
    entry = dialog.edited_plan().entries[row]
    assert entry.action == Action.COPY_OVERLAP and entry_misfit(entry) is None
    assert "1 copy-overlap" in dialog.headline.text()
    assert "model/classifier/_kernel" not in {v.target for v in dialog.edited_plan().initial}


def test_copy_overlap_is_not_offered_where_no_block_can_be_copied(qtbot, dialog):
    # [16, 10] into [160]: the ranks differ. The rule the writer follows says so, in the
    # line's reason, and the combo does not offer it.
    row = _row(dialog, HEAD)
    _retarget(qtbot, dialog, row, "model/flat/_kernel")
    choice = dialog.table.cellWidget(row, ACTION)
    assert choice.currentText() == "keep-initial"
    overlap = choice.model().item(1)
    assert overlap.text() == "copy-overlap" and not overlap.isEnabled() and "ranks differ" in overlap.toolTip()
    reason = dialog.table.item(row, REASON).text()
    assert "ranks differ" in reason and "would copy" not in reason


def test_a_line_the_writer_would_refuse_is_marked_at_once(qtbot, dialog):
    # Two values sent to one variable: the plan check Write makes (and the child's rule)
    # marks the second line in its reason, before any Write.
    first, second = _row(dialog, "model/old/kernel"), _row(dialog, "model/older/kernel")
    _retarget(qtbot, dialog, first, "model/left/kernel")
    _retarget(qtbot, dialog, second, "model/left/kernel")  # typed: not offered, another line writes it
    assert _action(dialog, second) == "map"
    # Said with the Source column's names (no paths given: the keys without their attributes).
    expected = dict(plan_problems(dialog.edited_plan(), without_attributes))[dialog.plan.entries[second].source_key]
    assert "writes model/left/kernel twice" in expected
    reason = dialog.table.item(second, REASON)
    assert reason.text() == f"\u2716 cannot be written: {expected}"
    assert reason.foreground().color() != dialog.table.item(first, REASON).foreground().color()
    assert "1 line cannot be written" in dialog.headline.text()
    _retarget(qtbot, dialog, second, "model/right/kernel")
    assert dialog.table.item(second, REASON).text() == "chosen by you"
    assert "cannot be written" not in dialog.headline.text()


def test_the_target_editor_offers_the_models_unclaimed_variables_and_refuses_an_unknown_one(qtbot, dialog):
    table, row = dialog.table, _row(dialog, "model/old/kernel")
    index = table.model().index(row, TARGET)
    table.edit(index)
    editor = table.indexWidget(index)
    offered = [editor.itemText(i) for i in range(editor.count())]
    # Every model variable no other line writes (dense1/bias is taken by its own value).
    assert set(offered) == {"model/classifier/_kernel", "model/flat/_kernel", "model/left/kernel", "model/right/kernel"}
    tip = editor.itemData(offered.index("model/classifier/_kernel"), Qt.ItemDataRole.ToolTipRole)
    assert tip == "[32, 10] float32"  # to pick the one the value fits
    completer = editor.completer()
    completer.setCompletionPrefix("classif")  # any part of a name
    assert completer.currentCompletion() == "model/classifier/_kernel"
    table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
    before = dialog.edited_plan().to_json()
    _retarget(qtbot, dialog, row, "model/lefft/kernel")
    assert table.item(row, TARGET).text() == "" and _action(dialog, row) == "drop"
    assert dialog.edited_plan().to_json() == before
    said = dialog.result.text()
    assert dialog.result.isVisible() and "no variable model/lefft/kernel" in said and "model/left/kernel" in said


def test_write_refuses_a_line_the_writer_would_refuse_before_tensorflow_and_selects_it(window, monkeypatch):
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.resources import demo_path

    ckpt = Checkpoint.open(demo_path())
    keys = [f"optimizer/_trainable_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE" for i in (3, 4)]  # both [16]
    entries = tuple(PlanEntry(key, Action.DROP, None, "nothing in the model claims it", (16,), None, "float32")
                    for key in keys)  # fmt: skip
    plan = RepairPlan(ckpt.prefix, "/m.py", "object", entries, (InitialVariable("model/bn/gamma", "", (16,),
                                                                                "float32"),))  # fmt: skip
    window.repair.ckpt, window.repair.script = ckpt, "/m.py"
    dialog = window.repair._dialog()
    dialog.show_plan(plan)
    dialog.show()
    submitted = []
    monkeypatch.setattr(window.repair.runner, "submit", lambda *a, **k: submitted.append(a))
    for row in (0, 1):
        dialog.table.item(row, TARGET).setText("model/bn/gamma")
    dialog.table.setCurrentCell(0, REASON)
    window.repair.write("/tmp/never-written")
    text = dialog.result.text()
    # Named as the Source column names it (no paths given: the key without its attributes).
    said = "from optimizer/_trainable_variables/3 and from optimizer/_trainable_variables/4)"
    assert not submitted and "Not done" in text and said in text, text
    assert "twice" in text and ".ATTRIBUTES" not in text, text
    assert dialog.table.currentRow() == 1  # the line named is the line shown


def test_the_table_takes_the_room_under_it(qtbot, dialog):
    # Nothing said yet: no empty line and its spacing between the table and the buttons.
    layout = dialog.layout()
    below_line = dialog.line.geometry().bottom() + 1
    assert dialog.save_button.geometry().top() - below_line <= layout.spacing(), "room left empty under the table"
    assert not dialog.result.isVisible()
    dialog.show_error("something")
    assert dialog.result.isVisible()
    dialog.show_plan(_proposed())
    assert not dialog.result.isVisible()


def test_a_keep_initial_retarget_onto_a_target_another_line_writes_is_refused_naming_that_line(qtbot, dialog):
    # Review 13 #2a: typed, a claimed target whose shape does not fit became "keep-initial ->
    # model/left/kernel", unmarked, while the new checkpoint held the other line's value there.
    first, row = _row(dialog, "model/old/kernel"), _row(dialog, HEAD)
    _retarget(qtbot, dialog, first, "model/left/kernel")
    assert _action(dialog, first) == "map"
    before = dialog.edited_plan().to_json()
    _retarget(qtbot, dialog, row, "model/left/kernel")  # [16, 10] into [4, 4]: keep-initial, not a write
    assert table_target(dialog, row) == "" and _action(dialog, row) == "drop"
    assert dialog.edited_plan().to_json() == before
    said = dialog.result.text()
    assert dialog.result.isVisible() and "Not retargeted" in said
    assert f"model/left/kernel is written by line {first + 1} (model/old/kernel)" in said, said


def table_target(dialog: RepairDialog, row: int) -> str:
    return dialog.table.item(row, TARGET).text()
