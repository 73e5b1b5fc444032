"""Review 13's leftovers of the Repair dialog (#2b, #2c): a line the writer would refuse
was said with checkpoint keys ("from optimizer/_trainable_variables/1/.ATTRIBUTES/
VARIABLE_VALUE and ...") while the Source column shows readable paths; the edited row
scrolled out of view as the explanation under the table grew; the target list showed
each variable's shape only in a tooltip. Offscreen, no TensorFlow."""

from __future__ import annotations

import pytest

from ckpt_gui.app.widgets.repair_panel import REASON, TARGET, RepairDialog
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
    entries = tuple(PlanEntry(key, Action.DROP, None, "nothing in the model claims it", (16,), None, "float32")
                    for key in keys)  # fmt: skip
    plan = RepairPlan(ckpt.prefix, "/m.py", "object", entries, (InitialVariable("model/bn/gamma", "", (16,),
                                                                                "float32"),))  # fmt: skip
    window.repair.ckpt, window.repair.script = ckpt, "/m.py"
    dialog = window.repair._dialog()
    dialog.show_plan(plan, paths=paths)
    dialog.show()
    submitted = []
    monkeypatch.setattr(window.repair.runner, "submit", lambda *a, **k: submitted.append(a))
    for row in (0, 1):
        dialog.table.item(row, TARGET).setText("model/bn/gamma")
    dialog.table.setCurrentCell(0, REASON)
    window.repair.write("/tmp/never-written")
    text = dialog.result.text()
    assert not submitted
    assert "Not done" in text and "line 2 (model/_operations/3/beta) cannot be written" in text, text
    assert "from model/_operations/3/gamma and from model/_operations/3/beta" in text, text
    assert "_trainable_variables" not in text, text
    assert dialog.table.currentRow() == 1  # the line named is the line shown
