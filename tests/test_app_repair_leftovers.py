"""Review 13's leftovers of the Repair dialog (#2b, #2c): a line the writer would refuse
was said with checkpoint keys ("from optimizer/_trainable_variables/1/.ATTRIBUTES/
VARIABLE_VALUE and ...") while the Source column shows readable paths; the edited row
scrolled out of view as the explanation under the table grew; the target list showed
each variable's shape only in a tooltip. Offscreen, no TensorFlow."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemDelegate, QStyle, QStyleOptionViewItem

from ckpt_gui.app.widgets.repair_lines import ACTION, REASON, TARGET
from ckpt_gui.app.widgets.repair_panel import RepairDialog
from ckpt_gui.repair.plan import Action, InitialVariable, PlanEntry, RepairPlan
from tests.test_app_review12_repair import _retarget

WINDOW_SIZE = (1024, 640)
KEYS = [f"optimizer/_trainable_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE" for i in range(40)]
# What the Source column shows for each key (source_paths: the place in the model, not the list).
PATHS = {key: f"model/_functional/_operations/{i}/block_{i}/_kernel" for i, key in enumerate(KEYS)}
TARGETS = ("model/bn/gamma", "model/bn/beta")


def _plan(count: int = 2) -> RepairPlan:
    """``count`` [16] values nothing claims, and two [16] model variables they could go to."""
    entries = tuple(PlanEntry(key, Action.DROP, None, "nothing in the model claims it", (16,), None, "float32")
                    for key in KEYS[:count])  # fmt: skip
    initial = tuple(InitialVariable(t, "", (16,), "float32") for t in TARGETS)
    return RepairPlan("/ckpt/ckpt-1", "/m.py", "object", entries, initial)


@pytest.fixture()
def dialog(qtbot):
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(_plan(), paths=PATHS)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


# -- #2c: the marks and Write's refusal name values as the Source column does -------------------


def test_a_line_the_writer_would_refuse_is_said_with_the_source_columns_names(qtbot, dialog):
    for row in (0, 1):
        _retarget(qtbot, dialog, row, TARGETS[0])
    reason = dialog.table.item(1, REASON).text()
    twice = f"writes {TARGETS[0]} twice (from {PATHS[KEYS[0]]} and from {PATHS[KEYS[1]]})"
    assert reason == f"\u2716 cannot be written: {twice}"
    dialog.table.setCurrentCell(1, REASON)
    under = dialog.line.text()
    assert f"from {PATHS[KEYS[0]]} and from {PATHS[KEYS[1]]}" in under
    assert KEYS[1] in under  # the line under the table still gives the key whole, once, at its start
    assert under.count("_trainable_variables") == 1, under


def test_a_shape_the_writer_refuses_is_said_with_the_source_columns_name(qtbot):
    # A loaded plan mapping a [16] value onto a [32] variable: marked before Write.
    entry = PlanEntry(KEYS[0], Action.MAP, "model/wide/bias", "from a plan file", (16,), (32,), "float32", "float32")
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(RepairPlan("/ckpt/ckpt-1", "/m.py", "object", (entry,), ()), paths=PATHS)
    reason = dialog.table.item(0, REASON).text()
    assert reason.startswith(f"\u2716 cannot be written: {PATHS[KEYS[0]]} has shape [16]"), reason
    assert "_trainable_variables" not in reason


def test_write_refused_names_the_line_by_its_number_and_source(window, monkeypatch):
    from ckpt_gui.core.checkpoint import Checkpoint
    from ckpt_gui.resources import demo_path

    ckpt = Checkpoint.open(demo_path())
    keys = [f"optimizer/_trainable_variables/{i}/.ATTRIBUTES/VARIABLE_VALUE" for i in (3, 4)]  # both [16]
    paths = {keys[0]: "model/_operations/3/gamma", keys[1]: "model/_operations/3/beta"}
    # 38 lines of values left out first: the line refused is the last, below the table's fold.
    entries = tuple(PlanEntry(key, Action.DROP, None, "nothing in the model claims it", (16,), None, "float32")
                    for key in [*(f"left_out/{i}" for i in range(38)), *keys])  # fmt: skip
    plan = RepairPlan(ckpt.prefix, "/m.py", "object", entries, (InitialVariable("model/bn/gamma", "", (16,),
                                                                                "float32"),))  # fmt: skip
    window.repair.ckpt, window.repair.script = ckpt, "/m.py"
    dialog = window.repair._dialog()
    dialog.show_plan(plan, paths=paths)
    dialog.show()
    dialog.resize(dialog.width(), 400)
    submitted = []
    monkeypatch.setattr(window.repair.runner, "submit", lambda *a, **k: submitted.append(a))
    for row in (38, 39):
        dialog.table.item(row, TARGET).setText("model/bn/gamma")
    dialog.table.setCurrentCell(39, REASON)  # just edited, at the table's foot: the refusal said pushes it up
    dialog.table.scrollToBottom()
    window.repair.write("/tmp/never-written")
    text = dialog.result.text()
    assert not submitted
    assert "Not done" in text and "line 40 (model/_operations/3/beta) cannot be written" in text, text
    assert "from model/_operations/3/gamma and from model/_operations/3/beta" in text, text
    assert "_trainable_variables" not in text, text
    assert dialog.table.currentRow() == 39  # the line named is the line shown, in view
    assert _in_view(dialog, 39)


# -- #2c: the edited row stays selected and in view ------------------------------------------


def _typed(qtbot, dialog: RepairDialog, row: int, typed: str) -> None:
    """A retarget typed whole, then Enter, with the completion list never shown: offscreen,
    the list shown (as _retarget's typing shows it) crashes Qt in the event loop after, as the
    closed editor is deleted with the list it had made the active window."""
    table = dialog.table
    index = table.model().index(row, TARGET)
    rect = table.visualRect(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = table.indexWidget(index)
    editor.lineEdit().setText(typed)
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.indexWidget(index) is None)


def _in_view(dialog: RepairDialog, row: int) -> bool:
    table = dialog.table
    rect = table.visualRect(table.model().index(row, TARGET))
    return table.viewport().rect().contains(rect)


@pytest.mark.parametrize("twice", [False, True], ids=["map", "written-twice"])
def test_the_edited_row_stays_selected_and_in_view(qtbot, twice):
    # The row edited is the table's last one in view (a user scrolls to it, double-clicks
    # it); what is said under the table grows with the edit (the line whole, a refusal) and
    # the table shrinks: the row had gone out of view below (review 13, 71).
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(_plan(40), paths=PATHS)
    dialog.resize(720, 540)
    dialog.show()
    qtbot.waitExposed(dialog)
    if twice:
        _typed(qtbot, dialog, 0, TARGETS[0])
    dialog.table.scrollToTop()
    row = max(r for r in range(40) if _in_view(dialog, r))
    _typed(qtbot, dialog, row, TARGETS[0])
    qtbot.wait(50)  # the layout's turn: the line under the table re-wrapped
    assert dialog.table.currentRow() == row
    assert dialog.table.selectionModel().isRowSelected(row)
    assert _in_view(dialog, row), (row, dialog.table.rowAt(dialog.table.viewport().height() - 1))
    if twice:
        assert dialog.table.item(row, REASON).text().startswith("\u2716")


def test_a_chosen_action_selects_its_row_and_keeps_it_in_view(qtbot):
    # The Action combo takes the click, not the table: the line under the table went on
    # showing another row while the chosen one could sit cut at the table's foot.
    conflict = PlanEntry(KEYS[39], Action.KEEP_INITIAL, "model/wide/_kernel", "shape conflict", (16, 4), (32, 4),
                         "float32", "float32")  # fmt: skip
    plan = _plan(39)
    plan = RepairPlan(plan.source, plan.script, plan.mode, (*plan.entries, conflict), plan.initial)
    dialog = RepairDialog()
    qtbot.addWidget(dialog)
    dialog.show_plan(plan, paths=PATHS)
    dialog.resize(720, 540)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.table.setCurrentCell(0, REASON)
    row = 39
    dialog.table.scrollToBottom()
    dialog.table.cellWidget(row, ACTION).setCurrentIndex(1)  # copy-overlap
    qtbot.wait(50)
    assert dialog.edited_plan().entries[row].action == Action.COPY_OVERLAP
    assert dialog.table.currentRow() == row and dialog.table.selectionModel().isRowSelected(row)
    assert PATHS[KEYS[39]] in dialog.line.text() or KEYS[39] in dialog.line.text()
    assert _in_view(dialog, row)


# -- #2b: the target lists show each variable's shape beside its name --------------------------


def _ink_after(view, index, x: int, width: int) -> int:
    """Pixels the view's delegate draws right of ``x`` in a ``width``-wide line for ``index``."""
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, width, view.sizeHintForRow(0))
    option.font, option.fontMetrics, option.palette = view.font(), view.fontMetrics(), view.palette()
    option.state = QStyle.StateFlag.State_Enabled
    option.widget = view
    image = QImage(option.rect.size(), QImage.Format.Format_RGB32)
    base = view.palette().color(QPalette.ColorRole.Base)
    image.fill(base)
    painter = QPainter(image)
    view.itemDelegateForIndex(index).paint(painter, option, index)
    painter.end()
    return sum(image.pixelColor(px, py) != base for px in range(x, width) for py in range(image.height()))


def test_the_target_lists_show_each_variables_shape_beside_its_name(qtbot, dialog):
    table = dialog.table
    index = table.model().index(0, TARGET)
    table.edit(index)
    editor = table.indexWidget(index)
    completer = editor.completer()
    completer.setCompletionPrefix("gamma")
    metrics = editor.view().fontMetrics()
    name, shape = "model/bn/gamma", "[16] float32"
    for view in (editor.view(), completer.popup()):
        model = view.model()
        item = next(model.index(r, 0) for r in range(model.rowCount()) if model.index(r, 0).data() == name)
        assert item.data(Qt.ItemDataRole.ToolTipRole) == shape  # still its tooltip too
        after_name = metrics.horizontalAdvance(name) + 12
        assert _ink_after(view, item, after_name, after_name + 300) > 0, "nothing drawn beside the name"
        # The list opens wide enough for the name and its shape, not cut to the cell's width.
        assert view.minimumWidth() >= metrics.horizontalAdvance(name) + metrics.horizontalAdvance(shape)
    table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)


def test_a_value_the_verification_found_different_is_named_as_the_source_column_names_it():
    from ckpt_gui.app.widgets.repair_panel import outcome_html
    from ckpt_gui.repair.writer import RepairOutcome, ValueCheck

    entry = PlanEntry(KEYS[1], Action.MAP, "model/bn/beta", "renamed", (16,), (16,), "float32", "float32")
    plan = RepairPlan("/ckpt/ckpt-1", "/m.py", "object", (entry,), ())
    check = ValueCheck(KEYS[1], "model/bn/beta", "model/bn/beta/.ATTRIBUTES/VARIABLE_VALUE", "different")
    outcome = RepairOutcome("/ckpt/ckpt-1", "/out", plan, written="/out/ckpt-1", checks=[check], names=PATHS)
    said = outcome_html(outcome)
    assert f"different: {PATHS[KEYS[1]]} \u2192 model/bn/beta" in said, said
    assert "_trainable_variables" not in said
